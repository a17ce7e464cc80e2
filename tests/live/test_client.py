"""RelayStream and check_relay against a real relay (and a few hostile servers) over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, Router

from pbxdesk.live.client import (
    Backoff,
    RelayAuthError,
    RelayError,
    RelayStream,
    StreamState,
    StreamStatus,
    check_relay,
    events_url,
)
from pbxdesk.live.events import CallCompleted, CallRinging, LiveEvent
from pbxdesk.serving import PromptServer, ServerThread, bind_tcp
from tests.relay.helpers import RelayHarness, call_event, free_port

QUICK = Backoff(first=0.05, longest=0.2, healthy_after=60)


class Collector:
    """Runs ``stream.events()`` in a task and keeps what it yields."""

    def __init__(self, stream: RelayStream) -> None:
        self.stream = stream
        self.events: list[LiveEvent] = []
        self.error: BaseException | None = None
        self._changed = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async for event in self.stream.events():
                self.events.append(event)
                self._changed.set()
        except Exception as exc:
            self.error = exc
        finally:
            self._changed.set()

    async def wait(self, count: int, seconds: float = 15.0) -> list[LiveEvent]:
        async with asyncio.timeout(seconds):
            while len(self.events) < count and not self.task.done():
                self._changed.clear()
                await self._changed.wait()
        return self.events

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def wait_for_state(states: list[StreamState], status: StreamStatus,
                         seconds: float = 10.0) -> StreamState:
    async with asyncio.timeout(seconds):
        while True:
            for state in states:
                if state.status is status:
                    return state
            await asyncio.sleep(0.01)


@pytest.mark.asyncio
async def test_typed_events_and_last_id(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    states: list[StreamState] = []
    stream = RelayStream(relay.base_url, token, region="AU", on_state=states.append,
                         backoff=QUICK)
    collector = Collector(stream)
    await wait_for_state(states, StreamStatus.LIVE)
    relay.post(call_event("user_inbound", unique_call_id="1"))
    relay.post(call_event("user_inbound_completed", unique_call_id="1"))
    events = await collector.wait(2)
    await collector.stop()
    assert isinstance(events[0], CallRinging)
    assert events[0].other_party_e164 == "+61300000000"
    assert isinstance(events[1], CallCompleted)
    assert stream.last_event_id == events[1].id
    assert [s.status for s in states][:2] == [StreamStatus.CONNECTING, StreamStatus.LIVE]
    assert states[-1].status is StreamStatus.STOPPED


@pytest.mark.asyncio
async def test_relay_restarted_mid_stream_loses_and_repeats_nothing(
        relay: RelayHarness, store_spec: str) -> None:
    from pbxdesk.relay.server import RelayServer
    from tests.relay.conftest import FAST_CONFIG

    token = relay.desk("1001")
    port = relay.server.port
    states: list[StreamState] = []
    stream = RelayStream(relay.base_url, token, backoff=QUICK, on_state=states.append)
    collector = Collector(stream)
    await wait_for_state(states, StreamStatus.LIVE)
    for n in range(5):
        relay.post(call_event("user_inbound", unique_call_id=str(n)))
    await collector.wait(3)
    # Stopped at once: some of these may not have reached the desk yet.
    for n in range(5, 10):
        relay.post(call_event("user_inbound", unique_call_id=str(n)))
    await asyncio.get_running_loop().run_in_executor(None, relay.server.stop)
    await wait_for_state(states, StreamStatus.RECONNECTING)
    again = RelayServer(store_spec, port=port, config=FAST_CONFIG)
    again.start()
    try:
        harness = RelayHarness(again, "acme", relay.secret)
        for n in range(10, 15):
            assert harness.post(call_event("user_inbound", unique_call_id=str(n))).is_success
        events = await collector.wait(15)
        await asyncio.sleep(0.3)
    finally:
        await collector.stop()
        again.stop()
    assert [e.fields["unique_call_id"] for e in collector.events] == [str(n) for n in range(15)]
    assert len({e.id for e in events}) == 15
    problems = [s.problem for s in states if s.status is StreamStatus.RECONNECTING]
    assert problems
    assert all(p for p in problems)


@pytest.mark.asyncio
async def test_resume_after_a_saved_id_in_a_new_stream(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    for n in range(4):
        relay.post(call_event("user_inbound", unique_call_id=str(n)))
    first = RelayStream(relay.base_url, token, last_event_id="0", backoff=QUICK)
    collector = Collector(first)
    events = await collector.wait(4)
    await collector.stop()
    saved = events[1].id  # pbxdesk saved this id, then quit
    relay.post(call_event("user_inbound", unique_call_id="4"))
    second = Collector(RelayStream(relay.base_url, token, last_event_id=saved, backoff=QUICK))
    resumed = await second.wait(3)
    await asyncio.sleep(0.2)
    await second.stop()
    assert [e.fields["unique_call_id"] for e in second.events] == ["2", "3", "4"]
    assert resumed[0].id == events[2].id


@pytest.mark.asyncio
async def test_refused_token_stops_without_retrying(relay: RelayHarness) -> None:
    states: list[StreamState] = []
    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    collector = Collector(RelayStream(relay.base_url, "pbxdesk_wrong", on_state=states.append,
                                      sleep=no_sleep))
    await asyncio.wait_for(collector.task, 10)
    assert isinstance(collector.error, RelayAuthError)
    assert "revoked or mistyped" in str(collector.error)
    assert sleeps == []
    assert states[-1].status is StreamStatus.STOPPED
    assert states[-1].problem


@pytest.mark.asyncio
async def test_429_is_waited_out_for_at_least_retry_after(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    for _ in range(10):  # this address fails ten times: the relay now answers 429
        relay.post(call_event("user_inbound"), secret="wrong")
    sleeps: list[float] = []
    slept = asyncio.Event()

    async def record(seconds: float) -> None:
        sleeps.append(seconds)
        slept.set()
        await asyncio.Event().wait()  # never returns: the test ends here

    states: list[StreamState] = []
    collector = Collector(RelayStream(relay.base_url, token, sleep=record,
                                      on_state=states.append, backoff=QUICK))
    await asyncio.wait_for(slept.wait(), 10)
    await collector.stop()
    assert sleeps[0] >= 30  # Retry-After of a 60 s window, not the 0.05 s backoff
    assert "wait" in (states[-2].problem or "")


@pytest.mark.asyncio
async def test_backoff_grows_with_jitter_while_the_relay_is_down() -> None:
    port = free_port()  # nobody listens here
    sleeps: list[float] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) >= 8:
            raise asyncio.CancelledError

    backoff = Backoff(first=1.0, longest=16.0)
    stream = RelayStream(f"http://127.0.0.1:{port}", "t", sleep=record, backoff=backoff,
                         rng=random.Random(3), connect_timeout=2)
    with contextlib.suppress(asyncio.CancelledError):
        async for _ in stream.events():
            pass
    ceilings = [1, 2, 4, 8, 16, 16, 16, 16]
    assert all(c / 2 <= s <= c for s, c in zip(sleeps, ceilings, strict=True)), sleeps
    assert len(set(sleeps)) == len(sleeps)  # jittered, not in step
    assert stream.state.status is StreamStatus.STOPPED


def test_backoff_draws_from_the_upper_half() -> None:
    rng = random.Random(1)
    backoff = Backoff(first=0.5, longest=30)
    draws = [backoff.delay(attempt, rng) for attempt in range(12) for _ in range(20)]
    assert min(draws) >= 0.25
    assert max(draws) <= 30


# -- hostile or broken servers ------------------------------------------------------

async def _silent(_request: Request) -> Response:
    async def nothing() -> AsyncIterator[bytes]:
        await asyncio.sleep(3600)
        yield b""
    return StreamingResponse(nothing(), media_type="text/event-stream")


async def _endless(_request: Request) -> Response:
    async def line() -> AsyncIterator[bytes]:
        yield b"data: "
        for _ in range(200):  # 12.8 MB at most, then the test server gives up
            yield b"x" * 65536
    return StreamingResponse(line(), media_type="text/event-stream")


async def _html(_request: Request) -> Response:
    return PlainTextResponse("<html>login</html>", media_type="text/html")


@contextlib.contextmanager
def hostile_server() -> Iterator[str]:
    app = Router(routes=[Route("/silent/events", _silent), Route("/endless/events", _endless),
                         Route("/html/events", _html)])
    sock = bind_tcp("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", ws="none", log_config=None,
                            access_log=False, timeout_graceful_shutdown=1)
    runner = ServerThread(PromptServer(config), sock, "hostile")
    runner.start(10)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        runner.stop(5)


@pytest.mark.parametrize(("path", "problem"), [
    ("silent", "no word from the relay for 0.5 s"),
    ("endless", "too large to be real"),
    ("html", "does not answer like a pbxdesk relay (text/html)"),
])
@pytest.mark.asyncio
async def test_broken_servers_are_reconnected_to_with_a_reason(path: str, problem: str) -> None:
    states: list[StreamState] = []
    with hostile_server() as base:
        collector = Collector(RelayStream(f"{base}/{path}", "t", read_timeout=0.5,
                                          on_state=states.append, backoff=QUICK))
        state = await wait_for_state(states, StreamStatus.RECONNECTING, seconds=20)
        await collector.stop()
    assert problem in (state.problem or "")
    assert collector.events == []


@pytest.mark.asyncio
async def test_check_relay(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    await check_relay(relay.base_url, token)
    async with httpx.AsyncClient() as client:
        await check_relay(relay.base_url + "/", token, client)
    with pytest.raises(RelayAuthError, match="refused this desk"):
        await check_relay(relay.base_url, "pbxdesk_nope")
    with pytest.raises(RelayError, match="Cannot reach the relay"):
        await check_relay(f"http://127.0.0.1:{free_port()}", token)
    with hostile_server() as base, pytest.raises(RelayError, match="did not answer within"):
        await check_relay(f"{base}/silent", token, wait_seconds=0.5)


@pytest.mark.parametrize(("address", "expected"), [
    ("https://relay.example.com", "https://relay.example.com/events"),
    ("https://example.com/pbx-relay/", "https://example.com/pbx-relay/events"),
    ("http://127.0.0.1:8790", "http://127.0.0.1:8790/events"),
    ("http://localhost:8790", "http://localhost:8790/events"),
])
def test_events_url(address: str, expected: str) -> None:
    assert events_url(address) == expected


@pytest.mark.parametrize("address", ["http://relay.example.com", "relay.example.com",
                                     "https://", "https://relay.example.com/?x=1",
                                     "https://user:pw@relay.example.com", "ftp://x",
                                     "https://[::1"])
def test_unusable_addresses(address: str) -> None:
    with pytest.raises(ValueError, match="relay address"):
        events_url(address)
