"""Which index each read uses, and the indexes built only when a read needs them.

Always there (created by the migrations, kept up to date by every write):

* ``ix_calls_by_kind_and_start`` — a tab's calls in start order, a date range,
  the edges of a count (:mod:`pbxdesk.store.daycounts` does the rest).
* ``ix_calls_by_user_and_start`` — the calls of the users a filter names
  (and Insights per agent; ``ix_calls_by_group_and_start`` serves Insights per
  queue or ring group).
* the ``UNIQUE`` index on ``key`` — the writer's lookup of stored rows.

Built on demand, the first time a read needs one (:func:`ensure`):

* ``ix_calls_by_caller_name`` / ``_by_caller`` / ``_by_destination`` — search
  (a name or number found in the dictionaries, then its calls) and the sorts by
  those columns, for every kind (``kind`` leads).
* ``ix_calls_<kind>_by_<column>`` — any other sort, for one kind only (a
  partial index): the column, then start time, then the filter columns, so a
  walk in that order tests every filter on the index entry.

Every index a walk reads carries ``direction, outcome, user_ref, group_ref`` so
the filters are tested without reading the row. Built by ``CREATE INDEX`` over
stored rows, an index is packed and built in one sort (2–5 s at a million
rows, on the reading thread, never the GUI's); maintained row by row through a
bulk load it would cost most of the load's time and leave its pages half
full. So the writer drops an on-demand index when a load has more than
doubled the rows it was built over (:func:`outgrown`), and the next read that
needs it builds it again. Together they cover at most :data:`ONDEMAND_BUDGET`
times the table's rows (a kind's index counts its kind's share; the one this
process wanted longest ago goes first), which bounds the file's size: about
40 bytes a call per full share, on top of the permanent ~290.
No Qt here.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from pbxdesk.store.connection import brief_wait
from pbxdesk.store.filters import SortColumn

log = logging.getLogger("pbxdesk.store")

BY_KIND_AND_START: Final = "ix_calls_by_kind_and_start"
BY_USER_AND_START: Final = "ix_calls_by_user_and_start"
ONDEMAND_BUDGET: Final = 5.0
# A bulk load smaller than this never drops an index (a day's refresh, a backfill
# of a week): rebuilding would cost more than maintaining.
KEEP_BELOW_ROWS: Final = 50_000
# How long a read waits for the sync's write lock to build an index it would like.
WAIT_S: Final = 2.0
FILTER_TAIL: Final = "direction, outcome, user_ref, group_ref"

# The stored expression each sort column orders by (SortColumn.START: start_us).
SORT_EXPRESSIONS: Final = {
    SortColumn.CALL_ID: "unique_call_id",
    SortColumn.TYPE: "type COLLATE NOCASE",
    SortColumn.CALLER: "caller_id",
    SortColumn.CALLER_NAME: "caller_name COLLATE NOCASE",
    SortColumn.DESTINATION: "dest_number",
    SortColumn.USER_NAME: "user_name COLLATE NOCASE",
    SortColumn.EXTENSION: "user_number",
    SortColumn.ANSWERED: "connected_us",
    SortColumn.DURATION: "call_duration",
    SortColumn.TALK_TIME: "conversation_duration",
    SortColumn.GROUP: "group_name COLLATE NOCASE",
    SortColumn.STATUS: "status COLLATE NOCASE",
}
SEARCHED: Final = {SortColumn.CALLER_NAME: "ix_calls_by_caller_name",
                   SortColumn.CALLER: "ix_calls_by_caller",
                   SortColumn.DESTINATION: "ix_calls_by_destination"}
_KIND_WORDS: Final = {0: "user", 1: "queue", 2: "ringgroup"}


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """An on-demand index: its name, definition, and how a query must name its rows.

    ``kind``: the one kind a partial index holds (queries must say ``kind = <kind>``
    literally for SQLite to use it), or None for an index led by ``kind``.
    """

    name: str
    sql: str
    kind: int | None


def sort_index(column: SortColumn, kind: int | None) -> IndexSpec | None:
    """The on-demand index that walks ``column`` order for ``kind`` (None: any kind).

    None for start time (the permanent index serves it) and for a column other
    than the searched ones when the filter spans several kinds.
    """
    if column is SortColumn.START:
        return None
    expression = SORT_EXPRESSIONS[column]
    if column in SEARCHED:
        name = SEARCHED[column]
        return IndexSpec(name, f"CREATE INDEX IF NOT EXISTS {name} ON calls "
                               f"(kind, {expression}, start_us, id, {FILTER_TAIL})", None)
    if kind is None:
        return None
    name = f"ix_calls_{_KIND_WORDS[kind]}_by_{column.value}"
    # kind too, though it is constant here: the filter names it, and a walk that
    # could not test it on the entry would read every row it passes.
    return IndexSpec(name, f"CREATE INDEX IF NOT EXISTS {name} ON calls ({expression}, "
                           f"start_us, id, kind, {FILTER_TAIL}) WHERE kind = {kind:d}", kind)


def exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?",
                        (name,)).fetchone() is not None


# When this process last wanted each on-demand index: the one wanted longest ago (or
# never since start, then the oldest built) makes room for a new one.
_WANTED: dict[str, float] = {}
_WANTED_LOCK = threading.Lock()


def _want(name: str) -> None:
    with _WANTED_LOCK:
        _WANTED[name] = time.monotonic()


def _eviction_order(built: list[tuple[str, int]]) -> list[str]:
    """Names of the built on-demand indexes, the first to drop first."""
    with _WANTED_LOCK:
        wanted = dict(_WANTED)
    return [name for name, _ in sorted(built, key=lambda item: (
        wanted.get(item[0], float("-inf")), item[1]))]


def ensure(conn: sqlite3.Connection, spec: IndexSpec,
           stop: Callable[[], bool] | None = None) -> bool:
    """Build ``spec`` unless it exists; False if the store is busy or read-only, or
    ``stop()`` turned true while building (checked every few thousand steps).

    Runs its own write transaction: call it outside any read snapshot.
    """
    _want(spec.name)
    if exists(conn, spec.name):
        return True
    started = time.perf_counter()
    if stop is not None:
        conn.set_progress_handler(stop, 10_000)
    try:
        with brief_wait(conn, WAIT_S):
            conn.execute("BEGIN IMMEDIATE")
        shares = _kind_shares(conn)
        built = _eviction_order(conn.execute(
            "SELECT name, built_us FROM ondemand_indexes").fetchall())
        used = sum(_share(name, shares) for name in built) + _share(spec.name, shares)
        for old in built:
            if used <= ONDEMAND_BUDGET:
                break
            _drop(conn, old)
            used -= _share(old, shares)
        conn.execute(spec.sql)
        rows = conn.execute("SELECT max(id) FROM calls").fetchone()[0] or 0
        conn.execute("INSERT OR REPLACE INTO ondemand_indexes (name, built_us, built_rows, "
                     "added_rows) VALUES (?, ?, ?, 0)", (spec.name, time.time_ns() // 1000, rows))
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:  # busy, read-only, disk full, stopped
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        log.info("Index %s not built now (the read sorts instead): %s", spec.name, exc)
        return False
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        if stop is not None:
            conn.set_progress_handler(None, 0)
    log.info("Built index %s over %d calls in %.2f s", spec.name, rows,
             time.perf_counter() - started)
    return True


def _kind_shares(conn: sqlite3.Connection) -> dict[str, float]:
    """The share of the stored calls each kind's word holds (see _KIND_WORDS)."""
    counts = dict(conn.execute("SELECT kind, sum(calls) FROM call_day_counts GROUP BY kind"))
    total = sum(counts.values()) or 1
    return {word: counts.get(code, 0) / total for code, word in _KIND_WORDS.items()}


