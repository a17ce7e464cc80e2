"""What became of a click-to-call: the state of one attempt and how it is read from history.

The API's ``call-to-number`` answer carries no call id, so the outcome of a
call is only known once its row shows up in the user-calls history (the PBX
writes the row when the call ends). This module holds the Qt-free parts of
that: :class:`CallAttempt` (one request and where it stands), the words shown
for each state, the history query a poll sends, how a row is matched to an
attempt, and the default poll schedule. :mod:`pbxdesk.services.calls` runs it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from pbxdesk.api.models import Direction, HistoryQuery, Outcome, SortOrder, UserCall

# Seconds after the POST at which the history is asked for the call. The row
# appears only when the call has ended, so a few quick looks catch short or
# unanswered calls and slower ones follow talk time, up to ten minutes. That
# is at most 14 requests for a call nobody picks up, of ~100 per 15 minutes.
DEFAULT_POLL_SCHEDULE: Final = (10.0, 20.0, 30.0, 60.0, 90.0, 120.0, 180.0, 240.0, 300.0,
                                360.0, 420.0, 480.0, 540.0, 600.0)
# How long the agent's phones ring before the PBX gives up on them (a typical
# SIP device timeout, plus a margin): after it, "Ringing your phones" is wrong.
DEFAULT_RING_SECONDS: Final = 45.0
# The PBX's clock and this computer's may disagree by this much: a row that
# starts this long before the POST still belongs to it.
START_SLACK: Final = timedelta(seconds=90)
# Rows per poll. With the server-side user filter the agent's newest calls are
# few; without it the page holds every user's calls and is filtered here.
POLL_LIMIT: Final = 50
POLL_LIMIT_UNFILTERED: Final = 500

MAY_HAVE_PLACED_TEXT: Final = ("The call may have been placed — check your phone before "
                               "trying again.")
NOT_FOUND_TEXT: Final = ("No record of this call yet: your phones may not have answered. "
                         "It shows in the history once the PBX reports it.")
MAY_HAVE_PLACED_NOT_FOUND_TEXT: Final = (
    "The call may have been placed, but the history has no record of it yet — check your "
    "phone before trying again.")
BUDGET_TEXT: Final = ("Result not checked, to keep requests for your next call. The call "
                      "shows in the history after the next sync.")


class CallState(StrEnum):
    """Where a click-to-call attempt stands."""

    CALLING = "calling"                  # the POST is on its way
    RINGING = "ringing"                  # accepted: the agent's phones ring
    PLACED = "placed"                    # past the ring time, waiting for the history row
    TALKING = "talking"                  # answered and still going (told by live events)
    CONNECTED = "connected"              # answered, and over (talk time known)
    NOT_ANSWERED = "not_answered"
    BUSY = "busy"
    FAILED = "failed"                    # the PBX reported the call as failed
    ENDED = "ended"                      # a row of a type we cannot name
    UNKNOWN = "unknown"                  # no row found by the end of the schedule
    MAY_HAVE_PLACED = "may_have_placed"  # the POST went out, its answer was lost
    ERROR = "error"                      # refused or not sent: no call was placed

    @property
    def pending(self) -> bool:
        """True while the outcome may still be learnt."""
        return self in _PENDING

    @property
    def succeeded(self) -> bool:
        """True when the PBX took the request (the call was placed)."""
        return self not in {CallState.CALLING, CallState.ERROR, CallState.MAY_HAVE_PLACED}


_PENDING = frozenset({CallState.CALLING, CallState.RINGING, CallState.PLACED,
                      CallState.TALKING, CallState.MAY_HAVE_PLACED})


@dataclass(frozen=True, slots=True)
class CallAttempt:
    """One click-to-call request and where it stands; a new value on every change.

    Attributes:
        attempt_id: counts up per service, to tell attempts apart.
        number: what was sent as ``number_to_call`` (E.164 or an extension).
        display: the number as the agent knows it ("0412 345 678", "1002").
        user_number: the extension whose phones ring.
        caller_id: the caller ID asked for; None for the PBX's default.
        state: see :class:`CallState`.
        text: one line for the UI ("Ringing your phones (ext 1010)…").
        talk_seconds: the talk time of an answered call.
        unique_call_id: the PBX's id of the call, once its row is found.
        requested_at: when the POST was sent (wall clock, UTC).
        started: the service's monotonic clock at that moment.
        internal: True when ``number`` is an extension of the PBX.
    """

    attempt_id: int
    number: str
    display: str
    user_number: str
    caller_id: str | None
    state: CallState
    text: str
    requested_at: datetime
    started: float
    internal: bool = False
    talk_seconds: int | None = None
    unique_call_id: str | None = None

    @property
    def pending(self) -> bool:
        return self.state.pending

    def moved_to(self, state: CallState, text: str, *, talk_seconds: int | None = None,
                 unique_call_id: str | None = None) -> CallAttempt:
        """This attempt in ``state``; the outcome's details are kept once known."""
        return dataclasses.replace(
            self, state=state, text=text,
            talk_seconds=talk_seconds if talk_seconds is not None else self.talk_seconds,
            unique_call_id=unique_call_id or self.unique_call_id)


