"""Calls per day, kept up to date by every write, so that counts add up days.

``call_day_counts`` holds, per kind, UTC day, direction, outcome and group, how
many calls are stored. A count of a filter without users or search text sums
the whole days inside its date range and counts only the partial days at its
edges through the ``(kind, start_us)`` index: a few thousand rows at most,
where walking the index for a whole history meant a million (60–100 ms).

The same totals place a deep page: :func:`day_totals` gives the matches per
day in order, so a jump to row 300,000 starts at its day instead of stepping
over 300,000 index entries (see :mod:`pbxdesk.store.pager`).

The writer adds the rows it inserts (:func:`write`, a batch at a time);
triggers move a row whose day or codes change and take out a deleted one.
No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

DAY_US: Final = 86_400_000_000
NO_DAY: Final = -1
"""The day of a call without a start time (stored as -1)."""
FAR_DAY: Final = 1_000_000_000_000
"""The day of a start that is not an integer (a BLOB of a huge number): after every date."""

DayKey = tuple[int, int, int, int, int]
"""(kind, day, direction, outcome, group_ref or 0)."""


def day_of(start_us: object) -> int:
    if type(start_us) is not int:
        return FAR_DAY
    return NO_DAY if start_us < 0 else start_us // DAY_US


def key_of(kind: int, start_us: object, direction: int, outcome: int,
           group_ref: int | None) -> DayKey:
    return kind, day_of(start_us), direction, outcome, group_ref or 0


def write(conn: sqlite3.Connection, changes: Counter[DayKey]) -> None:
    """Add ``changes`` (+1 per stored row, -1 per row moved away) to the totals."""
    rows = [(*key, delta) for key, delta in changes.items() if delta]
    if rows:
        conn.executemany(
            "INSERT INTO call_day_counts (kind, day, direction, outcome, group_ref, calls) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET calls = calls + excluded.calls", rows)


def verify(conn: sqlite3.Connection) -> bool:
    """Whether the totals add up to the rows stored; rebuilds them if not.

    A file written by hand or by a tool that bypassed the store would otherwise
    show wrong counts for good. Costs one count of the table (about 15 ms at a
    million rows), once per opening.
    """
    stored = conn.execute("SELECT count(*) FROM calls").fetchone()[0]
    counted = conn.execute("SELECT coalesce(sum(calls), 0) FROM call_day_counts").fetchone()[0]
    if stored == counted:
        return True
    conn.execute("DELETE FROM call_day_counts")
    conn.execute(
        "INSERT INTO call_day_counts (kind, day, direction, outcome, group_ref, calls) "
        f"SELECT kind, {_DAY_SQL}, direction, outcome, coalesce(group_ref, 0), count(*) "
        "FROM calls GROUP BY 1, 2, 3, 4, 5")
    return False


_DAY_SQL: Final = (f"CASE WHEN typeof(start_us) <> 'integer' THEN {FAR_DAY} "
                   f"WHEN start_us < 0 THEN {NO_DAY} ELSE start_us / {DAY_US} END")


@dataclass(frozen=True, slots=True)
class DayQuery:
    """A filter as the totals can answer it: no users, no search text.

    ``start_us`` / ``end_us``: the half-open range (None: unbounded); ``kinds``,
    ``directions``, ``outcomes``: codes (None: any); ``group_refs``: None for any.
    """

    start_us: int | None
    end_us: int | None
    kinds: Sequence[int] | None
    directions: Sequence[int] | None
    outcomes: Sequence[int] | None
    group_refs: Sequence[int] | None

    @property
    def bounded(self) -> bool:
        return self.start_us is not None or self.end_us is not None

    def terms(self) -> tuple[list[str], list[Any]]:
        """Conditions on kind / direction / outcome / group (the same names in both tables;
        a named group is never 0, the totals' "none")."""
        terms: list[str] = []
        params: list[Any] = []
        for column, values in (("kind", self.kinds), ("direction", self.directions),
                               ("outcome", self.outcomes), ("group_ref", self.group_refs)):
            if values is not None:
                terms.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        return terms, params


def count(conn: sqlite3.Connection, query: DayQuery) -> int:
    """How many stored calls match ``query``."""
    return sum(total for _, total in day_totals(conn, query))


def day_totals(conn: sqlite3.Connection, query: DayQuery) -> list[tuple[int, int]]:
    """(day, matches) for every day with matches, in day order (NO_DAY first).

    Whole days come from the totals; a partial day at either edge of the range
    is counted on the ``(kind, start_us)`` index.
    """
    terms, params = query.terms()
    low_day = high_day = None  # the whole days to add up, inclusive
    edges: list[tuple[int, int, int]] = []  # (day, from_us, to_us) counted on the index
    if query.bounded:
        low = max(0, query.start_us or 0)
        high = query.end_us
        if high is not None and high <= low:
            return []
        first_whole = -(-low // DAY_US)
        if low % DAY_US:
            edge_end = first_whole * DAY_US if high is None else min(first_whole * DAY_US, high)
            edges.append((low // DAY_US, low, edge_end))
        if high is None:
            low_day, high_day = first_whole, FAR_DAY
        else:
            last_whole = high // DAY_US - 1  # the last day that ends at or before high
            if high % DAY_US and high // DAY_US >= first_whole:
                edges.append((high // DAY_US, high // DAY_US * DAY_US, high))
            low_day, high_day = first_whole, last_whole
        terms.append("day BETWEEN ? AND ?")
        params.extend((low_day, high_day))
    where = " AND ".join(terms) or "1"
    totals: Counter[int] = Counter()
    for day, calls in conn.execute(
            f"SELECT day, sum(calls) FROM call_day_counts WHERE {where} GROUP BY day", params):
        totals[int(day)] += int(calls)
    for day, low_us, high_us in edges:
        if low_us < high_us:
            totals[day] += _count_on_index(conn, query, low_us, high_us)
    return sorted((day, calls) for day, calls in totals.items() if calls > 0)


def _count_on_index(conn: sqlite3.Connection, query: DayQuery, low_us: int, high_us: int) -> int:
    terms, params = query.terms()
    if query.kinds is None:
        terms.append("kind IN (0, 1, 2)")  # lets the index seek per kind
    sql = ("SELECT count(*) FROM calls INDEXED BY ix_calls_by_kind_and_start "
           f"WHERE {' AND '.join([*terms, 'start_us >= ?', 'start_us < ?'])}")
    return int(conn.execute(sql, (*params, low_us, high_us)).fetchone()[0])
