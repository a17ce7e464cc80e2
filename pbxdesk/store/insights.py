"""Insights' aggregates in SQL: calls per local day and hour, per queue, per agent.

Every figure is counted by SQLite from the ``calls`` columns (see
:mod:`pbxdesk.store.rows`); Python only turns a few hundred result rows into
values (percentiles are picked from a frequency table SQL returns). The
definitions are in ``docs/insights.md`` and mirrored by :data:`DEFINITIONS`.

Local time without per-row time-zone calls: the range is cut into segments of
constant UTC offset (:func:`offset_segments`, one segment unless a daylight
saving change falls inside), and a row's local time is ``start_us`` plus its
segment's offset, a ``CASE`` on integers. Local days and hours then are integer
divisions, so a 23- or 25-hour day and a half-hour zone come out right.

Every query reads ``ix_calls_insights`` (the last migration that names it),
which holds every column used here, so the table rows are never read.
No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import IntEnum
from typing import Any, Final

from pbxdesk.api.models import CallKind, Outcome
from pbxdesk.store import rows
from pbxdesk.store.query import matching_groups, matching_users

INDEX: Final = "ix_calls_insights"
LIVE_COLUMN: Final = "live"
"""A column that marks calls seen live and not yet confirmed by a sync (nonzero = live).

The live-calls feature adds it; until then no call is live. Read when present."""
MAX_TALK_S: Final = 7 * 24 * 3600
"""A talk time outside 0 … one week is bad data and left out of talk-time figures."""
MAX_WAIT_US: Final = 24 * 3600 * 1_000_000
"""A wait outside 0 … one day (connected before the start, or a day later) is bad data."""
DEFAULT_SERVICE_LEVEL_S: Final = 20

_US: Final = 1_000_000
_HOUR_US: Final = 3600 * _US
_DAY_US: Final = 24 * _HOUR_US
_LOCAL_EPOCH: Final = date(1970, 1, 1)
_INBOUND: Final = 1
_OUTBOUND: Final = 2
_NULL_CONNECTED: Final = 1 << rows.NULLABLE_FIELDS.index("connected_at")
_NULL_TALK: Final = 1 << rows.NULLABLE_FIELDS.index("conversation_duration")
_USER: Final = rows.KIND_CODES[CallKind.USER]
_GROUP_KINDS: Final = (rows.KIND_CODES[CallKind.QUEUE], rows.KIND_CODES[CallKind.RING_GROUP])


class Category(IntEnum):
    """What became of a call, as the charts stack it (the values are stored nowhere)."""

    ANSWERED = 0
    MISSED = 1
    ABANDONED = 2
    OTHER = 3


_ANSWERED: Final = rows.OUTCOME_CODES[Outcome.ANSWERED]
_ABANDONED: Final = rows.OUTCOME_CODES[Outcome.ABANDONED]
_NOT_REACHED: Final = ", ".join(str(rows.OUTCOME_CODES[outcome]) for outcome in (
    Outcome.MISSED, Outcome.BUSY, Outcome.FAILED))
_IS_ANSWERED: Final = f"(outcome = {_ANSWERED})"
_IS_ABANDONED: Final = f"(outcome = {_ABANDONED})"
_IS_MISSED: Final = f"(outcome IN ({_NOT_REACHED}) AND direction != {_OUTBOUND})"
_HAS_WAIT: Final = (f"({_IS_ANSWERED} AND (nulls & {_NULL_CONNECTED}) = 0 AND connected_us "
                    f"BETWEEN start_us AND start_us + {MAX_WAIT_US})")
_HAS_TALK: Final = (f"({_IS_ANSWERED} AND (nulls & {_NULL_TALK}) = 0 AND conversation_duration "
                    f"BETWEEN 0 AND {MAX_TALK_S})")


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

    def cell(self, weekday: int, hour: int) -> HourCell:
        return self.cells[weekday * 24 + hour]

    @property
    def peak(self) -> int:
        return max((cell.counts.calls for cell in self.cells), default=0)


# -- local time --------------------------------------------------------------------------

def utc_offset_us(moment_us: int, zone: tzinfo | None) -> int:
    """The UTC offset in force at ``moment_us`` in ``zone`` (None: the system's)."""
    utc = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=moment_us)
    local = utc.astimezone(zone) if zone is not None else utc.astimezone()
    offset = local.utcoffset() or timedelta()
    return offset // timedelta(microseconds=1)


