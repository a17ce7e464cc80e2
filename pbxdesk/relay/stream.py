"""``GET /events``: a desk's Server-Sent Events stream.

``Authorization: Bearer <desk token>`` (401 otherwise, 429 after too many
failures from one address). The stream opens with a comment; with
``Last-Event-ID`` it first replays every kept event after that id that the
desk wants, then goes on with new ones; without it, it starts from now. Each
event is ``id:`` / ``event:`` / ``data:``; a ``: ping`` comment goes out every
``ping_seconds`` (15 s by default, under the 20 s proxies are given), and at
each ping the desk is looked up again, so a revoked desk is cut off within
one ping interval.

Replay and live events meet without a gap or a repeat: the desk subscribes
first (new events queue up), replays from the store, then skips queued events
the replay already covered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from pbxdesk.relay.events import StoredEvent
from pbxdesk.relay.hooks import authenticated_desk, client_address, error
from pbxdesk.relay.hub import Subscription
from pbxdesk.relay.store.base import StoreError

if TYPE_CHECKING:
    from pbxdesk.relay.app import Relay

log = logging.getLogger("pbxdesk.relay")

REPLAY_PAGE = 1000
_STREAM_HEADERS = {
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",  # nginx: never buffer this response
}


async def open_stream(relay: Relay, request: Request) -> Response:
    desk = await authenticated_desk(relay, request, "Event stream")
    if isinstance(desk, Response):
        return desk
    given = request.headers.get("last-event-id", "")
    last_id = relay.store.parse_id(given) if given.strip() else None
    if given.strip() and last_id is None:
        log.info("Desk %s sent a Last-Event-ID this store never made; starting from now",
                 desk.id)
    try:
        sub = await relay.hub.subscribe(desk)
    except StoreError as exc:
        log.error("Desk %s not connected: %s", desk.id, exc)
        return error(503, "the relay cannot read its store right now")
    log.info("Desk %s (account %s, extension %s) connected from %s%s", desk.id, desk.account,
             desk.extension, client_address(request),
             f", resuming after {last_id}" if last_id else "")
    return StreamingResponse(_frames(relay, sub, last_id), media_type="text/event-stream",
                             headers=_STREAM_HEADERS)


async def _frames(relay: Relay, sub: Subscription, last_id: str | None) -> AsyncIterator[bytes]:
    desk, store = sub.desk, relay.store
    sent = 0
    reason = "left"
    try:
        yield b": connected\n\n"
        high: tuple[int, ...] | None = None
        if last_id is not None:
            after = last_id
            while True:
                page = await store.read_after(desk.account, after, REPLAY_PAGE)
                for stored in page:
                    after = stored.id
                    if desk.wants(stored.routes):
                        sent += 1
                        yield stored.frame
                if len(page) < REPLAY_PAGE:
                    break
            high = store.order_key(after)
        ping_every = relay.config.ping_seconds
        next_ping = time.monotonic() + ping_every
        while True:
            try:
                event: StoredEvent | None = await asyncio.wait_for(
                    sub.queue.get(), max(0.0, next_ping - time.monotonic()))
            except TimeoutError:
                if await store.desk(desk.id) is None:
                    reason = "revoked"
                    return
                yield b": ping\n\n"
                next_ping = time.monotonic() + ping_every
                continue
            # Everything already queued goes out as one write: a busy desk (a queue's
            # summaries) then keeps up however many other desks share the loop.
            batch = [event]
            while not sub.queue.empty():
                batch.append(sub.queue.get_nowait())
            frames: list[bytes] = []
            for item in batch:
                if item is None:
                    break
                if high is not None and store.order_key(item.id) <= high:
                    continue  # the replay sent (or skipped) it already
                frames.append(item.frame)
            if frames:
                sent += len(frames)
                yield b"".join(frames)
            if None in batch:
                reason = "cut off"
                return
    except StoreError as exc:
        reason = f"store failed: {exc}"
    finally:
        relay.hub.unsubscribe(sub)
        log.info("Desk %s disconnected (%s), events sent: %d", desk.id, reason, sent)
