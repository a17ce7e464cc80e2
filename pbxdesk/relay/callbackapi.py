"""``POST /callbacks/records`` and ``GET /callbacks/records``: the team's callbacks worklist.

Each desk posts what its agent did on the worklist (done, snoozed, a note,
"calling back now"); the relay keeps every record once and hands it to every
desk of the same account, two ways:

- live: a ``callback_record`` event on ``GET /events`` (stored with the
  account's events, so a desk that reconnects within the events' retention
  gets it again through ``Last-Event-ID`` like any other event);
- catch-up: ``GET /callbacks/records?after=CURSOR`` pages through every record
  kept (90 days by default: the longest callbacks horizon), for a desk that
  was away longer, or connects for the first time.

Both need ``Authorization: Bearer <desk token>``. Order of checks for a post,
cheapest first: an address that failed authentication too often gets 429; a
bad token 401 (and counts as a failure of that address); an account over
:attr:`~pbxdesk.relay.app.RelayConfig.record_posts` posts a window gets 429
with ``Retry-After``; a body over the limit 413 (refused while reading); a
body slower than :attr:`~pbxdesk.relay.app.RelayConfig.body_seconds` 408; a
body that is not valid records 400 (nothing is stored); a store that cannot
take them 503. The desk and its extension in each record are the
authenticated desk's, never the body's. Logs hold desk ids and counts, never
numbers or notes.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pbxdesk.relay.guard import AuthGuard
from pbxdesk.relay.hooks import authenticated_desk, error
from pbxdesk.relay.payload import BodyTooLargeError, BodyTooSlowError, read_limited
from pbxdesk.relay.records import UnreadableRecordsError, read_records
from pbxdesk.relay.store.base import StoreError

if TYPE_CHECKING:
    from pbxdesk.relay.app import Relay

log = logging.getLogger("pbxdesk.relay")

PAGE: Final = 500
"""Records per catch-up answer by default (``limit`` may ask for 1 to :data:`MAX_PAGE`)."""
MAX_PAGE: Final = 1000


class RequestLimit:
    """At most ``limit`` requests per key (an account) within ``window_seconds``.

    The failed-authentication guard's sliding window, counting every request.
    """

    def __init__(self, limit: int, window_seconds: float) -> None:
        self._window = AuthGuard(limit, window_seconds)

    def take(self, key: str) -> int | None:
        """Count one request; None when it may go on, else the seconds to wait."""
        wait = self._window.retry_after(key)
        if wait is None:
            self._window.failed(key)
        return wait


async def post_records(relay: Relay, request: Request) -> Response:
    desk = await authenticated_desk(relay, request, "Callback records")
    if isinstance(desk, Response):
        return desk
    wait = relay.record_limit.take(desk.account)
    if wait is not None:
        log.warning("Callback records of account %s refused for %d s: over %d posts a window",
                    desk.account, wait, relay.config.record_posts)
        return error(429, "too many posts of callback records; try again later",
                     {"Retry-After": str(wait)})
    try:
        body = await read_limited(request, relay.config.max_body_bytes,
                                  relay.config.body_seconds)
    except BodyTooLargeError:
        log.info("Callback records from desk %s refused: body over %d bytes", desk.id,
                 relay.config.max_body_bytes)
        return error(413, f"the body is over {relay.config.max_body_bytes} bytes")
    except BodyTooSlowError:
        log.info("Callback records from desk %s refused: body not sent within %g s", desk.id,
                 relay.config.body_seconds)
        return error(408, f"the body did not arrive within {relay.config.body_seconds:g} s",
                     {"Connection": "close"})
    now = datetime.now(UTC)
    now_us = int(now.timestamp() * 1_000_000)
    oldest_us = now_us - int(relay.store.records_retention_seconds * 1_000_000)
    try:
        records = read_records(body, desk=desk.id, extension=desk.extension, now_us=now_us,
                               oldest_us=oldest_us)
    except UnreadableRecordsError as exc:
        log.info("Callback records from desk %s refused: %s", desk.id, exc)
        return error(400, f"not valid callback records: {exc}")
    try:
        added = await relay.store.add_records(desk.account, records, now)
    except StoreError as exc:
        log.error("Callback records from desk %s not stored: %s", desk.id, exc)
        return error(503, "the relay cannot store records right now")
    log.info("Desk %s shared callback records: %d new, %d already kept", desk.id,
             added.stored, added.duplicates)
    return JSONResponse({"stored": added.stored, "duplicates": added.duplicates,
                         "desk": desk.id})


async def get_records(relay: Relay, request: Request) -> Response:
    """The records kept after ``after`` (none or one this store never made: from the
    oldest), ``limit`` at a time: ``{"desk", "records", "next", "more"}``."""
    desk = await authenticated_desk(relay, request, "Callback records")
    if isinstance(desk, Response):
        return desk
    given = request.query_params.get("after", "")
    after = relay.store.parse_id(given) if given.strip() else None
    limit_text = request.query_params.get("limit", str(PAGE))
    if not (limit_text.isascii() and limit_text.isdigit() and len(limit_text) <= 4
            and 1 <= int(limit_text) <= MAX_PAGE):
        return error(400, f"limit must be 1 to {MAX_PAGE}")
    limit = int(limit_text)
    started = time.perf_counter()
    try:
        rows = await relay.store.records_after(desk.account, after, limit + 1)
    except StoreError as exc:
        log.error("Callback records for desk %s not read: %s", desk.id, exc)
        return error(503, "the relay cannot read its store right now")
    more = len(rows) > limit
    rows = rows[:limit]
    following = rows[-1][0] if rows else (after or "")
    # The records are JSON already: the answer is put together, not decoded and encoded.
    head = json.dumps({"desk": desk.id, "next": following, "more": more},
                      separators=(",", ":"))
    body = f'{head[:-1]},"records":[{",".join(data for _, data in rows)}]}}'
    log.debug("Desk %s read %d callback records in %.1f ms", desk.id, len(rows),
              (time.perf_counter() - started) * 1000)
    return Response(body, media_type="application/json",
                    headers={"Cache-Control": "no-store"})