def offset_segments(start_us: int, end_us: int,
                    zone: tzinfo | None) -> list[tuple[int, int]]:
    """``(from_us, offset_us)`` pieces of ``[start_us, end_us)`` with one UTC offset each.

    Found by probing every 6 hours and bisecting to the microsecond where the
    offset changes (rules change at most a few times a year).
    """
    segments = [(start_us, utc_offset_us(start_us, zone))]
    step = 6 * _HOUR_US
    probe = start_us
    while probe < end_us:
        nxt = min(probe + step, end_us)
        offset = utc_offset_us(nxt, zone)
        if offset != segments[-1][1] and nxt < end_us:
            low, high = probe, nxt  # offset(low) is the old one, offset(high) the new
            while high - low > 1:
                middle = (low + high) // 2
                if utc_offset_us(middle, zone) == segments[-1][1]:
                    low = middle
                else:
                    high = middle
            segments.append((high, offset))
        probe = nxt
    return segments


def _local_sql(segments: Sequence[tuple[int, int]]) -> tuple[str, list[int]]:
    """``start_us`` moved to local time, as SQL, and its parameters."""
    if len(segments) == 1:
        return "(start_us + ?)", [segments[0][1]]
    parts, params = [], []
    for (_, offset), (following, _next) in itertools.pairwise(segments):
        parts.append("WHEN start_us < ? THEN ?")
        params += [following, offset]
    params.append(segments[-1][1])
    return f"(start_us + CASE {' '.join(parts)} ELSE ? END)", params


def local_day(day_number: int) -> date:
    return _LOCAL_EPOCH + timedelta(days=day_number)


def local_days(start_us: int, end_us: int, zone: tzinfo | None) -> list[date]:
    """Every local day the range touches, in order."""
    if end_us <= start_us:
        return []
    first = (start_us + utc_offset_us(start_us, zone)) // _DAY_US
    last = (end_us - 1 + utc_offset_us(end_us - 1, zone)) // _DAY_US
    return [local_day(number) for number in range(first, last + 1)]


def hour_periods(start_us: int, end_us: int, zone: tzinfo | None, weekday: int,
                 hour: int) -> list[tuple[datetime, datetime]]:
    """The UTC ranges of ``[start_us, end_us)`` whose local time is that weekday and hour.

    Exactly the instants :func:`calls_per_hour` counts in that cell (so a history
    filtered by them lists the cell's calls): each constant-offset segment of the
    range contributes the local hour moved back by its offset, on every matching day.
    """
    periods: list[tuple[int, int]] = []
    segments = offset_segments(start_us, end_us, zone) if end_us > start_us else []
    for index, (seg_start, offset) in enumerate(segments):
        seg_end = segments[index + 1][0] if index + 1 < len(segments) else end_us
        first_day = (seg_start + offset) // _DAY_US
        last_day = (seg_end - 1 + offset) // _DAY_US
        for day in range(first_day, last_day + 1):
            if (day + 3) % 7 != weekday:
                continue
            local_start = day * _DAY_US + hour * _HOUR_US
            low = max(seg_start, local_start - offset)
            high = min(seg_end, local_start + _HOUR_US - offset)
            if low >= high:
                continue
            if periods and periods[-1][1] == low:  # one hour cut by a change: rejoin it
                periods[-1] = (periods[-1][0], high)
            else:
                periods.append((low, high))
    return [(rows.from_micros(low), rows.from_micros(high)) for low, high in periods]


# -- the queries -------------------------------------------------------------------------

def has_live_column(conn: sqlite3.Connection) -> bool:
    return any(row[1] == LIVE_COLUMN for row in conn.execute("PRAGMA table_info(calls)"))


def _live_sql(conn: sqlite3.Connection) -> str:
    return f"sum({LIVE_COLUMN} != 0)" if has_live_column(conn) else "0"


@dataclass(frozen=True, slots=True)
class _Where:
    sql: str
    params: tuple[Any, ...]
    empty: bool = False


def _where(conn: sqlite3.Connection, query: InsightsQuery, kinds: Sequence[int], *,
           users: bool, groups: bool) -> _Where:
    """The range, kinds and (when asked for) the scope's users or groups."""
    terms = [f"kind IN ({', '.join('?' * len(kinds))})" if len(kinds) > 1 else "kind = ?",
             "start_us >= ?", "start_us < ?"]
    params: list[Any] = [*kinds, query.start_us, query.end_us]
    if users and (query.user_numbers or query.user_names):
        refs = [ref for ref, _, _ in matching_users(conn, query.user_numbers, query.user_names)]
        if not refs:
            return _Where("0", (), empty=True)
        terms.append(f"user_ref IN ({', '.join('?' * len(refs))})")
        params += refs
    if groups and query.group_names:
        refs = [ref for ref, _ in matching_groups(conn, query.group_names)]
        if not refs:
            return _Where("0", (), empty=True)
        terms.append(f"group_ref IN ({', '.join('?' * len(refs))})")
        params += refs
    return _Where(" AND ".join(terms), tuple(params))


