"""``GET /events`` over real HTTP, with the embedded store and with Redis."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pbxdesk.relay.app import RelayConfig
from pbxdesk.relay.server import RelayServer
from tests.relay.helpers import RelayHarness, call_event, open_stream

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer nope",
                                           "Basic dXNlcjpwYXNz", "bearer  x"])
async def test_bad_token_is_401(relay: RelayHarness, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = relay.request("GET", f"{relay.base_url}/events", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_wire_format_and_start_from_now(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    relay.post(call_event("user_inbound", unique_call_id="before"))  # before connecting
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient() as client, \
            client.stream("GET", f"{relay.base_url}/events", headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        lines = response.aiter_lines()
        assert await anext(lines) == ": connected"
        assert await anext(lines) == ""
        relay.post(call_event("user_inbound", unique_call_id="after"))
        head = [await anext(lines) for _ in range(4)]
    assert head[0].startswith("id: ")
    assert head[1] == "event: user_inbound"
    assert head[2].startswith('data: {"type":"user_inbound"')
    assert '"unique_call_id":"after"' in head[2]
    assert head[3] == ""


async def test_replay_after_last_event_id(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    async with httpx.AsyncClient() as client:
        async with open_stream(client, relay.base_url, token) as first:
            for n in range(5):
                relay.post(call_event("user_inbound", unique_call_id=str(n)))
            frames = await first.wait(5)
        # Three more while the desk is away; then it comes back after the 2nd event.
        for n in range(5, 8):
            relay.post(call_event("user_inbound", unique_call_id=str(n)))
        async with open_stream(client, relay.base_url, token,
                               last_event_id=frames[1].id) as again:
            relay.post(call_event("user_inbound", unique_call_id="8"))
            replayed = await again.wait(7)
            replayed = await again.quiet(0.3)
    assert [f.data["unique_call_id"] for f in replayed] == [str(n) for n in range(2, 9)]
    assert [f.id for f in replayed[:3]] == [f.id for f in frames[2:5]]


async def test_unparsable_last_event_id_starts_from_now(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    relay.post(call_event("user_inbound", unique_call_id="old"))
    async with httpx.AsyncClient() as client, \
            open_stream(client, relay.base_url, token, last_event_id="not-an-id") as s:
        relay.post(call_event("user_inbound", unique_call_id="new"))
        frames = await s.quiet(0.5)
    assert [f.data["unique_call_id"] for f in frames] == ["new"]


async def test_routing_by_extension_queue_and_ring_group(relay: RelayHarness) -> None:
    agent = relay.desk("1001", queues=("Sales Queue",), ring_groups=("Support",))
    other = relay.desk("1002")
    events = [
        call_event("user_inbound", "1001", unique_call_id="a"),
        call_event("user_inbound", "1002", unique_call_id="b"),
        call_event("queue_call", None, unique_call_id="c", queue_name="sales  queue",
                   status="answered"),
        call_event("queue_call", None, unique_call_id="d", queue_name="Billing",
                   status="answered"),
        call_event("ring_group_call", "1002", unique_call_id="e", ring_group_name="SUPPORT"),
        call_event("voicemail", "1002", unique_call_id="f"),
        {"type": "component_event", "step": "IVR"},  # names nobody: goes to nobody
    ]
    async with httpx.AsyncClient() as client, \
            open_stream(client, relay.base_url, agent) as mine, \
            open_stream(client, relay.base_url, other) as theirs:
        for event in events:
            assert relay.post(event).status_code == 200
        await mine.wait(3)
        await theirs.wait(3)
        await asyncio.sleep(0.3)
    assert [f.data["unique_call_id"] for f in mine.frames] == ["a", "c", "e"]
    assert [f.data["unique_call_id"] for f in theirs.frames] == ["b", "e", "f"]


async def test_ping_comments_keep_the_stream_alive(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        for _ in range(4):  # events flowing do not hold the pings back
            relay.post(call_event("user_inbound", unique_call_id=str(_)))
            await asyncio.sleep(0.1)
        comments = await s.wait_comments(4, seconds=5)
    assert comments[0] == "connected"
    assert comments.count("ping") >= 3


async def test_revoked_desk_is_cut_off_and_refused(relay: RelayHarness) -> None:
    credentials = relay.server.add_desk("acme", "1001")
    async with httpx.AsyncClient() as client, \
            open_stream(client, relay.base_url, credentials.token) as s:
        assert relay.server.revoke_desk(credentials.desk.id)
        await s.wait_end(seconds=5)
    assert not relay.server.revoke_desk(credentials.desk.id)
    assert relay.get_events(credentials.token).status_code == 401


async def test_events_out_of_order_pass_in_arrival_order(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        for kind in ("user_inbound_completed", "user_inbound_answered", "user_inbound"):
            relay.post(call_event(kind, unique_call_id="9"))
        frames = await s.wait(3)
    assert [f.event for f in frames] == ["user_inbound_completed", "user_inbound_answered",
                                         "user_inbound"]


async def test_a_desk_far_behind_is_cut_off_and_catches_up(store_spec: str) -> None:
    config = RelayConfig(ping_seconds=5, desk_queue_limit=5)
    with RelayServer(store_spec, config=config) as server:
        harness = RelayHarness(server, "acme", server.add_account("acme").secret)
        token = harness.desk("1001")
        async with httpx.AsyncClient() as client:
            async with open_stream(client, harness.base_url, token) as s:
                s._task.cancel()  # type: ignore[union-attr]  # this desk stops reading
                assert harness.post([call_event("user_inbound", unique_call_id=str(n))
                                     for n in range(40)]).json()["stored"] == 40
                await asyncio.sleep(0.5)
                assert harness.server.relay.hub.connected == 0  # cut off, not holding memory
            async with open_stream(client, harness.base_url, token, last_event_id="0") as again:
                frames = await again.wait(40)
    assert [f.data["unique_call_id"] for f in frames] == [str(n) for n in range(40)]


async def test_stopping_the_relay_ends_streams_promptly(store_spec: str) -> None:
    server = RelayServer(store_spec, config=RelayConfig(ping_seconds=30))
    server.start()
    server.add_account("acme")
    token = server.add_desk("acme", "1001").token
    async with httpx.AsyncClient() as client, open_stream(client, server.base_url, token) as s:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await loop.run_in_executor(None, server.stop)
        await s.wait_end(seconds=5)
        assert loop.time() - started < 2.5
