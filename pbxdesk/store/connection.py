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
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")
        if migrate_schema:
            if migrate(conn, path):
                log.info("Call store %s upgraded to version %d", path, SCHEMA_VERSION)
        elif schema_version(conn) != SCHEMA_VERSION:
            raise StoreError(f"The call history {path} changed version while open; "
                             "restart pbxdesk.", path)
    except BaseException as exc:
        conn.close()
        if isinstance(exc, sqlite3.Error | OSError):
            raise _known(exc, path) from exc
        raise
    return conn


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
    """One thread's connection plus caches that are valid while the data is unchanged."""

    conn: sqlite3.Connection
    _cache: dict[object, Any] = field(default_factory=dict)
    _seen: tuple[int, int] = (-1, -1)

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
        # this one writes. Either way the cached positions may be wrong.
        seen = (int(self.conn.execute("PRAGMA data_version").fetchone()[0]),
                self.conn.total_changes)
        if seen != self._seen:
            self._cache.clear()
            self._seen = seen
        return self._cache


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

    def close_all(self) -> None:
        with self._lock:
            self._closed = True
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            try:
                session.conn.close()
            except sqlite3.Error as exc:
                log.warning("Closing a call store connection failed: %s", exc)

    def _adopt(self, conn: sqlite3.Connection) -> Session:
        session = Session(conn)
        with self._lock:
            self._sessions.append(session)
        self._local.session = session
        return session
