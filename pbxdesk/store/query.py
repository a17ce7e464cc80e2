"""SQL for the views: a filter as a WHERE clause, a sort as ORDER BY, keyset bounds.

Every sort walks one index whose columns are ``(sort column, start_us, id,
kind, direction, outcome, user_ref, group_ref)`` (see the migrations), so a
page in any order reads the index and tests the filters on the index entry,
and reads a table row only for the rows it returns. Users and groups are
filtered through their small lookup tables (``call_users``, ``call_groups``)
as lists of integer references.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeVar

from pbxdesk.api.models import CallKind, Direction
from pbxdesk.store import rows, search
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


def sort_keys(sort: Sort) -> tuple[SortKey, ...]:
    """The full, total key of a sort: its column, then start time, then id."""
    first = SORT_KEYS[sort.column]
    return _TIE_BREAKERS if first.column == "start_us" else (first, *_TIE_BREAKERS)


def sort_index(column: SortColumn) -> str:
    """The index a walk in ``column`` order reads (created by the migrations)."""
    return "ix_calls_start" if column is SortColumn.START else f"ix_calls_sort_{column.value}"


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
class Where:
    """A WHERE clause (without the keyword) and its parameters.

    ``seeks`` holds, per sort column, a condition on that column that the
    filter already implies (e.g. ``user_number IN (...)`` when filtering by
    user): redundant for the result, but it lets a walk of that column's index
    jump straight to the rows instead of stepping over all the others.
    """

    sql: str
    params: tuple[Any, ...]
    seeks: Mapping[SortColumn, Seek] = field(default_factory=dict)
    source: str = "calls INDEXED BY ix_calls_start"
    """``calls`` with the index that finds this filter's rows best (see :func:`where`)."""
    only_table: str | None = None
    """Set when the filter is just "id in this table" (a search alone): count that."""

    @property
    def matches_nothing(self) -> bool:
        return self.sql == "0"

    @property
    def restricts(self) -> bool:
        return self.sql != "1"


NOTHING: Final = Where("0", ())
EVERYTHING: Final = Where("1", ())


class MatchMemo(Protocol):
    def match_table(self, key: object, select_sql: str, params: tuple[Any, ...]) -> str:
        """The name of a table holding the ``id`` values ``select_sql`` returns."""


def where(conn: sqlite3.Connection, flt: CallFilter, region: str | None,
          memo: MatchMemo | None = None) -> Where:
    """The WHERE clause for ``flt``; with ``memo``, search matches are kept in a table."""
    terms: list[str] = []
    params: list[Any] = []
    seeks: dict[SortColumn, Seek] = {}
    table = None
    if flt.start is not None or flt.end is not None:
        # Also keeps out rows without a start time (stored as -1, see rows.py).
        terms.append("start_us >= ?")
        params.append(max(0, rows.to_micros(flt.start)) if flt.start is not None else 0)
    if flt.end is not None:
        terms.append("start_us < ?")
        params.append(rows.to_micros(flt.end))
    if flt.periods:
        # Insights' "these hours of these days": a few ranges of the start index.
        terms.append(f"({' OR '.join(['(start_us >= ? AND start_us < ?)'] * len(flt.periods))})")
        for first, after in flt.periods:
            params += [max(0, rows.to_micros(first)), rows.to_micros(after)]
    for column, codes in (("kind", _codes(flt.kinds, rows.KIND_CODES)),
                          ("direction", _codes(flt.directions, rows.DIRECTION_CODES)),
                          ("outcome", _codes(flt.outcomes, rows.OUTCOME_CODES))):
        if codes == []:
            return NOTHING
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
    if flt.group_names:
        groups = matching_groups(conn, flt.group_names)
        if not groups:
            return NOTHING
        terms.append(_in("group_ref", [ref for ref, _ in groups]))
        params.extend(ref for ref, _ in groups)
        seeks[SortColumn.GROUP] = _seek(SortColumn.GROUP, [name for _, name in groups])
    if flt.text:
        match = search.text_match(conn, flt.text, region)
        if match.matches_nothing:
            return NOTHING
        alternatives: list[str] = []
        if match.ids_sql is not None:
            if memo is None:
                alternatives.append(f"id IN ({match.ids_sql})")
                params.extend(match.ids_params)
            else:
                table = memo.match_table(("text", flt.text, region), match.ids_sql,
                                         match.ids_params)
                alternatives.append(f"id IN {table}")
        if match.scan_sql is not None:
            alternatives.append(match.scan_sql)
            params.extend(match.scan_params)
        terms.append(f"({' OR '.join(alternatives)})")
    if not terms:
        return EVERYTHING
    only = table if flt.text and len(terms) == 1 and terms[0] == f"(id IN {table})" else None
    return Where(" AND ".join(terms), tuple(params), seeks, _source(flt, table), only)


def _source(flt: CallFilter, table: str | None) -> str:
    """The index to find a filter's rows by, chosen here rather than by SQLite.

    SQLite's choice depends on statistics that ANALYZE samples (and, with a
    limit, guesses): at a million rows one bad guess turned a 1 ms count into a
    skip-scan of 170 ms. So the plan is fixed: a user or group index when the
    filter names users or groups (their entries are in start order), else the
    start index, which covers every other filter column and bounds a date range;
    a search alone is read through its table of matching ids.
    """
    if flt.has_users:
        return "calls INDEXED BY ix_calls_user"
    if flt.group_names:
        return "calls INDEXED BY ix_calls_group"
    if table is not None and flt.start is None and flt.end is None:
        return "calls NOT INDEXED"  # rows are fetched by id from the match table
    return "calls INDEXED BY ix_calls_start"


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
