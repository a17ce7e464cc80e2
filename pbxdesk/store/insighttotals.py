"""Insights' running totals, kept by every write, so that a year of calls adds up rows.

Two tables (created by the migration :func:`create`):

- ``call_quarter_totals``: per kind and UTC quarter hour (``start_us // 15 min``),
  the calls and how many were answered, missed, abandoned, outbound and live.
  Calls per local day and the weekday × hour heat map add these up: every UTC
  offset in use since 1970 is a whole number of quarter hours (India +5:30,
  Nepal +5:45, Chatham +12:45 included), so a quarter hour falls in exactly one
  local hour. Two years are 70,080 quarters a kind, where the calls may be a
  million.
- ``call_ref_day_totals``: per kind, user (user calls) or queue / ring group
  (group calls) and UTC day, the figures Insights lists per agent and per queue
  that are sums: calls, answered, missed, abandoned, inbound, outbound, live, and
  the talk time. A range's whole UTC days come from here, its two partial days
  from the calls.

A call without a start time counts in slot -1, one whose start is not an
integer (damaged) in a slot after every date (as :mod:`pbxdesk.store.daycounts`
does), so the totals always add up to the calls and no range reads them.

The writer counts the rows it inserts, a batch at a time, from the values it
has in hand (:func:`add_rows`); a live event's rows are counted in SQL
(:func:`add_inserted`: the rows with ids above the largest before them);
triggers move a row whose counted columns change (a sync's update, a live
row's confirmation) and take out a deleted one. :func:`verify` rebuilds the
totals of a file whose totals do not add up. What counts as answered, missed
and so on is defined here once (:func:`condition`) for the totals and for the
queries that read the calls (:mod:`pbxdesk.store.insights`). No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Final

from pbxdesk.api.models import Outcome
from pbxdesk.store import rows

QUARTER_US: Final = 900_000_000
DAY_US: Final = 86_400_000_000
NO_SLOT: Final = -1
FAR_SLOT: Final = 1_000_000_000_000
MAX_TALK_S: Final = 7 * 24 * 3600
"""A talk time outside 0 … one week is bad data and left out of talk-time figures."""
MAX_WAIT_US: Final = 24 * 3600 * 1_000_000
"""A wait outside 0 … one day (connected before the start, or a day later) is bad data."""
INBOUND: Final = 1
OUTBOUND: Final = 2

_NULL_CONNECTED: Final = 1 << rows.NULLABLE_FIELDS.index("connected_at")
_NULL_TALK: Final = 1 << rows.NULLABLE_FIELDS.index("conversation_duration")
_ANSWERED: Final = rows.OUTCOME_CODES[Outcome.ANSWERED]
_ABANDONED: Final = rows.OUTCOME_CODES[Outcome.ABANDONED]
_NOT_REACHED_CODES: Final = frozenset(rows.OUTCOME_CODES[outcome] for outcome in (
    Outcome.MISSED, Outcome.BUSY, Outcome.FAILED))
_NOT_REACHED: Final = ", ".join(str(code) for code in sorted(_NOT_REACHED_CODES))

# The definitions (docs/insights.md), over a calls row named by "{r}" ("new.", "c." …).
_CONDITIONS: Final = {
    "answered": f"({{r}}outcome = {_ANSWERED})",
    "abandoned": f"({{r}}outcome = {_ABANDONED})",
    "missed": f"({{r}}outcome IN ({_NOT_REACHED}) AND {{r}}direction != {OUTBOUND})",
    "inbound": f"({{r}}direction = {INBOUND})",
    "outbound": f"({{r}}direction = {OUTBOUND})",
    "live": "({r}live != 0)",
    "has_wait": (f"({{r}}outcome = {_ANSWERED} AND ({{r}}nulls & {_NULL_CONNECTED}) = 0 "
                 f"AND {{r}}connected_us BETWEEN {{r}}start_us AND {{r}}start_us + "
                 f"{MAX_WAIT_US})"),
    "has_talk": (f"({{r}}outcome = {_ANSWERED} AND ({{r}}nulls & {_NULL_TALK}) = 0 "
                 f"AND {{r}}conversation_duration BETWEEN 0 AND {MAX_TALK_S})"),
}


def condition(name: str, row: str = "") -> str:
    """The SQL condition ``name`` over the calls row called ``row`` (with its dot)."""
    return _CONDITIONS[name].format(r=row)


def _talk(row: str) -> str:
    return f"(CASE WHEN {condition('has_talk', row)} THEN {row}conversation_duration ELSE 0 END)"


def _slot(row: str, size: int) -> str:
    return (f"(CASE WHEN typeof({row}start_us) <> 'integer' THEN {FAR_SLOT} "
            f"WHEN {row}start_us < 0 THEN {NO_SLOT} ELSE {row}start_us / {size} END)")


def _ref(row: str) -> str:
    return f"coalesce(CASE WHEN {row}kind = 0 THEN {row}user_ref ELSE {row}group_ref END, 0)"


# Each table: its name, its key columns with their SQL over a row, and its measures
# (columns; one row's share is :func:`_share`).
_Keys = tuple[tuple[str, Callable[[str], str]], ...]
QUARTERS: Final = "call_quarter_totals"
REF_DAYS: Final = "call_ref_day_totals"
_QUARTER_KEYS: Final[_Keys] = (("kind", lambda r: f"{r}kind"),
                        ("quarter", lambda r: _slot(r, QUARTER_US)))
_REF_DAY_KEYS: Final[_Keys] = (("kind", lambda r: f"{r}kind"), ("ref", _ref),
                        ("day", lambda r: _slot(r, DAY_US)))
_COUNTED: Final = ("answered", "missed", "abandoned", "outbound", "live")
QUARTER_MEASURES: Final = ("calls", *_COUNTED)
# talk_total: seconds, of the calls with a talk time (has_talk).
REF_DAY_MEASURES: Final = ("calls", *_COUNTED, "inbound", "talk_total")
_TRIGGER_COLUMNS: Final = {
    QUARTERS: "kind, start_us, direction, outcome, live",
    REF_DAYS: ("kind, start_us, direction, outcome, live, user_ref, group_ref, nulls, "
               "conversation_duration"),
}


def _share(measure: str, row: str) -> str:
    """One row's share of ``measure``."""
    if measure == "calls":
        return "1"
    if measure == "talk_total":
        return _talk(row)
    return condition(measure, row)


