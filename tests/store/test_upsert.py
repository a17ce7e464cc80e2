"""Storing rows: upsert by key, what is kept, and what survives the round trip."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType

from pbxdesk.api.models import AnyCall, CallKind, Direction, GroupCall, Outcome, UserCall
from pbxdesk.store import CallFilter, CallStore, UpsertResult
from tests.fixtures.store import CallFactory

START = datetime(2024, 3, 1, 9, 30, 15, 123000, tzinfo=UTC)


def user_call(**overrides: object) -> UserCall:
    base = UserCall(
        unique_call_id="160455961758", type="user_outbound_answered", caller_id="1010",
        caller_name="XYZ", dest_number="44123456789", user_name="John Smith",
        user_number="1010", call_start_at=START, connected_at=START + timedelta(seconds=14),
        call_duration=28, conversation_duration=14, caller_e164=None,
        dest_e164="+44123456789")
    return replace(base, **overrides)  # type: ignore[arg-type]


def group_call(**overrides: object) -> GroupCall:
    base = GroupCall(
        call_kind=CallKind.QUEUE, group="Sales queue", status="abandoned",
        unique_call_id=None, caller_id="61300000000", caller_name=None,
        dest_number="44123456789", user_name="John", user_number=None, call_start_at=START,
        connected_at=None, call_duration=21, conversation_duration=0,
        caller_e164="+61300000000", dest_e164="+44123456789")
    return replace(base, **overrides)  # type: ignore[arg-type]


def assert_same(stored: AnyCall | None, original: AnyCall) -> None:
    assert stored == original  # every field except extra (compare=False in the models)
    assert stored is not None
    assert dict(stored.extra) == dict(original.extra)
    assert stored.key == original.key


def test_insert_then_update_by_key_counts_each(call_store: CallStore) -> None:
    first = call_store.upsert([user_call(), group_call()])
    assert first == UpsertResult(inserted=2, updated=0, unchanged=0)

    longer = user_call(call_duration=40, conversation_duration=26)
    second = call_store.upsert([longer, group_call()])

    assert second == UpsertResult(inserted=0, updated=1, unchanged=1)
    assert call_store.count() == 2
    assert_same(call_store.get(longer.key), longer)


def test_a_changed_extra_field_or_letter_case_is_an_update(call_store: CallStore) -> None:
    call_store.upsert([user_call(caller_name="xyz")])
    assert call_store.upsert([user_call(caller_name="XYZ")]).updated == 1
    changed = user_call(extra=MappingProxyType({"note": "new"}))
    assert call_store.upsert([changed]).updated == 1
    assert_same(call_store.get(changed.key), changed)


def test_last_row_of_a_batch_wins_for_a_repeated_key(call_store: CallStore) -> None:
    result = call_store.upsert([user_call(call_duration=1), user_call(call_duration=2)])
    assert result == UpsertResult(inserted=1)
    stored = call_store.get(user_call().key)
    assert stored is not None
    assert stored.call_duration == 2


def test_rows_without_an_id_are_keyed_by_their_content(call_store: CallStore) -> None:
    first = group_call()
    other_time = group_call(call_start_at=START + timedelta(seconds=1))
    call_store.upsert([first, other_time])
    # The same call synced again (durations changed) is the same row, not a new one.
    again = group_call(call_duration=30)
    assert call_store.upsert([again]) == UpsertResult(updated=1)
    assert call_store.count() == 2
    assert first.key.startswith("queue:h:")
    assert first.key == again.key
    assert_same(call_store.get(first.key), again)


def test_every_field_round_trips_including_none_and_empty(call_store: CallStore) -> None:
    calls: list[AnyCall] = [
        user_call(),
        user_call(unique_call_id="2", type=None, caller_id=None, caller_name="",
                  dest_number="", user_name=None, user_number="", call_start_at=None,
                  connected_at=None, call_duration=None, conversation_duration=None),
        group_call(),
        group_call(call_kind=CallKind.RING_GROUP, group=None, status=None, unique_call_id="7",
                   caller_id="", caller_name="Ängla Ångström"),
    ]
    call_store.upsert(calls)
    for call in calls:
        assert_same(call_store.get(call.key), call)


def test_unknown_type_and_status_are_kept_and_returned(call_store: CallStore) -> None:
    odd_user = user_call(type="user_inbound_transferred_to_mars")
    odd_group = group_call(status="escalated")
    call_store.upsert([odd_user, odd_group])
    stored_user = call_store.get(odd_user.key)
    stored_group = call_store.get(odd_group.key)
    assert isinstance(stored_user, UserCall)
    assert stored_user.type == "user_inbound_transferred_to_mars"
    assert stored_user.direction is Direction.INBOUND
    assert stored_user.outcome is Outcome.UNKNOWN
    assert isinstance(stored_group, GroupCall)
    assert stored_group.status == "escalated"
    assert call_store.count(CallFilter(outcomes=frozenset({Outcome.UNKNOWN}))) == 2


def test_extra_fields_round_trip_as_json(call_store: CallStore) -> None:
    extra = {"recording": "https://x.test/a.mp3", "n": 3, "f": 1.5, "ok": True, "none": None,
             "list": [1, "two", {"three": 3}], "unicode": "Zoë ☎", "lone": "\ud800"}
    call = user_call(extra=MappingProxyType(extra))
    call_store.upsert([call])
    stored = call_store.get(call.key)
    assert stored is not None
    assert dict(stored.extra) == extra


def test_times_are_kept_to_the_microsecond_and_converted_to_utc(call_store: CallStore) -> None:
    sydney = timezone(timedelta(hours=10))
    local = datetime(2024, 3, 1, 19, 30, 15, 123456, tzinfo=sydney)
    naive = datetime(2024, 3, 1, 9, 30, 15, 654321)
    call_store.upsert([user_call(call_start_at=local, connected_at=naive)])
    stored = call_store.get(user_call().key)
    assert stored is not None
    assert stored.call_start_at == local
    assert stored.call_start_at.tzinfo is UTC
    assert stored.connected_at == naive.replace(tzinfo=UTC)


def test_bad_values_do_not_crash_or_lose_the_row(call_store: CallStore) -> None:
    huge = 10**30
    call = user_call(call_duration=huge, conversation_duration=-huge,
                     caller_name="bad \udc80 surrogate", user_name="\ud83d\ude00 pair")
    result = call_store.upsert([call, group_call()])
    assert result.inserted == 2
    stored = call_store.get(call.key)
    assert stored is not None
    assert stored.call_duration == huge
    assert stored.conversation_duration == -huge
    assert stored.caller_name == "bad \ufffd surrogate"  # a lone surrogate cannot be UTF-8
    assert stored.user_name == "😀 pair"


def test_direction_and_outcome_are_stored_columns(call_store: CallStore,
                                                  store_path: Path) -> None:
    call_store.upsert([user_call(type="user_inbound_missed"), group_call()])
    with sqlite3.connect(store_path) as raw:
        stored = raw.execute("SELECT type, status, direction, outcome FROM calls "
                             "ORDER BY id").fetchall()
    assert stored == [("user_inbound_missed", "", 1, 2), ("", "abandoned", 1, 3)]


def test_empty_batch_is_a_no_op(call_store: CallStore) -> None:
    assert call_store.upsert([]) == UpsertResult()
    assert call_store.count() == 0


def test_a_realistic_batch_round_trips(call_store: CallStore, call_factory: CallFactory) -> None:
    calls = call_factory.calls(500)
    assert call_store.upsert(calls).inserted == 500
    for call in calls[::7]:
        assert_same(call_store.get(call.key), call)
    assert call_store.upsert(calls) == UpsertResult(unchanged=500)


def test_search_follows_updated_names_and_numbers(call_store: CallStore) -> None:
    call_store.upsert([user_call(type="user_inbound_answered", caller_id="61299998888",
                                 caller_name="Old Name", caller_e164="+61299998888")])
    assert call_store.count(CallFilter(text="old name")) == 1
    call_store.upsert([user_call(type="user_inbound_answered", caller_id="61377776666",
                                 caller_name="New Name", caller_e164="+61377776666",
                                 call_duration=99)])
    assert call_store.count(CallFilter(text="old name")) == 0
    assert call_store.count(CallFilter(text="new name")) == 1
    assert call_store.count(CallFilter(text="0299998888")) == 0
    assert call_store.count(CallFilter(text="03 7777 6666")) == 1
    # Only the duration changes: the search index is left alone and still right.
    call_store.upsert([user_call(type="user_inbound_answered", caller_id="61377776666",
                                 caller_name="New Name", caller_e164="+61377776666",
                                 call_duration=100)])
    assert call_store.count(CallFilter(text="new name")) == 1
