"""How many calls were missed since the agent last looked, for the tray's badge.

:class:`MissedCalls` counts with :meth:`CallStore.missed_since` (inbound calls
missed, of the agent's extension). "Last looked" is kept in ``store.values``
as a watermark: the start time of the newest missed call the agent has seen.
A time on the clock would lose calls that the PBX only reports after a delay
(a call that rang while the agent looked is synced minutes later, yet started
before they looked); the watermark counts them. :func:`missed_notice` says who
called, for the notification. No Qt here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from pbxdesk.api.models import AnyCall, Direction, Outcome
from pbxdesk.phone import format_for_display
from pbxdesk.store import CallStore
from pbxdesk.store.filters import NEWEST_FIRST, CallFilter

SEEN_KEY: Final = "tray.missed_seen_until"
# Stored starts have microsecond precision and missed_since() includes its bound.
_AFTER: Final = timedelta(microseconds=1)
NAMED_CALLERS: Final = 2
"""How many callers a notification names before "and 3 more"."""
MAX_NEW_CALLS: Final = 100
"""The most new calls a notification opens (a page of the table)."""


@dataclass(frozen=True, slots=True)
class MissedUpdate:
    """The count after a sync: ``total`` unseen, of which ``new`` since the last refresh;
    ``calls`` are those new ones, newest first (up to :data:`MAX_NEW_CALLS`)."""

    total: int
    new: int
    calls: tuple[AnyCall, ...] = ()


def caller_label(call: AnyCall, region: str) -> str:
    """Who called, as an agent knows them: the name the PBX sent, else the number."""
    name = (call.caller_name or "").strip()
    if name:
        return name
    number = (call.caller_id or "").strip()
    if not number or not any(char.isdigit() for char in number):
        return "a withheld number"
    return format_for_display(number, region)


def missed_notice(calls: tuple[AnyCall, ...], region: str, new: int | None = None) -> str:
    """"Missed: 0412 345 678, Jane Citizen, and 1 more" for ``new`` calls (default:
    as many as ``calls``), newest first; a caller who rang twice is named once."""
    count = len(calls) if new is None else max(new, len(calls))
    if count <= 0:
        return ""
    labels: list[str] = []
    covered = 0  # calls whose caller is named
    for call in calls:
        label = caller_label(call, region)
        if label not in labels:
            if len(labels) == NAMED_CALLERS:
                continue
            labels.append(label)
        covered += 1
    rest = count - covered
    if rest <= 0:
        return "Missed: " + " and ".join(labels)
    if len(labels) == 1:
        return f"Missed: {labels[0]} and {rest} more"
    return f"Missed: {', '.join(labels)}, and {rest} more"


class MissedCalls:
    """Counts the missed calls the agent has not looked at yet.

    Attributes:
        my_extension: whose missed calls count; "" counts every user's (an
            account with one agent, or no extension set yet).
    """

    def __init__(self, store: CallStore, my_extension: str, *,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self.my_extension = my_extension
        self._now = now
        self._last_total: int | None = None

    def seen_until(self) -> datetime:
        """The watermark; the first time ever it is now (old history is not "new")."""
        stored = self._store.values.get(SEEN_KEY)
        if isinstance(stored, str):
            try:
                moment = datetime.fromisoformat(stored)
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is not None:
                return moment
        moment = self._now()
        self._store.values.set(SEEN_KEY, moment.isoformat())
        return moment

    def count(self) -> int:
        """Missed calls that started after the watermark."""
        return self._store.missed_since(self.seen_until() + _AFTER, user_numbers=self._users())

    def refresh(self) -> MissedUpdate:
        """Count again (after a sync); ``new`` is how many appeared since the last refresh.

        The first refresh reports every unseen call as new (missed while pbxdesk was
        closed).
        """
        total = self.count()
        new = total if self._last_total is None else max(0, total - self._last_total)
        self._last_total = total
        if not new:
            return MissedUpdate(total, new)
        unseen = dataclasses.replace(self._missed_filter(), start=self.seen_until() + _AFTER)
        calls = self._store.page(unseen, NEWEST_FIRST, 0, min(new, MAX_NEW_CALLS))
        return MissedUpdate(total, new, tuple(calls))

    def mark_seen(self) -> None:
        """The agent looked at the missed calls: move the watermark to the newest one."""
        newest = self._store.page(self._missed_filter(), NEWEST_FIRST, 0, 1)
        start = newest[0].call_start_at if newest else None
        if start is not None:
            start = start if start.tzinfo is not None else start.replace(tzinfo=UTC)
            if start > self.seen_until():
                self._store.values.set(SEEN_KEY, start.isoformat())
        self._last_total = 0

    def _users(self) -> tuple[str, ...]:
        return (self.my_extension,) if self.my_extension else ()

    def _missed_filter(self) -> CallFilter:
        # The same calls CallStore.missed_since() counts, without the start bound.
        return CallFilter(outcomes=frozenset({Outcome.MISSED}),
                          directions=frozenset({Direction.INBOUND}),
                          user_numbers=frozenset(self._users()))
