"""Sync ranges, last success, key/values and the dial pad's recent numbers."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pbxdesk.api.models import CallKind
from pbxdesk.store import CallStore
from pbxdesk.store.bookkeeping import MAX_RECENT_DIALS, RecentDial

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_synced_ranges_merge_when_they_touch_or_overlap(call_store: CallStore) -> None:
    ledger = call_store.sync
    ledger.add_range(CallKind.USER, day(0), day(2))
    ledger.add_range(CallKind.USER, day(5), day(6))
    ledger.add_range(CallKind.USER, day(2), day(3))  # touches the first
    ledger.add_range(CallKind.QUEUE, day(1), day(9))  # another kind stays apart
    assert ledger.ranges(CallKind.USER) == [(day(0), day(3)), (day(5), day(6))]
    ledger.add_range(CallKind.USER, day(2.5), day(5.5))  # bridges both
    assert ledger.ranges(CallKind.USER) == [(day(0), day(6))]
    ledger.add_range(CallKind.USER, day(1), day(2))  # inside: no change
    ledger.add_range(CallKind.USER, day(7), day(7))  # empty: ignored
    assert ledger.ranges(CallKind.USER) == [(day(0), day(6))]
    assert ledger.ranges(CallKind.QUEUE) == [(day(1), day(9))]
    assert ledger.ranges(CallKind.RING_GROUP) == []


def test_gaps_are_the_parts_not_yet_synced(call_store: CallStore) -> None:
    ledger = call_store.sync
    assert ledger.gaps(CallKind.USER, day(0), day(10)) == [(day(0), day(10))]
    ledger.add_range(CallKind.USER, day(2), day(4))
    ledger.add_range(CallKind.USER, day(6), day(7))
    assert ledger.gaps(CallKind.USER, day(0), day(10)) == [
        (day(0), day(2)), (day(4), day(6)), (day(7), day(10))]
    assert ledger.gaps(CallKind.USER, day(3), day(6.5)) == [(day(4), day(6))]
    assert ledger.gaps(CallKind.USER, day(2), day(4)) == []
    naive = day(3).replace(tzinfo=None)  # taken as UTC, like everywhere in the store
    assert ledger.gaps(CallKind.USER, naive, day(5)) == [(day(4), day(5))]
    ledger.clear(CallKind.USER)
    assert ledger.gaps(CallKind.USER, day(3), day(4)) == [(day(3), day(4))]


def test_clear_all_kinds(call_store: CallStore) -> None:
    for kind in CallKind:
        call_store.sync.add_range(kind, day(0), day(1))
    call_store.sync.clear()
    assert all(call_store.sync.ranges(kind) == [] for kind in CallKind)


def test_last_success_per_kind_survives_reopening(store_path: Path) -> None:
    with CallStore(store_path) as store:
        assert store.sync.last_success(CallKind.USER) is None
        store.sync.mark_success(CallKind.USER, day(1))
        store.sync.mark_success(CallKind.USER, day(2))
        store.sync.mark_success(CallKind.QUEUE, day(3))
    with CallStore(store_path) as store:
        assert store.sync.last_success(CallKind.USER) == day(2)
        assert store.sync.last_success(CallKind.QUEUE) == day(3)
        assert store.sync.last_success(CallKind.RING_GROUP) is None


def test_key_values_hold_json(store_path: Path) -> None:
    stamps = [1700000000.5, 1700000010.25]
    with CallStore(store_path) as store:
        assert store.values.get("budget") is None
        assert store.values.get("budget", []) == []
        store.values.set("budget", stamps)
        store.values.set("nested", {"a": [1, None, "x"], "b": True})
        store.values.set("budget", [*stamps, 1700000020.0])
        store.values.set("gone", 1)
        store.values.delete("gone")
        store.values.delete("never there")
    with CallStore(store_path) as store:
        assert store.values.get("budget") == [*stamps, 1700000020.0]
        assert store.values.get("nested") == {"a": [1, None, "x"], "b": True}
        assert store.values.get("gone", "default") == "default"


def test_recent_dials_are_distinct_newest_first(call_store: CallStore) -> None:
    dials = call_store.recent_dials
    dials.add("+61412345678", "0412 345 678", "1010", None, day(1))
    dials.add("1002", "1002", "1010", None, day(2))
    dials.add("+61412345678", "+61 412 345 678", "1011", "61290000000", day(3))
    dials.add("+442079460958", "+44 20 7946 0958", "1010", None, day(0))

    recent = dials.recent()

    assert [dial.number for dial in recent] == ["+61412345678", "1002", "+442079460958"]
    assert recent[0] == RecentDial("+61412345678", "+61 412 345 678", "1011", "61290000000",
                                   day(3), times=2)
    assert [dial.number for dial in dials.recent(2)] == ["+61412345678", "1002"]
    assert dials.recent(0) == []
    dials.clear()
    assert dials.recent() == []


def test_recent_dials_keep_a_bounded_history(call_store: CallStore) -> None:
    dials = call_store.recent_dials
    for n in range(MAX_RECENT_DIALS + 25):
        dials.add(f"+6141234{n:04d}", f"n{n}", "1010", None, day(n / 1000))
    kept = dials.recent(10_000)
    assert len(kept) == MAX_RECENT_DIALS
    assert kept[0].number == f"+6141234{MAX_RECENT_DIALS + 24:04d}"
    assert kept[-1].number == f"+6141234{25:04d}"


def test_checkpoints_keep_a_scans_state_per_kind_and_period(store_path: Path) -> None:
    state = {"phase": "window", "cursor": "2024-05-03", "nested": [1, 2.5, None]}
    with CallStore(store_path) as store:
        checkpoints = store.sync.checkpoints
        checkpoints.save(CallKind.USER, day(0), day(30), state, day(31))
        checkpoints.save(CallKind.USER, day(0), day(30.5), {**state, "cursor": "x"}, day(31))
        checkpoints.save(CallKind.QUEUE, day(0), day(30), state, day(31))
    with CallStore(store_path) as store:  # a restart finds them
        saved = store.sync.checkpoints.of(CallKind.USER)
        assert [(c.start, c.end, c.state["cursor"]) for c in saved] == [(day(0), day(30.5), "x")]
        store.sync.checkpoints.drop(CallKind.USER, day(0))
        assert store.sync.checkpoints.of(CallKind.USER) == []
        assert len(store.sync.checkpoints.of(CallKind.QUEUE)) == 1


def test_a_damaged_checkpoint_reads_as_no_state(store_path: Path) -> None:
    with CallStore(store_path) as store:
        store.sync.checkpoints.save(CallKind.USER, day(0), day(1), {"a": 1}, day(1))
    with sqlite3.connect(store_path) as raw:
        raw.execute("UPDATE sync_checkpoints SET state = '{not json'")
    with CallStore(store_path) as store:
        [checkpoint] = store.sync.checkpoints.of(CallKind.USER)
        assert checkpoint.state is None


def test_incomplete_days_are_kept_until_a_scan_reads_them_whole(call_store: CallStore) -> None:
    days = call_store.sync.incomplete
    may = [date(2024, 5, n) for n in range(1, 32)]
    days.update(CallKind.USER, may[0], may[30], [(may[13], 9300, "too many"),
                                                 (may[14], 0, "moved")], day(0))
    days.update(CallKind.QUEUE, may[0], may[30], [(may[13], 40, "too many")], day(0))
    listed = days.of(CallKind.USER)
    assert [(entry.day, entry.missing, entry.tries) for entry in listed] == [
        (may[14], 0, 1), (may[13], 9300, 1)]  # newest day first
    assert listed[0].found_at == listed[0].tried_at == day(0)
    # A refresh of the last days finds 15 May incomplete again: kept, not a retry.
    days.update(CallKind.USER, may[14], may[30], [(may[14], 12, "moved")], day(1))
    entry = next(e for e in days.of(CallKind.USER) if e.day == may[14])
    assert (entry.missing, entry.tries, entry.tried_at) == (12, 1, day(0))
    # A retry of 14 May reads it whole: gone; 15 May, outside that span, stays.
    days.update(CallKind.USER, may[13], may[13], [], day(2), retried=True)
    assert [entry.day for entry in days.of(CallKind.USER)] == [may[14]]
    days.update(CallKind.USER, may[14], may[14], [(may[14], 5, "moved")], day(3), retried=True)
    [entry] = days.of(CallKind.USER)
    assert (entry.missing, entry.tries, entry.tried_at) == (5, 2, day(3))
    assert [entry.kind for entry in days.of()] == [CallKind.USER, CallKind.QUEUE]
    days.clear(CallKind.USER)
    assert days.of(CallKind.USER) == []
    assert len(days.of()) == 1
