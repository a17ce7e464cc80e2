"""Calls per local day or hour of a range: Insights' per-day chart and heat map.

The range is cut into pieces of one UTC offset (:func:`offset_segments`); in a
piece, local unit (day or hour) ``n`` holds the instants ``t`` with
``(t + offset) // unit == n``. For every calls of a kind (no chosen users or
groups) the whole UTC quarter hours of a piece are added up from
``call_quarter_totals`` (:mod:`pbxdesk.store.insighttotals`): an offset that is
a whole number of quarter hours (every offset in use: +5:30, +5:45 …) puts a
quarter in one local hour. The piece's partial quarters at the range's edges,
pieces with any other offset (historical local mean times), and the calls of
chosen users or groups are counted from the calls themselves, grouped by the
same arithmetic. So a 23- or 25-hour day, an hour the clocks go back over
(counted once, with both passes), and half-hour zones come out right.
No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo
from typing import Final

from pbxdesk.store.insighttotals import QUARTER_MEASURES, QUARTER_US, QUARTERS, condition
from pbxdesk.store.localtime import DAY_US, offset_segments

FEW_REFS: Final = 8
"""Up to this many chosen users or groups, their calls are read through their own index
(``kind, user_ref / group_ref, start_us``); more, and the time index is read once."""
INDEX: Final = "ix_calls_by_kind_and_start"
USER_INDEX: Final = "ix_calls_by_user_and_start"
GROUP_INDEX: Final = "ix_calls_by_group_and_start"

Tally = list[int]
"""calls, answered, missed, abandoned, outbound, live (as QUARTER_MEASURES)."""

_FROM_CALLS: Final = ", ".join(
    "count(*)" if measure == "calls" else f"count(*) FILTER (WHERE {condition(measure, 'c.')})"
    for measure in QUARTER_MEASURES)


@dataclass(frozen=True, slots=True)
class Whose:
    """The calls counted: of ``kind``, of the references ``refs`` in ``column`` (None: all)."""

    kind: int
    column: str
    refs: list[int] | None


def segments(start_us: int, end_us: int, zone: tzinfo | None) -> list[tuple[int, int, int]]:
    """``(lo, hi, offset_us)``: the pieces of ``[start_us, end_us)`` with one UTC offset."""
    if end_us <= start_us:
        return []
    found = offset_segments(start_us, end_us, zone)
    return [(lo, found[index + 1][0] if index + 1 < len(found) else end_us, offset)
            for index, (lo, offset) in enumerate(found)]


def units(start_us: int, end_us: int, zone: tzinfo | None, unit_us: int) -> list[int]:
    """The local unit numbers the range touches, in order (none skipped but those no
    instant of the range shows, such as a day a zone jumped over)."""
    found: dict[int, None] = {}
    for lo, hi, offset in segments(start_us, end_us, zone):
        found.update(dict.fromkeys(range((lo + offset) // unit_us,
                                         (hi - 1 + offset) // unit_us + 1)))
    return list(found)


def per_unit(conn: sqlite3.Connection, whose: Whose, start_us: int, end_us: int,
             zone: tzinfo | None, unit_us: int, *, weekly: bool = False) -> dict[int, Tally]:
    """Tallies per local unit: day or hour number since 1 January 1970, local time.

    ``weekly``: per hour of the week instead (Monday 0:00 is 0, Sunday 23:00 is
    167; hours only), added up in SQL, so that two years are 168 rows, not 17,520.
    """
    totals: dict[int, Tally] = {}
    if whose.refs == []:
        return totals
    for lo, hi, offset in segments(start_us, end_us, zone):
        pieces = [(lo, hi)]
        if whose.refs is None and offset % QUARTER_US == 0:
            first, after = -(-lo // QUARTER_US), hi // QUARTER_US
            if first < after:
                _add(totals, _from_quarters(conn, whose.kind, first, after, offset, unit_us,
                                            weekly))
                pieces = [(lo, first * QUARTER_US), (after * QUARTER_US, hi)]
        for piece_lo, piece_hi in pieces:
            if piece_lo < piece_hi:
                _add(totals, _from_calls(conn, whose, piece_lo, piece_hi, offset, unit_us,
                                         weekly))
    return totals


def _add(totals: dict[int, Tally], found: Iterable[tuple[int, ...]]) -> None:
    for unit, *values in found:
        tally = totals.setdefault(unit, [0] * len(QUARTER_MEASURES))
        for index, value in enumerate(values):
            tally[index] += value


def _lead(unit_us: int) -> int:
    """Whole units added before dividing, so that a time before its offset (the first
    hours of 1970 west of Greenwich) stays positive (SQLite's ``/`` truncates): a week's
    worth, so that the weekday and hour of the sum are those of the time."""
    return _WEEK_US // unit_us


_WEEK_US: Final = 7 * DAY_US
_THURSDAY: Final = 3
"""1 January 1970 was a Thursday (Monday = 0)."""


def _unit_sql(plus_lead: str, lead: int, weekly: bool) -> str:
    """The unit of a time whose unit number plus ``lead`` is ``plus_lead`` (SQL)."""
    if not weekly:
        return f"({plus_lead}) - {lead:d}"
    return f"((({plus_lead}) / 24 + {_THURSDAY}) % 7) * 24 + ({plus_lead}) % 24"


def _from_quarters(conn: sqlite3.Connection, kind: int, first: int, after: int, offset_us: int,
                   unit_us: int, weekly: bool) -> Iterable[tuple[int, ...]]:
    per_unit_quarters = unit_us // QUARTER_US
    lead = _lead(unit_us)
    shift = offset_us // QUARTER_US + lead * per_unit_quarters
    sums = ", ".join(f"sum({measure})" for measure in QUARTER_MEASURES)
    unit = _unit_sql(f"(quarter + {shift:d}) / {per_unit_quarters:d}", lead, weekly)
    return conn.execute(
        f"SELECT {unit} AS unit, {sums} FROM {QUARTERS} "
        "WHERE kind = ? AND quarter >= ? AND quarter < ? GROUP BY unit", (kind, first, after))


def _from_calls(conn: sqlite3.Connection, whose: Whose, lo: int, hi: int, offset_us: int,
                unit_us: int, weekly: bool) -> Iterable[tuple[int, ...]]:
    lead = _lead(unit_us)
    unit = _unit_sql(f"(c.start_us + {offset_us + lead * unit_us:d}) / {unit_us:d}", lead,
                     weekly)
    params: list[object] = [whose.kind]
    index, match = INDEX, ""
    if whose.refs is not None:
        if len(whose.refs) <= FEW_REFS:
            index = USER_INDEX if whose.column == "user_ref" else GROUP_INDEX
        match = f"AND c.{whose.column} IN ({', '.join('?' * len(whose.refs))}) "
        params += whose.refs
    return conn.execute(
        f"SELECT {unit} AS unit, {_FROM_CALLS} FROM calls AS c "
        f"INDEXED BY {index} WHERE c.kind = ? {match}"
        "AND c.start_us >= ? AND c.start_us < ? GROUP BY unit", [*params, lo, hi])
