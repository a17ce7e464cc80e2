"""The relay's ASGI application: one Router, plain functions, no framework on top.

Routes: ``POST /hooks/{account}``, ``POST /hooks/{account}/{trigger}``
(:mod:`pbxdesk.relay.hooks`), ``GET /events`` (:mod:`pbxdesk.relay.stream`),
``POST`` and ``GET /callbacks/records`` (:mod:`pbxdesk.relay.callbackapi`)
and ``GET /healthz``. :class:`Relay` holds what the handlers share: the
store, the fan-out hub, the failed-authentication guard and the settings.
The router's lifespan opens the store, prunes old events every few minutes,
and closes everything on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from pbxdesk.relay.callbackapi import RequestLimit, get_records, post_records
from pbxdesk.relay.deadline import HEADER_SECONDS
from pbxdesk.relay.guard import AuthGuard
from pbxdesk.relay.hooks import receive_webhook
from pbxdesk.relay.hub import Hub
from pbxdesk.relay.payload import BODY_SECONDS, MAX_BODY_BYTES
from pbxdesk.relay.store.base import RelayStore, StoreError
from pbxdesk.relay.stream import open_stream

log = logging.getLogger("pbxdesk.relay")

ACCOUNT_CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class RelayConfig:
    """What an operator may tune; the defaults are what ``serve`` uses."""

    ping_seconds: float = 15.0
    """Seconds between ``: ping`` comments on each stream (keep it under 20)."""
    max_body_bytes: int = MAX_BODY_BYTES
    auth_failures: int = 10
    """Failed authentications from one address within ``auth_window_seconds`` before 429."""
    auth_window_seconds: float = 60.0
    desk_queue_limit: int = 2000
    """Events a desk may fall behind before it is cut off (it then catches up from the store)."""
    prune_every_seconds: float = 300.0
    record_posts: int = 600
    """Posts of callback records one account may make within ``record_window_seconds``."""
    record_window_seconds: float = 60.0
    header_seconds: float = HEADER_SECONDS
    """A connection whose request headers take longer than this is closed (slowloris)."""
    body_seconds: float = BODY_SECONDS
    """A webhook's (or a post of callback records') body taking longer than this gets 408."""


class Relay:
    """The state shared by the request handlers of one relay process."""

    def __init__(self, store: RelayStore, config: RelayConfig | None = None) -> None:
        self.store = store
        self.config = config or RelayConfig()
        self.hub = Hub(store, queue_limit=self.config.desk_queue_limit)
        self.guard = AuthGuard(self.config.auth_failures, self.config.auth_window_seconds)
        self.record_limit = RequestLimit(self.config.record_posts,
                                         self.config.record_window_seconds)
        self._accounts: dict[str, tuple[float, str | None]] = {}

    async def account_secret_hash(self, account: str) -> str | None:
        """The account's secret hash, remembered for a few seconds (a round trip less
        per webhook with Redis; a new account works within ``ACCOUNT_CACHE_SECONDS``)."""
        now = time.monotonic()
        cached = self._accounts.get(account)
        if cached is not None and cached[0] > now:
            return cached[1]
        secret_hash = await self.store.account_secret_hash(account)
        if len(self._accounts) >= 1000:
            self._accounts.clear()
        self._accounts[account] = (now + ACCOUNT_CACHE_SECONDS, secret_hash)
        return secret_hash

    def close_streams(self) -> None:
        """End every desk's stream now (before the server waits for connections to close)."""
        self.hub.close()


def build_app(relay: Relay) -> Router:
    def bind(handler: Callable[[Relay, Request], Awaitable[Response]]
             ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await handler(relay, request)
        return endpoint

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        await relay.store.open()
        pruner = asyncio.create_task(_prune_now_and_then(relay), name="relay-pruner")
        log.info("Relay ready (%s store, events kept %g h, callback records %g days)",
                 relay.store.kind, relay.store.retention_seconds / 3600,
                 relay.store.records_retention_seconds / 86_400)
        try:
            yield
        finally:
            pruner.cancel()
            relay.hub.close()
            await relay.hub.stop_readers()
            await relay.store.close()

    return Router(routes=[
        Route("/hooks/{account}", bind(receive_webhook), methods=["POST"]),
        Route("/hooks/{account}/{trigger}", bind(receive_webhook), methods=["POST"]),
        Route("/events", bind(open_stream), methods=["GET"]),
        Route("/callbacks/records", bind(post_records), methods=["POST"]),
        Route("/callbacks/records", bind(get_records), methods=["GET"]),
        Route("/healthz", bind(_healthz), methods=["GET"]),
    ], lifespan=lifespan)


async def _healthz(relay: Relay, _request: Request) -> Response:
    if not await relay.store.ping():
        return JSONResponse({"status": "unavailable", "store": relay.store.kind}, 503)
    return JSONResponse({"status": "ok", "store": relay.store.kind,
                         "desks_connected": relay.hub.connected})


async def _prune_now_and_then(relay: Relay) -> None:
    while True:
        try:
            await relay.store.prune(datetime.now(UTC))
        except StoreError as exc:
            log.warning("Pruning old events failed: %s", exc)
        await asyncio.sleep(relay.config.prune_every_seconds)
