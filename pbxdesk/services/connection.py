"""Test connection: one cheap request, and a verdict a person can act on.

:class:`ConnectionTester` sends ``get-user-calls?limit=1`` (through
:meth:`PbxClient.check_connection`, never retried) with the settings and key the
user has typed but not yet saved, drawing on the app's shared
:class:`~pbxdesk.api.budget.RequestBudget`. Whatever happens, the answer is a
:class:`ConnectionVerdict`: a title, what happened, and what to do about it —
never an exception or a traceback. Qt-free, so it is tested without widgets.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import httpx

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import ClientSettings, PbxClient
from pbxdesk.api.errors import (
    AuthError,
    BudgetExhaustedError,
    ConfigurationError,
    InvalidInputError,
    NetworkError,
    PbxError,
    RateLimitedError,
    ServerError,
    TlsError,
    TruncatedError,
)
from pbxdesk.logs import redact
from pbxdesk.services.waits import next_whole_minute
from pbxdesk.settings import Settings, check_base_url, validate

__all__ = ["ConnectionTester", "ConnectionVerdict", "TransportFactory", "VerdictKind",
           "api_key_problem", "client_settings_for"]

log = logging.getLogger("pbxdesk.api")

TransportFactory = Callable[[], httpx.AsyncBaseTransport]
"""Makes the transport for one test (tests: ``httpx.ASGITransport`` on a sandbox)."""

# A test should answer within a few seconds; the sync's 30 s would feel like a hang.
TEST_TIMEOUT_SECONDS = 15.0
# Something that looks like an IP address inside a server's refusal text.
_ADDRESS_LIKE = re.compile(r"[0-9A-Fa-f:.]{7,45}")
_CHECK_AND_RETRY = "Correct it, then test again."


class VerdictKind(StrEnum):
    """What a connection test found, for icons and tests; the text is in the verdict."""

    OK = "ok"
    AUTH = "auth"
    UNREACHABLE = "unreachable"
    TLS = "tls"
    RATE_LIMITED = "rate-limited"
    UNEXPECTED = "unexpected"
    SERVER = "server"
    INVALID = "invalid"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ConnectionVerdict:
    """The outcome of one connection test.

    Attributes:
        ok: True only when the PBX answered the request with the key.
        title: A few words for a heading ("Connected", "Cannot reach the PBX").
        detail: What happened, in the user's terms.
        remedy: What to do next.
        kind: The category, for the icon and for tests.
    """

    ok: bool
    title: str
    detail: str
    remedy: str
    kind: VerdictKind = VerdictKind.FAILED


def client_settings_for(settings: Settings, api_key: str, *,
                        timeout: float = 30.0) -> ClientSettings:
    """The API client's view of the user's settings (the key stripped of pasted spaces)."""
    return ClientSettings(base_url=settings.base_url.strip(), api_key=api_key.strip(),
                          api_version=settings.api_version,
                          user_filter_param=settings.user_filter_param or None,
                          post_encoding=settings.post_encoding,
                          default_region=settings.default_region, timeout=timeout)


def api_key_problem(api_key: str) -> str | None:
    """None when ``api_key`` (stripped) can be sent, else why not; never quotes the key."""
    if not api_key.strip():
        return "Paste the API key from the portal's Integration / API page"
    try:
        # The client's own key check, on an address that always passes.
        ClientSettings(base_url="http://127.0.0.1", api_key=api_key.strip()).validate()
    except ConfigurationError as error:
        return str(error)
    return None


def _hours_minutes(moment: datetime) -> str:
    """24-hour local time, rounded up (never too early to try again)."""
    return f"{next_whole_minute(moment):%H:%M}"


class ConnectionTester:
    """Runs connection tests on the app's shared request budget.

    Args:
        budget: The budget every request of the app draws on; a test costs one.
        transport_factory: Builds the httpx transport for each test; None uses the network.
        clock_text: How a moment is written for the user ("3:41 pm"); the UI passes the
            locale's short clock, and this Qt-free module defaults to 24-hour hh:mm.
    """

    def __init__(self, budget: RequestBudget,
                 transport_factory: TransportFactory | None = None, *,
                 clock_text: Callable[[datetime], str] = _hours_minutes) -> None:
        self._budget = budget
        self._transport_factory = transport_factory
        self._clock_text = clock_text

    @property
    def budget(self) -> RequestBudget:
        return self._budget

    async def test(self, settings: Settings, api_key: str) -> ConnectionVerdict:
        """Try ``settings`` with ``api_key``; always returns, whatever goes wrong."""
        problem = _settings_problem(settings, api_key)
        if problem is not None:
            return _invalid(problem)
        host = _host(settings.base_url)
        try:
            client_settings = client_settings_for(settings, api_key,
                                                  timeout=TEST_TIMEOUT_SECONDS)
            transport = self._transport_factory() if self._transport_factory else None
            async with PbxClient(client_settings, transport=transport,
                                 budget=self._budget) as client:
                await client.check_connection()
        except PbxError as error:
            verdict = verdict_for_error(error, host, clock_text=self._clock_text)
        except Exception as error:  # a verdict, never a traceback in the dialog
            log.exception("Connection test to %s failed unexpectedly", host)
            verdict = ConnectionVerdict(
                False, "The test could not run",
                redact(f"Something unexpected went wrong ({type(error).__name__})."),
                "Try again; if it keeps happening, the log file has the details.")
        else:
            verdict = ConnectionVerdict(
                True, "Connected",
                f"The PBX at {host} answered API {settings.api_version}: it accepts the key "
                "and this computer's address, and the call history can be read.",
                "Save to use these settings.", VerdictKind.OK)
        log.info("Connection test to %s: %s", host, verdict.kind.value)
        return verdict


def verdict_for_error(error: PbxError, host: str, *,
                      clock_text: Callable[[datetime], str] | None = None) -> ConnectionVerdict:
    """The verdict for a known failure of the test request."""
    detail = str(error)
    if isinstance(error, AuthError):
        return _auth_verdict(error, host)
    if isinstance(error, ConfigurationError | InvalidInputError):
        return _invalid(detail)
    if isinstance(error, RateLimitedError):
        return _rate_limited_verdict(error, clock_text or _hours_minutes)
    if isinstance(error, TlsError):
        return ConnectionVerdict(
            False, "Secure connection failed", detail,
            "Check that the PBX address is your portal's own address. If it is, the portal's "
            "certificate isn't trusted by this computer: on a company network that inspects "
            "HTTPS, ask IT to install its certificate.", VerdictKind.TLS)
    if isinstance(error, NetworkError | TruncatedError):
        return ConnectionVerdict(
            False, "Cannot reach the PBX", detail,
            "Check the PBX address for typing mistakes and that this computer is online; a "
            "firewall or proxy may be blocking it.", VerdictKind.UNREACHABLE)
    if isinstance(error, ServerError):
        return ConnectionVerdict(
            False, "The PBX had a problem answering", detail,
            "This is usually temporary: test again in a minute.", VerdictKind.SERVER)
    # ProtocolError, or a refusal (BadRequestError) of a request this simple: whatever
    # answered is not the integration API at this address and version.
    return ConnectionVerdict(
        False, "Not the PBX's integration API", detail,
        "Check the PBX address (just the portal's address, like https://au.voipcloud.online, "
        "without /api/…) and the API version: v2 for current portals, v1 for older ones.",
        VerdictKind.UNEXPECTED)


def _auth_verdict(error: AuthError, host: str) -> ConnectionVerdict:
    address = _reported_address(error.server_message)
    seen = (f" The PBX saw this computer's address as {address}: add exactly that one."
            if address else
            " Your network administrator (or your router's status page) can tell you "
            "this computer's public address.")
    return ConnectionVerdict(
        False, "Not authorised: wrong key, or this computer isn't allowed",
        f"The PBX at {host} refused the request (HTTP {error.status_code}). It gives the same "
        "answer for a wrong API key and for a computer whose public IP address is not on the "
        "account's allow-list, so check both.",
        "1. Copy the API key again from the portal's Integration / API page. "
        "2. On the same page, add this computer's public IP address to the allow-list." + seen,
        VerdictKind.AUTH)


def _rate_limited_verdict(error: RateLimitedError,
                          clock_text: Callable[[datetime], str]) -> ConnectionVerdict:
    if isinstance(error, BudgetExhaustedError):
        when = f"Test again at {clock_text(error.available_at)}."
        title = "Request budget used up"
    else:
        title = "The PBX is limiting requests"
        when = (f"Test again in {max(1, round(error.retry_after))} seconds."
                if error.retry_after else "Wait a few minutes, then test again.")
    return ConnectionVerdict(False, title, str(error), when, VerdictKind.RATE_LIMITED)


def _reported_address(server_message: str | None) -> str | None:
    """An IP address the PBX quoted in its refusal (its view of this computer), if any."""
    for candidate in _ADDRESS_LIKE.findall(server_message or ""):
        try:
            return str(ipaddress.ip_address(candidate.strip(".:")))
        except ValueError:
            continue
    return None


def _settings_problem(settings: Settings, api_key: str) -> str | None:
    url_problem = check_base_url(settings.base_url)
    if url_problem is not None:
        return url_problem
    key_problem = api_key_problem(api_key)
    if key_problem is not None:
        return key_problem
    problems = validate(settings)
    return next(iter(problems.values()), None)


def _invalid(problem: str) -> ConnectionVerdict:
    return ConnectionVerdict(False, "These settings cannot work", problem, _CHECK_AND_RETRY,
                             VerdictKind.INVALID)


def _host(base_url: str) -> str:
    try:
        return httpx.URL(base_url.strip()).host or base_url.strip()
    except (httpx.InvalidURL, ValueError):
        return base_url.strip()
