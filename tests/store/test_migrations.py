"""Schema versions: upgrading old files, refusing newer ones, one transaction each."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pbxdesk.api.models import CallKind, Outcome
from pbxdesk.store import (
    SCHEMA_VERSION,
    CallFilter,
    CallStore,
    Sort,
    SortColumn,
    StoreTooNewError,
    indexes,
    migrations,
)
from pbxdesk.store.migrations import MIGRATIONS, migrate
from tests.fixtures.store import CallFactory, write_as_release
from tests.store import truth


def make_v1(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    migrate(conn, path, MIGRATIONS[:1])
    return conn


def version_of(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        return int(raw.execute("PRAGMA user_version").fetchone()[0])


def test_a_new_file_is_at_the_latest_version_with_its_permanent_indexes(
        call_store: CallStore, store_path: Path) -> None:
    assert version_of(store_path) == SCHEMA_VERSION == len(MIGRATIONS)
    with sqlite3.connect(store_path) as raw:
        names = {name for (name,) in raw.execute("SELECT name FROM sqlite_schema")}
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {indexes.BY_KIND_AND_START, indexes.BY_USER_AND_START} <= names
    # Sort and search indexes are built when a read first needs one.
    assert not {name for name in names if name.startswith("ix_calls_sort_")}
    assert "calls_search" not in names


def test_a_first_version_file_with_calls_is_upgraded_and_searchable(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    calls = CallFactory(seed=21).calls(300)
    target = calls[17]
    write_as_release(path, 1, calls)  # written by the first release: no search index yet
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


def test_a_file_of_the_previous_version_with_calls_reads_the_same_after_the_upgrade(
        tmp_path: Path) -> None:
    # The version before the compact indexes: twelve sort indexes and a trigram index.
    previous = MIGRATIONS.index(migrations._compact_indexes)
    path = tmp_path / "calls.sqlite3"
    calls = CallFactory(seed=23).calls(800)
    write_as_release(path, previous, calls)
    with sqlite3.connect(path) as raw:
        old = {name for (name,) in raw.execute("SELECT name FROM sqlite_schema")}
    assert {"calls_search", "ix_calls_start", "ix_calls_sort_caller_name"} <= old

    with CallStore(path, default_region="AU") as store:
        assert version_of(path) == SCHEMA_VERSION
        month = CallFilter(start=datetime(2024, 3, 1, 5, tzinfo=UTC),
                           end=datetime(2024, 4, 2, 17, tzinfo=UTC))
        number = next(call.caller_id for call in calls if call.caller_id)
        for flt in (CallFilter(), month, CallFilter(kinds=frozenset({CallKind.QUEUE})),
                    CallFilter(outcomes=frozenset({Outcome.MISSED})),
                    CallFilter(text="smith"), CallFilter(text="jo"),
                    CallFilter(text=number[-6:])):
            for sort in (Sort(), Sort(SortColumn.CALLER_NAME, descending=False),
                         Sort(SortColumn.DURATION)):
                want = truth.expected(calls, flt, sort)
                assert store.count(flt) == len(want), flt
                assert [c.key for c in store.page(flt, sort, 0, 50)] == want[:50], (flt, sort)
        assert store.upsert(CallFactory(seed=24).calls(5)).inserted >= 0
    with sqlite3.connect(path) as raw:
        now = {name for (name,) in raw.execute("SELECT name FROM sqlite_schema")}
    assert not {"calls_search", "ix_calls_start", "ix_calls_sort_caller_name"} & now
    assert {indexes.BY_KIND_AND_START, indexes.BY_USER_AND_START} <= now


@pytest.mark.parametrize("rerun_from", range(1, len(MIGRATIONS)))
def test_migrations_run_again_over_their_own_tables_keep_the_counts(
        tmp_path: Path, rerun_from: int) -> None:
    """A file whose version says less than it holds (a development build's order, a
    restored version number) upgrades again without failing or counting twice."""
    path = tmp_path / "calls.sqlite3"
    calls = CallFactory(seed=3).calls(120)
    with CallStore(path) as store:
        store.upsert(calls)
        expected = store.count(), store.count(CallFilter(kinds=frozenset({CallKind.USER})))
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {rerun_from}")
    with CallStore(path) as again:
        assert (again.count(),
                again.count(CallFilter(kinds=frozenset({CallKind.USER})))) == expected
        assert again.count() == len(calls)
    assert version_of(path) == SCHEMA_VERSION
