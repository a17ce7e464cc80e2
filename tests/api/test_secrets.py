"""The API key never shows: every error type provoked with a distinctive key.

For each failure the key must be absent from ``str(exc)``, ``repr(exc)``, the
formatted traceback (causes included) and every log record captured at DEBUG,
httpx's and httpcore's own loggers included. Servers that echo the key back in
their messages are part of the test.
"""

from __future__ import annotations

import logging
import ssl
import traceback
from collections.abc import Awaitable, Callable

import httpx
import pytest

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import ClientSettings, PbxClient
from pbxdesk.api.errors import (
    AuthError,
    BadRequestError,
    BudgetExhaustedError,
    CallMayHavePlacedError,
    ConfigurationError,
    InvalidInputError,
    NetworkError,
    PbxError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    TlsError,
)
from pbxdesk.api.retry import RetryPolicy
from tests.fixtures.api import FakeClock, FakeSleep

KEY = "Sekr3t-KEY-x9Q2-unmistakable"


def echo(status: int) -> Callable[[httpx.Request], httpx.Response]:
    """A server that quotes the token it got back in its error message."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"code": status, "status": "error",
                                            "message": f"bad token {request.headers['token']}"},
                              headers={"Retry-After": "1"})
    return handler


def raising(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc
    return handler


def tls_failure() -> Exception:
    failure = httpx.ConnectError(f"handshake failed for token={KEY}")
    failure.__cause__ = ssl.SSLCertVerificationError(1, "CERTIFICATE_VERIFY_FAILED")
    return failure


Call = Callable[[PbxClient], Awaitable[object]]


def get(client: PbxClient) -> Awaitable[object]:
    return client.get_user_calls()


def post(client: PbxClient) -> Awaitable[object]:
    return client.call_to_number("1010", "+61412345678")


CASES: list[tuple[str, Callable[[httpx.Request], httpx.Response], Call, type[PbxError], str]] = [
    # name, what the PBX does, the request, the error, and what the error says (the
    # key masked wherever the server's own words are quoted)
    ("401", echo(401), get, AuthError,
     r"with 401 Not authorised \(the PBX said: bad token \*\*\*\)"),
    ("403", echo(403), get, AuthError,
     r"with 403 Not authorised \(the PBX said: bad token \*\*\*\)"),
    ("429", echo(429), get, RateLimitedError, "limiting requests from this account"),
    ("400", echo(400), get, BadRequestError, r"refused the request: bad token \*\*\*$"),
    ("500", echo(500), get, ServerError, r"\(HTTP 500: bad token \*\*\*\)"),
    ("200 error envelope", echo(200), get, BadRequestError,
     r"refused the request: bad token \*\*\*$"),
    ("not json", lambda r: httpx.Response(200, text=f"token: {KEY}"), get, ProtocolError,
     "did not answer with the PBX API's JSON"),
    ("plain text 400", lambda r: httpx.Response(400, text=f"token {KEY} refused",
                                                headers={"content-type": "text/plain"}),
     get, BadRequestError, r"refused the request: token \*\*\* refused"),
    ("connect", raising(httpx.ConnectError(f"refused {KEY}")), get, NetworkError,
     r"Cannot connect to the PBX at pbx\.example \(refused \*\*\*\)"),
    ("tls", raising(tls_failure()), get, TlsError, r"secure connection to pbx\.example failed"),
    ("post drop", raising(httpx.RemoteProtocolError(f"dropped {KEY}")), post,
     CallMayHavePlacedError, r"lost before the PBX answered: dropped \*\*\*"),
    ("post 502", echo(502), post, CallMayHavePlacedError, "gateway in front of the PBX"),
]


def assert_no_key(error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    assert KEY not in str(error)
    assert KEY not in repr(error)
    assert KEY not in "".join(traceback.format_exception(error))
    for record in caplog.records:
        assert KEY not in record.getMessage(), record.name
    assert KEY not in caplog.text


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("pbxdesk", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.asyncio
@pytest.mark.parametrize(("name", "handler", "call", "kind", "says"), CASES,
                         ids=[case[0] for case in CASES])
async def test_key_never_in_errors_or_logs(
        name: str, handler: Callable[[httpx.Request], httpx.Response], call: Call,
        kind: type[PbxError], says: str, debug_logs: pytest.LogCaptureFixture,
        fake_clock: FakeClock, fake_sleep: FakeSleep) -> None:
    async with PbxClient(ClientSettings(base_url="https://pbx.example", api_key=KEY),
                         transport=httpx.MockTransport(handler),
                         retry=RetryPolicy(attempts=2), clock=fake_clock,
                         sleep=fake_sleep) as client:
        assert KEY not in repr(client)
        with pytest.raises(kind, match=says) as caught:
            await call(client)
    assert_no_key(caught.value, debug_logs)
    assert debug_logs.records, "the exchange was logged"


@pytest.mark.asyncio
async def test_key_not_in_budget_input_or_configuration_errors(
        debug_logs: pytest.LogCaptureFixture, fake_clock: FakeClock) -> None:
    errors: list[PbxError] = []
    budget = RequestBudget(limit=1, clock=fake_clock)
    budget.take()
    async with PbxClient(ClientSettings(base_url="https://pbx.example", api_key=KEY),
                         transport=httpx.MockTransport(echo(200)), budget=budget) as client:
        for attempt in (client.get_user_calls(), client.call_to_number(KEY, KEY, KEY)):
            with pytest.raises((BudgetExhaustedError, InvalidInputError),
                               match=r"used its budget|got '\*\*\*'") as caught:
                await attempt
            errors.append(caught.value)
    for url in (f"http://pbx.example/{KEY}", f"ftp://{KEY}"):
        with pytest.raises(ConfigurationError,
                           match=r"not encrypted|got 'ftp://\*\*\*'") as config:
            PbxClient(ClientSettings(base_url=url, api_key=KEY))
        errors.append(config.value)
    assert [type(error) for error in errors] == [BudgetExhaustedError, InvalidInputError,
                                                 ConfigurationError, ConfigurationError]
    for error in errors:
        assert_no_key(error, debug_logs)


@pytest.mark.asyncio
async def test_key_not_logged_by_a_real_socket_exchange(debug_logs: pytest.LogCaptureFixture,
                                                        unused_tcp_port: int) -> None:
    # Nothing listens on the port: httpcore's debug logging of a failed connect.
    async with PbxClient(ClientSettings(base_url=f"http://127.0.0.1:{unused_tcp_port}",
                                        api_key=KEY),
                         retry=RetryPolicy(attempts=1)) as client:
        with pytest.raises(NetworkError,
                           match=r"Cannot connect to the PBX at 127\.0\.0\.1") as caught:
            await client.check_connection()
    assert_no_key(caught.value, debug_logs)
