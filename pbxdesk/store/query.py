"""SQL for the views: a filter as a WHERE clause, a sort as ORDER BY, keyset bounds,
and the indexes ("lanes") that find or walk the rows.

Every index a read uses (:mod:`pbxdesk.store.indexes`) ends with ``direction,
outcome, user_ref, group_ref`` after its sort columns and ``id``, so a walk in
its order tests the filters on the index entry and reads a table row only for
the rows it returns. Indexes are led by ``kind`` (or hold one kind): a filter
over several kinds reads one *lane* per kind, and SQLite merges lanes that are
in the same order (``MERGE (UNION ALL)``). Users and groups are filtered
through their small lookup tables (``call_users``, ``call_groups``) as lists of
integer references.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from pbxdesk.api.models import CallKind, Direction
from pbxdesk.store import indexes, rows, search
from pbxdesk.store.daycounts import DayQuery
from pbxdesk.store.filters import CallFilter, Sort, SortColumn


@dataclass(frozen=True, slots=True)
class SortKey:
    """The stored column a view column sorts on, and how it compares."""

    column: str
    collate: str = ""

    @property
    def sql(self) -> str:
        return f"{self.column} COLLATE {self.collate}" if self.collate else self.column


SORT_KEYS: Final = {
    SortColumn.CALL_ID: SortKey("unique_call_id"),
    SortColumn.TYPE: SortKey("type", "NOCASE"),
    SortColumn.CALLER: SortKey("caller_id"),
    SortColumn.CALLER_NAME: SortKey("caller_name", "NOCASE"),
    SortColumn.DESTINATION: SortKey("dest_number"),
    SortColumn.USER_NAME: SortKey("user_name", "NOCASE"),
    SortColumn.EXTENSION: SortKey("user_number"),
    SortColumn.START: SortKey("start_us"),
    SortColumn.ANSWERED: SortKey("connected_us"),
    SortColumn.DURATION: SortKey("call_duration"),
    SortColumn.TALK_TIME: SortKey("conversation_duration"),
    SortColumn.GROUP: SortKey("group_name", "NOCASE"),
    SortColumn.STATUS: SortKey("status", "NOCASE"),
}
E = TypeVar("E")
_TIE_BREAKERS: Final = (SortKey("start_us"), SortKey("id"))
ALL_KINDS: Final = tuple(sorted(rows.KIND_CODES.values()))


def sort_keys(sort: Sort) -> tuple[SortKey, ...]:
    """The full, total key of a sort: its column, then start time, then id."""
    first = SORT_KEYS[sort.column]
    return _TIE_BREAKERS if first.column == "start_us" else (first, *_TIE_BREAKERS)


def order_by(sort: Sort, prefix: str = "") -> str:
    direction = " DESC" if sort.descending else ""
    return ", ".join(f"{prefix}{key.sql}{direction}" for key in sort_keys(sort))


def after(sort: Sort, anchor: Sequence[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """Conditions for the rows strictly after ``anchor`` (its sort key values), in order.

    For a key ``(k, start_us, id)``: first ``k = a AND (start_us, id) > (b, c)``, the
    rest of the anchor's group, then ``k > a`` (``<`` when descending). Each part
    is a range SQLite seeks to in the sort index: a single ``(k, start_us, id) >``
    row value would seek on ``k`` alone (row values do not mix with COLLATE
    NOCASE) and step over the whole of a large group such as all rows without a
    status.
    """
    keys = sort_keys(sort)
    strict = "<" if sort.descending else ">"
    tail = f"({keys[-2].sql}, {keys[-1].sql}) {strict} (?, ?)"
    if len(keys) == 2:
        return [(tail, (anchor[0], anchor[1]))]
    first = keys[0].sql
    return [(f"{first} = ? AND {tail}", (anchor[0], anchor[1], anchor[2])),
            (f"{first} {strict} ?", (anchor[0],))]


Seek = tuple[str, tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Lane:
    """One index read in one kind's rows: ``FROM {source} WHERE {term} AND …``."""

    source: str
    term: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Where:
    """A filter as SQL: the WHERE clause (without the keyword), and what reads it best.

    ``seeks`` holds, per sort column, a condition on that column that the filter
    already implies (e.g. ``user_number IN (...)`` when filtering by user):
    redundant for the result, but it lets a walk of that column's index jump
    straight to the rows instead of stepping over all the others.
    """

    sql: str
    params: tuple[Any, ...]
    base_sql: str = "1"
    """The filter without its search text."""
    base_params: tuple[Any, ...] = ()
    kinds: tuple[int, ...] = ALL_KINDS
    users: bool = False
    text: search.TextMatch | None = None
    day_query: DayQuery | None = None
    """Set when the per-day totals can count this filter (no users, no text)."""
    seeks: Mapping[SortColumn, Seek] = field(default_factory=dict)
    present: frozenset[str] = frozenset()
    """The on-demand indexes that exist (read with the filter)."""

    @property
    def matches_nothing(self) -> bool:
        return self.sql == "0"

    @property
    def restricts(self) -> bool:
        return self.sql != "1"

    @property
    def parts_usable(self) -> bool:
        """Whether every index the search text's parts seek on exists."""
        return self.text is not None and all(part.index is None or part.index in self.present
                                             for part in self.text.parts)


