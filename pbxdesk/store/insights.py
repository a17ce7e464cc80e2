"""Insights' aggregates in SQL: calls per local day and hour, per queue, per agent.

Every figure is counted by SQLite from the ``calls`` columns (see
:mod:`pbxdesk.store.rows`); Python adds up at most a few thousand result rows
(percentiles are picked from a frequency table SQL returns). The definitions
are in ``docs/insights.md``.

How it stays fast at a million calls: no per-row time-zone arithmetic and no
sort of the calls. The local days or hours of the range are written, as UTC
ranges (:mod:`pbxdesk.store.localtime`), into a temporary table keyed by
rowid; SQLite walks it in order and, per bucket, seeks the range in the index
``ix_calls_by_kind_and_start (kind, start_us, …)``, so ``GROUP BY`` the bucket
needs no sorter. Queues and agents are walked the same way through
``ix_calls_by_group_and_start (kind, group_ref, start_us, …)`` and
``ix_calls_by_user_and_start (kind, user_ref, start_us, …)``, one seek per group or
user. Counts use ``count(*) FILTER (WHERE …)``. Each index holds every column
its queries read, so no table row is read (until a ``live`` column exists).
No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import IntEnum
from typing import Any, Final

from pbxdesk.api.models import CallKind, Outcome
from pbxdesk.store import rows
from pbxdesk.store.localtime import (
    US,
    Bucket,
    buckets,
    hour_periods,
    local_day,
    local_days,
    offset_segments,
    utc_offset_us,
)
from pbxdesk.store.query import matching_groups, matching_users

__all__ = ["hour_periods", "local_day", "local_days", "offset_segments", "utc_offset_us"]

# The history tabs' (kind, start_us, id, direction, outcome, user_ref, group_ref): it
# holds every column these queries read (pbxdesk.store.indexes).
INDEX: Final = "ix_calls_by_kind_and_start"
USER_INDEX: Final = "ix_calls_by_user_and_start"
GROUP_INDEX: Final = "ix_calls_by_group_and_start"
FEW_REFS: Final = 8
"""Up to this many chosen users or groups, days and hours seek each one's calls in its own
index (a user's calls, not everybody's); more, and the time index is read once."""
LIVE_COLUMN: Final = "live"
"""A column that marks calls seen live and not yet confirmed by a sync (nonzero = live).

The live-calls feature adds it; until then no call is live. Read when present."""
MAX_TALK_S: Final = 7 * 24 * 3600
"""A talk time outside 0 … one week is bad data and left out of talk-time figures."""
MAX_WAIT_US: Final = 24 * 3600 * 1_000_000
"""A wait outside 0 … one day (connected before the start, or a day later) is bad data."""
DEFAULT_SERVICE_LEVEL_S: Final = 20

_US: Final = US
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


# -- the queries -------------------------------------------------------------------------

def has_live_column(conn: sqlite3.Connection) -> bool:
    return any(row[1] == LIVE_COLUMN for row in conn.execute("PRAGMA table_info(calls)"))


def _live_sql(conn: sqlite3.Connection) -> str:
    return f"count(*) FILTER (WHERE {LIVE_COLUMN} != 0)" if has_live_column(conn) else "0"


_COUNTS: Final = (
    f"count(*) FILTER (WHERE {_IS_ANSWERED}), count(*) FILTER (WHERE {_IS_MISSED}), "
    f"count(*) FILTER (WHERE {_IS_ABANDONED}), count(*), "
    f"count(*) FILTER (WHERE direction != {_OUTBOUND})")
"""answered, missed, abandoned, calls, incoming: :func:`_counts` takes them in this order."""


def _counts(answered: int, missed: int, abandoned: int, calls: int, incoming: int,
            live: int) -> Counts:
    return Counts(answered=answered, missed=missed, abandoned=abandoned,
                  other=calls - answered - missed - abandoned, incoming=incoming, live=live)


def _in(column: str, values: Sequence[object]) -> str:
    return f"{column} = ?" if len(values) == 1 else (
        f"{column} IN ({', '.join('?' * len(values))})")


@dataclass(frozen=True, slots=True)
class _Refs:
    """The chosen users' or groups' references: None for all, [] for none known."""

    column: str
    refs: list[int] | None


def _scope_refs(conn: sqlite3.Connection, query: InsightsQuery) -> _Refs:
    if query.scope in {Scope.ME, Scope.USERS}:
        if not (query.user_numbers or query.user_names):
            return _Refs("user_ref", None)
        return _Refs("user_ref", [ref for ref, _, _ in matching_users(
            conn, query.user_numbers, query.user_names)])
    if not query.group_names:
        return _Refs("group_ref", None)
    return _Refs("group_ref", [ref for ref, _ in matching_groups(conn, query.group_names)])


def _fill_buckets(conn: sqlite3.Connection, made: Sequence[Bucket]) -> None:
    """The buckets as ``temp.insights_buckets`` (rowid = position), replacing the last ones."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS insights_buckets "
                 "(id INTEGER PRIMARY KEY, lo INTEGER NOT NULL, hi INTEGER NOT NULL)")
    conn.execute("DELETE FROM temp.insights_buckets")
    conn.executemany("INSERT INTO temp.insights_buckets (id, lo, hi) VALUES (?, ?, ?)",
                     [(index, bucket.lo, bucket.hi) for index, bucket in enumerate(made)])


