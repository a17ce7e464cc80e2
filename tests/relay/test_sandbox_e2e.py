"""End to end: the sandbox PBX's webhooks → the relay → the live client (pbxdesk.live).

The sandbox posts like a portal set up with one URL per trigger and no
``type`` in the bodies; a recorder receives the same posts. Each desk must
receive exactly the posts that concern it, typed, and each completed call
must match the row the history API serves for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.api.parse import parse_row
from pbxdesk.live.client import Backoff, RelayStream, StreamState, StreamStatus
from pbxdesk.live.events import CallCompleted, CallRinging, GroupCallSummary, LiveEvent
from pbxdesk.relay.server import RelayServer
from pbxdesk.relay.triggers import TRIGGER_TYPES
from pbxdesk.sandbox import Sandbox
from tests.relay.helpers import eventually
from tests.sandbox.helpers import WebhookReceiver


def concerns(body: dict[str, object], extension: str, queues: set[str]) -> bool:
    return body.get("user_number") == extension or body.get("queue_name") in queues


@pytest.mark.slow
@pytest.mark.asyncio
async def test_sandbox_webhooks_reach_the_right_desks(
        store_spec: str, make_sandbox: Callable[..., Sandbox]) -> None:
    with RelayServer(store_spec) as relay, WebhookReceiver() as recorder:
        secret = relay.add_account("acme").secret
        sandbox = make_sandbox(clock_speed=0.001, webhook_secret=secret,
                               webhook_type_in_body=False, webhook_urls=(
                                   relay.webhook_url("acme", "{trigger}"),
                                   recorder.url + "/{trigger}"))
        users = sandbox.account.users
        queues = {queue.name for queue in sandbox.account.queues}
        desks = [(users[0].extension, queues), (users[1].extension, set())]
        received: list[list[LiveEvent]] = [[], []]
        streams: list[asyncio.Task[None]] = []
        for (extension, desk_queues), into in zip(desks, received, strict=True):
            token = relay.add_desk("acme", extension, sorted(desk_queues)).token
            states: list[StreamState] = []
            stream = RelayStream(relay.base_url, token, region="AU", on_state=states.append,
                                 backoff=Backoff(first=0.05, longest=0.2))

            async def follow(stream: RelayStream = stream, into: list[LiveEvent] = into) -> None:
                async for event in stream.events():
                    into.append(event)

            streams.append(asyncio.create_task(follow()))
            await eventually(lambda states=states: StreamStatus.LIVE in
                             [s.status for s in states])
        loop = asyncio.get_running_loop()

        def play() -> None:
            sandbox.set_live_traffic(True, calls_per_minute=3)
            sandbox.advance(60 * 60)  # about 180 calls
            sandbox.set_live_traffic(False)
            sandbox.advance(3 * 3600)  # every call ends
            assert sandbox.wait_for_webhooks(timeout=60)

        await loop.run_in_executor(None, play)
        posted = [{**body, "type": TRIGGER_TYPES[path.rsplit("/", 1)[1]]}
                  for path, _, body in recorder.received]
        assert all(d.status_code == 200 for d in sandbox.webhook_deliveries()), \
            {d.error for d in sandbox.webhook_deliveries()}
        expected = [[body for body in posted if concerns(body, ext, qs)] for ext, qs in desks]
        await eventually(lambda: [len(r) for r in received] == [len(e) for e in expected], 20)
        await asyncio.sleep(0.3)
        for task in streams:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        history = {row.key for row in (parse_row(raw, CallKind.USER, "AU")
                                       for raw in sandbox.rows(CallKind.USER))
                   if row is not None}
    for events, bodies, (extension, _) in zip(received, expected, desks, strict=True):
        assert [(e.type, e.fields.get("unique_call_id")) for e in events] == \
            [(b["type"], b.get("unique_call_id") or None) for b in bodies]
        assert any(isinstance(e, CallRinging) for e in events)
        for event in events:
            if isinstance(event, CallCompleted):
                assert event.extension == extension
                assert event.history_row.key in history
            if isinstance(event, GroupCallSummary):  # a queue it follows, or a call it took
                assert event.call.group_name in queues \
                    or event.fields.get("user_number") == extension
    assert len(received[0]) > 0
    assert len(received[1]) > 0
