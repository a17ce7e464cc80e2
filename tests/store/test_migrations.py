"""Schema versions: upgrading old files, refusing newer ones, one transaction each."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from pbxdesk.store import (
    SCHEMA_VERSION,
    CallFilter,
    CallStore,
    SortColumn,
    StoreTooNewError,
    query,
)
from pbxdesk.store.migrations import MIGRATIONS, migrate
from pbxdesk.store.writer import upsert
from tests.fixtures.store import CallFactory


def make_v1(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    migrate(conn, path, MIGRATIONS[:1])
    return conn


def version_of(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        return int(raw.execute("PRAGMA user_version").fetchone()[0])


def test_a_new_file_is_at_the_latest_version_with_every_sort_index(call_store: CallStore,
                                                                   store_path: Path) -> None:
    assert version_of(store_path) == SCHEMA_VERSION == len(MIGRATIONS)
    with sqlite3.connect(store_path) as raw:
        names = {name for (name,) in raw.execute("SELECT name FROM sqlite_schema")}
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {query.sort_index(column) for column in SortColumn} <= names


def test_a_first_version_file_with_calls_is_upgraded_and_searchable(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    conn = make_v1(path)
    calls = CallFactory(seed=21).calls(300)
    target = calls[17]
    upsert(conn, calls)  # written by the first release: no search index yet
    conn.close()
    assert version_of(path) == 1

    with CallStore(path, default_region="AU") as store:
        assert version_of(path) == SCHEMA_VERSION
        assert store.count() == 300
        stored = store.get(target.key)
        assert stored == target
        assert target.caller_id is not None
        found = store.page(CallFilter(text=target.caller_id[-7:]), limit=1000)
        assert target.key in {call.key for call in found}  # the upgrade indexed old rows
        assert store.upsert(CallFactory(seed=22).calls(5)).inserted == 5


def test_a_file_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    with CallStore(path) as store:
        store.upsert(CallFactory().calls(20))
    with sqlite3.connect(path, isolation_level=None) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(StoreTooNewError, match="was written by a newer pbxdesk") as raised:
        CallStore(path)

    assert raised.value.found == SCHEMA_VERSION + 1
    assert raised.value.supported == SCHEMA_VERSION
    assert "newer pbxdesk" in str(raised.value)
    assert "untouched" in str(raised.value)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    with sqlite3.connect(path) as raw:  # and the newer version still finds its data
        assert raw.execute("SELECT count(*) FROM calls").fetchone()[0] == 20


def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    conn = make_v1(path)

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("ALTER TABLE calls ADD COLUMN added TEXT")
        raise RuntimeError("disk pulled out mid-upgrade")

    with pytest.raises(RuntimeError, match="disk pulled out mid-upgrade"):
        migrate(conn, path, (MIGRATIONS[0], broken))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT 1 FROM sqlite_schema WHERE name = 'half_done'").fetchone() is None
    columns = [row[1] for row in conn.execute("PRAGMA table_info(calls)")]
    assert "added" not in columns
    conn.close()
    with CallStore(path) as store:  # the real upgrade still works afterwards
        assert store.count() == 0
    assert version_of(path) == SCHEMA_VERSION


def test_opening_twice_runs_each_migration_once(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    with CallStore(path) as store:
        store.upsert(CallFactory().calls(10))
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, path) == 0
    conn.close()
    with CallStore(path) as again:
        assert again.count() == 10


def test_planner_statistics_are_dropped_on_open(tmp_path: Path) -> None:
    # The store fixes its plans; statistics made SQLite pick slow skip-scans.
    path = tmp_path / "calls.sqlite3"
    with CallStore(path) as store:
        store.upsert(CallFactory().calls(50))
    with sqlite3.connect(path) as raw:
        raw.execute("ANALYZE")
    with CallStore(path) as store:
        assert store.count() == 50
    with sqlite3.connect(path) as raw:
        assert raw.execute(
            "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").fetchone() is None
