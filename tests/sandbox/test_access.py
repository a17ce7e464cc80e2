"""Auth (the ``token`` header and the allow-list) and the rate limit."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox import Sandbox, SandboxConfig
from pbxdesk.sandbox.errors import ApiError
from pbxdesk.sandbox.guard import AccessGuard
from pbxdesk.sandbox.server import SandboxServer
from tests.fixtures.sandbox import SANDBOX_API_KEY, SANDBOX_BASE_PATH
from tests.sandbox.helpers import LogLines, data_of, error_of

NOT_AUTHORISED = {"code": 401, "status": "error", "message": "Not authorised"}
ENDPOINTS = [("GET", kind.endpoint) for kind in CallKind] + [
    ("GET", "../v1/get-system-status"), ("POST", "call-to-number")]


def _client(sandbox: Sandbox, client_ip: str = "127.0.0.1", **headers: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=sandbox.app, client=(client_ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url=f"http://pbx{SANDBOX_BASE_PATH}/",
                             headers=headers)


async def _spend(client: httpx.AsyncClient, requests: int) -> None:
    """Make ``requests`` successful requests."""
    for _ in range(requests):
        data_of(await client.get("get-user-calls", params={"limit": 1}))


@pytest.mark.asyncio
@pytest.mark.parametrize(("method", "endpoint"), ENDPOINTS)
@pytest.mark.parametrize("headers", [{}, {"token": "wrong-key"}, {"token": ""},
                                     {"Authorization": f"Bearer {SANDBOX_API_KEY}"},
                                     {"TOKEN": SANDBOX_API_KEY.upper()}])
async def test_every_endpoint_refuses_a_missing_or_wrong_key(
        sandbox: Sandbox, method: str, endpoint: str, headers: dict[str, str]) -> None:
    async with _client(sandbox, **headers) as client:
        response = await client.request(method, endpoint, json={"user_number": "1"})
    assert response.status_code == 401
    assert response.json() == NOT_AUTHORISED


@pytest.mark.asyncio
async def test_key_in_query_string_is_not_enough(sandbox: Sandbox) -> None:
    async with _client(sandbox) as client:
        response = await client.get("get-user-calls", params={"token": SANDBOX_API_KEY})
    assert response.json() == NOT_AUTHORISED


@pytest.mark.asyncio
async def test_right_key_from_allowed_address_is_served(sandbox: Sandbox) -> None:
    async with _client(sandbox, token=SANDBOX_API_KEY) as client:
        assert len(data_of(await client.get("get-user-calls", params={"limit": 3}))) == 3


@pytest.mark.asyncio
async def test_address_off_the_allow_list_gets_the_same_401_as_a_wrong_key(
        sandbox: Sandbox) -> None:
    async with _client(sandbox, "203.0.113.7", token=SANDBOX_API_KEY) as client:
        refused = await client.get("get-user-calls")
        assert refused.status_code == 401
        assert refused.json() == NOT_AUTHORISED
        sandbox.set_allow_list(["127.0.0.1", "203.0.113.0/24"])
        assert data_of(await client.get("get-user-calls", params={"limit": 1}))
        sandbox.set_allow_list(["198.51.100.1"])
        assert (await client.get("get-user-calls")).json() == NOT_AUTHORISED


def test_allow_list_change_locks_out_loopback(sandbox: Sandbox,
                                              sandbox_server: SandboxServer) -> None:
    url = f"{sandbox_server.base_url}{SANDBOX_BASE_PATH}/get-user-calls"
    headers = {"token": SANDBOX_API_KEY}
    assert httpx.get(url, headers=headers).status_code == 200
    sandbox.set_allow_list(["10.1.2.3"])
    refused = httpx.get(url, headers=headers)
    assert refused.status_code == 401
    assert refused.json() == NOT_AUTHORISED
    sandbox.set_allow_list(["127.0.0.0/8"])
    assert httpx.get(url, headers=headers).status_code == 200


def test_bad_allow_list_entry_is_refused_and_list_kept(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        sandbox.set_allow_list(["127.0.0.1", "localhost"])
    assert sandbox.allow_list == ("127.0.0.1/32", "::1/128")


@pytest.mark.asyncio
async def test_rate_limit_answers_429_with_retry_after(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(rate_limit=3, rate_window_seconds=120)
    async with _client(sandbox, token=SANDBOX_API_KEY) as client:
        await _spend(client, 3)
        limited = await client.get("get-queue-calls")
        message = error_of(limited, 429)
        retry_after = int(limited.headers["Retry-After"])
        assert 1 <= retry_after <= 120
        assert "3 requests per 120 seconds" in message


@pytest.mark.asyncio
async def test_wrong_key_requests_do_not_spend_the_budget(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(rate_limit=2)
    async with _client(sandbox, token="wrong") as bad:
        for _ in range(5):
            assert (await bad.get("get-user-calls")).status_code == 401
    async with _client(sandbox, token=SANDBOX_API_KEY) as good:
        await _spend(good, 2)
        error_of(await good.get("get-user-calls"), 429)


def test_rate_limit_window_slides() -> None:
    # The window is real time (whatever the simulated clock does): a fake one here.
    now = [1000.0]
    guard = AccessGuard(SANDBOX_API_KEY, ["127.0.0.1"], rate_limit=2, window_seconds=60,
                        clock=lambda: now[0])
    guard.check(SANDBOX_API_KEY, "127.0.0.1")
    now[0] += 30
    guard.check(SANDBOX_API_KEY, "127.0.0.1")
    with pytest.raises(ApiError, match="Retry after 30 seconds") as limited:
        guard.check(SANDBOX_API_KEY, "127.0.0.1")
    assert limited.value.headers == {"Retry-After": "30"}
    now[0] += 29.5
    with pytest.raises(ApiError, match="Retry after 1 seconds"):
        guard.check(SANDBOX_API_KEY, "127.0.0.1")
    now[0] += 0.5  # the first request is now exactly one window old: it no longer counts
    guard.check(SANDBOX_API_KEY, "127.0.0.1")
    with pytest.raises(ApiError, match="Retry after 30 seconds"):
        guard.check(SANDBOX_API_KEY, "127.0.0.1")


@pytest.mark.asyncio
async def test_rate_limit_can_be_turned_off(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(rate_limit=2, rate_window_seconds=600)
    async with _client(sandbox, token=SANDBOX_API_KEY) as client:
        await _spend(client, 2)
        error_of(await client.get("get-user-calls"), 429)
        sandbox.set_rate_limit(None)
        await _spend(client, 10)


def test_rate_limit_over_loopback(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(rate_limit=1, rate_window_seconds=60)
    with SandboxServer(sandbox) as server, httpx.Client(
            base_url=f"{server.base_url}{SANDBOX_BASE_PATH}/",
            headers={"token": SANDBOX_API_KEY}) as client:
        assert client.get("../v1/get-system-status").status_code == 200
        limited = client.get("../v1/get-system-status")
        error_of(limited, 429)
        assert 59 <= int(limited.headers["retry-after"]) <= 60


def test_rate_limit_defaults_to_100_per_15_minutes() -> None:
    config = SandboxConfig()
    assert (config.rate_limit, config.rate_window_seconds) == (100, 900.0)


@pytest.mark.asyncio
async def test_the_key_never_reaches_a_log_line_or_repr(sandbox: Sandbox,
                                                        sandbox_logs: LogLines) -> None:
    async with _client(sandbox, token=SANDBOX_API_KEY) as client:
        await _spend(client, 2)
        await client.post("call-to-number", json={
            "user_number": sandbox.account.users[0].extension,
            "number_to_call": "+61412345678", "token": SANDBOX_API_KEY})
    async with _client(sandbox, token=SANDBOX_API_KEY + "x") as wrong:
        await wrong.get("get-user-calls")
    assert "get-user-calls -> 401" in sandbox_logs.text
    assert "Click-to-call" in sandbox_logs.text
    assert SANDBOX_API_KEY not in sandbox_logs.text
    assert SANDBOX_API_KEY not in repr(sandbox)
    assert SANDBOX_API_KEY not in repr(sandbox.config)
