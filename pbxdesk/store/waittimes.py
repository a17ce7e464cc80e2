"""Queues' and ring groups' waits over a long range, read in wait order (nothing sorted).

Per queue and ring group, Insights shows the median and 90th percentile of the
waits until answered (``has_wait``, :mod:`pbxdesk.store.insighttotals`) and how
many were answered within the service level, from a frequency table of the
waits that SQL groups (:mod:`pbxdesk.store.insights`). On the group index
SQLite sorts the range's waits for it: 140 ms of a two-year range at a million
calls. The migration :func:`create_index` adds ``ix_calls_wait_times``: only
the group calls with a wait, in the order kind, group, wait, start (an index
on the expression ``connected_us - start_us``), so the same table comes out in
order. That walk passes the group's calls outside the range too, so it is
taken only when the range holds a large part of the groups' answered calls
(:func:`worth_walking`). No Qt here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from typing import Final

from pbxdesk.api.models import CallKind
from pbxdesk.store import rows
from pbxdesk.store.insighttotals import answered_ever, condition

WAIT_INDEX: Final = "ix_calls_wait_times"
WALK_SHARE: Final = 0.25
"""The part of the groups' answered calls (ever) a range must hold for the index walk.

At a million calls: the walk takes ~60 ms whatever the range; sorting the
range's waits took ~8 ms for a month, 70 ms for a year, 140 ms for two."""
WAIT: Final = "c.connected_us - c.start_us"
"""The wait of a call ``c``, as the index holds it (SQLite matches the expression)."""

_USER: Final = rows.KIND_CODES[CallKind.USER]


def waited(row: str) -> str:
    """The index's WHERE over the calls row ``row`` ("c." …), for every query that reads it.

    SQLite uses a partial index only for a query whose WHERE holds the index's own.
    """
    return f"{row}kind != {_USER} AND {condition('has_wait', row)}"


def create_index(conn: sqlite3.Connection) -> None:
    """The migration: the group calls with a wait, by kind, group, wait and start."""
    conn.execute(f"CREATE INDEX IF NOT EXISTS {WAIT_INDEX} ON calls "
                 f"(kind, group_ref, connected_us - start_us, start_us) WHERE {waited('')}")


def worth_walking(conn: sqlite3.Connection, kinds: Sequence[int],
                  refs: Collection[int] | None, answered_in_range: int) -> bool:
    """Whether the range's answered calls are a large part of these groups' (None: all)."""
    ever = answered_ever(conn, kinds, refs)
    return bool(ever) and answered_in_range >= WALK_SHARE * ever
