"""Typed parsing of the relay's events (pbxdesk.live.events)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbxdesk.api.models import CallKind, Direction, Outcome
from pbxdesk.api.parse import parse_row
from pbxdesk.live.events import (
    CallAnswered,
    CallCompleted,
    CallRecorded,
    CallRinging,
    GroupCallSummary,
    LiveEvent,
    UnknownEvent,
    UnreadableLiveEventError,
    VoicemailLeft,
    parse_event,
)

LEG = {"unique_call_id": "160455961758", "caller_id": "61300000000", "caller_name": "XYZ",
       "dest_number": "1010", "user_name": "John Smith", "user_number": "1010",
       "call_start_at": "2019-10-01T15:31:15.000Z", "connected_at": None,
       "call_duration": "0", "conversation_duration": "0",
       "received_at": "2019-10-01T15:31:15.120Z"}


def event(kind: str, **fields: Any) -> LiveEvent:
    data = {"type": kind, **LEG, **fields}
    return parse_event("42", kind, json.dumps(data), region="AU")


def test_ringing_inbound_call() -> None:
    ringing = event("user_inbound")
    assert isinstance(ringing, CallRinging)
    assert ringing.direction is Direction.INBOUND
    assert ringing.id == "42"
    assert ringing.received_at == datetime(2019, 10, 1, 15, 31, 15, 120000, tzinfo=UTC)
    assert ringing.extension == "1010"
    assert ringing.other_party == "61300000000"
    assert ringing.other_party_e164 == "+61300000000"
    assert ringing.call.caller_name == "XYZ"
    assert ringing.fields["caller_name"] == "XYZ"


def test_outbound_steps_name_the_number_called() -> None:
    ringing = event("user_outbound", dest_number="61412345678")
    assert isinstance(ringing, CallRinging)
    assert ringing.direction is Direction.OUTBOUND
    assert ringing.other_party_e164 == "+61412345678"
    answered = event("user_outbound_answered", connected_at="2019-10-01T15:31:29.000Z")
    assert isinstance(answered, CallAnswered)


@pytest.mark.parametrize(("connected_at", "talk", "history_type"), [
    ("2019-10-01T15:31:29.000Z", "14", "user_inbound_answered"),
    (None, "0", "user_inbound_missed"),
    ("null", "", "user_inbound_missed"),
])
def test_completed_call_is_a_history_row(connected_at: str | None, talk: str,
                                         history_type: str) -> None:
    completed = event("user_inbound_completed", connected_at=connected_at,
                      call_duration="28", conversation_duration=talk)
    assert isinstance(completed, CallCompleted)
    row = completed.history_row
    assert row.type == history_type
    assert completed.answered is (history_type.endswith("answered"))
    assert row.outcome is (Outcome.ANSWERED if completed.answered else Outcome.MISSED)
    assert row.call_duration == 28
    # The same call as the history API lists it has the same key: a sync finds it.
    synced = parse_row({**LEG, "type": history_type, "call_duration": 28}, CallKind.USER, "AU")
    assert synced is not None
    assert row.key == synced.key


def test_group_summaries() -> None:
    queue = event("queue_call", queue_name="Sales queue", status="abandoned", user_number=None)
    assert isinstance(queue, GroupCallSummary)
    assert queue.call.kind is CallKind.QUEUE
    assert queue.call.group_name == "Sales queue"
    assert queue.call.outcome is Outcome.ABANDONED
    ring = event("ring_group_call", ring_group_name="Support", status="answered")
    assert isinstance(ring, GroupCallSummary)
    assert ring.call.kind is CallKind.RING_GROUP
    assert ring.call.group_name == "Support"


def test_voicemail_keeps_only_web_links() -> None:
    voicemail = event("voicemail", recorded_at="2019-10-01T15:32:00.000Z", audio_file=[
        "javascript:alert(1)", "https://pbx.example/vm/1.wav", "file:///etc/passwd",
        "https://pbx.example/vm/1.wav", "http://pbx.example/vm/2.wav", "https://bad host/x",
        "ftp://pbx.example/x"])
    assert isinstance(voicemail, VoicemailLeft)
    assert voicemail.links == ("https://pbx.example/vm/1.wav", "http://pbx.example/vm/2.wav")
    assert voicemail.caller_e164 == "+61300000000"
    assert voicemail.extension == "1010"
    assert voicemail.recorded_at == datetime(2019, 10, 1, 15, 32, tzinfo=UTC)
    single = event("voicemail", audio_file="https://pbx.example/vm/3.wav")
    assert isinstance(single, VoicemailLeft)
    assert single.links == ("https://pbx.example/vm/3.wav",)


def test_recording() -> None:
    recorded = event("recording_outbound", call_recording_link="https://pbx.example/r/9.mp3")
    assert isinstance(recorded, CallRecorded)
    assert recorded.direction is Direction.OUTBOUND
    assert recorded.links == ("https://pbx.example/r/9.mp3",)
    assert recorded.call.unique_call_id == "160455961758"


def test_unknown_and_odd_events_are_kept() -> None:
    unknown = parse_event("7", "component_event", '{"type":"component_event","step":"IVR"}')
    assert isinstance(unknown, UnknownEvent)
    assert unknown.type == "component_event"
    assert unknown.fields["step"] == "IVR"
    # A known type without an id or a start time still parses (nothing known about the call).
    bare = parse_event("8", "user_inbound", '{"type":"user_inbound"}')
    assert isinstance(bare, CallRinging)
    assert bare.call.unique_call_id is None
    # A group summary that cannot be read as a row is kept as unknown, not lost.
    odd = parse_event("9", "queue_call", '{"type":"queue_call","queue_name":"Q"}')
    assert isinstance(odd, UnknownEvent)


@pytest.mark.parametrize(("data", "why"), [
    ("", "is not JSON"), ("not json", "is not JSON"), ("[" * 5000, "is not JSON"),
    ("[1]", "not a JSON object"), ('"x"', "not a JSON object"), ("null", "not a JSON object")])
def test_unreadable_data(data: str, why: str) -> None:
    with pytest.raises(UnreadableLiveEventError, match=why):
        parse_event("1", "user_inbound", data)


_values = st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats(),
                    st.booleans(), st.lists(st.text(max_size=20), max_size=3))
_keys = st.sampled_from(["type", "unique_call_id", "caller_id", "caller_name", "user_number",
                         "call_start_at", "connected_at", "call_duration", "queue_name",
                         "ring_group_name", "status", "audio_file", "recorded_at",
                         "call_recording_link", "received_at", "x"])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["user_inbound", "user_inbound_completed", "user_outbound_answered",
                        "queue_call", "ring_group_call", "voicemail", "recording_inbound",
                        "other"]),
       st.dictionaries(_keys, _values, max_size=12))
def test_any_object_parses_to_some_event(kind: str, fields: dict[str, Any]) -> None:
    parsed = parse_event("5", kind, json.dumps({"type": kind, **fields}), region="AU")
    assert parsed.id == "5"
    assert isinstance(parsed, LiveEvent)