def _tables() -> tuple[tuple[str, _Keys, tuple[str, ...]], ...]:
    return ((QUARTERS, _QUARTER_KEYS, QUARTER_MEASURES),
            (REF_DAYS, _REF_DAY_KEYS, REF_DAY_MEASURES))


def _key_sql(keys: _Keys, row: str) -> list[str]:
    return [make(row) for _, make in keys]


def _add_from_calls(table: str, keys: _Keys,
                    measures: tuple[str, ...], where: str) -> str:
    """``INSERT … SELECT`` adding the calls matching ``where`` to ``table``'s totals."""
    names = [name for name, _ in keys]
    sums = ["count(*)" if m == "calls" else f"sum({_share(m, '')})" for m in measures]
    positions = ", ".join(str(i + 1) for i in range(len(keys)))
    return (f"INSERT INTO {table} ({', '.join([*names, *measures])}) "
            f"SELECT {', '.join([*_key_sql(keys, ''), *sums])} FROM calls WHERE {where} "
            f"GROUP BY {positions} ON CONFLICT DO UPDATE SET "
            + ", ".join(f"{m} = {m} + excluded.{m}" for m in measures))


def _triggers(table: str, keys: _Keys,
              measures: tuple[str, ...]) -> list[str]:
    names = [name for name, _ in keys]
    take_out = (f"UPDATE {table} SET "
                + ", ".join(f"{m} = {m} - {_share(m, 'old.')}" for m in measures)
                + " WHERE " + " AND ".join(
                    f"{name} = {sql}" for name, sql in zip(names, _key_sql(keys, "old."),
                                                           strict=True)) + ";")
    put_in = (f"INSERT INTO {table} ({', '.join([*names, *measures])}) VALUES ("
              + ", ".join([*_key_sql(keys, "new."), *(_share(m, "new.") for m in measures)])
              + ") ON CONFLICT DO UPDATE SET "
              + ", ".join(f"{m} = {m} + excluded.{m}" for m in measures) + ";")
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_au AFTER UPDATE OF {_TRIGGER_COLUMNS[table]} "
        f"ON calls BEGIN {take_out} {put_in} END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_ad AFTER DELETE ON calls BEGIN {take_out} END",
    ]


def _columns(measures: tuple[str, ...]) -> str:
    return ",\n            ".join(f"{name} INTEGER NOT NULL" for name in measures)


def create(conn: sqlite3.Connection) -> None:
    """The migration: both tables, filled from the stored calls, and their triggers."""
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS {QUARTERS} (
            kind INTEGER NOT NULL,
            quarter INTEGER NOT NULL,       -- start_us // 900000000 (-1: none; 1e12: damaged)
            {_columns(QUARTER_MEASURES)},
            PRIMARY KEY (kind, quarter)
        ) WITHOUT ROWID""")
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS {REF_DAYS} (
            kind INTEGER NOT NULL,
            ref INTEGER NOT NULL,           -- user_ref (user calls) or group_ref; 0: none
            day INTEGER NOT NULL,           -- start_us // 86400000000 (-1: none; 1e12: damaged)
            {_columns(REF_DAY_MEASURES)},
            PRIMARY KEY (kind, ref, day)
        ) WITHOUT ROWID""")
    rebuild(conn)
    for table, keys, measures in _tables():
        for statement in _triggers(table, keys, measures):
            conn.execute(statement)


def rebuild(conn: sqlite3.Connection) -> None:
    """Both tables counted again from the calls (in the caller's transaction)."""
    for table, keys, measures in _tables():
        conn.execute(f"DELETE FROM {table}")
        conn.execute(_add_from_calls(table, keys, measures, "true"))


