"""The embedded store: one SQLite database in the STORE folder, for one relay process.

``STORE/relay.sqlite3`` (WAL, folder 0700, file 0600) holds the accounts (the
secret as a hash), the desks (the token as a hash), the events of the last
``retention_seconds`` and the callback records of the last
``records_retention_seconds``. An event's id is its row id (AUTOINCREMENT, so
never reused); its digest is unique, which is what stores a repeated webhook
once (a record's event has the digest ``record:`` + the record's id).
``serve`` takes an exclusive lock on ``STORE/serve.lock``: a second relay
process on the same folder is refused (use Redis for several). The admin
commands (``account add``, ``desk add``…) may run beside a serving relay: it
reads accounts and desks from the database for every request.

The database is used from the event loop's thread only; calls are short
(indexed look-ups and small inserts), so they run inline. The one slow step,
the WAL checkpoint (it syncs the disk), runs on a worker thread with its own
connection every ``CHECKPOINT_EVERY`` commits instead of inside a commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from pbxdesk.relay.events import ACCOUNT_ROUTE, Desk, IncomingEvent, StoredEvent
from pbxdesk.relay.records import DEFAULT_RETENTION_SECONDS, RECORD_EVENT, SharedRecord
from pbxdesk.relay.store.base import (
    Appended,
    RecordsAdded,
    RelayStore,
    StoreBusyError,
    StoreError,
)

DATABASE_NAME = "relay.sqlite3"
LOCK_NAME = "serve.lock"
CHECKPOINT_EVERY = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS desks (
    id TEXT PRIMARY KEY, account TEXT NOT NULL, extension TEXT NOT NULL,
    queues TEXT NOT NULL, ring_groups TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, digest TEXT NOT NULL UNIQUE,
    received_ms INTEGER NOT NULL, type TEXT NOT NULL, routes TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_account ON events (account, id);
CREATE INDEX IF NOT EXISTS events_by_age ON events (received_ms);
CREATE TABLE IF NOT EXISTS callback_records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL,
    record_id TEXT NOT NULL UNIQUE, received_ms INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS callback_records_by_account ON callback_records (account, seq);
CREATE INDEX IF NOT EXISTS callback_records_by_age ON callback_records (received_ms);
"""