def calling_text(display: str) -> str:
    return f"Calling {display}…"


def ringing_text(user_number: str) -> str:
    return f"Ringing your phones (ext {user_number})…"


def placed_text(user_number: str) -> str:
    return f"Call placed from ext {user_number}. Its result shows here when it ends."


def dialling_text(display: str) -> str:
    """Your phone answered; the PBX now rings the destination (a live event says so)."""
    return f"Ringing {display}…"


def talking_text(display: str) -> str:
    return f"Connected to {display}"


def refused_text(server_message: str) -> str:
    """A call the PBX refused (HTTP 400): its own words (the only precise reason), then
    the dial pad's field to look at. The API names the field it refused in its text."""
    reason = server_message.strip().rstrip(".") or "no reason given"
    if "caller_id" in reason.lower() or "caller id" in reason.lower():
        step = "Pick another number under 'Caller ID'."
    else:
        step = "Check the number and the extension under 'Ring phones of'."
    return f"The PBX refused the call: {reason}. {step}"


def answered_text(talk_seconds: int | None) -> str:
    """An answered call, once it is over: past tense, so it never reads as in progress."""
    if not talk_seconds:
        return "Answered; the call has ended"
    return f"Call ended after {format_talk_time(talk_seconds)} talking"


def format_talk_time(seconds: int) -> str:
    """``3:12``, or ``1:02:05`` from an hour on."""
    seconds = max(0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def outcome_of_row(row: UserCall) -> tuple[CallState, str]:
    """The final state and its words for the call's history row."""
    outcome = row.outcome
    if outcome is Outcome.ANSWERED:
        return CallState.CONNECTED, answered_text(row.conversation_duration)
    if outcome in (Outcome.MISSED, Outcome.ABANDONED):
        return CallState.NOT_ANSWERED, "Not answered"
    if outcome is Outcome.BUSY:
        return CallState.BUSY, "Busy"
    if outcome is Outcome.FAILED:
        return CallState.FAILED, "The call failed. Check the number, then try again."
    # An unknown type is kept and shown as the PBX named it, never dropped.
    kind = (row.type or "unknown").replace("_", " ")
    return CallState.ENDED, f"Call ended ({kind})"


def poll_query(user_number: str, requested_at: datetime, *, filtered: bool) -> HistoryQuery:
    """The history request that finds the call placed at ``requested_at``.

    The API's dates are days of an unknown time zone with an unknown
    inclusivity, so the range reaches a day either side.
    """
    day = requested_at.date()
    return HistoryQuery(from_date=day - timedelta(days=1), to_date=day + timedelta(days=1),
                        names=(user_number,), sort=SortOrder.NEWEST_FIRST,
                        limit=POLL_LIMIT if filtered else POLL_LIMIT_UNFILTERED)


def matches_target(row: UserCall, target_number: str, target_is_internal: bool) -> bool:
    """True when ``row`` went to the number the attempt dialled."""
    if target_is_internal:
        return (row.dest_number or "").strip() == target_number
    return row.dest_e164 == target_number


def find_row(rows: Iterable[UserCall], attempt: CallAttempt, *,
             claimed: Collection[str] = ()) -> UserCall | None:
    """The history row of ``attempt``: its extension's outbound call to its number.

    Among rows that started no earlier than the POST (minus :data:`START_SLACK`)
    and that no other attempt has claimed, the first to start wins: two quick
    calls to one number each get their own row.
    """
    earliest = attempt.requested_at - START_SLACK
    found: UserCall | None = None
    for row in rows:
        if (row.user_number or "").strip() != attempt.user_number:
            continue
        if row.direction is not Direction.OUTBOUND or row.key in claimed:
            continue
        if row.call_start_at is None or row.call_start_at < earliest:
            continue
        if not matches_target(row, attempt.number, attempt.internal):
            continue
        if found is None or (found.call_start_at is not None
                             and row.call_start_at < found.call_start_at):
            found = row
    return found


def wake_times(schedule: Iterable[float], ring_seconds: float) -> list[tuple[float, bool]]:
    """When the tracker wakes, in seconds after the POST, and whether it polls then.

    The end of the ring time is a wake-up of its own, so the "Ringing" text
    changes on time even between polls (not after the last poll: by then the
    outcome is final either way).
    """
    polls = sorted({max(0.0, float(at)) for at in schedule})
    times = dict.fromkeys(polls, True)
    if polls and 0 < ring_seconds < polls[-1]:
        times.setdefault(float(ring_seconds), False)
    return sorted(times.items())


def attempt_of_row(attempts: Iterable[CallAttempt], row: UserCall, *,
                   claimed: Collection[str] = ()) -> CallAttempt | None:
    """The pending attempt a live event's call (``row``) belongs to, newest first.

    Once an attempt knows its call's id, only that id matches; before, the row must
    be its extension's outbound call to its number, as :func:`find_row` reads it.
    """
    for attempt in reversed(list(attempts)):
        if not attempt.pending:
            continue
        if attempt.unique_call_id and row.unique_call_id:
            if attempt.unique_call_id == row.unique_call_id:
                return attempt
            continue
        if find_row([row], attempt, claimed=claimed) is not None:
            return attempt
    return None