def last_id(conn: sqlite3.Connection) -> int:
    """The largest call id: rows inserted after this call have larger ones."""
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0])


def add_inserted(conn: sqlite3.Connection, after_id: int) -> None:
    """Count the calls inserted since :func:`last_id` gave ``after_id`` (same transaction).

    New ids are the largest plus one, so those rows are a range of the table; if
    ids ever ran out SQLite would pick random free ones, and :func:`verify` on the
    next opening finds the totals short and rebuilds them.
    """
    for table, keys, measures in _tables():
        conn.execute(_add_from_calls(table, keys, measures, "id > ?"), (after_id,))


ROW_COLUMNS: Final = ("kind", "start_us", "direction", "outcome", "user_ref", "group_ref",
                      "nulls", "conversation_duration")
"""What :func:`add_rows` reads of a call, in this order."""


def add_rows(conn: sqlite3.Connection, calls: Iterable[Sequence[Any]]) -> None:
    """Count new calls a sync wrote (values as :data:`ROW_COLUMNS`; none is live).

    The writer's path: the same definitions as :func:`condition`, in Python over
    the values it has just inserted (the tests hold the two to each other). A
    count in SQL of the rows just written read each back from the table: 14 µs
    a row, a fifth of a first sync; this is about 2 µs.
    """
    quarters: dict[tuple[int, int], list[int]] = {}
    ref_days: dict[tuple[int, int, int], list[int]] = {}
    for kind, start, direction, outcome, user_ref, group_ref, nulls, talk in calls:
        if type(start) is int and start >= 0:
            quarter, day = start // QUARTER_US, start // DAY_US
        else:
            quarter = day = NO_SLOT if type(start) is int else FAR_SLOT
        answered = outcome == _ANSWERED
        shares = (1, answered, outcome in _NOT_REACHED_CODES and direction != OUTBOUND,
                  outcome == _ABANDONED, direction == OUTBOUND, 0)
        tally = quarters.get((kind, quarter))
        if tally is None:
            quarters[(kind, quarter)] = list(shares)
        else:
            for index, share in enumerate(shares):
                tally[index] += share
        ref = (user_ref if kind == 0 else group_ref) or 0
        # A duration too big for SQLite is stored as text or bytes: not counted, as in SQL.
        talked = (talk if answered and not nulls & _NULL_TALK and type(talk) is int
                  and 0 <= talk <= MAX_TALK_S
                  else 0)
        more = (*shares, direction == INBOUND, talked)
        tally = ref_days.get((kind, ref, day))
        if tally is None:
            ref_days[(kind, ref, day)] = list(more)
        else:
            for index, share in enumerate(more):
                tally[index] += share
    for table, keys, measures, found in (
            (QUARTERS, _QUARTER_KEYS, QUARTER_MEASURES, quarters),
            (REF_DAYS, _REF_DAY_KEYS, REF_DAY_MEASURES, ref_days)):
        if found:
            names = [name for name, _ in keys] + list(measures)
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) "
                f"VALUES ({', '.join('?' * len(names))}) ON CONFLICT DO UPDATE SET "
                + ", ".join(f"{m} = {m} + excluded.{m}" for m in measures),
                [(*key, *map(int, tally)) for key, tally in found.items()])


def answered_ever(conn: sqlite3.Connection, kinds: Sequence[int],
                  refs: Collection[int] | None) -> int:
    """The answered calls of these kinds, of the references ``refs`` (None: all), ever."""
    among = f" AND ref IN ({', '.join('?' * len(refs))})" if refs is not None else ""
    return int(conn.execute(
        f"SELECT coalesce(sum(answered), 0) FROM {REF_DAYS} WHERE kind IN "
        f"({', '.join('?' * len(kinds))}){among}", [*kinds, *(refs or ())]).fetchone()[0])


def counted(conn: sqlite3.Connection) -> int:
    """The calls ``call_ref_day_totals`` counts (the stored calls when in step).

    The two tables are written by the same statements in the same transactions,
    so the smaller one (a few ms to add up at a million calls, on every opening)
    stands for both; :func:`verify` checks and rebuilds both.
    """
    return int(conn.execute(f"SELECT coalesce(sum(calls), 0) FROM {REF_DAYS}").fetchone()[0])


def verify(conn: sqlite3.Connection) -> bool:
    """Whether both tables add up to the calls stored; rebuilds them if not.

    A file written by a tool that bypassed the store (or ids that ran out) would
    otherwise show wrong figures for good. Call inside a write transaction.
    """
    stored = int(conn.execute("SELECT count(*) FROM calls").fetchone()[0])
    quarters = int(conn.execute(f"SELECT coalesce(sum(calls), 0) FROM {QUARTERS}").fetchone()[0])
    if (counted(conn), quarters) == (stored, stored):
        return True
    rebuild(conn)
    return False
