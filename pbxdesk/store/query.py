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
from dataclasses import dataclass
from typing import Any, Final, TypeVar

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


def order_by(sort: Sort, prefix: str = "") -> str:
    direction = " DESC" if sort.descending else ""
    return ", ".join(f"{prefix}{key.sql}{direction}" for key in sort_keys(sort))


def after(sort: Sort, anchor: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
    """A condition true for rows strictly after ``anchor`` (the sort key values).

    ``k1 >= a1 AND (k1 > a1 OR (k1 = a1 AND (k2 > a2 OR (k2 = a2 AND id > a3))))``,
    with ``<`` for descending sorts; the leading ``>=`` lets SQLite seek the index.
    """
    keys = sort_keys(sort)
    strict, loose = ("<", "<=") if sort.descending else (">", ">=")
    condition = f"{keys[-1].sql} {strict} ?"
    params: list[Any] = [anchor[-1]]
    for key, value in zip(reversed(keys[:-1]), reversed(anchor[:-1]), strict=True):
        condition = f"{key.sql} {strict} ? OR ({key.sql} = ? AND ({condition}))"
        params = [value, value, *params]
    return (f"{keys[0].sql} {loose} ? AND ({condition})", (anchor[0], *params))


@dataclass(frozen=True, slots=True)
class Where:
    sql: str
    params: tuple[Any, ...]

    @property
    def matches_nothing(self) -> bool:
        return self.sql == "0"


NOTHING: Final = Where("0", ())


def where(conn: sqlite3.Connection, flt: CallFilter, region: str | None) -> Where:
    """The WHERE clause (without the keyword) for ``flt``."""
    terms: list[str] = []
    params: list[Any] = []
    if flt.start is not None or flt.end is not None:
        # Also keeps out rows without a start time (stored as -1, see rows.py).
        terms.append("start_us >= ?")
        params.append(max(0, rows.to_micros(flt.start)) if flt.start is not None else 0)
    if flt.end is not None:
        terms.append("start_us < ?")
        params.append(rows.to_micros(flt.end))
    for column, codes in (("kind", _codes(flt.kinds, rows.KIND_CODES)),
                          ("direction", _codes(flt.directions, rows.DIRECTION_CODES)),
                          ("outcome", _codes(flt.outcomes, rows.OUTCOME_CODES))):
        if codes == []:
            return NOTHING
        if codes is not None:
            terms.append(_in(column, codes))
            params.extend(codes)
    if flt.has_users:
        refs = user_refs(conn, flt.user_numbers, flt.user_names)
        if not refs:
            return NOTHING
        terms.append(_in("user_ref", refs))
        params.extend(refs)
    if flt.group_names:
        refs = group_refs(conn, flt.group_names)
        if not refs:
            return NOTHING
        terms.append(_in("group_ref", refs))
        params.extend(refs)
    if flt.text:
        sql, text_params = search.text_condition(conn, flt.text, region)
        if sql == "0":
            return NOTHING
        terms.append(sql)
        params.extend(text_params)
    return Where(" AND ".join(terms) or "1", tuple(params))


def user_refs(conn: sqlite3.Connection, numbers: Collection[str],
              names: Collection[str]) -> list[int]:
    wanted_numbers, wanted_names = set(numbers), set(names)
    return [ref for ref, number, name in conn.execute(
        "SELECT id, number, name FROM call_users ORDER BY id")
        if (number and number in wanted_numbers) or (name and name in wanted_names)]


def group_refs(conn: sqlite3.Connection, names: Collection[str]) -> list[int]:
    wanted = set(names)
    return [ref for ref, name in conn.execute("SELECT id, name FROM call_groups ORDER BY id")
            if name in wanted]


def _codes(chosen: frozenset[E], codes: Mapping[E, int]) -> list[int] | None:
    """The stored codes for a chosen set; None when it does not restrict anything."""
    if not chosen or len(chosen) >= len(codes):
        return None
    return sorted({codes[value] for value in chosen if value in codes})


def _in(column: str, values: Sequence[object]) -> str:
    if len(values) == 1:
        return f"{column} = ?"
    return f"{column} IN ({', '.join('?' * len(values))})"
