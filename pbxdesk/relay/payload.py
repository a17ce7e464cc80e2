"""Reading a webhook's body: at most 64 KiB, as JSON or form fields, into events.

The body is read chunk by chunk and refused as soon as it passes the limit
(a ``Content-Length`` over it is refused before reading), so a hostile sender
can never make the relay hold more than the limit. Accepted: a JSON object, a
JSON array of objects (batched events), ``application/x-www-form-urlencoded``
and ``multipart/form-data`` fields (files are ignored). A body that starts
with ``{`` or ``[`` is read as JSON whatever its content type claims. A body in which
anything cannot be read is refused whole, so nothing is half stored.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.types import Message

from pbxdesk.relay.events import IncomingEvent, UnreadableEventError, normalise_event

MAX_BODY_BYTES = 64 * 1024
MAX_EVENTS = 500
"""Events in one batched body; 64 KiB hold fewer real ones than this anyway."""
MAX_DEPTH = 10
"""Arrays and objects inside each other: a batch of events holding lists of links is 3.
A deeper body is refused before anything walks it recursively (64 KiB of ``[`` nest far
beyond Python's recursion limit)."""


BODY_SECONDS = 20.0
"""Time a webhook's body may take to arrive (the PBX sends a few hundred bytes at once)."""


class BodyTooLargeError(Exception):
    """The body passed :data:`MAX_BODY_BYTES`."""


class BodyTooSlowError(Exception):
    """The body did not arrive within :data:`BODY_SECONDS`."""


class UnreadableBodyError(ValueError):
    """Nothing (or not everything) in the body can be read as events."""


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES,
                       seconds: float = BODY_SECONDS) -> bytes:
    """The request body, refusing it (:class:`BodyTooLargeError`) the moment it passes
    ``limit``, and (:class:`BodyTooSlowError`) when it takes longer than ``seconds``."""
    declared = request.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise BodyTooLargeError
                chunks.append(chunk)
    except TimeoutError:
        raise BodyTooSlowError from None
    return b"".join(chunks)


async def parse_events(request: Request, body: bytes, trigger: str | None) -> list[IncomingEvent]:
    """The events in a body already read by :func:`read_limited`.

    Raises:
        UnreadableBodyError: with a short reason that quotes no field values.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        raw: Any = await _multipart_fields(request, body)
    elif body.lstrip()[:1] in (b"{", b"["):
        # JSON is what the PBX documents, whatever the content type says (curl -d, for one,
        # labels JSON as a form).
        raw = _json_document(body)
    else:
        raw = _urlencoded_fields(body)
    if raw is None:
        raise UnreadableBodyError("the body is neither JSON nor form fields")
    items: Sequence[Any] = raw if isinstance(raw, list) else [raw]
    if not items:
        raise UnreadableBodyError("an empty list of events")
    if len(items) > MAX_EVENTS:
        raise UnreadableBodyError(f"more than {MAX_EVENTS} events in one body")
    try:
        return [normalise_event(item, trigger) for item in items]
    except UnreadableEventError as exc:
        raise UnreadableBodyError(str(exc)) from None


def _json_document(body: bytes) -> Any:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict | list):
        return None
    if _deeper_than(document, MAX_DEPTH):
        raise UnreadableBodyError(f"arrays or objects nested more than {MAX_DEPTH} deep")
    return document


def _deeper_than(document: Any, limit: int) -> bool:
    """Whether ``document`` nests arrays and objects more than ``limit`` deep (no recursion)."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                pending.append((child, depth + 1))
    return False


def _urlencoded_fields(body: bytes) -> dict[str, Any] | None:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True,
                          max_num_fields=1000)
    except (UnicodeDecodeError, ValueError):
        return None
    return _fields_of(pairs) if pairs else None


async def _multipart_fields(request: Request, body: bytes) -> dict[str, Any] | None:
    # The body is already in memory (and within the limit): hand it to Starlette's parser.
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    copy = Request(request.scope, replay)
    try:
        form: FormData = await copy.form(max_files=20, max_fields=1000)
    except Exception:  # python-multipart raises several types for damaged bodies
        return None
    try:
        pairs = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    finally:
        await form.close()
    return _fields_of(pairs) if pairs else None


def _fields_of(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Form pairs as fields; a repeated name (``audio_file[]=…&audio_file[]=…``) is a list."""
    fields: dict[str, Any] = {}
    for key, value in pairs:
        name = key[:-2] if key.endswith("[]") else key
        if name in fields:
            previous = fields[name]
            fields[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[name] = [value] if key.endswith("[]") else value
    return fields

