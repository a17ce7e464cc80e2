"""call-to-number: the three body encodings, every 400, and the simulated call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox import CallScript, CallState, Sandbox
from tests.sandbox.helpers import data_of, error_of

MOBILE = "+61412345678"


def _user(sandbox: Sandbox) -> str:
    return sandbox.account.users[0].extension


async def _post(api: httpx.AsyncClient, encoding: str, fields: dict[str, str]) -> httpx.Response:
    if encoding == "json":
        return await api.post("call-to-number", json=fields)
    if encoding == "multipart":
        return await api.post("call-to-number", files={k: (None, v) for k, v in fields.items()})
    return await api.post("call-to-number", data=fields)


@pytest.mark.asyncio
@pytest.mark.parametrize("encoding", ["json", "multipart", "urlencoded"])
async def test_each_body_encoding_places_a_call(api: httpx.AsyncClient, sandbox: Sandbox,
                                                encoding: str) -> None:
    fields = {"user_number": _user(sandbox), "number_to_call": MOBILE}
    response = await _post(api, encoding, fields)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["code"], body["status"]) == (200, "success")
    assert body["message"] == "Call request accepted"
    assert body["data"]["number_to_call"] == "61412345678"
    [placed] = sandbox.placed_calls()
    assert placed.encoding == encoding
    assert dict(placed.fields) == fields
    assert placed.destination == "61412345678"
    assert placed.caller_id == sandbox.account.users[0].caller_id
    assert placed.ringing_devices == tuple(d.name for d in sandbox.account.users[0].devices)


@pytest.mark.asyncio
@pytest.mark.parametrize(("number", "expected"), [
    ("+61412345678", "61412345678"), ("61412345678", "61412345678"),
    ("+61 412-345-678", "61412345678"), ("+44 20 7946 0123", "442079460123"),
    ("internal", "internal"),
])
async def test_destinations_accepted(api: httpx.AsyncClient, sandbox: Sandbox, number: str,
                                     expected: str) -> None:
    if number == "internal":
        number = expected = sandbox.account.users[1].extension
    response = await api.post("call-to-number", json={"user_number": _user(sandbox),
                                                      "number_to_call": number})
    assert response.status_code == 200, response.text
    assert sandbox.placed_calls()[0].destination == expected


@pytest.mark.asyncio
async def test_numbers_sent_as_json_numbers_are_read_as_text(api: httpx.AsyncClient,
                                                             sandbox: Sandbox) -> None:
    response = await api.post("call-to-number", json={"user_number": int(_user(sandbox)),
                                                      "number_to_call": 61412345678})
    assert response.status_code == 200, response.text


@pytest.mark.asyncio
async def test_caller_id_must_be_a_did_of_the_account(api: httpx.AsyncClient,
                                                      sandbox: Sandbox) -> None:
    did = sandbox.account.dids[-1]
    ok = await api.post("call-to-number", json={
        "user_number": _user(sandbox), "number_to_call": MOBILE, "caller_id": "+" + did})
    assert ok.status_code == 200
    assert sandbox.placed_calls()[0].caller_id == did
    refused = await api.post("call-to-number", json={
        "user_number": _user(sandbox), "number_to_call": MOBILE, "caller_id": "61298765432"})
    assert "caller_id" in error_of(refused, 400)
    assert len(sandbox.placed_calls()) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(("fields", "word"), [
    ({"number_to_call": MOBILE}, "user_number"),
    ({"user_number": "9999", "number_to_call": MOBILE}, "user_number"),
    ({"user_number": "USER"}, "number_to_call"),
    ({"user_number": "USER", "number_to_call": ""}, "number_to_call"),
    ({"user_number": "USER", "number_to_call": "12345abc"}, "number_to_call"),
    ({"user_number": "USER", "number_to_call": "+999 123"}, "number_to_call"),
    ({"user_number": "USER", "number_to_call": "+6141234"}, "number_to_call"),
    ({"user_number": "USER", "number_to_call": "0412 345 678"}, "number_to_call"),
    ({"user_number": "USER", "number_to_call": "0061412345678"}, "number_to_call"),
    ({"user_number": "USER", "number_to_call": "+６１４１２３４５６７８"}, "number_to_call"),
    ({"user_number": "USER", "number_to_call": MOBILE, "caller_id": "hello"}, "caller_id"),
])
async def test_bad_requests_are_400_and_place_nothing(
        api: httpx.AsyncClient, sandbox: Sandbox, fields: dict[str, str], word: str) -> None:
    fields = {k: _user(sandbox) if v == "USER" else v for k, v in fields.items()}
    for encoding in ("json", "multipart", "urlencoded"):
        assert word in error_of(await _post(api, encoding, fields), 400)
    assert sandbox.placed_calls() == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("content", "content_type"), [
    (b"user_number=1", "text/plain"), (b"{not json", "application/json"),
    (b"[1, 2]", "application/json"), (b"", ""),
    (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
])
async def test_unreadable_bodies_are_400(api: httpx.AsyncClient, sandbox: Sandbox,
                                         content: bytes, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    error_of(await api.post("call-to-number", content=content, headers=headers), 400)
    assert sandbox.placed_calls() == []


@pytest.mark.asyncio
async def test_default_call_ends_answered_with_its_row_in_milliseconds(
        api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    await api.post("call-to-number", json={"user_number": _user(sandbox),
                                           "number_to_call": MOBILE})
    [call] = sandbox.wait_for_calls(timeout=5)  # 54 simulated seconds at 1000x
    assert call.state is CallState.ENDED
    assert call.answered_device == sandbox.account.users[0].devices[0].name
    assert call.unique_call_id is not None
    rows = data_of(await api.get("get-user-calls", params={"unique_call_id":
                                                           call.unique_call_id}))
    assert rows == [{
        "unique_call_id": call.unique_call_id, "type": "user_outbound_answered",
        "caller_id": call.caller_id, "caller_name": sandbox.account.name,
        "dest_number": "61412345678", "user_name": sandbox.account.users[0].name,
        "user_number": _user(sandbox),
        "call_start_at": call.received_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "connected_at": rows[0]["connected_at"], "call_duration": 54,
        "conversation_duration": 45}]
    connected = rows[0]["connected_at"]
    assert connected is not None
    assert connected > rows[0]["call_start_at"]
    # The newest row of the user's history is this call.
    newest = data_of(await api.get("get-user-calls", params={"limit": 1}))
    assert newest == rows


def test_states_step_by_step_on_a_manual_clock(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(clock_speed=0.001)  # effectively stopped: only advance() moves it
    user = sandbox.account.users[1]
    script = CallScript(device_ring_seconds=4, destination_ring_seconds=10, talk_seconds=100,
                        answering_device=9)
    sandbox.script_next_call(script)
    sandbox.place_call({"user_number": user.extension, "number_to_call": MOBILE}, "json")

    def state() -> Any:
        return sandbox.placed_calls()[0]

    assert state().state is CallState.RINGING_DEVICES
    sandbox.advance(3.5)
    assert state().state is CallState.RINGING_DEVICES
    sandbox.advance(1)
    assert state().state is CallState.RINGING_DESTINATION
    assert state().answered_device == user.devices[-1].name  # index clamped
    sandbox.advance(10)
    assert state().state is CallState.CONNECTED
    assert sandbox.rows(CallKind.USER, unique_call_id=state().unique_call_id) == []
    sandbox.advance(100)
    call = state()
    assert call.state is CallState.ENDED
    [row] = sandbox.rows(CallKind.USER, unique_call_id=call.unique_call_id)
    assert (row["call_duration"], row["conversation_duration"]) == (114, 100)
    assert call.script == script


def test_devices_not_answering_leave_no_row(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(clock_speed=0.001)
    before = sandbox.row_count(CallKind.USER)
    sandbox.script_next_call(device_answers=False)
    sandbox.place_call({"user_number": _user(sandbox), "number_to_call": MOBILE}, "json")
    sandbox.advance(29)
    assert sandbox.placed_calls()[0].state is CallState.RINGING_DEVICES
    sandbox.advance(2)  # the 30 s device timeout
    call = sandbox.placed_calls()[0]
    assert (call.state, call.not_answered_by) == (CallState.NOT_ANSWERED, "devices")
    assert call.unique_call_id is None
    assert sandbox.row_count(CallKind.USER) == before


def test_destination_not_answering_leaves_a_missed_row(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox()
    sandbox.script_next_call(destination_answers=False)
    sandbox.script_next_call(talk_seconds=7)
    for _ in range(3):  # the third call follows the default script again
        sandbox.place_call({"user_number": _user(sandbox), "number_to_call": MOBILE}, "json")
    missed, short, default = sandbox.wait_for_calls(timeout=5)
    assert (missed.state, missed.not_answered_by) == (CallState.NOT_ANSWERED, "destination")
    [row] = sandbox.rows(CallKind.USER, unique_call_id=missed.unique_call_id)
    assert row["type"] == "user_outbound_missed"
    assert row["connected_at"] is None
    assert (row["call_duration"], row["conversation_duration"]) == (3 + 45, 0)
    [row] = sandbox.rows(CallKind.USER, unique_call_id=short.unique_call_id)
    assert row["conversation_duration"] == 7
    [row] = sandbox.rows(CallKind.USER, unique_call_id=default.unique_call_id)
    assert row["conversation_duration"] == 45
    assert len({missed.unique_call_id, short.unique_call_id, default.unique_call_id}) == 3


def test_click_to_call_over_loopback_and_v1(http: httpx.Client, sandbox: Sandbox) -> None:
    response = http.post("../v1/call-to-number", files={
        "user_number": (None, _user(sandbox)), "number_to_call": (None, MOBILE)})
    assert response.status_code == 200, response.text
    [call] = sandbox.wait_for_calls(timeout=5)
    assert call.encoding == "multipart"
    rows = data_of(http.get("get-user-calls", params={"unique_call_id": call.unique_call_id}))
    assert [row["type"] for row in rows] == ["user_outbound_answered"]