NOTHING: Final = Where("0", (), "0")
EVERYTHING: Final = Where("1", ())


def where(conn: sqlite3.Connection, flt: CallFilter, region: str | None,
          memo: search.ValueMemo | None = None) -> Where:
    """The WHERE clause for ``flt``; with ``memo``, search matches are kept in tables."""
    terms: list[str] = []
    params: list[Any] = []
    seeks: dict[SortColumn, Seek] = {}
    start_us = end_us = None
    if flt.start is not None or flt.end is not None:
        # Also keeps out rows without a start time (stored as -1, see rows.py).
        start_us = max(0, rows.to_micros(flt.start)) if flt.start is not None else 0
        terms.append("start_us >= ?")
        params.append(start_us)
    if flt.end is not None:
        end_us = rows.to_micros(flt.end)
        terms.append("start_us < ?")
        params.append(end_us)
    if flt.periods:
        # Insights' "these hours of these days": a few ranges of the start index.
        terms.append(f"({' OR '.join(['(start_us >= ? AND start_us < ?)'] * len(flt.periods))})")
        for first, after in flt.periods:
            params += [max(0, rows.to_micros(first)), rows.to_micros(after)]
    chosen: dict[str, list[int] | None] = {}
    for column, codes in (("kind", _codes(flt.kinds, rows.KIND_CODES)),
                          ("direction", _codes(flt.directions, rows.DIRECTION_CODES)),
                          ("outcome", _codes(flt.outcomes, rows.OUTCOME_CODES))):
        if codes == []:
            return NOTHING
        chosen[column] = codes
        if codes is not None:
            terms.append(_in(column, codes))
            params.extend(codes)
    # Group rows store no type; user rows no status and no group (see rows.py).
    # Queue and ring-group calls are inbound, so other directions mean user calls.
    if (flt.kinds and CallKind.USER not in flt.kinds) or flt.group_names:
        seeks[SortColumn.TYPE] = _seek(SortColumn.TYPE, [rows.NO_TEXT])
    if flt.kinds == {CallKind.USER} or (flt.directions and Direction.INBOUND not in
                                        flt.directions):
        seeks[SortColumn.STATUS] = _seek(SortColumn.STATUS, [rows.NO_TEXT])
        seeks[SortColumn.GROUP] = _seek(SortColumn.GROUP, [rows.NO_TEXT])
    if flt.has_users:
        users = matching_users(conn, flt.user_numbers, flt.user_names)
        if not users:
            return NOTHING
        terms.append(_in("user_ref", [ref for ref, _, _ in users]))
        params.extend(ref for ref, _, _ in users)
        seeks[SortColumn.EXTENSION] = _seek(SortColumn.EXTENSION, [n for _, n, _ in users])
        seeks[SortColumn.USER_NAME] = _seek(SortColumn.USER_NAME, [n for _, _, n in users])
    group_refs: list[int] | None = None
    if flt.group_names:
        groups = matching_groups(conn, flt.group_names)
        if not groups:
            return NOTHING
        group_refs = [ref for ref, _ in groups]
        terms.append(_in("group_ref", group_refs))
        params.extend(group_refs)
        seeks[SortColumn.GROUP] = _seek(SortColumn.GROUP, [name for _, name in groups])
    kinds = tuple(chosen["kind"]) if chosen["kind"] is not None else ALL_KINDS
    present = existing_indexes(conn)
    base_sql, base_params = " AND ".join(terms) or "1", tuple(params)
    text = None
    if flt.text:
        text = search.text_match(conn, flt.text, region, memo)
        if text.matches_nothing:
            return NOTHING
        terms.append(f"({text.condition})")
        params.extend(text.params)
    day_query = None
    if not flt.has_users and text is None and not flt.periods:
        day_query = DayQuery(start_us, end_us, chosen["kind"], chosen["direction"],
                             chosen["outcome"], group_refs)
    return Where(" AND ".join(terms) or "1", tuple(params), base_sql, base_params, kinds,
                 flt.has_users, text, day_query, seeks, present)