def _share(name: str, shares: dict[str, float]) -> float:
    """How much of the table an on-demand index covers (1.0: every row)."""
    for word, share in shares.items():
        if name.startswith(f"ix_calls_{word}_by_"):
            return share
    return 1.0


def outgrown(conn: sqlite3.Connection, inserting: int) -> None:
    """Inside the writer's transaction, before inserting ``inserting`` new rows: drop
    the on-demand indexes this load makes grow past twice their size, and count the
    rows into the rest."""
    if not inserting:
        return
    for name, built_rows, added_rows in conn.execute(
            "SELECT name, built_rows, added_rows FROM ondemand_indexes").fetchall():
        if added_rows + inserting > max(built_rows, KEEP_BELOW_ROWS):
            _drop(conn, name)
            log.info("Dropped index %s during a bulk load; it is built again when needed",
                     name)
    conn.execute("UPDATE ondemand_indexes SET added_rows = added_rows + ?", (inserting,))


def _drop(conn: sqlite3.Connection, name: str) -> None:
    # The name comes from ondemand_indexes, which only this module writes; quoted anyway.
    quoted = '"' + name.replace('"', '""') + '"'
    conn.execute(f"DROP INDEX IF EXISTS {quoted}")
    conn.execute("DELETE FROM ondemand_indexes WHERE name = ?", (name,))
