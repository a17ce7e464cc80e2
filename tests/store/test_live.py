"""Rows from live relay events: flagged until a sync brings the same key, never twice."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from pbxdesk.api.models import CallKind
from pbxdesk.store import CallFilter, CallStore
from pbxdesk.store.migrations import MIGRATIONS, migrate
from tests.fixtures.store import CallFactory, write_as_release


def live_flag(path: Path, key: str) -> int:
    with sqlite3.connect(path) as raw:
        return int(raw.execute("SELECT live FROM calls WHERE key = ?", (key,)).fetchone()[0])


def test_a_live_row_is_flagged_and_the_sync_confirms_it_without_a_second_row(
        call_store: CallStore, store_path: Path) -> None:
    factory = CallFactory(seed=3)
    event_row = factory.user_call(type="user_inbound_missed", conversation_duration=0)
    synced_row = dataclasses.replace(event_row, call_duration=(event_row.call_duration or 0) + 4)

    written = call_store.store_live([event_row])

    assert (written.inserted, written.changed) == (1, True)
    assert call_store.live_keys() == [event_row.key]
    assert live_flag(store_path, event_row.key) == 1
    assert call_store.count() == 1

    result = call_store.upsert([synced_row, factory.user_call()])

    assert result.inserted == 1  # only the other call is new
    assert call_store.count() == 2
    assert call_store.live_keys() == []
    assert live_flag(store_path, event_row.key) == 0
    assert call_store.get(event_row.key) == synced_row  # the API's values win


def test_an_event_for_a_call_already_synced_changes_nothing(call_store: CallStore) -> None:
    factory = CallFactory(seed=4)
    synced = factory.user_call()
    call_store.upsert([synced])
    replayed = dataclasses.replace(synced, caller_name="Someone Else")

    written = call_store.store_live([replayed])

    assert (written.inserted, written.updated, written.already_synced) == (0, 0, 1)
    assert not written.changed
    assert call_store.get(synced.key) == synced
    assert call_store.live_keys() == []


def test_a_later_event_replaces_a_row_still_live_and_the_same_event_twice_is_one_row(
        call_store: CallStore) -> None:
    factory = CallFactory(seed=5)
    first = factory.group_call(CallKind.QUEUE)
    later = dataclasses.replace(first, status="answered", conversation_duration=61)

    call_store.store_live([first])
    again = call_store.store_live([first])
    written = call_store.store_live([later])

    assert (again.inserted, again.updated) == (0, 1)
    assert (written.inserted, written.updated) == (0, 1)
    assert call_store.count() == 1
    assert call_store.get(first.key) == later
    assert {group.name for group in call_store.groups()} == {first.group_name}


def test_the_event_id_is_written_in_the_same_transaction(call_store: CallStore) -> None:
    row = CallFactory(seed=6).user_call()

    call_store.store_live([row], meta=("live.last_event_id", "42"))
    call_store.store_live([], meta=("live.last_event_id", "43"))

    assert call_store.values.get("live.last_event_id") == "43"


def test_live_rows_are_found_by_the_search_and_the_filters(call_store: CallStore) -> None:
    row = CallFactory(seed=7).user_call(type="user_inbound_missed", caller_id="61412345678",
                                        caller_e164="+61412345678")
    call_store.store_live([row])

    found = call_store.page(CallFilter(text="0412 345 678"))

    assert [call.key for call in found] == [row.key]
    assert call_store.users()  # the user reference was made


def test_confirming_reads_only_the_partial_index(call_store: CallStore, store_path: Path) -> None:
    with sqlite3.connect(store_path) as raw:
        plan = " ".join(str(row[3]) for row in raw.execute(
            "EXPLAIN QUERY PLAN SELECT key FROM calls WHERE live = 1"))
    assert "COVERING INDEX ix_calls_live" in plan  # never a row of the table itself


def test_an_older_file_gets_the_flag_with_every_row_confirmed(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    write_as_release(path, 2, CallFactory(seed=8).calls(50))

    with CallStore(path) as store:
        assert store.count() == 50
        assert store.live_keys() == []
        store.store_live([CallFactory(seed=9).user_call()])
        assert len(store.live_keys()) == 1


def test_the_migration_can_run_twice(tmp_path: Path) -> None:
    """Migrations may be reordered at merge: ours must stand on its own."""
    path = tmp_path / "calls.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path)
    live_migration = MIGRATIONS[[m.__name__ for m in MIGRATIONS].index("_live_flag")]
    live_migration(conn)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(calls)")]
    conn.close()
    assert columns.count("live") == 1
