"""Everything the API client raises, as one tree.

::

    PbxError                      any failure talking to the PBX
    ├── ConfigurationError        the settings cannot work (e.g. http:// to a remote host)
    ├── InvalidInputError         a value given to the client is unusable; nothing was sent
    ├── AuthError                 401/403: wrong key, or this machine's IP not allow-listed
    ├── RateLimitedError          429 from the server (``retry_after`` seconds, if sent)
    │   └── BudgetExhaustedError  the client's own request budget is spent (``available_at``)
    ├── BadRequestError           400: the server refused the request (its ``message``)
    ├── ServerError               5xx (``status_code``)
    ├── NetworkError              no usable HTTP exchange (DNS, refused, reset, timeout)
    │   ├── TlsError              certificate or TLS handshake problem
    │   └── CallMayHavePlacedError  click-to-call request sent, answer lost: do not retry
    └── ProtocolError             an answer that is not the API's (not JSON, wrong envelope,
        │                         unexpected status code)
        └── TruncatedError        the answer was cut off in transit (GETs retry it)

Each class carries a calm, specific ``str()`` that tells the user what to do; the
message never contains the API key or the ``token`` header. ``hint`` names the
remedy in a few words for buttons and banners.
"""

from __future__ import annotations

from datetime import datetime


class PbxError(Exception):
    """Base class: any failure talking to the PBX."""

    hint = "Retry"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(PbxError):
    """The connection settings cannot work as given."""

    hint = "Open settings"


class InvalidInputError(PbxError):
    """A value handed to the client cannot be sent (e.g. a number that cannot be dialled).

    Raised before anything goes on the wire, so it never costs a request.
    """

    hint = "Check the input"


class AuthError(PbxError):
    """The PBX answered 401 or 403: a wrong key or an address not on the allow-list."""

    hint = "Open settings"

    def __init__(self, status_code: int, server_message: str | None = None) -> None:
        detail = f" (the PBX said: {server_message})" if server_message else ""
        super().__init__(
            f"The PBX refused the request with {status_code} Not authorised{detail}. "
            "Either the API key is wrong — copy it again from the portal's Integration / API "
            "page into Settings — or this computer's public IP address is not on the "
            "account's allow-list: add it on the same page of the portal."
        )
        self.status_code = status_code
        self.server_message = server_message


class RateLimitedError(PbxError):
    """The PBX answered 429: too many requests."""

    def __init__(self, retry_after: float | None, message: str | None = None) -> None:
        if message is None:
            wait = f" Try again in {_humanise_seconds(retry_after)}." if retry_after else ""
            message = f"The PBX is limiting requests from this account.{wait}"
        super().__init__(message)
        self.retry_after = retry_after


class BudgetExhaustedError(RateLimitedError):
    """The client's own request budget is spent; nothing was sent."""

    hint = "Wait"

    def __init__(self, available_at: datetime, wait_seconds: float, limit: int,
                 window_seconds: float, *, reserve: int = 0) -> None:
        # A background sender (the sync) stops short of the requests kept for calls.
        spent = (f"the {limit - reserve} of its {limit} requests per "
                 f"{_humanise_seconds(window_seconds)} that syncing may use ({reserve} are "
                 "kept for calls)" if reserve else
                 f"its budget of {limit} requests per {_humanise_seconds(window_seconds)}")
        super().__init__(
            wait_seconds,
            f"pbxdesk has used {spent} to stay inside the PBX's limit. "
            f"The next request is possible at {available_at.astimezone():%H:%M:%S} "
            f"(in {_humanise_seconds(wait_seconds)}).",
        )
        self.available_at = available_at
        self.reserve = reserve


class BadRequestError(PbxError):
    """The PBX answered 400 (or another 4xx with a message): it refused what was sent."""

    hint = "Check the input"

    def __init__(self, server_message: str, status_code: int = 400) -> None:
        super().__init__(f"The PBX refused the request: {server_message}")
        self.server_message = server_message
        self.status_code = status_code


class ServerError(PbxError):
    """The PBX answered with a 5xx status."""

    def __init__(self, status_code: int, server_message: str | None = None) -> None:
        detail = f": {server_message}" if server_message else ""
        super().__init__(
            f"The PBX had a problem answering (HTTP {status_code}{detail}). "
            "This is usually temporary; try again in a minute."
        )
        self.status_code = status_code


class NetworkError(PbxError):
    """No usable HTTP exchange happened (DNS failure, refused, reset, timeout)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class TlsError(NetworkError):
    """The TLS handshake or certificate check failed."""

    hint = "Open settings"


class CallMayHavePlacedError(NetworkError):
    """A click-to-call request was sent but its answer was lost.

    The call may have been placed. It is never retried automatically: a second
    request could ring the destination twice.
    """

    hint = "Check your phone"


class ProtocolError(PbxError):
    """The answer is not what the API sends (not JSON, wrong envelope, odd status)."""

    hint = "Open settings"


class TruncatedError(ProtocolError):
    """The connection closed before the whole answer arrived (fewer bytes than announced).

    Usually the network, not the settings: GETs retry it.
    """

    hint = "Retry"


def _humanise_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "a moment"
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60)
    return f"{hours} hour{'s' if hours != 1 else ''}"
