"""The callbacks worklist's SQL: its query plans, its migration, its first build.

An update must cost what is new, not what is stored: ``calls`` is read by a
rowid range (or the rows marked changed) and, per caller concerned, through
the worklist's own partial indexes; everything else walks the worklist's own
indexes. (The contact bound reads those two indexes whole, once a session.)
The plans are read from SQLite itself.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pbxdesk.store import CallStore
from pbxdesk.store.callbacks import ALL_GROUPS, Scope
from pbxdesk.store.callbackschema import (
    create_callback_tables,
    create_moved_rows,
    watch_leg_changes,
)
from pbxdesk.store.migrations import MIGRATIONS, migrate
from pbxdesk.store.rows import to_micros
from tests.fixtures.store import CallFactory

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TABLES = ("calls", "callback_attempts", "callback_items", "callback_records", "callback_dirty")


@pytest.mark.parametrize("scope", [Scope(("1001",), ("Queue Sales",)),
                                   Scope((), (ALL_GROUPS,), days=30)])
def test_every_statement_walks_an_index_never_a_whole_table(call_store: CallStore,
                                                           scope: Scope) -> None:
    call_store.upsert(CallFactory(seed=3).calls(500))
    call_store.callbacks.update(scope, to_micros(NOW))
    plans = call_store.callbacks.query_plans(scope, to_micros(NOW))

    for name, plan in plans.items():
        if name == "prune_attempts":
            continue  # hourly, over the horizon's attempts only: a scan is cheaper there
        for table in TABLES:
            # "SCAN calls" (or "SCAN calls USING INDEX …") reads every row: never.
            assert not re.search(rf"\bSCAN {table}\b", plan), f"{name} scans {table}:\n{plan}"
    for name in ("legs", "contacted"):
        assert "SEARCH calls USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in plans[name]
    assert "SEARCH calls USING INTEGER PRIMARY KEY (rowid=?)" in plans["legs_dirty"]
    assert "USING INDEX ix_callback_attempts_number FOR IN-OPERATOR" in plans["contacted"]
    # Whether a first call's item follows from its leg: the caller's records (the rest
    # is the contact bound's, in memory), never the caller's calls.
    assert "SEARCH r USING PRIMARY KEY (number=?)" in plans["legs"]
    assert " c " not in plans["legs"].replace("\n", " ")
    # What the bound folds in besides: the rows marked changed, or a range of ids; and
    # its reading once a session: the worklist's two indexes, index only.
    assert "SEARCH calls USING INTEGER PRIMARY KEY (rowid=?)" in plans["contacts_dirty"]
    for name in ("contacts_between", "contacts_old"):
        assert "SEARCH calls USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in plans[name]
    assert plans["bound_in"] \
        == "SEARCH calls USING COVERING INDEX ix_callback_calls_in (caller_e164>?)"
    assert plans["bound_out"] \
        == "SEARCH calls USING COVERING INDEX ix_callback_calls_out (dest_e164>?)"
    assert "ix_callback_attempts_number (number=?)" in plans["attempts_of"]
    assert "SEARCH a USING INDEX ix_callback_attempts_number (number=?)" in plans["recompute"]
    # Whether the caller was reached or tried: each caller's own calls, index only.
    assert "SEARCH c USING COVERING INDEX ix_callback_calls_in (caller_e164=?)" \
        in plans["recompute"]
    assert "SEARCH c USING COVERING INDEX ix_callback_calls_out (dest_e164=?)" \
        in plans["recompute"]
    assert "SEARCH c USING COVERING INDEX ix_callback_calls_out (dest_e164=? AND start_us>?)" \
        in plans["recompute"]
    assert "SEARCH r USING PRIMARY KEY (number=? AND field=?)" in plans["recompute"]  # records
    assert plans["prune_attempts"] == "SCAN callback_attempts"
    # A changed row's former callers: their own rows, or the horizon's (never all calls).
    assert "SEARCH calls USING INDEX ix_callback_calls_in (caller_e164=? AND start_us>?)" \
        in plans["legs_moved"]
    assert re.search(r"SEARCH calls USING .*INDEX \w+ \(kind=\? AND start_us>\?\)",
                     plans["legs_moved_other"])


def test_the_migration_stands_on_its_own_and_may_run_again(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, MIGRATIONS[:1])  # only the calls table: no other migration needed
    create_callback_tables(conn)
    create_callback_tables(conn)  # IF NOT EXISTS throughout: harmless at any position
    names = {name for (name,) in conn.execute("SELECT name FROM sqlite_schema")}
    conn.close()
    assert {"callback_items", "callback_records", "callback_calls_au"} <= names


def test_the_moved_rows_migration_stands_on_its_own_and_may_run_again(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, MIGRATIONS[:1])
    create_moved_rows(conn)
    create_moved_rows(conn)
    names = {name for (name,) in conn.execute("SELECT name FROM sqlite_schema")}
    conn.close()
    assert {"callback_moved", "callback_calls_moved"} <= names


def test_the_leg_changes_migration_stands_on_its_own_and_may_run_again(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, MIGRATIONS[:1])
    watch_leg_changes(conn)
    watch_leg_changes(conn)
    # The migrations it replaces the triggers of, run after it (another order of
    # migrations at a merge), leave its triggers be.
    create_callback_tables(conn)
    create_moved_rows(conn)
    triggers = dict(conn.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' "
                                 "AND name LIKE 'callback_%'").fetchall())
    names = {name for (name,) in conn.execute("SELECT name FROM sqlite_schema")}
    conn.close()
    assert {"callback_dirty", "callback_moved"} <= names
    assert set(triggers) == {"callback_calls_au", "callback_calls_moved"}
    assert all("status" in sql and "call_duration" in sql for sql in triggers.values())


def test_the_first_update_builds_the_worklist_from_calls_stored_before(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    factory = CallFactory(seed=5, start=NOW - timedelta(days=6), span=timedelta(days=6))
    with CallStore(path) as store:
        store.upsert(factory.calls(3000))  # as an older pbxdesk stored them
    with CallStore(path) as store:
        scope = Scope((), (ALL_GROUPS,), days=7)
        first = store.callbacks.update(scope, to_micros(NOW))
        assert first.rebuilt
        assert first.rows_read == store.count()
        built = store.callbacks.items()
        assert built
        # A second pass over the same calls finds nothing to do.
        again = store.callbacks.update(scope, to_micros(NOW))
        assert (again.rows_read, again.items_changed, again.rebuilt) == (0, 0, False)
        assert store.callbacks.items() == built


def test_a_build_in_small_chunks_gives_the_same_worklist(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    factory = CallFactory(seed=8, start=NOW - timedelta(days=6), span=timedelta(days=6))
    calls = factory.calls(2500)
    scope = Scope(("1003", "1004"), (ALL_GROUPS,), days=7)
    built = []
    for chunk in (50_000, 333):
        monkeypatch.setattr("pbxdesk.store.callbacks.CHUNK_ROWS", chunk)
        with CallStore(tmp_path / f"calls-{chunk}.sqlite3") as store:
            # Newest first, as the sync pages: a caller's answer is read before the miss.
            store.upsert(reversed(calls))
            store.callbacks.update(scope, to_micros(NOW))
            built.append(sorted(store.callbacks.items(), key=lambda item: item.number))
    assert built[0]
    assert built[0] == built[1]


def test_a_file_from_before_the_worklist_is_upgraded_and_builds_it(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    before = MIGRATIONS[:MIGRATIONS.index(create_callback_tables)]
    migrate(conn, path, before)  # as the release before the worklist left it
    conn.close()
    factory = CallFactory(seed=6, start=NOW - timedelta(days=3), span=timedelta(days=3))
    with CallStore(path) as store:  # upgrades (every migration after too)
        names = {name for (name,) in store._connections.conn().execute(
            "SELECT name FROM sqlite_schema")}
        assert {"callback_items", "ix_callback_calls_in", "ix_callback_calls_out"} <= names
        store.upsert(factory.calls(800))
        store.callbacks.update(Scope((), (ALL_GROUPS,)), to_micros(NOW))
        assert store.callbacks.items()
