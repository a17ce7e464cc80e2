"""The parser: the vendor's example rows field for field, tolerance, envelopes, rejection."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from pbxdesk.api.errors import ProtocolError
from pbxdesk.api.models import CallKind, Direction, GroupCall, HistoryQuery, Outcome, UserCall
from pbxdesk.api.parse import envelope_of, filter_users, parse_page, parse_row, read_envelope

# The two rows of docs/pbx-api.md, verbatim.
VENDOR_USER_ROW = {
    "unique_call_id": "160455961758", "type": "user_outbound_answered",
    "caller_id": "61300000000", "caller_name": "XYZ", "dest_number": "44123456789",
    "user_name": "John Smith", "user_number": "1010",
    "call_start_at": "2019-10-01T15:31:15.000Z", "connected_at": "2019-10-01T15:31:29.000Z",
    "call_duration": 28, "conversation_duration": 14}
VENDOR_QUEUE_ROW = {
    "unique_call_id": None, "queue_name": "Sales queue", "callerid": "61300000000",
    "caller_name": None, "dest_number": "44123456789", "user_name": "John",
    "user_number": None, "call_start_at": "2019-09-12T17:57:42.000Z",
    "connected_at": None, "call_duration": 21, "conversation_duration": 0,
    "status": "abandoned"}


def body(data: object, **envelope: object) -> bytes:
    return json.dumps({"code": 200, "status": "success", "message": "ok", "data": data,
                       **envelope}).encode()


def test_vendor_user_row_field_for_field() -> None:
    row = parse_row(VENDOR_USER_ROW, CallKind.USER)
    assert isinstance(row, UserCall)
    assert row.unique_call_id == "160455961758"
    assert row.type == "user_outbound_answered"
    assert row.caller_id == "61300000000"
    assert row.caller_e164 == "+61300000000"
    assert row.caller_name == "XYZ"
    assert row.dest_number == "44123456789"
    assert row.dest_e164 is None  # the docs' placeholder is too short for a UK number
    assert row.user_name == "John Smith"
    assert row.user_number == "1010"
    assert row.call_start_at == datetime(2019, 10, 1, 15, 31, 15, tzinfo=UTC)
    assert row.connected_at == datetime(2019, 10, 1, 15, 31, 29, tzinfo=UTC)
    assert row.call_start_at.utcoffset() is not None
    assert row.call_duration == 28
    assert row.conversation_duration == 14
    assert row.ring_duration == 14
    assert row.direction is Direction.OUTBOUND
    assert row.outcome is Outcome.ANSWERED
    assert row.kind is CallKind.USER
    assert dict(row.extra) == {}
    assert row.key == "user:160455961758:1010"


def test_vendor_queue_row_field_for_field() -> None:
    row = parse_row(VENDOR_QUEUE_ROW, CallKind.QUEUE)
    assert isinstance(row, GroupCall)
    assert row.unique_call_id is None
    assert row.group == "Sales queue"
    assert row.group_name == "Sales queue"
    assert row.caller_id == "61300000000"
    assert row.caller_e164 == "+61300000000"
    assert row.caller_name is None
    assert row.dest_number == "44123456789"
    assert row.user_name == "John"
    assert row.user_number is None
    assert row.call_start_at == datetime(2019, 9, 12, 17, 57, 42, tzinfo=UTC)
    assert row.connected_at is None
    assert row.call_duration == 21
    assert row.conversation_duration == 0
    assert row.status == "abandoned"
    assert row.outcome is Outcome.ABANDONED
    assert row.kind is CallKind.QUEUE
    assert dict(row.extra) == {}
    assert row.key.startswith("queue:h:")


def test_ring_group_row_reads_ring_group_name() -> None:
    raw = {**VENDOR_QUEUE_ROW, "ring_group_name": "Reception"}
    del raw["queue_name"]
    row = parse_row(raw, CallKind.RING_GROUP)
    assert isinstance(row, GroupCall)
    assert row.group == "Reception"
    assert row.kind is CallKind.RING_GROUP


@pytest.mark.parametrize(("text", "expected"), [
    ("2019-10-01T15:31:15.000Z", datetime(2019, 10, 1, 15, 31, 15, tzinfo=UTC)),
    ("2019-10-01T15:31:15Z", datetime(2019, 10, 1, 15, 31, 15, tzinfo=UTC)),
    ("2019-10-01T15:31:15", datetime(2019, 10, 1, 15, 31, 15, tzinfo=UTC)),
    ("2019-10-01 15:31:15", datetime(2019, 10, 1, 15, 31, 15, tzinfo=UTC)),
    ("2019-10-02T01:31:15+10:00", datetime(2019, 10, 1, 15, 31, 15, tzinfo=UTC)),
    ("2019-10-01T15:31:15.250Z", datetime(2019, 10, 1, 15, 31, 15, 250000, tzinfo=UTC)),
    (1569943875, datetime(2019, 10, 1, 15, 31, 15, tzinfo=UTC)),
    (1569943875000, datetime(2019, 10, 1, 15, 31, 15, tzinfo=UTC)),
])
def test_timestamp_forms_become_utc(text: object, expected: datetime) -> None:
    row = parse_row({**VENDOR_USER_ROW, "call_start_at": text}, CallKind.USER)
    assert row is not None
    assert row.call_start_at == expected
    assert row.call_start_at is not None
    assert row.call_start_at.tzinfo is UTC


def test_field_quirks_numbers_as_strings_and_null_strings() -> None:
    raw = {**VENDOR_USER_ROW, "call_duration": "28", "conversation_duration": " 14 ",
           "connected_at": "null", "caller_name": "null", "caller_id": 61300000000,
           "user_number": 1010}
    row = parse_row(raw, CallKind.USER)
    assert isinstance(row, UserCall)
    assert row.call_duration == 28
    assert row.conversation_duration == 14
    assert row.connected_at is None
    assert row.caller_name is None
    assert row.caller_id == "61300000000"
    assert row.user_number == "1010"
    assert dict(row.extra) == {}


def test_unknown_fields_and_unreadable_values_are_kept_in_extra() -> None:
    raw = {**VENDOR_USER_ROW, "type": "user_inbound_teleported", "recording": {"url": "x"},
           "call_duration": "about a minute", "connected_at": "yesterday"}
    row = parse_row(raw, CallKind.USER)
    assert isinstance(row, UserCall)
    assert row.type == "user_inbound_teleported"  # unknown types are kept, not dropped
    assert row.direction is Direction.INBOUND
    assert row.call_duration is None
    assert row.connected_at is None
    assert dict(row.extra) == {"recording": {"url": "x"}, "call_duration": "about a minute",
                               "connected_at": "yesterday"}


def test_missing_fields_are_none() -> None:
    row = parse_row({"unique_call_id": "7"}, CallKind.USER)
    assert isinstance(row, UserCall)
    assert row.unique_call_id == "7"
    assert row.type is None
    assert row.call_start_at is None
    assert row.call_duration is None


@pytest.mark.parametrize("raw", [None, 5, "a row", ["list"], {}, {"caller_name": "Nobody"},
                                 {"unique_call_id": None, "call_start_at": "null"}])
def test_rows_that_cannot_be_understood_are_rejected(raw: object) -> None:
    assert parse_row(raw, CallKind.USER) is None


def test_page_keeps_good_rows_counts_and_logs_rejected(caplog: pytest.LogCaptureFixture) -> None:
    content = body([VENDOR_USER_ROW, "junk", 42, {**VENDOR_USER_ROW, "unique_call_id": "9"}])
    with caplog.at_level(logging.WARNING, logger="pbxdesk.api"):
        page, envelope = parse_page(content, CallKind.USER, HistoryQuery(), where="pbx.test")
    assert [row.unique_call_id for row in page.rows] == ["160455961758", "9"]
    assert page.rejected == 2
    assert page.received == 4
    assert envelope.ok
    assert "2 of 4" in caplog.text
    assert "'junk'" in caplog.text


@pytest.mark.parametrize("message", ["ok", {"detail": "fine"}, None])
def test_envelope_message_string_or_object(message: object) -> None:
    page, _envelope = parse_page(body([VENDOR_USER_ROW], message=message), CallKind.USER,
                                HistoryQuery(), where="pbx.test")
    assert len(page.rows) == 1
    assert page.message == message


def test_envelope_message_text_flattens_objects() -> None:
    envelope = envelope_of({"status": "error", "message": {"number_to_call": ["is invalid"]}},
                           "pbx.test")
    assert envelope.message_text == "number_to_call: is invalid"
    assert not envelope.ok


@pytest.mark.parametrize("document", [{"code": 200, "status": "success"},
                                      {"status": "success", "data": None}, {"data": []}])
def test_missing_or_null_data_is_an_empty_page(document: dict[str, object]) -> None:
    page, _ = parse_page(json.dumps(document).encode(), CallKind.QUEUE, HistoryQuery(),
                         where="pbx.test")
    assert page.rows == ()
    assert page.rejected == 0


def test_single_row_object_as_data_is_a_page_of_one() -> None:
    page, _ = parse_page(body(VENDOR_USER_ROW), CallKind.USER, HistoryQuery(), where="pbx.test")
    assert [row.unique_call_id for row in page.rows] == ["160455961758"]


@pytest.mark.parametrize(("content", "says"), [
    (b"", "empty body"),
    (b"<!DOCTYPE html><html>Login</html>", "web page"),
    (b'{"code": 200, "status": "success", "data": [{"unique_call_id": "1', "cut off"),
    (b"Internal error", "something else"),
])
def test_not_json_is_a_protocol_error(content: bytes, says: str) -> None:
    with pytest.raises(ProtocolError, match=says) as caught:
        read_envelope(content, "pbx.test")
    assert "pbx.test" in str(caught.value)


@pytest.mark.parametrize("document", [[], [1, 2], "text", 3, {"calls": []}, {"foo": 1}])
def test_json_without_envelope_is_a_protocol_error(document: object) -> None:
    with pytest.raises(ProtocolError, match="not the PBX API"):
        read_envelope(json.dumps(document).encode(), "pbx.test")


@pytest.mark.parametrize("data", ["rows", 5, {"calls": [VENDOR_USER_ROW]}])
def test_data_that_is_not_a_list_of_rows_is_a_protocol_error(data: object) -> None:
    with pytest.raises(ProtocolError, match="list of calls"):
        parse_page(body(data), CallKind.USER, HistoryQuery(), where="pbx.test")


@pytest.mark.parametrize(("document", "ok"), [
    ({"status": "success"}, True), ({"status": "error"}, False), ({"status": "FAILED"}, False),
    ({"code": 401}, False), ({"code": "500"}, False), ({"code": 200}, True),
    ({"status": True}, True), ({"status": False}, False), ({"data": []}, True),
])
def test_envelope_success_or_failure(document: dict[str, object], ok: bool) -> None:
    assert envelope_of(document, "pbx.test").ok is ok


def test_filter_users_keeps_only_asked_extensions() -> None:
    rows = [{**VENDOR_USER_ROW, "unique_call_id": str(n), "user_number": ext}
            for n, ext in enumerate(["1010", "1011", "1010", None])]
    page, _ = parse_page(body(rows), CallKind.USER, HistoryQuery(), where="pbx.test")
    kept = filter_users(page, [" 1010 "])
    assert [row.unique_call_id for row in kept.rows] == ["0", "2"]
    assert kept.filtered == 2
    assert kept.received == 4
    assert filter_users(page, []) is page
