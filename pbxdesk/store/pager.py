"""Pages of calls by position, fast at any depth: keyset paging behind an offset API.

A table view asks for "rows 480 000 to 480 255". ``OFFSET`` alone would step
over 480 000 index entries. Instead each thread remembers the sort key of the
first and last row of the pages it fetched (its *anchors*), per filter and
sort, and starts the next query from the nearest one, forwards
(``WHERE key > anchor``) or backwards (the reversed order, ``key < anchor``),
or backwards from the end when the filter's count is known. So scrolling costs
one page whatever the depth; only a jump far from any anchor pays for the
distance, at most half the rows. Anchors are dropped whenever anyone commits
(:meth:`Session.cache`). Memory: at most :data:`MAX_ANCHORS` anchors for each
of :data:`MAX_CURSORS` filter/sort pairs per thread.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from pbxdesk.api.models import AnyCall
from pbxdesk.store import query, rows
from pbxdesk.store.filters import CallFilter, Sort, SortColumn

MAX_ANCHORS: Final = 512
MAX_CURSORS: Final = 16

_COLUMNS: Final = ", ".join(f"c.{name}" for name in rows.SELECT_COLUMNS)
_POSITION_OF = {name: i + 1 for i, name in enumerate(rows.SELECT_COLUMNS)}  # after c.id


# Reading one table row through a filter index costs about as much as stepping
# over this many entries of a covering index (measured at 1M rows, see
# docs/benchmarks.md); it decides between the two ways of reading a page.
ROW_VS_ENTRY: Final = 40


@dataclass(frozen=True, slots=True)
class _Plan:
    forwards: bool
    anchor: tuple[Any, ...] | None
    skip: int
    take: int


def count_key(flt: CallFilter) -> tuple[str, CallFilter]:
    return ("count", flt)


def page_sql(where: query.Where, sort: Sort, anchor: tuple[Any, ...] | None,
             walk: bool) -> tuple[str, tuple[Any, ...]]:
    """``SELECT id, <rows.SELECT_COLUMNS>`` for one window, in ``sort`` order.

    ``walk``: read the sort column's index in order and test the filters on its
    entries (covering, so only the window's rows are read from the table); else
    find the filter's rows through ``where.source`` and sort them. The outer
    query reads the table rows of the window alone.
    """
    terms, params = [where.sql], list(where.params)
    order = query.order_by(sort)
    source = where.source
    if walk:
        source = f"calls INDEXED BY {query.sort_index(sort.column)}"
        if sort.column in where.seeks:
            seek, seek_params = where.seeks[sort.column]
            terms.append(seek)
            params.extend(seek_params)
    elif sort.column is not SortColumn.START:  # the user / group indexes are in start order
        order = query.order_by(sort, prefix="+")  # "+" keeps SQLite off the sort index
    if anchor is not None:
        bound, bound_params = query.after(sort, anchor)
        terms.append(bound)
        params.extend(bound_params)
    condition = " AND ".join(f"({term})" for term in terms)
    sql = (f"SELECT c.id, {_COLUMNS} FROM (SELECT id FROM {source} WHERE {condition} "
           f"ORDER BY {order} LIMIT ? OFFSET ?) AS p "
           f"JOIN calls AS c ON c.id = p.id ORDER BY {query.order_by(sort, 'c.')}")
    return sql, tuple(params)


def anchor_of(row: tuple[Any, ...], sort: Sort) -> tuple[Any, ...]:
    """The sort key values of a page row (``id`` first, then SELECT_COLUMNS)."""
    return tuple(row[0] if key.column == "id" else row[_POSITION_OF[key.column]]
                 for key in query.sort_keys(sort))


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


def should_walk(where: query.Where, sort: Sort, chosen: _Plan, matching: int,
                total: int) -> bool:
    """Whether walking the sort index is cheaper than sorting the filter's rows.

    The walk steps over ``(skip + take) * total / matching`` entries (the
    matches assumed spread evenly, or found directly through a seek); the other
    way reads and sorts all ``matching`` rows.
    """
    if not where.restricts:
        return True
    wanted = chosen.skip + chosen.take
    steps = wanted if sort.column in where.seeks else wanted * total / max(1, matching)
    return steps <= matching * ROW_VS_ENTRY


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
    walk = not where.restricts or should_walk(where, sort, chosen, *sizes())
    order = sort if chosen.forwards else sort.reversed()
    sql, params = page_sql(where, order, chosen.anchor, walk)
    found = conn.execute(sql, (*params, chosen.take, chosen.skip)).fetchall()
    if not chosen.forwards:
        found.reverse()
    if found:
        anchors[offset] = anchor_of(found[0], sort)
        anchors[offset + len(found) - 1] = anchor_of(found[-1], sort)
        while len(anchors) > MAX_ANCHORS:
            del anchors[next(iter(anchors))]
    return [rows.decode(row[1:]) for row in found]


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
