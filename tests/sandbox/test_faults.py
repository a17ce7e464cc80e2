"""Injected faults, each seen the way an httpx client sees it (mostly over loopback)."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox import Fault, FaultKind, Sandbox
from pbxdesk.sandbox.faults import ConnectionDropped
from tests.sandbox.helpers import data_of, error_of

CALL = {"number_to_call": "+61412345678"}


def _call(sandbox: Sandbox) -> dict[str, str]:
    return {"user_number": sandbox.account.users[0].extension, **CALL}


@pytest.mark.asyncio
async def test_latency_delays_every_request_until_cleared(api: httpx.AsyncClient,
                                                          sandbox: Sandbox) -> None:
    # Ten minutes of latency: no answer can come while we look, however busy the
    # machine; an event (the answer arriving) decides, not a stopwatch.
    sandbox.inject_fault("latency", seconds=600)
    for _ in range(2):
        pending = asyncio.ensure_future(api.get("get-user-calls", params={"limit": 1}))
        done, _ = await asyncio.wait([pending], timeout=0.2)
        assert not done, "answered despite the latency"
        pending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pending
    sandbox.clear_faults()
    data_of(await asyncio.wait_for(api.get("get-user-calls", params={"limit": 1}), 60))


def test_given_status_for_the_next_n_requests(http: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject_fault(FaultKind.STATUS, status=502, count=2)
    for _ in range(2):
        error_of(http.get("get-queue-calls"), 502)
    data_of(http.get("get-queue-calls"))
    assert sandbox.faults() == []


def test_error_rate(http: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject_fault("error_rate", rate=1.0)
    assert {http.get("get-user-calls").status_code for _ in range(3)} == {500}
    sandbox.clear_faults()
    sandbox.inject_fault("error_rate", rate=0.5, status=503)
    codes = [http.get("get-user-calls", params={"limit": 1}).status_code for _ in range(40)]
    assert set(codes) == {200, 503}
    assert 8 < codes.count(503) < 32


def test_truncated_body_breaks_off_mid_answer(http: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject_fault("truncate")
    with pytest.raises(httpx.RemoteProtocolError, match=r"complete message body"):
        http.get("get-user-calls", params={"limit": 500})
    data_of(http.get("get-user-calls", params={"limit": 1}))  # only the next one


def test_non_json_body(http: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject_fault("non_json")
    response = http.get("get-user-calls")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError, match="Expecting value"):
        response.json()
    sandbox.inject_fault("non_json", status=502)
    assert http.get("get-user-calls").status_code == 502


def test_dropped_connection_gets_no_answer(http: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject_fault("drop")
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        http.get("get-user-calls")
    data_of(http.get("get-user-calls", params={"limit": 1}))


def test_dropped_click_to_call_was_still_placed(http: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject_fault("drop", endpoint="call-to-number")
    data_of(http.get("get-user-calls", params={"limit": 1}))  # other endpoints unaffected
    with pytest.raises(httpx.RemoteProtocolError, match="disconnected without sending a response"):
        http.post("call-to-number", json=_call(sandbox))
    [call] = sandbox.wait_for_calls()  # the "call may have been placed" case
    assert sandbox.rows(CallKind.USER, unique_call_id=call.unique_call_id)


def test_drop_before_processing_places_nothing(http: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject_fault(Fault(kind=FaultKind.DROP, after_processing=False))
    with pytest.raises(httpx.RemoteProtocolError, match="disconnected without sending a response"):
        http.post("call-to-number", json=_call(sandbox))
    assert sandbox.placed_calls() == []


def test_5xx_after_processing_also_places_the_call(http: httpx.Client,
                                                   sandbox: Sandbox) -> None:
    sandbox.inject_fault("status", status=504, after_processing=True)
    error_of(http.post("call-to-number", json=_call(sandbox)), 504)
    assert len(sandbox.placed_calls()) == 1


@pytest.mark.asyncio
async def test_in_process_drop_and_truncate_raise_remote_protocol_error(
        api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    for kind, says in (("drop", "dropped the connection"),
                       ("truncate", "closed connection without sending complete message body")):
        sandbox.inject_fault(kind)
        with pytest.raises(ConnectionDropped, match=f"^The sandbox (peer )?{says}") as caught:
            await api.get("get-user-calls")
        assert isinstance(caught.value, httpx.RemoteProtocolError)
    data_of(await api.get("get-user-calls", params={"limit": 1}))


@pytest.mark.asyncio
async def test_faults_never_touch_the_control_endpoints(api: httpx.AsyncClient,
                                                        sandbox: Sandbox) -> None:
    sandbox.inject_fault("status", count=5)
    response = await api.get("http://pbx/_sandbox/counters",
                             headers={"X-Sandbox-Token": sandbox.control_token})
    assert response.status_code == 200
    assert len(sandbox.faults()) == 1
    assert sandbox.faults()[0].count == 5


@pytest.mark.parametrize(("bad", "says"), [
    ({"count": 0}, "count must be 1 or more"), ({"status": 42}, "not 42"),
    ({"seconds": -1}, "seconds must be from 0 to 600"),
    ({"rate": 1.5}, "rate must be from 0 to 1")])
def test_fault_options_are_checked(bad: dict[str, float], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Fault(kind=FaultKind.STATUS, **bad)
