"""A caller's history from the local store, as the screen pop sums it up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pbxdesk.api.models import Direction, Outcome, UserCall
from pbxdesk.live.caller import caller_summary
from pbxdesk.store import CallStore

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
JANE = "+61412345678"


def call(call_id: str, kind: str, minutes: int, *, number: str = "61412345678",
         user: str = "1001", name: str | None = "Jane Citizen", talk: int = 0) -> UserCall:
    outbound = "outbound" in kind
    e164 = "+" + number
    return UserCall(
        unique_call_id=call_id, type=kind, caller_id=user if outbound else number,
        caller_name=None if outbound else name, dest_number=number if outbound else "1001",
        user_name=f"Agent {user}", user_number=user,
        call_start_at=T0 + timedelta(minutes=minutes),
        connected_at=T0 + timedelta(minutes=minutes, seconds=5) if talk else None,
        call_duration=talk + 5, conversation_duration=talk,
        caller_e164=None if outbound else e164, dest_e164=e164 if outbound else None)


def test_calls_last_call_and_missed_calls_waiting(call_store: CallStore) -> None:
    call_store.upsert([
        call("1", "user_inbound_answered", 0, talk=192),
        call("2", "user_inbound_missed", 60, name=None),
        call("3", "user_outbound_answered", 120, talk=30),    # a call back
        call("4", "user_inbound_missed", 180, name=None),
        call("5", "user_inbound_missed", 240, user="1002", name=None),
        call("5", "user_inbound_missed", 240, user="1003", name=None),  # same call, 2 legs
        call("9", "user_inbound_answered", 300, number="614123456789"),  # a longer number
    ])

    summary = caller_summary(call_store, JANE, "0412 345 678")

    assert summary.calls == 5
    assert summary.missed_waiting == 2  # after the call back: calls 4 and 5
    assert summary.name == "Jane Citizen"  # the newest name the history knows
    assert summary.last is not None
    assert (summary.last.direction, summary.last.outcome, summary.last.answered) == (
        Direction.INBOUND, Outcome.MISSED, False)


def test_an_answered_leg_settles_the_call(call_store: CallStore) -> None:
    call_store.upsert([call("1", "user_inbound_missed", 0),
                       call("1", "user_inbound_answered", 0, user="1002", talk=40)])

    summary = caller_summary(call_store, JANE, None)

    assert (summary.calls, summary.missed_waiting) == (1, 0)
    assert summary.last is not None
    assert summary.last.answered
    assert summary.last.answered_by == "Agent 1002"
    assert summary.last.talk_seconds == 40


def test_a_first_time_caller_and_no_number(call_store: CallStore) -> None:
    assert not caller_summary(call_store, "+61499999999", None).known
    assert not caller_summary(call_store, None, None).known
    assert not caller_summary(call_store, None, "anonymous").known


def test_the_ringing_call_itself_is_left_out(call_store: CallStore) -> None:
    call_store.store_live([call("7", "user_inbound_missed", 0)])
    assert caller_summary(call_store, JANE, None, exclude_call_id="7").calls == 0
    assert caller_summary(call_store, JANE, None).calls == 1