def _bucket_counts(conn: sqlite3.Connection, query: InsightsQuery,
                   made: Sequence[Bucket]) -> dict[int, Counts]:
    """Counts of the scope's calls per bucket (by position); empty buckets left out."""
    refs = _scope_refs(conn, query)
    if not made or refs.refs == []:
        return {}
    _fill_buckets(conn, made)
    kind = rows.KIND_CODES[query.scope.kind]
    params: list[Any] = [kind]
    if refs.refs is not None and len(refs.refs) <= FEW_REFS:
        # Each chosen user's (group's) calls in each bucket: seeks in their own index.
        index = USER_INDEX if refs.column == "user_ref" else GROUP_INDEX
        match = f"c.kind = ? AND {_in('c.' + refs.column, refs.refs)} AND "
        params += refs.refs
    else:
        index, match = INDEX, "c.kind = ? AND "
        if refs.refs is not None:
            match = f"c.kind = ? AND {_in('c.' + refs.column, refs.refs)} AND "
            params += refs.refs
    found = conn.execute(
        f"SELECT b.id, {_COUNTS}, {_live_sql(conn)} FROM temp.insights_buckets AS b "
        f"JOIN calls AS c INDEXED BY {index} "
        f"ON {match}c.start_us >= b.lo AND c.start_us < b.hi GROUP BY b.id", params)
    return {bucket: _counts(*values) for bucket, *values in found}


def calls_per_day(conn: sqlite3.Connection, query: InsightsQuery) -> Days:
    """Calls of the scope per local day, by category (every day listed, zeros too)."""
    made = buckets(query.start_us, query.end_us, query.zone, hours=False)
    found = _bucket_counts(conn, query, made)
    per_day: dict[date, list[Counts]] = {}
    for index, bucket in enumerate(made):
        per_day.setdefault(bucket.day, []).append(found.get(index, Counts()))
    listed = tuple(DayCounts(day, _sum(counts)) for day, counts in per_day.items())
    return Days(listed, _sum(item.counts for item in listed))


def calls_per_hour(conn: sqlite3.Connection, query: InsightsQuery) -> HeatMap:
    """Calls of the scope per local weekday and hour of day."""
    made = buckets(query.start_us, query.end_us, query.zone, hours=True)
    found = _bucket_counts(conn, query, made)
    cells: dict[tuple[int, int], list[Counts]] = {}
    for index, counts in found.items():
        bucket = made[index]
        cells.setdefault((bucket.weekday, bucket.hour), []).append(counts)
    return HeatMap(tuple(HourCell(weekday, hour, _sum(cells.get((weekday, hour), ())))
                         for weekday in range(7) for hour in range(24)))