def _scope_where(conn: sqlite3.Connection, query: InsightsQuery) -> _Where:
    kind = rows.KIND_CODES[query.scope.kind]
    is_user = query.scope in {Scope.ME, Scope.USERS}
    return _where(conn, query, (kind,), users=is_user, groups=not is_user)


_COUNT_COLUMNS: Final = (
    f"sum({_IS_ANSWERED}), sum({_IS_MISSED}), sum({_IS_ABANDONED}), count(*), "
    f"sum(direction != {_OUTBOUND})")


def _counts(answered: int | None, missed: int | None, abandoned: int | None, calls: int,
            incoming: int | None, live: int | None) -> Counts:
    answered, missed, abandoned = answered or 0, missed or 0, abandoned or 0
    return Counts(answered=answered, missed=missed, abandoned=abandoned,
                  other=calls - answered - missed - abandoned, incoming=incoming or 0,
                  live=live or 0)


def calls_per_day(conn: sqlite3.Connection, query: InsightsQuery) -> Days:
    """Calls of the scope per local day, by category."""
    start_us, end_us = query.start_us, query.end_us
    days = local_days(start_us, end_us, query.zone)
    where = _scope_where(conn, query)
    found: dict[date, Counts] = {}
    if not where.empty and days:
        local, local_params = _local_sql(offset_segments(start_us, end_us, query.zone))
        for day_number, *values in conn.execute(
                f"SELECT {local} / {_DAY_US} AS day, {_COUNT_COLUMNS}, {_live_sql(conn)} "
                f"FROM calls INDEXED BY {INDEX} WHERE {where.sql} GROUP BY day",
                (*local_params, *where.params)):
            found[local_day(day_number)] = _counts(*values)
    listed = tuple(DayCounts(day, found.get(day, Counts())) for day in days)
    return Days(listed, _sum(item.counts for item in listed))


def calls_per_hour(conn: sqlite3.Connection, query: InsightsQuery) -> HeatMap:
    """Calls of the scope per local weekday and hour of day."""
    where = _scope_where(conn, query)
    found: dict[tuple[int, int], Counts] = {}
    if not where.empty and query.end_us > query.start_us:
        local, local_params = _local_sql(
            offset_segments(query.start_us, query.end_us, query.zone))
        # Day 0 of the epoch (1 January 1970) was a Thursday: weekday 3, Monday being 0.
        for weekday, hour, *values in conn.execute(
                f"SELECT ({local} / {_DAY_US} + 3) % 7 AS weekday, "
                f"({local} / {_HOUR_US}) % 24 AS hour, {_COUNT_COLUMNS}, {_live_sql(conn)} "
                f"FROM calls INDEXED BY {INDEX} WHERE {where.sql} GROUP BY weekday, hour",
                (*local_params, *local_params, *where.params)):
            found[(weekday, hour)] = _counts(*values)
    return HeatMap(tuple(HourCell(weekday, hour, found.get((weekday, hour), Counts()))
                         for weekday in range(7) for hour in range(24)))