def existing_indexes(conn: sqlite3.Connection) -> frozenset[str]:
    return frozenset(name for (name,) in conn.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'index'"))


def walk_lanes(flt_where: Where, column: SortColumn) -> list[Lane] | None:
    """Lanes that read ``column``'s order straight off an index, one per kind; None
    when an index they need does not exist (yet)."""
    lanes: list[Lane] = []
    for kind in flt_where.kinds:
        if column is SortColumn.START:
            lanes.append(Lane(f"calls INDEXED BY {indexes.BY_KIND_AND_START}", "kind = ?",
                              (kind,)))
            continue
        spec = indexes.sort_index(column, kind)
        if spec is None or spec.name not in flt_where.present:
            return None
        if spec.kind is None:
            lanes.append(Lane(f"calls INDEXED BY {spec.name}", "kind = ?", (kind,)))
        else:  # a partial index: SQLite uses it only for the literal condition
            lanes.append(Lane(f"calls INDEXED BY {spec.name}", f"kind = {spec.kind:d}"))
    return lanes


def find_lanes(flt_where: Where) -> list[Lane]:
    """Lanes that find the filter's rows (in no useful order) when sorting them.

    With search text whose indexes exist: one lane per part of the text (their
    union is the matches); else the named users' index, or the start index per kind.
    """
    kinds = ", ".join(str(kind) for kind in flt_where.kinds)
    if flt_where.text is not None and flt_where.parts_usable:
        return [Lane("calls NOT INDEXED" if part.index is None  # read by id range
                     else f"calls INDEXED BY {part.index}", f"kind IN ({kinds}) AND ({part.sql})",
                     part.params) for part in flt_where.text.parts]
    if flt_where.users:
        return [Lane(f"calls INDEXED BY {indexes.BY_USER_AND_START}", f"kind IN ({kinds})")]
    return [Lane(f"calls INDEXED BY {indexes.BY_KIND_AND_START}", f"kind = {kind:d}")
            for kind in flt_where.kinds]


def lanes_sql(lanes: Sequence[Lane], columns: str, condition: str,
              params: Sequence[Any], *, distinct: bool = False) -> tuple[str, tuple[Any, ...]]:
    """``SELECT columns`` over the lanes, each with ``condition``; a subquery for several."""
    arms: list[str] = []
    values: list[Any] = []
    for lane in lanes:
        arms.append(f"SELECT {columns} FROM {lane.source} WHERE {lane.term} AND ({condition})")
        values.extend((*lane.params, *params))
    if len(arms) == 1:
        return arms[0], tuple(values)
    glue = " UNION " if distinct else " UNION ALL "
    return f"SELECT {columns} FROM ({glue.join(arms)})", tuple(values)


def count_sql(flt_where: Where) -> list[tuple[int, str, tuple[Any, ...]]]:
    """``SELECT count(*)`` statements whose results, times their signs, add up to the
    filter's rows (for filters the per-day totals cannot count: users or search text).

    A search matches the union of its parts (callers' names, users, groups …);
    counted by inclusion and exclusion, each term is a count on one index whose
    entries carry the other parts' columns, so no set of ids is built (a union of
    100,000 matches cost 50–100 ms).
    """
    if not flt_where.parts_usable or flt_where.text is None:
        sql, params = lanes_sql(find_lanes(flt_where), "id", flt_where.sql, flt_where.params)
        return [(1, f"SELECT count(*) FROM ({sql})", params)]
    kinds = ", ".join(str(kind) for kind in flt_where.kinds)
    # An id range first: it is the one to seek by whenever it is part of a term.
    parts = sorted(flt_where.text.parts, key=lambda part: part.index is not None)
    terms: list[tuple[int, str, tuple[Any, ...]]] = []
    for chosen in range(1, 1 << len(parts)):
        members = [part for bit, part in enumerate(parts) if chosen >> bit & 1]
        first = members[0]
        source = ("calls NOT INDEXED" if first.index is None
                  else f"calls INDEXED BY {first.index}")
        conditions = " AND ".join(f"({part.sql})" for part in members)
        params = tuple(value for part in members for value in part.params)
        terms.append((1 if len(members) % 2 else -1,
                      f"SELECT count(*) FROM {source} WHERE kind IN ({kinds}) AND "
                      f"{conditions} AND ({flt_where.base_sql})",
                      (*params, *flt_where.base_params)))
    return terms


def matching_users(conn: sqlite3.Connection, numbers: Collection[str],
                   names: Collection[str]) -> list[tuple[int, str, str]]:
    """(ref, number, name) of the users with one of ``numbers`` or ``names``."""
    wanted_numbers, wanted_names = set(numbers), set(names)
    return [(ref, number, name) for ref, number, name in conn.execute(
        "SELECT id, number, name FROM call_users ORDER BY id")
        if (number and number in wanted_numbers) or (name and name in wanted_names)]


def matching_groups(conn: sqlite3.Connection, names: Collection[str]) -> list[tuple[int, str]]:
    wanted = set(names)
    return [(ref, name) for ref, name in conn.execute(
        "SELECT id, name FROM call_groups ORDER BY id") if name in wanted]


def _seek(column: SortColumn, values: list[str]) -> Seek:
    distinct = sorted(set(values))
    return _in(SORT_KEYS[column].sql, distinct), tuple(distinct)


def _codes(chosen: frozenset[E], codes: Mapping[E, int]) -> list[int] | None:
    """The stored codes for a chosen set; None when it does not restrict anything."""
    if not chosen or len(chosen) >= len(codes):
        return None
    return sorted({codes[value] for value in chosen if value in codes})


def _in(column: str, values: Sequence[object]) -> str:
    if len(values) == 1:
        return f"{column} = ?"
    return f"{column} IN ({', '.join('?' * len(values))})"
