"""Who is calling: one caller's history from the local store, for the screen pop.

:func:`caller_summary` reads the calls of one number (the store's number
search: the trigram index, so a few milliseconds at a million calls, then an
exact match on the E.164 form here) and sums them up: how many calls in all,
the last one and its outcome, how many missed calls are still waiting (missed
since the last time someone answered or called back), and the newest name the
history knows for the number. Call it on a worker thread (the store's
threading rule). No Qt here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pbxdesk.api.models import CallKind, Direction, Outcome, UserCall
from pbxdesk.store import CallFilter, CallStore, StoreError
from pbxdesk.store.filters import NEWEST_FIRST

log = logging.getLogger("pbxdesk.live")

LOOKUP_ROWS: Final = 500
"""Rows read per caller (legs of the newest calls); more are counted as "500+"."""


@dataclass(frozen=True, slots=True)
class PastCall:
    """One earlier call with this number (all of its legs in one)."""

    started_at: datetime | None
    direction: Direction
    answered: bool
    outcome: Outcome
    answered_by: str | None
    """The user (name, else extension) who answered or placed it."""
    talk_seconds: int | None


@dataclass(frozen=True, slots=True)
class CallerSummary:
    """What the local history knows about one number."""

    calls: int
    more: bool
    """True when there were more rows than :data:`LOOKUP_ROWS` (``calls`` is a floor)."""
    last: PastCall | None
    missed_waiting: int
    name: str | None
    """The newest caller name stored for this number (inbound calls only)."""

    @property
    def known(self) -> bool:
        return self.calls > 0


EMPTY_SUMMARY: Final = CallerSummary(calls=0, more=False, last=None, missed_waiting=0,
                                     name=None)


def caller_summary(store: CallStore, e164: str | None, raw: str | None, *,
                   exclude_call_id: str | None = None) -> CallerSummary:
    """The history of ``e164`` (or of the raw number when it has none); never raises."""
    wanted = (e164 or "").strip() or (raw or "").strip()
    if not wanted or not any(ch.isdigit() for ch in wanted):
        return EMPTY_SUMMARY
    try:
        rows = store.page(CallFilter(kinds=frozenset({CallKind.USER}), text=wanted),
                          NEWEST_FIRST, 0, LOOKUP_ROWS)
    except StoreError as error:
        log.warning("Cannot read the caller's history: %s", error)
        return EMPTY_SUMMARY
    mine = [row for row in rows if isinstance(row, UserCall) and _same_number(row, e164, raw)
            and not (exclude_call_id and row.unique_call_id == exclude_call_id)]
    return summarise(mine, more=len(rows) >= LOOKUP_ROWS)


def summarise(rows: list[UserCall], *, more: bool = False) -> CallerSummary:
    """Sum up one number's rows, newest first (legs of one call share its id)."""
    calls: dict[str, list[UserCall]] = {}
    for row in rows:
        calls.setdefault(row.unique_call_id or row.key, []).append(row)
    name = next((row.caller_name for row in rows
                 if row.direction is not Direction.OUTBOUND and row.caller_name
                 and row.caller_name.strip()), None)
    past = [_past_call(legs) for legs in calls.values()]
    waiting = 0
    for call in past:
        if call.answered or call.direction is Direction.OUTBOUND:
            break  # someone spoke to them, or called them back: older misses are settled
        if call.outcome is Outcome.MISSED:
            waiting += 1
    return CallerSummary(calls=len(past), more=more, last=past[0] if past else None,
                         missed_waiting=waiting, name=name)


def _past_call(legs: list[UserCall]) -> PastCall:
    answered_leg = next((leg for leg in legs if leg.outcome is Outcome.ANSWERED), None)
    leg = answered_leg or legs[0]
    outbound = any(one.direction is Direction.OUTBOUND for one in legs)
    who = (leg.user_name or leg.user_number) if (answered_leg or outbound) else None
    starts = [one.call_start_at for one in legs if one.call_start_at is not None]
    return PastCall(started_at=min(starts) if starts else None,
                    direction=Direction.OUTBOUND if outbound else leg.direction,
                    answered=answered_leg is not None, outcome=leg.outcome,
                    answered_by=who, talk_seconds=leg.conversation_duration)


def _same_number(row: UserCall, e164: str | None, raw: str | None) -> bool:
    if e164:
        return e164 in (row.caller_e164, row.dest_e164)
    raw = (raw or "").strip()
    return raw in ((row.caller_id or "").strip(), (row.dest_number or "").strip())
