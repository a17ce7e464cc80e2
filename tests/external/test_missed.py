"""MissedCalls against a real store: the badge count and what "new" means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pbxdesk.api.models import CallKind, UserCall
from pbxdesk.desktop.missed import SEEN_KEY, MissedCalls, MissedUpdate, missed_notice
from pbxdesk.store import CallStore
from tests.fixtures.store import CallFactory

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def counts(update: MissedUpdate) -> tuple[int, int]:
    return update.total, update.new


def missed(factory: CallFactory, minutes: float, user: str = "1010",
           call_type: str = "user_inbound_missed") -> UserCall:
    return factory.user_call(type=call_type, user_number=user,
                             call_start_at=NOW + timedelta(minutes=minutes))


def counter(store: CallStore, extension: str = "1010") -> MissedCalls:
    return MissedCalls(store, extension, now=lambda: NOW)


def test_history_from_before_the_first_run_is_not_new(call_store: CallStore,
                                                      call_factory: CallFactory) -> None:
    call_store.upsert([missed(call_factory, -60), missed(call_factory, -5)])

    assert counts(counter(call_store).refresh()) == (0, 0)
    assert call_store.values.get(SEEN_KEY) == NOW.isoformat()


def test_only_my_inbound_missed_calls_count_and_new_is_since_the_last_refresh(
        call_store: CallStore, call_factory: CallFactory) -> None:
    calls = counter(call_store)
    calls.refresh()
    call_store.upsert([
        missed(call_factory, 1), missed(call_factory, 2),
        missed(call_factory, 3, user="1011"),  # someone else's
        missed(call_factory, 4, call_type="user_inbound_answered"),
        missed(call_factory, 5, call_type="user_outbound_missed"),  # we rang, they didn't
        call_factory.group_call(CallKind.QUEUE, call_start_at=NOW + timedelta(minutes=6)),
    ])

    assert counts(calls.refresh()) == (2, 2)
    call_store.upsert([missed(call_factory, 7)])
    assert counts(calls.refresh()) == (3, 1)
    assert counts(calls.refresh()) == (3, 0)


def test_looking_clears_the_count_but_a_late_synced_call_still_counts(
        call_store: CallStore, call_factory: CallFactory) -> None:
    calls = counter(call_store)
    calls.refresh()
    call_store.upsert([missed(call_factory, 1), missed(call_factory, 10)])
    assert calls.refresh().total == 2

    calls.mark_seen()  # at, say, 10:12; the call that began 10:11 is still ringing

    assert calls.count() == 0
    call_store.upsert([missed(call_factory, 11)])  # synced later
    assert counts(calls.refresh()) == (1, 1)


def test_the_watermark_survives_a_restart_and_bad_values_start_over(
        call_store: CallStore, call_factory: CallFactory) -> None:
    first = counter(call_store)
    first.refresh()
    call_store.upsert([missed(call_factory, 1), missed(call_factory, 2)])
    first.mark_seen()
    call_store.upsert([missed(call_factory, 3)])

    # Missed while closed: the first refresh after a restart calls all of them new.
    assert counts(counter(call_store).refresh()) == (1, 1)
    for bad in ("yesterday", 12, "2026-03-02T10:00:00"):  # the last one lacks a time zone
        call_store.values.set(SEEN_KEY, bad)
        assert counter(call_store).count() == 3  # reset to the first-run NOW: all 3 after it


def test_without_an_extension_every_user_s_missed_calls_count(
        call_store: CallStore, call_factory: CallFactory) -> None:
    calls = counter(call_store, extension="")
    calls.refresh()
    call_store.upsert([missed(call_factory, 1), missed(call_factory, 2, user="1011")])

    assert calls.count() == 2


def test_the_new_calls_come_newest_first_and_the_notice_names_their_callers(
        call_store: CallStore, call_factory: CallFactory) -> None:
    calls = counter(call_store)
    calls.refresh()
    jane = call_factory.user_call(
        type="user_inbound_missed", user_number="1010", caller_name="Jane Citizen",
        caller_id="61299990000", call_start_at=NOW + timedelta(minutes=2))
    unnamed = call_factory.user_call(
        type="user_inbound_missed", user_number="1010", caller_name=None,
        caller_id="61412345678", call_start_at=NOW + timedelta(minutes=3))
    oldest = call_factory.user_call(
        type="user_inbound_missed", user_number="1010", caller_name="Bob Jones",
        caller_id="61288880000", call_start_at=NOW + timedelta(minutes=1))
    call_store.upsert([jane, unnamed, oldest])
    update = calls.refresh()
    assert counts(update) == (3, 3)
    assert [call.key for call in update.calls] == [unnamed.key, jane.key, oldest.key]
    assert missed_notice(update.calls, "AU") == "Missed: 0412 345 678, Jane Citizen, and 1 more"
    assert missed_notice(update.calls[:2], "AU") == "Missed: 0412 345 678 and Jane Citizen"
    assert missed_notice(update.calls[:1], "AU") == "Missed: 0412 345 678"
    # A number from abroad in its international form; a caller who rang twice, once.
    assert missed_notice(update.calls[:1], "GB") == "Missed: +61 412 345 678"
    assert missed_notice((unnamed, unnamed, jane), "AU") == (
        "Missed: 0412 345 678 and Jane Citizen")
    withheld = call_factory.user_call(type="user_inbound_missed", caller_id="anonymous",
                                      caller_name=None)
    assert missed_notice((withheld,), "AU") == "Missed: a withheld number"
    # More new calls than were read (over a page): the rest are counted.
    assert missed_notice(update.calls, "AU", new=250) == (
        "Missed: 0412 345 678, Jane Citizen, and 248 more")
    assert missed_notice((), "AU") == ""
