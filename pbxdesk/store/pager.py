"""Pages of calls by position, at any depth, for any filter and sort.

Two decisions per page, then the window's rows are read by id.

*Where to start.* A table view asks for "rows 480 000 to 480 255"; ``OFFSET``
alone would step over 480 000 index entries. Each thread remembers the sort
key of the first and last row of the pages it fetched (its *anchors*), per
filter and sort, and starts from the nearest one, forwards (rows after it) or
backwards (the reversed order), or backwards from the end when the filter's
count is known. So scrolling costs one page whatever the depth. A jump far
from any anchor in start order starts at the right day, found by adding up the
per-day totals (:mod:`pbxdesk.store.daycounts`); in another order it pays for
the distance, at most half the rows. Anchors are
dropped whenever anyone commits (:meth:`Session.cache`). Memory: at most
:data:`MAX_ANCHORS` anchors for each of :data:`MAX_CURSORS` filter/sort pairs.

*How to read.* Either walk the sort column's index in order and test the
filters on its entries (every sort index carries the filter columns, so no
table row is read; see :func:`query.walk_lanes`), or find the filter's rows
through the filter's own indexes and sort them (:func:`query.find_lanes`).
Walking wins when the matches are many and spread through the sort order,
sorting when they are few; the memoised count decides (:func:`walk_steps`).
Without an index in the sort's order (not built yet) the rows are sorted. A
walk that overruns :data:`WALK_BUDGET_S` because the matches are bunched in
the sort order is abandoned for sorting when that is bounded
(:func:`bounded_window`).
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from pbxdesk.api.models import AnyCall
from pbxdesk.store import daycounts, query, rows
from pbxdesk.store.filters import CallFilter, Sort, SortColumn

MAX_ANCHORS: Final = 512
MAX_CURSORS: Final = 16

_COLUMNS: Final = ", ".join(rows.SELECT_COLUMNS)


# Reading and sorting one row found through a filter index costs about as much
# as stepping over this many entries of a covering index (about 1.7 µs against
# 0.1 µs at 1M rows, see docs/benchmarks.md); it decides how a page is read.
ROW_VS_ENTRY: Final = 20
# Putting one id into the set that makes a union distinct, in the same units.
UNION_VS_ENTRY: Final = 10
# A walk is given three times its expected time (WALK_ENTRY_S an entry), at least
# WALK_BUDGET_S; if the filter matches at most FALLBACK_ROWS rows, sorting those
# is the fallback (see bounded_window).
WALK_BUDGET_S: Final = 0.004
SPECULATIVE_WALK_S: Final = 0.002
WALK_ENTRY_S: Final = 1e-7
FALLBACK_ROWS: Final = 20_000
# Filters with at most this many matches keep their sorted ids (8 bytes each) when
# sorted rather than walked, MAX_SORTED lists per thread.
SORTED_ROWS: Final = 250_000
MAX_SORTED: Final = 4
# A jump in start order that would step over more rows than this starts at its day.
DAY_JUMP_ROWS: Final = 2_000
_SQLITE_INTERRUPT: Final = 9


@dataclass(frozen=True, slots=True)
class _Plan:
    forwards: bool
    anchor: tuple[Any, ...] | None
    skip: int
    take: int
    bound: tuple[str, tuple[Any, ...]] | None = None
    """A condition that starts the rows at a known place (a day), skipped from there."""


def count_key(flt: CallFilter) -> tuple[str, CallFilter]:
    return ("count", flt)


def window_sql(where: query.Where, sort: Sort, bound: tuple[str, tuple[Any, ...]] | None,
               walk: bool) -> tuple[str, tuple[Any, ...]]:
    """The sort keys (ending with the id) of the matching rows in ``sort`` order, as
    ``SELECT … LIMIT ? OFFSET ?``.

    ``walk``: read the sort column's index in order and test the filters on its
    entries (covering: no table row is read); else find the filter's rows
    through its own indexes and sort them. ``bound``: a keyset condition.
    """
    columns = ", ".join(key.column for key in query.sort_keys(sort))
    terms: list[str] = []
    params: list[Any] = []
    distinct = False
    if walk:
        lanes = query.walk_lanes(where, sort.column)
        if lanes is None:
            raise ValueError(f"no index walks {sort.column}")
        terms.append(where.sql)
        params.extend(where.params)
        if sort.column in where.seeks:
            seek, seek_params = where.seeks[sort.column]
            terms.append(seek)
            params.extend(seek_params)
    else:
        lanes = query.find_lanes(where)
        if where.parts_usable:  # each lane holds one part of the search text
            terms.append(where.base_sql)
            params.extend(where.base_params)
            distinct = len(lanes) > 1
        else:
            terms.append(where.sql)
            params.extend(where.params)
    if bound is not None:
        terms.append(bound[0])
        params.extend(bound[1])
    condition = " AND ".join(f"({term})" for term in terms)
    select, values = query.lanes_sql(lanes, columns, condition, params, distinct=distinct)
    return f"{select} ORDER BY {query.order_by(sort)} LIMIT ? OFFSET ?", values


def window(conn: sqlite3.Connection, where: query.Where, sort: Sort,
           chosen: _Plan, walk: bool) -> list[tuple[Any, ...]]:
    """The sort keys (ending with the id) of the planned window, in ``sort`` order."""
    if chosen.anchor is None:
        sql, params = window_sql(where, sort, chosen.bound, walk)
        return conn.execute(sql, (*params, chosen.take, chosen.skip)).fetchall()
    wanted = chosen.skip + chosen.take
    found: list[tuple[Any, ...]] = []
    for bound in query.after(sort, chosen.anchor):
        sql, params = window_sql(where, sort, bound, walk)
        found += conn.execute(sql, (*params, wanted - len(found), 0)).fetchall()
        if len(found) >= wanted:
            break
    return found[chosen.skip:wanted]


def plan(offset: int, limit: int, anchors: dict[int, tuple[Any, ...]],
         total: int | None) -> _Plan | None:
    """The cheapest way to read rows ``offset .. offset+limit-1``; None if there are none."""
    if total is not None:
        if offset >= total:
            return None
        limit = min(limit, total - offset)
    best = _Plan(forwards=True, anchor=None, skip=offset, take=limit)
    end = offset + limit
    for position, anchor in anchors.items():
        if position < offset and offset - position - 1 < best.skip:
            best = _Plan(True, anchor, offset - position - 1, limit)
        elif position >= end and position - end < best.skip:
            best = _Plan(False, anchor, position - end, limit)
    if total is not None and total - end < best.skip:
        best = _Plan(False, None, total - end, limit)
    return best


def walk_steps(where: query.Where, sort: Sort, chosen: _Plan, matching: int,
               total: int) -> float | None:
    """What a walk of the sort index is expected to cost, in index entries; None: sort.

    The walk steps over ``(skip + take) * total / matching`` entries (the
    matches assumed spread evenly, or found directly through a seek), each
    reading the table row too when the search text must be tested on it. It is
    not worth it when that costs more than finding and sorting the ``matching``
    rows, which the search's indexes find without reading rows when the order is
    start time.
    """
    wanted = chosen.skip + chosen.take
    steps = wanted if sort.column in where.seeks else wanted * total / max(1, matching)
    if where.text is not None:
        steps *= ROW_VS_ENTRY
        # Found through the search's indexes: no row read in start order, but a union
        # of several parts first builds its set of ids.
        per_match = 1 if sort.column is SortColumn.START else ROW_VS_ENTRY
        if len(where.text.parts) > 1:
            per_match += UNION_VS_ENTRY
        sort_cost = matching * per_match
    elif sort.column is SortColumn.START and not where.users:
        return steps  # the filter's own index is in start order: nothing to sort
    else:
        sort_cost = matching * ROW_VS_ENTRY
    return steps if steps <= sort_cost else None


def bounded_window(conn: sqlite3.Connection, where: query.Where, sort: Sort, chosen: _Plan,
                   seconds: float) -> list[tuple[Any, ...]] | None:
    """A walk that gives up after ``seconds``; None if it did.

    The walk's estimate assumes the matches are spread evenly through the sort
    order. They are not when the filter and the sort column go together (a
    search for "0412…" sorted by caller: every match sits at one place in the
    index): then the walk steps over most of the index before its first match.
    """
    deadline = time.perf_counter() + seconds
    conn.set_progress_handler(lambda: time.perf_counter() > deadline, 2000)
    try:
        return window(conn, where, sort, chosen, walk=True)
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", None) == _SQLITE_INTERRUPT:
            return None
        raise
    finally:
        conn.set_progress_handler(None, 0)


Sizes = Callable[[], tuple[int, int]]


def fetch(conn: sqlite3.Connection, cache: dict[object, Any], where: query.Where,
          flt: CallFilter, sort: Sort, offset: int, limit: int, sizes: Sizes) -> list[AnyCall]:
    """Rows ``offset .. offset+limit-1`` of ``flt`` in ``sort`` order (fewer at the end).

    ``sizes`` gives (rows matching ``flt``, rows in the store), memoised by the caller.
    """
    offset, limit = max(0, offset), max(0, limit)
    if limit == 0 or where.matches_nothing:
        return []
    anchors = _anchors(cache, flt, sort)
    chosen = plan(offset, limit, anchors, cache.get(count_key(flt)))
    if chosen is None:
        return []
    chosen = _from_day(conn, cache, where, flt, sort, chosen)
    if chosen is None:
        return []
    order = sort if chosen.forwards else sort.reversed()
    walkable = query.walk_lanes(where, sort.column) is not None
    keys: list[tuple[Any, ...]] | None = None
    if not walkable:
        keys = None
    elif not where.restricts:
        keys = window(conn, where, order, chosen, walk=True)
    else:
        matching, total = sizes()
        steps = walk_steps(where, sort, chosen, matching, total)
        if steps is not None:
            if matching > FALLBACK_ROWS:  # sorting them would cost more than any walk
                keys = window(conn, where, order, chosen, walk=True)
            else:  # allow three times the expected time before sorting instead
                budget = max(WALK_BUDGET_S, 3 * steps * WALK_ENTRY_S)
                keys = bounded_window(conn, where, order, chosen, budget)
        elif matching <= FALLBACK_ROWS and sort.column is not SortColumn.START:
            # The estimate takes the matches as spread evenly through the sort order;
            # when the column goes with start time (when it was answered, the call id)
            # a filter by date finds them together, so a short walk is tried first.
            keys = bounded_window(conn, where, order, chosen, SPECULATIVE_WALK_S)
    if keys is None:  # sort the matches: all of them once, then any page is a slice
        ids = sorted_ids(conn, cache, where, flt, sort, sizes()[0])
        if ids is not None:
            return _rows(conn, ids[offset:offset + limit].tolist())
        keys = window(conn, where, order, chosen, walk=False)
    if not chosen.forwards:
        keys.reverse()
    if not keys:
        return []
    anchors[offset] = keys[0]
    anchors[offset + len(keys) - 1] = keys[-1]
    while len(anchors) > MAX_ANCHORS:
        del anchors[next(iter(anchors))]
    return _rows(conn, [key[-1] for key in keys])


def sorted_ids(conn: sqlite3.Connection, cache: dict[object, Any], where: query.Where,
               flt: CallFilter, sort: Sort, matching: int) -> array[int] | None:
    """Every matching id in ``sort`` order, kept with the memo; None if too many to keep.

    Sorting the matches costs about the same for one page as for all of them
    (each is read once), so the first page sorts all, and the next ones, deep
    or not, are slices (a search's pages cost tens of milliseconds each before).
    """
    key = ("sorted", flt, sort)
    found: array[int] | None = cache.get(key)
    if found is None:
        if matching > SORTED_ROWS:
            return None
        sql, params = window_sql(where, sort, None, walk=False)
        found = array("q", (row[-1] for row in conn.execute(sql, (*params, -1, 0))))
        kept = [k for k in cache if isinstance(k, tuple) and k[0] == "sorted"]
        for old in kept[:max(0, len(kept) - MAX_SORTED + 1)]:
            del cache[old]
        cache[key] = found
    return found


def _rows(conn: sqlite3.Connection, ids: list[int]) -> list[AnyCall]:
    if not ids:
        return []
    found = {row[0]: row[1:] for row in conn.execute(
        f"SELECT id, {_COLUMNS} FROM calls WHERE id IN ({', '.join('?' * len(ids))})", ids)}
    return [rows.decode(found[call_id]) for call_id in ids]


def _from_day(conn: sqlite3.Connection, cache: dict[object, Any], where: query.Where,
              flt: CallFilter, sort: Sort, chosen: _Plan) -> _Plan | None:
    """A far jump in start order, started at its day instead of stepped to; None: past the end.

    The per-day totals say how many of the filter's rows each day holds, so the
    rows before the target day are not stepped over one by one.
    """
    if (sort.column is not SortColumn.START or where.day_query is None
            or chosen.anchor is not None or chosen.skip < DAY_JUMP_ROWS):
        return chosen
    key = ("days", flt)
    totals: list[tuple[int, int]] | None = cache.get(key)
    if totals is None:
        totals = cache[key] = daycounts.day_totals(conn, where.day_query)
    descending = sort.descending == chosen.forwards  # the order the window is read in
    skip = chosen.skip
    for day, calls in (reversed(totals) if descending else totals):
        if skip < calls:
            if day in (daycounts.NO_DAY, daycounts.FAR_DAY):
                return chosen  # not a day with bounds: step there
            if descending:  # this day and the ones before it, newest first
                bound = ("start_us < ?", ((day + 1) * daycounts.DAY_US,))
            else:
                bound = ("start_us >= ?", (day * daycounts.DAY_US,))
            return _Plan(chosen.forwards, None, skip, chosen.take, bound)
        skip -= calls
    return None


def _anchors(cache: dict[object, Any], flt: CallFilter,
             sort: Sort) -> dict[int, tuple[Any, ...]]:
    key = ("anchors", flt, sort)
    anchors: dict[int, tuple[Any, ...]] | None = cache.get(key)
    if anchors is None:
        cursors = [k for k in cache if isinstance(k, tuple) and k[0] == "anchors"]
        for old in cursors[:max(0, len(cursors) - MAX_CURSORS + 1)]:
            del cache[old]
        anchors = cache[key] = {}
    return anchors