def per_group(conn: sqlite3.Connection, query: InsightsQuery) -> list[GroupFigures]:
    """Queues and ring groups: those of the scope, or all when the scope is users.

    Sorted by calls, most first, then by name.
    """
    if query.scope in {Scope.QUEUES, Scope.RING_GROUPS}:
        where = _where(conn, query, (rows.KIND_CODES[query.scope.kind],), users=False,
                       groups=True)
    else:
        where = _where(conn, query, _GROUP_KINDS, users=False, groups=False)
    if where.empty:
        return []
    names = {ref: (rows.KIND_OF_CODE[kind], name)
             for ref, kind, name in conn.execute("SELECT id, kind, name FROM call_groups")}
    limit_us = max(0, query.service_level_s) * _US
    totals = conn.execute(
        f"SELECT kind, group_ref, count(*), sum({_IS_ANSWERED}), sum({_IS_ABANDONED}), "
        f"sum({_IS_MISSED}), sum({_HAS_WAIT} AND connected_us - start_us <= ?), "
        f"{_live_sql(conn)} FROM calls INDEXED BY {INDEX} WHERE {where.sql} "
        "GROUP BY kind, group_ref", (limit_us, *where.params)).fetchall()
    waits: dict[tuple[int, int | None], list[tuple[int, int]]] = {}
    for kind, ref, wait, times in conn.execute(
            f"SELECT kind, group_ref, connected_us - start_us AS wait, count(*) "
            f"FROM calls INDEXED BY {INDEX} WHERE {where.sql} AND {_HAS_WAIT} "
            "GROUP BY kind, group_ref, wait", where.params):
        waits.setdefault((kind, ref), []).append((wait, times))
    figures = []
    for kind, ref, calls, answered, abandoned, missed, in_time, live in totals:
        call_kind, name = names.get(ref, (rows.KIND_OF_CODE[kind], ""))
        table = waits.get((kind, ref), [])
        median, p90 = percentile(table, 0.5), percentile(table, 0.9)
        figures.append(GroupFigures(
            kind=call_kind, name=name or "(no name)", calls=calls, answered=answered or 0,
            abandoned=abandoned or 0, missed=missed or 0, answered_in_time=in_time or 0,
            wait_median=None if median is None else median / _US,
            wait_p90=None if p90 is None else p90 / _US, live=live or 0))
    figures.sort(key=lambda f: (-f.calls, f.name.casefold(), f.kind.value))
    return figures


def per_agent(conn: sqlite3.Connection, query: InsightsQuery) -> list[AgentFigures]:
    """Users' own calls (of the scope's users when it is users); most calls first."""
    is_user = query.scope in {Scope.ME, Scope.USERS}
    where = _where(conn, query, (_USER,), users=is_user, groups=False)
    if where.empty:
        return []
    people = {ref: (number, name)
              for ref, number, name in conn.execute("SELECT id, number, name FROM call_users")}
    totals = conn.execute(
        f"SELECT user_ref, count(*), sum(direction = {_INBOUND}), "
        f"sum(direction = {_OUTBOUND}), sum({_IS_ANSWERED}), sum({_IS_MISSED}), "
        f"sum(CASE WHEN {_HAS_TALK} THEN conversation_duration ELSE 0 END), "
        f"{_live_sql(conn)} FROM calls INDEXED BY {INDEX} WHERE {where.sql} "
        "GROUP BY user_ref", where.params).fetchall()
    talks: dict[int | None, list[tuple[int, int]]] = {}
    for ref, talk, times in conn.execute(
            f"SELECT user_ref, conversation_duration AS talk, count(*) "
            f"FROM calls INDEXED BY {INDEX} WHERE {where.sql} AND {_HAS_TALK} "
            "GROUP BY user_ref, talk", where.params):
        talks.setdefault(ref, []).append((talk, times))
    figures = []
    for ref, calls, inbound, outbound, answered, missed, talk_total, live in totals:
        number, name = people.get(ref, ("", ""))
        figures.append(AgentFigures(
            number=number, name=name, calls=calls, inbound=inbound or 0,
            outbound=outbound or 0, answered=answered or 0, missed=missed or 0,
            talk_total=talk_total or 0, talk_median=percentile(talks.get(ref, []), 0.5),
            live=live or 0))
    figures.sort(key=lambda f: (-f.calls, f.label.casefold()))
    return figures


def percentile(table: Iterable[tuple[int, int]], fraction: float) -> float | None:
    """The ``fraction`` percentile of values given as ``(value, times)``, sorted by value.

    Linear between the two nearest ranks (Excel's PERCENTILE.INC): rank
    ``fraction × (n − 1)`` of the sorted values, counted from 0. The median is
    the middle value, or the mean of the two middle values. None for no values.
    """
    pairs = sorted((value, times) for value, times in table if times > 0)
    total = sum(times for _, times in pairs)
    if total == 0:
        return None
    rank = fraction * (total - 1)
    lower_rank = int(rank)
    below = value_at(pairs, lower_rank)
    if rank == lower_rank:
        return float(below)
    above = value_at(pairs, lower_rank + 1)
    return below + (above - below) * (rank - lower_rank)


def value_at(pairs: Sequence[tuple[int, int]], rank: int) -> int:
    """The value at 0-based ``rank`` of the sorted values in ``pairs`` (value, times)."""
    seen = 0
    for value, times in pairs:
        seen += times
        if rank < seen:
            return value
    raise IndexError(rank)


def _sum(counts: Iterable[Counts]) -> Counts:
    total = [0] * 6
    for item in counts:
        for index, value in enumerate((item.answered, item.missed, item.abandoned,
                                       item.other, item.incoming, item.live)):
            total[index] += value
    return Counts(*total)
