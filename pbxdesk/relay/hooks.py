"""``POST /hooks/{account}`` and ``POST /hooks/{account}/{trigger}``: webhooks in.

Order of checks, cheapest first, so a hostile sender costs little: an address
that failed authentication too often gets 429; a wrong ``X-Pbx-Token`` or an
unknown account gets the same 401 (constant-time compare); a body over 64 KiB
gets 413 (refused while reading); a body with nothing readable gets 400; a
store that cannot take the events gets 503, so the PBX may try again. Only
then 200 with ``{"stored": n, "duplicates": m}``: the PBX never waits on
desks, which are fed from the store. Nothing about the events' contents is
logged.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pbxdesk.relay.credentials import hash_secret, is_account_name, secret_matches
from pbxdesk.relay.events import Desk
from pbxdesk.relay.payload import (
    BodyTooLargeError,
    BodyTooSlowError,
    UnreadableBodyError,
    parse_events,
    read_limited,
)
from pbxdesk.relay.store.base import StoreError
from pbxdesk.relay.triggers import is_trigger_name

if TYPE_CHECKING:
    from pbxdesk.relay.app import Relay

log = logging.getLogger("pbxdesk.relay")


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def too_many(relay: Relay, address: str) -> Response | None:
    """The 429 for an address that failed authentication too often, else None."""
    wait = relay.guard.retry_after(address)
    if wait is None:
        return None
    return error(429, "too many failed attempts; try again later", {"Retry-After": str(wait)})


def refused(relay: Relay, address: str, what: str,
            headers: dict[str, str] | None = None) -> Response:
    if relay.guard.failed(address):
        log.warning("Too many failed %s from %s: refused for a while", what, address)
    return error(401, "not authorised", headers)


async def receive_webhook(relay: Relay, request: Request) -> Response:
    address = client_address(request)
    blocked = too_many(relay, address)
    if blocked is not None:
        return blocked
    account = request.path_params["account"]
    trigger = request.path_params.get("trigger")
    if trigger is not None and not is_trigger_name(trigger):
        return error(404, "no such trigger")
    token = request.headers.get("x-pbx-token", "")
    try:
        stored_hash = await relay.account_secret_hash(account) \
            if is_account_name(account) else None
    except StoreError as exc:
        log.error("Webhook not stored: %s", exc)
        return error(503, "the relay cannot store events right now")
    if not secret_matches(token, stored_hash):
        log.info("Webhook refused from %s: wrong token or unknown account", address)
        return refused(relay, address, "webhooks")
    try:
        body = await read_limited(request, relay.config.max_body_bytes,
                                  relay.config.body_seconds)
    except BodyTooLargeError:
        log.info("Webhook for %s refused: body over %d bytes", account,
                 relay.config.max_body_bytes)
        return error(413, f"the body is over {relay.config.max_body_bytes} bytes")
    except BodyTooSlowError:
        log.info("Webhook for %s refused: body not sent within %g s", account,
                 relay.config.body_seconds)
        return error(408, f"the body did not arrive within {relay.config.body_seconds:g} s",
                     {"Connection": "close"})
    try:
        events = await parse_events(request, body, trigger)
    except UnreadableBodyError as exc:
        log.info("Webhook for %s refused: %s", account, exc)
        return error(400, f"nothing readable: {exc}")
    try:
        appended = await relay.store.append(account, events, datetime.now(UTC))
    except StoreError as exc:
        log.error("Webhook for %s not stored: %s", account, exc)
        return error(503, "the relay cannot store events right now")
    log.debug("Webhook for %s: %d stored (%s), %d already stored", account,
              len(appended.stored), ", ".join(event.type for event in appended.stored),
              appended.duplicates)
    return JSONResponse({"stored": len(appended.stored), "duplicates": appended.duplicates})


async def authenticated_desk(relay: Relay, request: Request, what: str) -> Desk | Response:
    """The desk whose bearer token the request carries, or the answer that refuses it
    (429 for a slowed address, 401, 503); ``what`` names the request in the log."""
    address = client_address(request)
    blocked = too_many(relay, address)
    if blocked is not None:
        return blocked
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    desk: Desk | None = None
    try:
        if scheme.lower() == "bearer" and token.strip():
            desk = await relay.store.desk_by_token_hash(hash_secret(token.strip()))
    except StoreError as exc:
        log.error("%s: desk not served: %s", what, exc)
        return error(503, "the relay cannot read its store right now")
    if desk is None:
        log.info("%s refused from %s: unknown or revoked desk token", what, address)
        return refused(relay, address, "desk logins", {"WWW-Authenticate": "Bearer"})
    return desk
