"""The local call store: the one object the app uses to keep and read call history.

The app never waits on the API to show history: the sync service writes what it
fetches here and the views read from here. See :mod:`pbxdesk.store` for the
threading rule and the returned types.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, TypeVar

from pbxdesk.api.models import AnyCall, CallKind, Direction, Outcome
from pbxdesk.store import (
    daycounts,
    indexes,
    insighttotals,
    live,
    pager,
    query,
    rows,
    search,
    terms,
    writer,
)
from pbxdesk.store.bookkeeping import KeyValues, RecentDials, SyncLedger
from pbxdesk.store.callbackrecords import CallbackRecords
from pbxdesk.store.callbacks import CallbackStore
from pbxdesk.store.connection import ConnectionPerThread, write_transaction
from pbxdesk.store.contactbound import ContactBound
from pbxdesk.store.errors import guarded, translate
from pbxdesk.store.filters import ALL_CALLS, NEWEST_FIRST, CallFilter, Sort, SortColumn
from pbxdesk.store.writer import UpsertResult

log = logging.getLogger("pbxdesk.store")

DEFAULT_PAGE: Final = 256
EXPORT_BATCH: Final = 1000
_COLUMNS: Final = ", ".join(rows.SELECT_COLUMNS)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user seen in the history. Either part may be ``""`` (the API sent none)."""

    number: str
    name: str


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A queue or ring group seen in the history."""

    kind: CallKind
    name: str


class CallStore:
    """Call history in SQLite: upserts from the sync service, pages for the views.

    Attributes:
        path: the database file.
        default_region: the region used to read numbers typed without a country
            code in searches (the user's setting; may be changed at any time).
        sync: :class:`SyncLedger`, which periods are fully synced per kind.
        values: :class:`KeyValues`, small JSON values kept with the data.
        recent_dials: :class:`RecentDials`, the dial pad's history.
        callbacks: :class:`CallbackStore`, the missed-call worklist.
        callback_records: :class:`CallbackRecords`, what agents did to its items.
    """

    def __init__(self, path: Path, *, default_region: str | None = None) -> None:
        """Open (creating or upgrading) the database; raises :class:`StoreError`."""
        self.path = path
        self.default_region = default_region
        self._connections = ConnectionPerThread(path)
        self._check_day_counts()
        self.sync = SyncLedger(self._connections)
        self.values = KeyValues(self._connections)
        self.recent_dials = RecentDials(self._connections)
        # What the writer folds each batch's contacts into, for the worklist's update.
        self._contacts = ContactBound()
        self.callbacks = CallbackStore(self._connections, self._contacts)
        self.callback_records = CallbackRecords(self._connections)

    @guarded
    def _check_day_counts(self) -> None:
        conn = self._connections.conn()
        # Rows are never deleted by the app, so the totals normally add up to the
        # largest id: a lookup. Anything else gets a real count (and a rebuild).
        stored = conn.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0]
        counted = conn.execute("SELECT coalesce(sum(calls), 0) FROM call_day_counts"
                               ).fetchone()[0]
        if stored != counted:
            with write_transaction(conn):
                if not daycounts.verify(conn):
                    log.warning("Rebuilt the per-day call totals of %s", self.path)
        if insighttotals.counted(conn) != stored:
            with write_transaction(conn):
                if not insighttotals.verify(conn):
                    log.warning("Rebuilt the Insights totals of %s", self.path)

    def __enter__(self) -> CallStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"CallStore({str(self.path)!r})"

    def close(self) -> None:
        """Close every thread's connection. Call after the worker threads have stopped."""
        # No ANALYZE / PRAGMA optimize: the read plans are fixed (see query._source).
        self._connections.close_all()

    def release_thread(self) -> None:
        """Close the calling thread's connection (for a worker thread that is ending)."""
        self._connections.release_current_thread()

    # -- writing -------------------------------------------------------------------------

    @guarded
    def upsert(self, calls: Iterable[AnyCall]) -> UpsertResult:
        """Insert new calls and update known ones by key, all in one transaction."""
        return writer.upsert(self._connections.session().writing(), calls, self._contacts)

    @guarded
    def store_live(self, calls: Iterable[AnyCall], *,
                   meta: tuple[str, Any] | None = None) -> live.LiveWrite:
        """Calls from live relay events, flagged until a sync confirms them (see
        :mod:`pbxdesk.store.live`); ``meta`` (key, JSON value) is written with them."""
        return live.store_live(self._connections.conn(), calls, meta=meta)

    @guarded
    def live_keys(self) -> list[str]:
        """Keys of the rows stored from live events that no sync has confirmed yet."""
        return live.live_keys(self._connections.conn())

    # -- reading -------------------------------------------------------------------------

    @guarded
    def get(self, key: str) -> AnyCall | None:
        row = self._connections.conn().execute(
            f"SELECT {_COLUMNS} FROM calls WHERE key = ?", (key,)).fetchone()
        return None if row is None else rows.decode(row)

    @guarded
    def count(self, flt: CallFilter = ALL_CALLS) -> int:
        """How many calls match ``flt`` (memoised until the next commit)."""
        with self._connections.use() as session:
            self._prepare(flt, None)
            with session.snapshot() as cache:
                where = query.where(session.conn, flt, self.default_region, session)
                return self._count(session.conn, cache, flt, where)

    def _count(self, conn: sqlite3.Connection, cache: dict[object, Any], flt: CallFilter,
               where: query.Where) -> int:
        key = pager.count_key(flt)
        total: int | None = cache.get(key)
        if total is None:
            if where.matches_nothing:
                total = 0
            elif where.day_query is not None:  # adds up days: no index walk
                total = daycounts.count(conn, where.day_query)
            else:
                total = sum(sign * int(conn.execute(sql, params).fetchone()[0])
                            for sign, sql, params in query.count_sql(where))
            cache[key] = total
        return total

    @guarded
    def page(self, flt: CallFilter = ALL_CALLS, sort: Sort = NEWEST_FIRST, offset: int = 0,
             limit: int = DEFAULT_PAGE) -> list[AnyCall]:
        """Calls ``offset .. offset+limit-1`` of ``flt`` in ``sort`` order.

        Fast at any depth when pages are asked for near earlier ones (scrolling)
        or after :meth:`count` for the same filter (jumping towards the end).
        Counts the filter's rows first if that is needed to choose how to read.
        The first page in an order other than start time, or of a search, may
        build an index for it (seconds at a million calls, once; see
        :mod:`pbxdesk.store.indexes`): read pages off the GUI thread.
        """
        with self._connections.use() as session:
            self._prepare(flt, sort)
            with session.snapshot() as cache:
                conn = session.conn
                where = query.where(conn, flt, self.default_region, session)

                def sizes() -> tuple[int, int]:
                    # The rows of the filter's kinds: what a walk of a kind's index
                    # steps over (added up from the per-day totals: no index walk).
                    kinds = CallFilter(kinds=flt.kinds)
                    return (self._count(conn, cache, flt, where),
                            self._count(conn, cache, kinds, query.where(conn, kinds, None)))

                return pager.fetch(conn, cache, where, flt, sort, offset, limit, sizes)

    def _prepare(self, flt: CallFilter, sort: Sort | None) -> None:
        """Build the on-demand indexes reading ``flt`` in ``sort`` order needs (if any)."""
        wanted: list[indexes.IndexSpec] = []
        if flt.text:
            terms.catch_up(self._connections.conn())
            parsed = search.parse_text(flt.text, self.default_region)
            if parsed.name is not None:
                wanted.append(_searched(SortColumn.CALLER_NAME))
            elif parsed.numbers:
                wanted += [_searched(SortColumn.CALLER), _searched(SortColumn.DESTINATION)]
        if sort is not None and sort.column is not SortColumn.START:
            # The searched columns have one index led by kind; the others one per kind
            # (a tab needs its own; several kinds merge theirs).
            codes = sorted({rows.KIND_CODES[kind] for kind in flt.kinds}) or query.ALL_KINDS
            for code in codes:
                spec = indexes.sort_index(sort.column, code)
                if spec is not None and spec not in wanted:
                    wanted.append(spec)
        if wanted:
            conn = self._connections.conn()
            for spec in wanted:
                indexes.ensure(conn, spec)

    @guarded
    def prepare_search(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Bring search up to date ahead of the first search: the dictionaries of the
        calls stored since, and the caller-name, caller and destination indexes. For
        a worker thread when nothing else is asked of it; ``stop()`` (checked often)
        leaves the rest for later."""
        with self._connections.use() as session:
            terms.catch_up(session.conn, stop)
            for column in indexes.SEARCHED:
                if stop() or not indexes.ensure(session.conn, _searched(column), stop):
                    return

    @guarded
    def prepare(self, flt: CallFilter = ALL_CALLS, sort: Sort = NEWEST_FIRST) -> None:
        """Build now the indexes reading ``flt`` in ``sort`` order will want (for a
        worker thread, ahead of the first page)."""
        with self._connections.use():
            self._prepare(flt, sort)

    def iter_calls(self, flt: CallFilter = ALL_CALLS, sort: Sort = NEWEST_FIRST,
                   batch_size: int = EXPORT_BATCH) -> Generator[AnyCall, None, None]:
        """Every call matching ``flt`` in ``sort`` order, read ``batch_size`` at a time.

        For exports: one statement on a private connection, so the rows are one
        consistent snapshot even while the sync writes, and memory does not grow
        with the number of rows. Close the iterator (or exhaust it) to release it.
        """
        conn = self._connections.new_connection()  # raises StoreError itself
        try:
            where = query.where(conn, flt, self.default_region)
            if where.matches_nothing:
                return
            columns = f"id, {_COLUMNS}"
            lanes = query.walk_lanes(where, sort.column)
            if lanes is not None:  # walking indexes streams rows in order: no sorter
                select, params = query.lanes_sql(lanes, columns, where.sql, where.params)
            else:
                select, params = query.lanes_sql(
                    [query.Lane("calls", "1")], columns, where.sql, where.params)
            cursor = conn.execute(f"{select} ORDER BY {query.order_by(sort)}", params)
            while batch := cursor.fetchmany(max(1, batch_size)):
                yield from (rows.decode(row[1:]) for row in batch)
        except (sqlite3.Error, OSError) as exc:
            known = translate(exc, self.path)
            if known is None:
                raise
            raise known from exc
        finally:
            conn.close()

    @guarded
    def users(self) -> list[UserInfo]:
        """Every user seen so far, by name then number."""
        return [UserInfo(number, name) for number, name in self._connections.conn().execute(
            "SELECT number, name FROM call_users ORDER BY name COLLATE NOCASE, number")]

    @guarded
    def groups(self, kind: CallKind | None = None) -> list[GroupInfo]:
        """Every queue and ring group seen so far (or those of one kind), by name."""
        found = self._connections.conn().execute(
            "SELECT kind, name FROM call_groups ORDER BY name COLLATE NOCASE, kind").fetchall()
        infos = [GroupInfo(rows.KIND_OF_CODE[code], name) for code, name in found]
        return [info for info in infos if kind is None or info.kind is kind]

    @guarded
    def date_range(self) -> tuple[datetime, datetime] | None:
        """The earliest and latest start time stored, or None when there are no calls."""
        conn = self._connections.conn()
        found: list[int] = []
        for kind in query.ALL_KINDS:  # the start index is per kind
            for order in ("", " DESC"):
                row = conn.execute(
                    f"SELECT start_us FROM calls INDEXED BY {indexes.BY_KIND_AND_START} "
                    "WHERE kind = ? AND start_us >= 0 AND typeof(start_us) = 'integer' "
                    f"ORDER BY start_us{order} LIMIT 1", (kind,)).fetchone()
                if row is not None:
                    found.append(int(row[0]))
        if not found:
            return None
        return rows.from_micros(min(found)), rows.from_micros(max(found))

    @guarded
    def aggregate(self, compute: Callable[[sqlite3.Connection], T]) -> T:
        """``compute(conn)`` on this thread's connection, in one read snapshot.

        For aggregate reads such as Insights' (:mod:`pbxdesk.store.insights`):
        every statement inside sees the same committed state.
        """
        session = self._connections.session()
        with session.snapshot():
            return compute(session.conn)

    def missed_since(self, since: datetime, user_numbers: Iterable[str] = ()) -> int:
        """Inbound calls missed since ``since`` (of these users, if any are given)."""
        return self.count(CallFilter(start=since, outcomes=frozenset({Outcome.MISSED}),
                                     directions=frozenset({Direction.INBOUND}),
                                     user_numbers=frozenset(user_numbers)))


def _searched(column: SortColumn) -> indexes.IndexSpec:
    spec = indexes.sort_index(column, None)
    assert spec is not None  # the searched columns always have one
    return spec