def _per_ref_sql(table: str, index: str, column: str, kinds: Sequence[int],
                 chosen: list[int] | None, select: str, bounds: Sequence[int], *,
                 condition: str = "", group_by: str = "t.id") -> tuple[str, list[Any]]:
    """``SELECT t.id, <select>`` per row of ``table`` (users or groups) over its calls.

    ``CROSS JOIN`` keeps ``table`` the outer loop (SQLite would rather scan the calls
    and sort them): per user or group, one seek of its calls in ``index``
    (``kind, <column>, start_us, …``) bounded by the range, and ``GROUP BY t.id``
    follows the walk. Calls without a reference are left to the callers.
    """
    # Several kinds: the table's own (call_groups holds queues and ring groups only).
    kind = "t.kind" if len(kinds) > 1 else "?"
    where = f"WHERE t.id IN ({', '.join('?' * len(chosen))}) " if chosen else ""
    extra = f" AND {condition}" if condition else ""
    sql = (f"SELECT t.id, {select} FROM {table} AS t CROSS JOIN calls AS c "
           f"INDEXED BY {index} ON c.kind = {kind} AND c.{column} = t.id "
           f"AND c.start_us >= ? AND c.start_us < ?{extra} {where}GROUP BY {group_by}")
    return sql, [*([] if len(kinds) > 1 else [kinds[0]]), *bounds, *(chosen or ())]


def per_group(conn: sqlite3.Connection, query: InsightsQuery) -> list[GroupFigures]:
    """Queues and ring groups: those of the scope, or all when the scope is users.

    Sorted by calls, most first, then by name.
    """
    if query.scope in {Scope.QUEUES, Scope.RING_GROUPS}:
        kinds: tuple[int, ...] = (rows.KIND_CODES[query.scope.kind],)
        chosen = _scope_refs(conn, query).refs
    else:
        kinds, chosen = _GROUP_KINDS, None
    if chosen == []:
        return []
    names = {ref: (rows.KIND_OF_CODE[kind], name)
             for ref, kind, name in conn.execute("SELECT id, kind, name FROM call_groups")}
    limit_us = max(0, query.service_level_s) * _US
    measures = (f"{_COUNTS}, count(*) FILTER (WHERE {_HAS_WAIT} AND "
                f"connected_us - start_us <= {limit_us:d}), {_live_sql(conn)}")
    bounds = [query.start_us, query.end_us]
    sql, params = _per_ref_sql("call_groups", GROUP_INDEX, "group_ref", kinds, chosen,
                               measures, bounds)
    totals: dict[tuple[int, int | None], list[Any]] = {}
    for ref, *values in conn.execute(sql, params):
        call_kind = names[ref][0] if ref in names else rows.KIND_OF_CODE[kinds[0]]
        totals[(rows.KIND_CODES[call_kind], ref)] = values
    unnamed_waits: dict[int, list[tuple[int, int]]] = {}
    if chosen is None:  # group calls that named no group
        unnamed = (f"FROM calls AS c INDEXED BY {GROUP_INDEX} WHERE {_in('c.kind', kinds)} "
                   "AND c.group_ref IS NULL AND c.start_us >= ? AND c.start_us < ?")
        for kind, *values in conn.execute(f"SELECT c.kind, {measures} {unnamed} GROUP BY c.kind",
                                          [*kinds, *bounds]):
            totals[(kind, None)] = values
        for kind, wait, times in conn.execute(
                f"SELECT c.kind, connected_us - start_us AS wait, count(*) {unnamed} "
                f"AND {_HAS_WAIT} GROUP BY c.kind, wait", [*kinds, *bounds]):
            unnamed_waits.setdefault(kind, []).append((wait, times))
    waits = _distributions(conn, "call_groups", GROUP_INDEX, "group_ref", kinds, chosen,
                           "c.connected_us - c.start_us", _HAS_WAIT, bounds)
    figures = []
    for (kind, ref), values in totals.items():
        answered, missed, abandoned, calls, _incoming, in_time, live = values
        name = names[ref][1] if ref in names else ""
        table = waits.get(ref, []) if ref is not None else unnamed_waits.get(kind, [])
        median, p90 = percentile(table, 0.5), percentile(table, 0.9)
        figures.append(GroupFigures(
            kind=rows.KIND_OF_CODE[kind], name=name or "(no name)", calls=calls,
            answered=answered, abandoned=abandoned, missed=missed, answered_in_time=in_time,
            wait_median=None if median is None else median / _US,
            wait_p90=None if p90 is None else p90 / _US, live=live))
    figures.sort(key=lambda f: (-f.calls, f.name.casefold(), f.kind.value))
    return figures


