"""What the call views ask the store for: a filter and a sort order.

Plain values, hashable (the store memoises counts and paging positions per
filter and sort). No Qt here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from pbxdesk.api.models import CallKind, Direction, Outcome


class SortColumn(StrEnum):
    """The columns a call view can sort on (each has an index)."""

    CALL_ID = "call_id"
    TYPE = "type"
    CALLER = "caller"
    CALLER_NAME = "caller_name"
    DESTINATION = "destination"
    USER_NAME = "user_name"
    EXTENSION = "extension"
    START = "start"
    ANSWERED = "answered"
    DURATION = "duration"
    TALK_TIME = "talk_time"
    GROUP = "group"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class Sort:
    """A sort order. Ties are broken by start time, then by the order rows were
    first stored, in the same direction, so every order is total and stable.

    Text columns sort case-insensitively (ASCII letters); missing values sort
    first ascending, last descending; numbers (caller, destination, extension,
    call id) sort as text.
    """

    column: SortColumn = SortColumn.START
    descending: bool = True

    def reversed(self) -> Sort:
        return Sort(self.column, not self.descending)


NEWEST_FIRST = Sort(SortColumn.START, descending=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallFilter:
    """Which calls to show. Every part is optional; the parts combine with AND.

    Attributes:
        start, end: the half-open range ``start <= call_start_at < end``; a
            naive datetime is taken as UTC. Calls without a start time (or one
            before 1970) only match when neither bound is set.
        kinds: user / queue / ring-group histories (empty: all).
        user_numbers, user_names: calls of these users; a call matches if its
            user number *or* its user name is listed.
        group_names: calls of these queues or ring groups.
        outcomes, directions: derived from the API's ``type`` / ``status``.
        text: a number in any format ("0412 345 678", "+61412345678",
            "412345678") or part of a caller, user or group name (any case).
            Text with a letter searches names; text without one searches numbers.
        periods: when given, only calls that started in one of these half-open
            ``(start, end)`` ranges (e.g. every Monday 9–10 am of a month, from Insights).
    """

    start: datetime | None = None
    end: datetime | None = None
    kinds: frozenset[CallKind] = frozenset()
    user_numbers: frozenset[str] = frozenset()
    user_names: frozenset[str] = frozenset()
    group_names: frozenset[str] = frozenset()
    outcomes: frozenset[Outcome] = frozenset()
    directions: frozenset[Direction] = frozenset()
    text: str = ""
    periods: tuple[tuple[datetime, datetime], ...] = ()

    def __post_init__(self) -> None:
        # Callers may pass lists or sets; a frozenset keeps the filter hashable.
        for name in ("kinds", "user_numbers", "user_names", "group_names", "outcomes",
                     "directions"):
            value: Iterable[object] = getattr(self, name)
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))
        for name in ("start", "end"):
            moment: datetime | None = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                object.__setattr__(self, name, moment.replace(tzinfo=UTC))
        object.__setattr__(self, "text", (self.text or "").strip())
        object.__setattr__(self, "periods", tuple(
            (start if start.tzinfo else start.replace(tzinfo=UTC),
             end if end.tzinfo else end.replace(tzinfo=UTC)) for start, end in self.periods))

    @property
    def has_users(self) -> bool:
        return bool(self.user_numbers or self.user_names)


ALL_CALLS = CallFilter()
