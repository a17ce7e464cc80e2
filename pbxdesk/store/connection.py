"""Opening the call database, one connection per thread, and write transactions.

The threading rule: a :class:`ConnectionPerThread` gives every thread its own
``sqlite3`` connection to the same file, opened on the thread's first use and
never shared. In WAL mode readers never wait for the writer and see the last
committed state; writers queue on SQLite's write lock (``BEGIN IMMEDIATE``,
waiting up to :data:`BUSY_TIMEOUT_S`). So the sync worker can write while the
GUI thread reads. A thread that ends for good (a worker) should call
:meth:`ConnectionPerThread.release_current_thread`; :meth:`close_all` is for
shutdown, after the workers have stopped.

Every connection: WAL, ``synchronous=NORMAL`` (a commit survives a crash of the
app; a power cut may lose the last commits but never corrupts), foreign keys on,
a busy timeout. No Qt here.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pbxdesk.store.errors import StoreError, translate
from pbxdesk.store.migrations import SCHEMA_VERSION, check_not_newer, migrate, schema_version

log = logging.getLogger("pbxdesk.store")

BUSY_TIMEOUT_S: Final = 10.0
# Page cache per connection. The views read through covering indexes, so a modest
# cache is enough; memory stays the same whatever the number of rows.
CACHE_KIB: Final = 16 * 1024
# A thread that writes batches gets more: a sync's batch updates pages of several
# indexes all over the file, and with 16 MB they were read again for every batch
# (about half the time of a first sync at a million calls).
WRITER_CACHE_KIB: Final = 64 * 1024
# Search results kept per thread (each a temporary table of the names or numbers found).
MAX_MATCH_TABLES: Final = 4


def connect(path: Path, *, migrate_schema: bool) -> sqlite3.Connection:
    """One configured connection; known failures raise :class:`StoreError`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False, cached_statements=256)
    except (sqlite3.Error, OSError) as exc:
        raise _known(exc, path) from exc
    try:
        # Before anything writes to the file (switching to WAL writes its header).
        check_not_newer(conn, path)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("The call store at %s cannot use WAL (journal mode %s)", path, mode)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # What search compares names as (pbxdesk.store.terms.fold), for rows the
        # dictionaries do not hold yet.
        conn.create_function("pbx_fold", 1, _fold, deterministic=True)
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")
        if migrate_schema:
            if migrate(conn, path):
                log.info("Call store %s upgraded to version %d", path, SCHEMA_VERSION)
            if _drop_statistics(conn):
                conn.close()  # it keeps the statistics it loaded; a new one has none
                return connect(path, migrate_schema=True)
        elif schema_version(conn) != SCHEMA_VERSION:
            raise StoreError(f"The call history {path} changed version while open; "
                             "restart pbxdesk.", path)
    except BaseException as exc:
        conn.close()
        if isinstance(exc, sqlite3.Error | OSError):
            raise _known(exc, path) from exc
        raise
    return conn


def _fold(text: object) -> str | None:
    return text.casefold() if isinstance(text, str) else None


@contextmanager
def brief_wait(conn: sqlite3.Connection, seconds: float) -> Iterator[None]:
    """Wait at most ``seconds`` for the write lock inside the block (for optional
    writes, such as building an index a read would like, that can be left for later)."""
    conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000):d}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000):d}")


def _drop_statistics(conn: sqlite3.Connection) -> bool:
    # The store fixes its read plans itself (pbxdesk.store.query); statistics from an
    # ANALYZE (by an older build or a curious user) would only let SQLite swap a walk
    # of an index for a skip-scan a hundred times slower at a million rows.
    if not conn.execute("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").fetchone():
        return False
    with write_transaction(conn):
        conn.execute("DROP TABLE sqlite_stat1")
    log.info("Dropped planner statistics from the call store")
    return True


def _known(exc: BaseException, path: Path) -> BaseException:
    return translate(exc, path) or exc


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; any failure rolls the whole block back."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error as exc:  # the original error matters more
                log.warning("Rollback failed: %s", exc)
        raise


def _end_transaction(conn: sqlite3.Connection, how: str) -> None:
    if conn.in_transaction:
        conn.execute(how)