class EmbeddedStore(RelayStore):
    """SQLite in ``folder``; ``lock=True`` (for ``serve``) claims the folder for this process."""

    kind = "embedded"

    def __init__(self, folder: Path, *, retention_seconds: float = 86_400.0,
                 records_retention_seconds: float = DEFAULT_RETENTION_SECONDS,
                 lock: bool = False) -> None:
        self.folder = folder
        self.retention_seconds = retention_seconds
        self.records_retention_seconds = records_retention_seconds
        self._lock_wanted = lock
        self._lock_file: IO[str] | None = None
        self._db: sqlite3.Connection | None = None
        self._new_events: dict[str, asyncio.Event] = {}
        self._commits = 0
        self._checkpoint: asyncio.Task[None] | None = None

    # -- life ------------------------------------------------------------------------
    async def open(self) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the store folder {self.folder}: "
                             f"{exc.strerror or exc}") from None
        if self._lock_wanted:
            self._lock_file = _claim(self.folder / LOCK_NAME)
        path = self.folder / DATABASE_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # created private, not umask's
            os.close(fd)
            db = sqlite3.connect(path, isolation_level=None, timeout=5.0)
            db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives a crash of the process; only a power cut may
            # lose the last moments (never the database).
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA wal_autocheckpoint=0")  # see _checkpoint_soon
            db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._release()
            raise StoreError(f"The relay store {path} cannot be used ({exc}). Move it away to "
                             "start with an empty store (accounts and desks must then be "
                             "added again).") from None
        except OSError as exc:
            self._release()
            raise StoreError(f"Cannot open {path}: {exc.strerror or exc}") from None
        self._db = db

    async def close(self) -> None:
        if self._checkpoint is not None:
            await self._checkpoint
            self._checkpoint = None
        if self._db is not None:
            self._db.close()
            self._db = None
        self._release()

    async def ping(self) -> bool:
        try:
            self._conn().execute("SELECT 1").fetchone()
        except (sqlite3.Error, StoreError):
            return False
        return True

    # -- accounts --------------------------------------------------------------------
    async def add_account(self, name: str, secret_hash: str, created_at: str) -> bool:
        cursor = self._write(
            "INSERT OR IGNORE INTO accounts (name, secret_hash, created_at) VALUES (?, ?, ?)",
            (name, secret_hash, created_at))
        return cursor.rowcount == 1

    async def account_names(self) -> list[str]:
        return [row[0] for row in self._read("SELECT name FROM accounts ORDER BY name", ())]

    async def account_secret_hash(self, name: str) -> str | None:
        rows = self._read("SELECT secret_hash FROM accounts WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else None

    # -- desks -----------------------------------------------------------------------
    async def add_desk(self, desk: Desk, token_hash: str) -> None:
        self._write(
            "INSERT INTO desks (id, account, extension, queues, ring_groups, token_hash,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (desk.id, desk.account, desk.extension, json.dumps(desk.queues),
             json.dumps(desk.ring_groups), token_hash, desk.created_at))

    async def desks(self) -> list[Desk]:
        return [_desk(row) for row in self._read(f"{_DESK_COLUMNS} ORDER BY account, id", ())]

    async def desk(self, desk_id: str) -> Desk | None:
        rows = self._read(f"{_DESK_COLUMNS} WHERE id = ?", (desk_id,))
        return _desk(rows[0]) if rows else None

    async def desk_by_token_hash(self, token_hash: str) -> Desk | None:
        rows = self._read(f"{_DESK_COLUMNS} WHERE token_hash = ?", (token_hash,))
        return _desk(rows[0]) if rows else None

    async def remove_desk(self, desk_id: str) -> bool:
        return self._write("DELETE FROM desks WHERE id = ?", (desk_id,)).rowcount == 1

    # -- events ----------------------------------------------------------------------
    async def append(self, account: str, events: Sequence[IncomingEvent],
                     received_at: datetime) -> Appended:
        received_ms = int(received_at.timestamp() * 1000)
        stored: list[StoredEvent] = []
        with self._transaction(account) as db:
            for event in events:
                routes = sorted(event.routes)
                data = event.data_json(received_at)
                cursor = db.execute(
                    "INSERT OR IGNORE INTO events (account, digest, received_ms, type,"
                    " routes, data) VALUES (?, ?, ?, ?, ?, ?)",
                    (account, event.digest(account), received_ms, event.type,
                     "\x1f".join(routes), data))
                if cursor.rowcount == 1:
                    stored.append(StoredEvent(str(cursor.lastrowid), event.type,
                                              frozenset(routes), data))
        return Appended(tuple(stored), len(events) - len(stored))

    async def latest_id(self, account: str) -> str:
        rows = self._read("SELECT MAX(id) FROM events WHERE account = ?", (account,))
        return str(rows[0][0] or 0)

    async def read_after(self, account: str, after: str, limit: int,
                         block_seconds: float = 0.0) -> list[StoredEvent]:
        events = self._select(account, int(after), limit)
        if events or block_seconds <= 0:
            return events
        signal = self._signal(account)
        signal.clear()
        events = self._select(account, int(after), limit)  # one may have landed meanwhile
        if events:
            return events
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(signal.wait(), block_seconds)
        return self._select(account, int(after), limit)

    def parse_id(self, text: str) -> str | None:
        text = text.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 18:
            return None
        return str(int(text))

    def order_key(self, event_id: str) -> tuple[int, ...]:
        return (int(event_id),)

    async def prune(self, now: datetime) -> None:
        cutoff = int((now.timestamp() - self.retention_seconds) * 1000)
        self._write("DELETE FROM events WHERE received_ms < ?", (cutoff,))
        cutoff = int((now.timestamp() - self.records_retention_seconds) * 1000)
        self._write("DELETE FROM callback_records WHERE received_ms < ?", (cutoff,))

    # -- callback records --------------------------------------------------------------
    async def add_records(self, account: str, records: Sequence[SharedRecord],
                          received_at: datetime) -> RecordsAdded:
        received_ms = int(received_at.timestamp() * 1000)
        stored = 0
        with self._transaction(account) as db:
            for record in records:
                record_id = record.id(account)
                data = record.data_json(account, received_at)
                cursor = db.execute(
                    "INSERT OR IGNORE INTO callback_records (account, record_id, received_ms,"
                    " data) VALUES (?, ?, ?, ?)", (account, record_id, received_ms, data))
                if cursor.rowcount == 1:
                    stored += 1
                    db.execute(
                        "INSERT OR IGNORE INTO events (account, digest, received_ms, type,"
                        " routes, data) VALUES (?, ?, ?, ?, ?, ?)",
                        (account, "record:" + record_id, received_ms, RECORD_EVENT,
                         ACCOUNT_ROUTE, data))
        return RecordsAdded(stored, len(records) - stored)

    async def records_after(self, account: str, after: str | None,
                            limit: int) -> list[tuple[str, str]]:
        rows = self._read(
            "SELECT seq, data FROM callback_records WHERE account = ? AND seq > ?"
            " ORDER BY seq LIMIT ?", (account, int(after or 0), limit))
        return [(str(row[0]), str(row[1])) for row in rows]

    # -- inside ----------------------------------------------------------------------
    @contextlib.contextmanager
    def _transaction(self, account: str) -> Iterator[sqlite3.Connection]:
        """One write transaction; wakes the account's readers when it added anything."""
        db = self._conn()
        before = db.total_changes
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back itself
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreError(_sqlite_problem(exc)) from None
        if db.total_changes != before:
            self._signal(account).set()
        self._checkpoint_soon()

    def _checkpoint_soon(self) -> None:
        self._commits += 1
        running = self._checkpoint is not None and not self._checkpoint.done()
        if self._commits < CHECKPOINT_EVERY or running:
            return
        self._commits = 0
        self._checkpoint = asyncio.create_task(asyncio.to_thread(self._checkpoint_now))

    def _checkpoint_now(self) -> None:
        try:
            with contextlib.closing(sqlite3.connect(self.folder / DATABASE_NAME,
                                                    timeout=5.0)) as db:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass  # the next one tries again; the WAL only grows meanwhile

    def _select(self, account: str, after: int, limit: int) -> list[StoredEvent]:
        rows = self._read(
            "SELECT id, type, routes, data FROM events WHERE account = ? AND id > ?"
            " ORDER BY id LIMIT ?", (account, after, limit))
        return [StoredEvent(str(row[0]), row[1], frozenset(row[2].split("\x1f")) - {""}, row[3])
                for row in rows]

    def _signal(self, account: str) -> asyncio.Event:
        signal = self._new_events.get(account)
        if signal is None:
            signal = self._new_events[account] = asyncio.Event()
        return signal

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError("the relay store is not open")
        return self._db

    def _read(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(_sqlite_problem(exc)) from None

    def _write(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        try:
            return self._conn().execute(sql, params)
        except sqlite3.Error as exc:
            raise StoreError(_sqlite_problem(exc)) from None

    def _release(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing drops the lock
            self._lock_file = None


_DESK_COLUMNS = "SELECT id, account, extension, queues, ring_groups, created_at FROM desks"


def _desk(row: Any) -> Desk:
    return Desk(id=row[0], account=row[1], extension=row[2], queues=tuple(json.loads(row[3])),
                ring_groups=tuple(json.loads(row[4])), created_at=row[5])


def _sqlite_problem(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "full" in text.lower():
        return "The relay store's disk is full: free some space."
    return f"The relay store failed: {text}"


def _claim(path: Path) -> IO[str]:
    """Hold an exclusive lock on ``path`` for the life of this process (POSIX only)."""
    handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - held open on purpose
    if sys.platform == "win32":
        return handle  # the embedded relay on Windows runs only inside pbxdesk --demo
    import fcntl  # POSIX only

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise StoreBusyError(f"Another relay process serves {path.parent}. One process per "
                        "embedded store; use a redis:// store for several.") from None
    return handle