def _distributions(conn: sqlite3.Connection, table: str, index: str, column: str,
                   kinds: Sequence[int], chosen: list[int] | None, value: str, condition: str,
                   bounds: Sequence[int]) -> dict[int | None, list[tuple[int, int]]]:
    """``(value, times)`` per reference, for the percentiles (SQL sorts and counts)."""
    found: dict[int | None, list[tuple[int, int]]] = {}
    sql, params = _per_ref_sql(table, index, column, kinds, chosen,
                               f"{value} AS measured, count(*)", bounds,
                               condition=condition, group_by="t.id, measured")
    for ref, measured, times in conn.execute(sql, params):
        found.setdefault(ref, []).append((measured, times))
    return found


def per_agent(conn: sqlite3.Connection, query: InsightsQuery) -> list[AgentFigures]:
    """Users' own calls (of the scope's users when it is users); most calls first."""
    chosen = _scope_refs(conn, query).refs if query.scope in {Scope.ME, Scope.USERS} else None
    if chosen == []:
        return []
    people = {ref: (number, name)
              for ref, number, name in conn.execute("SELECT id, number, name FROM call_users")}
    measures = (f"{_COUNTS}, count(*) FILTER (WHERE direction = {_INBOUND}), "
                f"count(*) FILTER (WHERE direction = {_OUTBOUND}), "
                f"sum(CASE WHEN {_HAS_TALK} THEN conversation_duration ELSE 0 END), "
                f"{_live_sql(conn)}")
    bounds = [query.start_us, query.end_us]
    sql, params = _per_ref_sql("call_users", USER_INDEX, "user_ref", (_USER,), chosen,
                               measures, bounds)
    totals: dict[int | None, list[Any]] = {
        ref: values for ref, *values in conn.execute(sql, params)}
    if chosen is None:
        for values in conn.execute(
                f"SELECT {measures} FROM calls AS c INDEXED BY {USER_INDEX} WHERE c.kind = ? "
                "AND c.user_ref IS NULL AND c.start_us >= ? AND c.start_us < ? "
                "HAVING count(*) > 0", [_USER, *bounds]):
            totals[None] = list(values)
    talks = _distributions(conn, "call_users", USER_INDEX, "user_ref", (_USER,), chosen,
                           "c.conversation_duration", _HAS_TALK, bounds)
    figures = []
    for ref, values in totals.items():
        answered, missed, _abandoned, calls, _incoming, inbound, outbound, talk, live = values
        number, name = people.get(ref, ("", "")) if ref is not None else ("", "")
        figures.append(AgentFigures(
            number=number, name=name, calls=calls, inbound=inbound, outbound=outbound,
            answered=answered, missed=missed, talk_total=talk or 0,
            talk_median=percentile(talks.get(ref, []), 0.5), live=live))
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