@dataclass(eq=False)
class Session:
    """One thread's connection, plus memos valid while the data is unchanged.

    The memos: a dict for counts and paging positions, and temporary tables of
    the names and numbers a search found (so its pages scan the dictionaries once).
    """

    conn: sqlite3.Connection
    busy: threading.RLock = field(default_factory=threading.RLock)
    """Held while the owning thread reads through the connection (see ConnectionPerThread.use)."""
    _cache: dict[object, Any] = field(default_factory=dict)
    _seen: tuple[int, int] = (-1, -1)
    _tables: dict[object, str] = field(default_factory=dict)
    _next_table: int = 0
    _writer: bool = False

    def writing(self) -> sqlite3.Connection:
        """The connection, with the larger page cache of a thread that writes batches."""
        if not self._writer:
            self.conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB:d}")
            self._writer = True
        return self.conn

    @contextmanager
    def snapshot(self) -> Iterator[dict[object, Any]]:
        """A read transaction, and the memo that is valid for the data it sees.

        Inside, every statement sees the same committed state even while another
        thread writes, so a count and the paging positions memoised with it agree.
        """
        conn = self.conn
        owner = not conn.in_transaction  # when nested, the outer block owns it
        if owner:
            conn.execute("BEGIN")
        try:
            # The first read fixes the snapshot; data_version is then read inside it.
            conn.execute("SELECT 1 FROM sqlite_schema LIMIT 1").fetchall()
            yield self.cache()
        except BaseException:
            if owner:
                _end_transaction(conn, "ROLLBACK")
            raise
        if owner:
            _end_transaction(conn, "COMMIT")

    def cache(self) -> dict[object, Any]:
        """Per-thread memo (paging anchors, counts), emptied when anyone committed."""
        # data_version moves when *another* connection commits; total_changes when
        # this one writes. Either way the memoised counts and positions may be wrong.
        if self._observe() != self._seen:
            self._cache.clear()
            for name in self._tables.values():
                self.conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
            self._tables.clear()
            self._seen = self._observe()
        return self._cache

    def value_table(self, key: object, columns: tuple[str, ...], select_sql: str,
                    params: tuple[Any, ...]) -> str:
        """A temporary table of what ``select_sql`` returns, kept with the memo.

        ``columns`` name its columns (together its primary key); names come from
        the store's code, never from input.
        """
        name = self._tables.get(key)
        if name is None:
            while len(self._tables) >= MAX_MATCH_TABLES:
                oldest = next(iter(self._tables))
                self.conn.execute(f"DROP TABLE IF EXISTS temp.{self._tables.pop(oldest)}")
            name = f"search_matches_{self._next_table}"
            self._next_table += 1
            listed = ", ".join(columns)
            self.conn.execute(f"CREATE TEMP TABLE {name} ({listed}, PRIMARY KEY ({listed}))")
            self.conn.execute(f"INSERT OR IGNORE INTO temp.{name} ({listed}) {select_sql}",
                              params)
            self._tables[key] = name
            self._seen = self._observe()  # our own temporary rows are not a data change
        return f"temp.{name}"

    def _observe(self) -> tuple[int, int]:
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        return int(version), self.conn.total_changes


class ConnectionPerThread:
    """Hands each thread its own :class:`Session` on one database file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._sessions: list[Session] = []
        self._closed = False
        # The first connection migrates; the others only check the version.
        self._adopt(connect(path, migrate_schema=True))

    @property
    def closed(self) -> bool:
        return self._closed

    def session(self) -> Session:
        if self._closed:
            raise RuntimeError("The call store is closed")
        session: Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._adopt(connect(self.path, migrate_schema=False))
        return session

    def conn(self) -> sqlite3.Connection:
        return self.session().conn

    def new_connection(self) -> sqlite3.Connection:
        """A private connection (not cached) for a long read such as an export."""
        if self._closed:
            raise RuntimeError("The call store is closed")
        return connect(self.path, migrate_schema=False)

    def release_current_thread(self) -> None:
        session: Session | None = getattr(self._local, "session", None)
        if session is not None:
            self._local.session = None
            with self._lock:
                self._sessions.remove(session)
            session.conn.close()

    @contextmanager
    def use(self) -> Iterator[Session]:
        """This thread's session, kept open until the block ends (for reads that a
        worker thread may be doing while the GUI thread closes the store)."""
        session = self.session()
        with session.busy:
            if self._closed:
                raise RuntimeError("The call store is closed")
            yield session

    def close_all(self) -> None:
        with self._lock:
            self._closed = True
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            # A connection closed while another thread reads through it crashes the
            # process: stop that read, and wait for it to let go. (Only then: a pending
            # interrupt would also stop the checkpoint that closing the last one does.)
            if not session.busy.acquire(blocking=False):
                session.conn.interrupt()
                session.busy.acquire()
            try:
                session.conn.close()
            except sqlite3.Error as exc:
                log.warning("Closing a call store connection failed: %s", exc)
            finally:
                session.busy.release()

    def _adopt(self, conn: sqlite3.Connection) -> Session:
        session = Session(conn)
        with self._lock:
            self._sessions.append(session)
        self._local.session = session
        return session
