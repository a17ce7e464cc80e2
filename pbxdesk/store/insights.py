"""Insights' aggregates in SQL: calls per local day and hour, per queue, per agent.

Every figure is counted by SQLite; Python adds up at most a few thousand result
rows (percentiles are picked from a frequency table SQL returns). The
definitions are in ``docs/insights.md``.

How it stays fast at a million calls: whole periods of the range are read from
running totals the writer keeps (:mod:`pbxdesk.store.insighttotals`), only the
partial periods at the range's edges from the calls. Calls per local day and the
heat map add up UTC quarter hours (:mod:`pbxdesk.store.localcounts`, which also
counts chosen users' or groups' calls); per queue and per agent add up UTC days
per user or group. The waits' and talk times' percentiles stay exact, grouped
from the calls through ``ix_calls_by_group_and_start`` / ``ix_calls_by_user_and_start``
(each holds every column those queries read); ``CROSS JOIN`` walks the users or
groups in order and seeks each one's calls. Over a long range the agents' median
talk times and the groups' waits are read in their order instead
(:mod:`pbxdesk.store.talktimes`, :mod:`pbxdesk.store.waittimes`).
The query and the figures' types are in :mod:`pbxdesk.store.insightfigures`
(re-exported here).
No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any, Final

from pbxdesk.api.models import CallKind
from pbxdesk.store import localcounts, rows, talktimes, waittimes
from pbxdesk.store.insightfigures import (
    DEFAULT_SERVICE_LEVEL_S,
    AgentFigures,
    Category,
    Counts,
    DayCounts,
    Days,
    GroupFigures,
    HeatMap,
    HourCell,
    InsightsQuery,
    Scope,
)
from pbxdesk.store.insighttotals import (
    MAX_TALK_S,
    MAX_WAIT_US,
    REF_DAY_MEASURES,
    REF_DAYS,
    condition,
)
from pbxdesk.store.localcounts import FEW_REFS, GROUP_INDEX, INDEX, USER_INDEX
from pbxdesk.store.localtime import (
    DAY_US,
    HOUR_US,
    US,
    cell_periods,
    hour_periods,
    local_day,
    local_days,
    offset_segments,
    utc_offset_us,
)
from pbxdesk.store.query import matching_groups, matching_users

__all__ = [
    "DEFAULT_SERVICE_LEVEL_S",
    "FEW_REFS",
    "GROUP_INDEX",
    "INDEX",
    "MAX_TALK_S",
    "MAX_WAIT_US",
    "USER_INDEX",
    "AgentFigures",
    "Category",
    "Counts",
    "DayCounts",
    "Days",
    "GroupFigures",
    "HeatMap",
    "HourCell",
    "InsightsQuery",
    "Scope",
    "hour_periods",
    "local_day",
    "local_days",
    "offset_segments",
    "utc_offset_us",
]

LIVE_COLUMN: Final = "live"
"""The column that marks calls seen live and not yet confirmed by a sync (nonzero = live)."""

_US: Final = US
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_USER: Final = rows.KIND_CODES[CallKind.USER]
_GROUP_KINDS: Final = (rows.KIND_CODES[CallKind.QUEUE], rows.KIND_CODES[CallKind.RING_GROUP])


_HAS_WAIT: Final = condition("has_wait")
_HAS_TALK: Final = condition("has_talk")


def _talk(row: str) -> str:
    return f"CASE WHEN {condition('has_talk', row)} THEN {row}conversation_duration ELSE 0 END"


# -- the queries -------------------------------------------------------------------------

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


def _whose(conn: sqlite3.Connection, query: InsightsQuery) -> localcounts.Whose:
    refs = _scope_refs(conn, query)
    return localcounts.Whose(rows.KIND_CODES[query.scope.kind], refs.column, refs.refs)


def _tally_counts(tally: Sequence[int]) -> Counts:
    calls, answered, missed, abandoned, outbound, live = tally
    return Counts(answered=answered, missed=missed, abandoned=abandoned,
                  other=calls - answered - missed - abandoned, incoming=calls - outbound,
                  live=live)


def calls_per_day(conn: sqlite3.Connection, query: InsightsQuery) -> Days:
    """Calls of the scope per local day, by category (every day listed, zeros too)."""
    found = localcounts.per_unit(conn, _whose(conn, query), query.start_us, query.end_us,
                                 query.zone, DAY_US)
    listed = tuple(DayCounts(local_day(day), _tally_counts(found[day]) if day in found
                             else Counts())
                   for day in localcounts.units(query.start_us, query.end_us, query.zone,
                                                DAY_US))
    return Days(listed, _sum(item.counts for item in listed))


def calls_per_hour(conn: sqlite3.Connection, query: InsightsQuery) -> HeatMap:
    """Calls of the scope per local weekday and hour of day."""
    found = localcounts.per_unit(conn, _whose(conn, query), query.start_us, query.end_us,
                                 query.zone, HOUR_US, weekly=True)
    return HeatMap(tuple(
        HourCell(weekday, hour, _tally_counts(found[weekday * 24 + hour])
                 if weekday * 24 + hour in found else Counts())
        for weekday in range(7) for hour in range(24)),
        tuple(tuple((_EPOCH + timedelta(microseconds=lo), _EPOCH + timedelta(microseconds=hi))
                    for lo, hi in cell)
              for cell in cell_periods(query.start_us, query.end_us, query.zone)))


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
    names: dict[int, str] = dict(conn.execute("SELECT id, name FROM call_groups"))
    limit_us = max(0, query.service_level_s) * _US
    bounds = [query.start_us, query.end_us]
    totals = _ref_totals(conn, kinds, "group_ref", chosen, query.start_us, query.end_us)
    # A long range reads the waits in wait order (nothing sorted); a short one sorts its own.
    index, has_wait = GROUP_INDEX, _HAS_WAIT
    if waittimes.worth_walking(conn, kinds, chosen, sum(t[1] for t in totals.values())):
        index, has_wait = waittimes.WAIT_INDEX, waittimes.waited("c.")
    unnamed_waits: dict[int, list[tuple[int, int]]] = {}
    if chosen is None:  # group calls that named no group
        for kind, wait, times in conn.execute(
                f"SELECT c.kind, {waittimes.WAIT} AS wait, count(*) "
                f"FROM calls AS c INDEXED BY {index} WHERE {_in('c.kind', kinds)} "
                "AND c.group_ref IS NULL AND c.start_us >= ? AND c.start_us < ? "
                f"AND {has_wait} GROUP BY c.kind, wait", [*kinds, *bounds]):
            unnamed_waits.setdefault(kind, []).append((wait, times))
    waits = _distributions(conn, "call_groups", index, "group_ref", kinds, chosen,
                           waittimes.WAIT, has_wait, bounds)
    figures = []
    for (kind, ref), tally in totals.items():
        calls, answered, missed, abandoned, _outbound, live, _inbound, _talk = tally
        table = waits.get(ref, []) if ref is not None else unnamed_waits.get(kind, [])
        median, p90 = percentile(table, 0.5), percentile(table, 0.9)
        name = names.get(ref, "") if ref is not None else ""
        figures.append(GroupFigures(
            kind=rows.KIND_OF_CODE[kind], name=name or "(no name)", calls=calls,
            answered=answered, abandoned=abandoned, missed=missed,
            answered_in_time=sum(times for wait, times in table if wait <= limit_us),
            wait_median=None if median is None else median / _US,
            wait_p90=None if p90 is None else p90 / _US, live=live))
    figures.sort(key=lambda f: (-f.calls, f.name.casefold(), f.kind.value))
    return figures


def _ref_totals(conn: sqlite3.Connection, kinds: Sequence[int], column: str,
                chosen: list[int] | None, start_us: int, end_us: int
                ) -> dict[tuple[int, int | None], list[int]]:
    """Sums per (kind, user or group; None for calls without one), as REF_DAY_MEASURES.

    The range's whole UTC days are added up from ``call_ref_day_totals``, the
    partial days at its edges counted from the calls. Only references with calls.
    """
    totals: dict[tuple[int, int | None], list[int]] = {}

    def add(found: Iterable[tuple[Any, ...]]) -> None:
        for kind, ref, *values in found:
            tally = totals.setdefault((kind, ref or None), [0] * len(REF_DAY_MEASURES))
            for index, value in enumerate(values):
                tally[index] += value or 0

    pieces = [(start_us, end_us)]
    first_day, after_day = -(-start_us // DAY_US), end_us // DAY_US
    chosen_sql = f" AND ref IN ({', '.join('?' * len(chosen))})" if chosen else ""
    if first_day < after_day:
        add(conn.execute(
            f"SELECT kind, ref, {', '.join(f'sum({m})' for m in REF_DAY_MEASURES)} "
            f"FROM {REF_DAYS} WHERE {_in('kind', kinds)} AND day >= ? AND day < ?"
            f"{chosen_sql} GROUP BY kind, ref", [*kinds, first_day, after_day, *(chosen or ())]))
        pieces = [(start_us, first_day * DAY_US), (after_day * DAY_US, end_us)]
    measures = ", ".join(
        "count(*)" if m == "calls" else f"sum({_talk('c.')})" if m == "talk_total"
        else f"count(*) FILTER (WHERE {condition(m, 'c.')})" for m in REF_DAY_MEASURES)
    chosen_sql = f" AND c.{column} IN ({', '.join('?' * len(chosen))})" if chosen else ""
    for low, high in pieces:
        if low < high:
            add(conn.execute(
                f"SELECT c.kind, c.{column}, {measures} FROM calls AS c INDEXED BY {INDEX} "
                f"WHERE {_in('c.kind', kinds)} AND c.start_us >= ? AND c.start_us < ?"
                f"{chosen_sql} GROUP BY c.kind, c.{column}",
                [*kinds, low, high, *(chosen or ())]))
    return {key: tally for key, tally in totals.items() if tally[0] > 0}


def _distributions(conn: sqlite3.Connection, table: str, index: str, column: str,
                   kinds: Sequence[int], chosen: list[int] | None, value: str, condition: str,
                   bounds: Sequence[int]) -> dict[int | None, list[tuple[int, int]]]:
    """``(value, times)`` per reference, for the percentiles (SQL sorts and counts)."""
    found: dict[int | None, list[tuple[int, int]]] = {}
    sql, params = _per_ref_sql(table, index, column, kinds, chosen,
                               f"{value} AS measured, count(*)", bounds,
                               condition=condition, group_by="t.id, measured")
    # Rows come in reference order (GROUP BY follows the walk): tens of thousands of them.
    for ref, pairs in groupby(conn.execute(sql, params).fetchall(), key=itemgetter(0)):
        found[ref] = [(measured, times) for _, measured, times in pairs]
    return found


def per_agent(conn: sqlite3.Connection, query: InsightsQuery) -> list[AgentFigures]:
    """Users' own calls (of the scope's users when it is users); most calls first."""
    chosen = _scope_refs(conn, query).refs if query.scope in {Scope.ME, Scope.USERS} else None
    if chosen == []:
        return []
    people = {ref: (number, name)
              for ref, number, name in conn.execute("SELECT id, number, name FROM call_users")}
    bounds = [query.start_us, query.end_us]
    totals = _ref_totals(conn, (_USER,), "user_ref", chosen, query.start_us, query.end_us)
    medians = _talk_medians(conn, chosen, bounds, sum(t[1] for t in totals.values()))
    figures = []
    for (_kind, ref), tally in totals.items():
        calls, answered, missed, _abandoned, outbound, live, inbound, talk = tally
        number, name = people.get(ref, ("", "")) if ref is not None else ("", "")
        figures.append(AgentFigures(
            number=number, name=name, calls=calls, inbound=inbound, outbound=outbound,
            answered=answered, missed=missed, talk_total=talk or 0,
            talk_median=medians.get(ref) if ref is not None and ref in people else None,
            live=live))
    figures.sort(key=lambda f: (-f.calls, f.label.casefold()))
    return figures


def _talk_medians(conn: sqlite3.Connection, chosen: list[int] | None, bounds: list[int],
                  answered: int) -> dict[int, float]:
    """Each user's median talk time: walked in talk-time order over a long range."""
    if talktimes.worth_walking(conn, chosen, answered):
        return talktimes.medians(conn, chosen, bounds[0], bounds[1])
    talks = _distributions(conn, "call_users", USER_INDEX, "user_ref", (_USER,), chosen,
                           "c.conversation_duration", _HAS_TALK, bounds)
    return {ref: median for ref, table in talks.items() if ref is not None
            and (median := percentile(table, 0.5)) is not None}


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
