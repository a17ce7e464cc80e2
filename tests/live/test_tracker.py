"""When pops open and close: duplicates, events out of order, replays, lost endings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pbxdesk.live.events import (
    CallAnswered,
    CallCompleted,
    CallRinging,
    GroupCallSummary,
    parse_event,
)
from pbxdesk.live.tracker import CallTracker

NOW = datetime(2026, 11, 27, 9, 15, 10, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW.timestamp()

    def __call__(self) -> float:
        return self.now


def event(kind: str, *, call_id: str = "160455961758", extension: str = "1001",
          received: datetime = NOW, **fields: Any) -> Any:
    body = {"type": kind, "unique_call_id": call_id, "caller_id": "61412345678",
            "caller_name": "Jane", "dest_number": "61290000000", "user_name": "Agent",
            "user_number": extension, "call_start_at": "2026-11-27T09:15:02.000Z",
            "connected_at": None, "call_duration": "0", "conversation_duration": "0",
            "received_at": received.isoformat().replace("+00:00", "Z"), **fields}
    return parse_event("7", kind, json.dumps(body), "AU")


def tracker() -> CallTracker:
    return CallTracker("1001", clock=Clock())


def test_a_ringing_call_pops_once_and_its_completion_closes_it() -> None:
    calls = tracker()
    ringing = event("user_inbound")
    assert isinstance(ringing, CallRinging)

    key = calls.ringing(ringing)

    assert key is not None
    assert calls.ringing(event("user_inbound")) is None  # the same webhook twice
    completed = event("user_inbound_completed", call_duration="20")
    assert isinstance(completed, CallCompleted)
    assert calls.completed(completed) == key
    assert calls.open == {}


def test_a_completion_that_overtook_its_ringing_leaves_no_pop() -> None:
    calls = tracker()
    completed = event("user_inbound_completed")
    assert calls.completed(completed) is None

    assert calls.ringing(event("user_inbound")) is None
    assert calls.open == {}


def test_only_my_inbound_calls_pop() -> None:
    calls = tracker()
    assert calls.ringing(event("user_inbound", extension="1002")) is None
    assert calls.ringing(event("user_outbound")) is None
    assert CallTracker("", clock=Clock()).ringing(event("user_inbound", extension="1002"))


def test_a_replayed_ringing_from_long_ago_does_not_pop() -> None:
    calls = tracker()
    old = event("user_inbound", received=NOW - timedelta(minutes=10))
    assert calls.ringing(old) is None
    assert calls.ringing(event("user_inbound", received=NOW - timedelta(seconds=30)))


def test_answering_marks_the_pop_and_a_group_summary_closes_it() -> None:
    calls = tracker()
    key = calls.ringing(event("user_inbound"))
    answered = event("user_inbound_answered", connected_at="2026-11-27T09:15:09.000Z")
    assert isinstance(answered, CallAnswered)

    assert calls.answered(answered) == key
    assert calls.answered(answered) is None  # told once
    summary = parse_event("9", "queue_call", json.dumps({
        "type": "queue_call", "unique_call_id": "160455961758", "queue_name": "Sales",
        "caller_id": "61412345678", "status": "answered",
        "call_start_at": "2026-11-27T09:15:00.000Z"}), "AU")
    assert isinstance(summary, GroupCallSummary)
    assert calls.group_ended(summary) == [key]
    assert calls.ringing(event("user_inbound")) is None  # over: a late duplicate stays shut


def test_pops_whose_end_was_lost_expire() -> None:
    clock = Clock()
    calls = CallTracker("1001", clock=clock, ring_limit=180, talk_limit=3600)
    ringing_key = calls.ringing(event("user_inbound", call_id="1"))
    talking_key = calls.ringing(event("user_inbound", call_id="2"))
    calls.answered(event("user_inbound_answered", call_id="2"))

    clock.now += 181
    assert calls.expired() == [ringing_key]
    clock.now += 3600
    assert calls.expired() == [talking_key]


def test_a_pop_closed_by_hand_stays_closed() -> None:
    calls = tracker()
    key = calls.ringing(event("user_inbound"))
    assert key is not None
    calls.close(key)
    assert calls.ringing(event("user_inbound")) is None
