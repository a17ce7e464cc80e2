"""Turning a failed HTTP exchange into the matching :mod:`pbxdesk.api.errors` class.

Two sources of failure: an answer with an error status (HTTP, or ``"status":
"error"`` inside a 200's envelope), and an exchange that broke off (httpx
transport exceptions). For the second, what matters is whether the request may
have reached the PBX: a connect failure sent nothing, a lost answer to a
click-to-call POST means the call may have been placed. Messages quote the
server's own words where it gave any, with secrets masked.
"""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

import httpx

from pbxdesk.api.errors import (
    AuthError,
    BadRequestError,
    CallMayHavePlacedError,
    NetworkError,
    PbxError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    TlsError,
    TruncatedError,
)
from pbxdesk.api.parse import Envelope, decode_json, message_text
from pbxdesk.logs import redact

MAY_HAVE_PLACED = "The call may have been placed — check your phone before trying again."
# Gateways answer these after handing the request on: the PBX may have acted on it.
_GATEWAY_STATUSES = frozenset({502, 504})
# h11's words when a connection closes before the announced Content-Length arrived.
_INCOMPLETE_BODY = "complete message body"
# Raised before a byte of the request left this machine.
_NOTHING_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError,
                 httpx.UnsupportedProtocol, httpx.LocalProtocolError)


def error_for_status(status_code: int, server_message: str | None, *, where: str,
                     endpoint: str, retry_after: float | None = None,
                     location: str | None = None) -> PbxError | None:
    """The error an HTTP status stands for, or None for 2xx."""
    if 200 <= status_code < 300:
        return None
    if status_code in (401, 403):
        return AuthError(status_code, server_message)
    if status_code == 429:
        return RateLimitedError(retry_after)
    if 400 <= status_code < 500:
        if status_code in (404, 405):
            # Whatever the body says ("Not found", "Not Found", a portal page), the fix
            # is the same: the address or the API version is wrong.
            said = f"{server_message} " if server_message else ""
            server_message = (f"{said}(HTTP {status_code} for {endpoint}) — this address does "
                              "not offer it; check the PBX address and the API version in "
                              "Settings")
        elif server_message is None:
            server_message = f"HTTP {status_code} for {endpoint}"
        return BadRequestError(server_message, status_code)
    if 500 <= status_code < 600:
        return ServerError(status_code, server_message)
    if 300 <= status_code < 400:
        target = urlsplit(location or "").hostname
        moved = f" to {target}" if target else ""
        return ProtocolError(
            f"The server at {where} redirected the request{moved} (HTTP {status_code}) instead "
            "of answering. Check the PBX address in Settings: it must be the portal's address "
            "with https://.")
    return ProtocolError(f"The server at {where} answered with an unexpected HTTP {status_code}.")


def error_for_envelope(envelope: Envelope, *, where: str, endpoint: str) -> PbxError:
    """The error for an envelope that says ``"status": "error"`` (possibly inside a 200)."""
    code = envelope.code if envelope.code is not None and envelope.code >= 400 else 400
    error = error_for_status(code, envelope.message_text, where=where, endpoint=endpoint)
    return error if error is not None else BadRequestError(
        envelope.message_text or "the request failed", code)


def post_error_for_status(status_code: int, error: PbxError) -> PbxError:
    """For the click-to-call POST: a gateway error may hide a placed call."""
    if status_code in _GATEWAY_STATUSES:
        return CallMayHavePlacedError(
            f"{MAY_HAVE_PLACED} (A gateway in front of the PBX answered HTTP {status_code}, "
            "so it is unknown whether the PBX received the request.)")
    return error


def server_message(content: bytes, content_type: str | None) -> str | None:
    """The server's own explanation in an error body, if it gave one we can show."""
    if not content:
        return None
    try:
        document = decode_json(content)
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, dict):
        for key in ("message", "error", "detail", "errors"):
            if key in document:
                text = message_text(document[key])
                if text:
                    return text
        return None
    if (content_type or "").startswith("text/plain") and len(content) <= 2000:
        text = " ".join(content.decode("utf-8", "replace").split())
        return redact(text[:300]) or None
    return None


def error_for_exception(exc: Exception, *, where: str, is_post: bool,
                        timeout: float) -> PbxError:
    """The error for an exchange that broke off (``exc`` comes from httpx)."""
    reason = _reason(exc)
    tls = _tls_cause(exc)
    if tls is not None:
        return TlsError(
            f"The secure connection to {where} failed ({_reason(tls)}). Check the PBX address "
            "in Settings. If this network inspects HTTPS traffic (a company proxy), its "
            "certificate must be trusted by this computer.")
    nothing_sent = isinstance(exc, _NOTHING_SENT)
    if is_post and not nothing_sent:
        return CallMayHavePlacedError(
            f"{MAY_HAVE_PLACED} (The connection to {where} was lost before the PBX answered: "
            f"{reason}.)")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return NetworkError(f"The PBX address cannot be used ({reason}). Check it in Settings.")
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return NetworkError(
            f"Cannot connect to the PBX at {where}: no answer within {timeout:g} seconds. "
            "Check the internet connection.")
    if nothing_sent:
        return NetworkError(
            f"Cannot connect to the PBX at {where} ({reason}). Check the internet connection "
            "and the PBX address in Settings.")
    if isinstance(exc, httpx.RemoteProtocolError) and _INCOMPLETE_BODY in str(exc).lower():
        return TruncatedError(
            f"The answer from the PBX at {where} was cut off before it was complete "
            f"({reason}). This is usually the network; try again in a moment.")
    if isinstance(exc, httpx.TimeoutException):
        return NetworkError(
            f"The PBX at {where} did not answer within {timeout:g} seconds. Try again later.")
    if isinstance(exc, httpx.DecodingError):
        return ProtocolError(f"The answer from {where} could not be decoded ({reason}).")
    return NetworkError(f"The connection to the PBX at {where} broke off ({reason}). "
                        "Try again in a moment.")


def _tls_cause(exc: BaseException) -> BaseException | None:
    """The ssl error somewhere in ``exc``'s chain of causes, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError | ssl.CertificateError):
            return current
        current = current.__cause__ or current.__context__
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "[SSL" in text:
        return exc
    return None


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = redact(text)
    return text if len(text) <= 200 else text[:199] + "…"
