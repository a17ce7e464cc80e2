"""What Insights is asked and what it answers: the query and the figures.

Plain values, made by :mod:`pbxdesk.store.insights` on a worker thread and shown
by the Insights tab. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import IntEnum
from typing import Final

from pbxdesk.api.models import CallKind
from pbxdesk.store import rows

DEFAULT_SERVICE_LEVEL_S: Final = 20


class Category(IntEnum):
    """What became of a call, as the charts stack it (the values are stored nowhere)."""

    ANSWERED = 0
    MISSED = 1
    ABANDONED = 2
    OTHER = 3


# -- what is asked -----------------------------------------------------------------------

class Scope(IntEnum):
    """Whose calls: the user's own, chosen users, queues or ring groups."""

    ME = 0
    USERS = 1
    QUEUES = 2
    RING_GROUPS = 3

    @property
    def kind(self) -> CallKind:
        return {Scope.QUEUES: CallKind.QUEUE,
                Scope.RING_GROUPS: CallKind.RING_GROUP}.get(self, CallKind.USER)


@dataclass(frozen=True, slots=True, kw_only=True)
class InsightsQuery:
    """The calls to count: ``start <= call_start_at < end`` (aware), of a scope.

    Attributes:
        scope: whose calls. ``ME`` and ``USERS`` count user calls, of
            ``user_numbers`` / ``user_names`` (empty: every user); ``QUEUES`` and
            ``RING_GROUPS`` count that history, of ``group_names`` (empty: all).
        zone: the time zone of days and hours (None: the system's).
        service_level_s: "answered within N seconds".
    """

    start: datetime
    end: datetime
    scope: Scope = Scope.USERS
    user_numbers: frozenset[str] = frozenset()
    user_names: frozenset[str] = frozenset()
    group_names: frozenset[str] = frozenset()
    zone: tzinfo | None = None
    service_level_s: int = DEFAULT_SERVICE_LEVEL_S

    @property
    def start_us(self) -> int:
        return max(0, rows.to_micros(self.start))

    @property
    def end_us(self) -> int:
        return max(self.start_us, rows.to_micros(self.end))


# -- results -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Counts:
    """Calls by category; ``incoming`` are those not outbound (a missed rate's base)."""

    answered: int = 0
    missed: int = 0
    abandoned: int = 0
    other: int = 0
    incoming: int = 0
    live: int = 0

    @property
    def calls(self) -> int:
        return self.answered + self.missed + self.abandoned + self.other

    @property
    def missed_rate(self) -> float | None:
        """Missed ÷ incoming calls; None when there were no incoming calls."""
        return self.missed / self.incoming if self.incoming else None

    def of(self, category: Category) -> int:
        return (self.answered, self.missed, self.abandoned, self.other)[category]


@dataclass(frozen=True, slots=True)
class DayCounts:
    day: date
    counts: Counts


@dataclass(frozen=True, slots=True)
class HourCell:
    """Calls that started in one hour of one weekday (Monday = 0), over the range."""

    weekday: int
    hour: int
    counts: Counts


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """One queue or ring group. Waits are seconds; rates are fractions (None: no calls)."""

    kind: CallKind
    name: str
    calls: int
    answered: int
    abandoned: int
    missed: int
    answered_in_time: int
    wait_median: float | None
    wait_p90: float | None
    live: int = 0

    @property
    def abandon_rate(self) -> float | None:
        return self.abandoned / self.calls if self.calls else None

    @property
    def service_level(self) -> float | None:
        return self.answered_in_time / self.calls if self.calls else None


@dataclass(frozen=True, slots=True)
class AgentFigures:
    """One user (agent). Talk times are seconds."""

    number: str
    name: str
    calls: int
    inbound: int
    outbound: int
    answered: int
    missed: int
    talk_total: int
    talk_median: float | None
    live: int = 0

    @property
    def label(self) -> str:
        if self.name and self.number:
            return f"{self.name} ({self.number})"
        return self.name or self.number or "(no name)"


@dataclass(frozen=True, slots=True)
class Days:
    """Calls per local day, every day of the range listed (zeros included)."""

    days: tuple[DayCounts, ...]
    total: Counts = field(default_factory=Counts)


@dataclass(frozen=True, slots=True)
class HeatMap:
    """7 × 24 cells, Monday first, every cell present."""

    cells: tuple[HourCell, ...]
    periods: tuple[tuple[tuple[datetime, datetime], ...], ...] = ()
    """Per cell, the UTC ranges whose local time is its weekday and hour (:func:`hour_periods`);
    worked out with the counts, off the GUI thread (two years are 17,520 hours)."""

    def cell(self, weekday: int, hour: int) -> HourCell:
        return self.cells[weekday * 24 + hour]

    @property
    def peak(self) -> int:
        return max((cell.counts.calls for cell in self.cells), default=0)
