"""The contact bound: "nobody answered or called this number since" from memory.

The worklist trusts it to skip its rules for a first caller, so every way a
contact reaches the store must reach the bound before a leg is judged: the
writer's batches, rows another store object wrote (read by the update
itself), and contacts that began before the horizon but end after it.
Its own answers may only ever err towards "perhaps".
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from pbxdesk.api.models import UserCall
from pbxdesk.store import CallStore
from pbxdesk.store.callbackrules import ItemState
from pbxdesk.store.callbacks import Scope
from pbxdesk.store.contactbound import ContactBound
from pbxdesk.store.rows import to_micros
from tests.fixtures.store import EPOCH, CallFactory

NOW = EPOCH + timedelta(days=30)
SCOPE = Scope(("1000",), (), days=7)
JANE, JANE_E164 = "61412345678", "+61412345678"
MINUTE_US = 60_000_000


def _empty_bound(tmp_path: Path) -> ContactBound:
    bound = ContactBound()
    conn = sqlite3.connect(tmp_path / "empty.sqlite3", isolation_level=None)
    with CallStore(tmp_path / "empty.sqlite3"):
        pass  # the schema
    bound.build(conn)
    conn.close()
    return bound


def _call(factory: CallFactory, call_type: str, start: datetime, seconds: int) -> UserCall:
    outbound = "outbound" in call_type
    return factory.user_call(
        type=call_type, user_number="1000", user_name="Me", call_start_at=start,
        call_duration=seconds, connected_at=None,
        caller_id="1000" if outbound else JANE, caller_e164=None if outbound else JANE_E164,
        dest_number=JANE if outbound else "0299998888",
        dest_e164=JANE_E164 if outbound else "+61299998888")


def _jane(store: CallStore) -> ItemState:
    store.callbacks.update(SCOPE, to_micros(NOW))
    item = store.callbacks.item(JANE_E164)
    assert item is not None
    return item.state


def test_a_number_is_quiet_only_after_its_last_contact_ended(tmp_path: Path) -> None:
    bound = _empty_bound(tmp_path)
    end = to_micros(NOW)
    assert bound.quiet_since(JANE_E164, end)  # nothing folded yet
    bound.fold([(JANE_E164, end)])
    assert not bound.quiet_since(JANE_E164, end - 1)
    assert not bound.quiet_since(JANE_E164, end)  # ended as the call began: reached
    assert bound.quiet_since(JANE_E164, end + MINUTE_US)  # kept in whole minutes, rounded up
    # Another number is judged by its own bucket (two would share one by chance only).
    assert bound.quiet_since("+61400000001", end) or bound.quiet_since("+61400000002", end)


def test_a_damaged_end_is_the_latest_possible(tmp_path: Path) -> None:
    bound = _empty_bound(tmp_path)
    bound.fold([(JANE_E164, b"\x00"), ("+61400000001", None), ("+61400000002", float("nan"))])
    far = to_micros(NOW + timedelta(days=365 * 100))
    for number in (JANE_E164, "+61400000001", "+61400000002"):
        assert not bound.quiet_since(number, far)


def test_a_damaged_start_is_never_certain(tmp_path: Path) -> None:
    bound = _empty_bound(tmp_path)
    later = to_micros(NOW)
    assert bound.quiet_since(JANE_E164, later)
    for start in ("yesterday", b"\x01", None):
        assert not bound.quiet_since(JANE_E164, start)  # the rules decide: no TypeError


def test_rows_count_as_folded_only_in_an_unbroken_run(tmp_path: Path) -> None:
    unread = ContactBound()
    unread.fold([(JANE_E164, 1)], ids=(0, 10))  # not read from the store yet: ignored
    assert unread.folded_to == -1
    assert not unread.quiet_since(JANE_E164, to_micros(NOW))  # knows nothing: "perhaps"

    bound = _empty_bound(tmp_path)
    assert bound.folded_to == 0
    bound.fold([], ids=(0, 10))
    bound.fold([], ids=(20, 30))  # ids 11-20 were written some other way: not folded
    assert bound.folded_to == 10
    bound.fold([], ids=(5, 25))
    assert bound.folded_to == 25


def test_the_writer_folds_its_batches_in(call_store: CallStore) -> None:
    factory = CallFactory(seed=4, start=NOW - timedelta(days=2), span=timedelta(days=2))
    call_store.upsert(factory.calls(50))
    call_store.callbacks.update(SCOPE, to_micros(NOW))  # reads the store once
    call_store.upsert(factory.calls(200))
    bound = call_store.callbacks.contacts
    assert bound.folded_to == call_store.count()
    answered = _call(factory, "user_inbound_answered", NOW - timedelta(hours=1), 600)
    call_store.upsert([answered])
    assert not bound.quiet_since(JANE_E164, to_micros(NOW - timedelta(minutes=55)))


def test_an_answer_stored_by_another_store_object_is_read_before_the_leg_is_judged(
        call_store: CallStore) -> None:
    factory = CallFactory(seed=5)
    call_store.callbacks.update(SCOPE, to_micros(NOW))  # the bound is read: empty
    with CallStore(call_store.path) as other:  # its writes are not folded into ours
        other.upsert([_call(factory, "user_inbound_answered", NOW - timedelta(hours=2), 1800)])
    # Jane called again while on the line (a second line rang me): reached all the same.
    call_store.upsert([_call(factory, "user_inbound_missed", NOW - timedelta(hours=2)
                             + timedelta(minutes=10), 20)])
    assert _jane(call_store) is ItemState.REACHED


def test_a_call_back_that_began_before_the_horizon_and_ended_after_counts(
        call_store: CallStore) -> None:
    factory = CallFactory(seed=6)
    call_store.callbacks.update(SCOPE, to_micros(NOW))
    with CallStore(call_store.path) as other:
        # A call to Jane that began 8 days ago (before the 7-day horizon) and lasted 2 days.
        other.upsert([_call(factory, "user_outbound_answered", NOW - timedelta(days=8),
                            2 * 86_400)])
    call_store.upsert([_call(factory, "user_inbound_missed", NOW - timedelta(days=6, hours=12),
                             20)])
    assert _jane(call_store) is ItemState.REACHED


def test_a_store_that_outgrows_the_bound_reads_it_again_larger(call_store: CallStore) -> None:
    call_store.callbacks.update(SCOPE, to_micros(NOW))
    bound = call_store.callbacks.contacts
    small = bound.buckets
    factory = CallFactory(seed=7, callers=5000, start=NOW - timedelta(days=3),
                          span=timedelta(days=3))
    call_store.upsert(factory.calls(small * 2))
    assert not bound.ready  # too full for its size to say "certainly" often
    call_store.callbacks.update(SCOPE, to_micros(NOW))
    assert bound.ready
    assert bound.buckets > small
    assert bound.folded_to == call_store.count()


def test_a_damaged_start_in_the_store_does_not_stop_the_update(call_store: CallStore) -> None:
    factory = CallFactory(seed=8)
    call_store.callbacks.update(SCOPE, to_micros(NOW))
    call_store.upsert([_call(factory, "user_inbound_missed", NOW - timedelta(hours=1), 20)])
    conn = sqlite3.connect(call_store.path, isolation_level=None)
    conn.execute("UPDATE calls SET start_us = 'not a time'")  # as a damaged file might hold
    conn.close()
    result = call_store.callbacks.update(SCOPE, to_micros(NOW))  # no TypeError
    assert result.numbers == {JANE_E164}
    assert call_store.callbacks.item(JANE_E164) is not None  # kept, for the rules to judge
