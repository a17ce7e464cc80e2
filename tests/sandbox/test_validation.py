"""Every 400 of the history endpoints, the limits that are still fine, 404 and 405."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox import Sandbox
from tests.fixtures.sandbox import SANDBOX_API_KEY, SANDBOX_BASE_PATH
from tests.sandbox.helpers import data_of, error_of

BAD_PARAMS = [
    ("limit", "abc"), ("limit", "1.5"), ("limit", ""), ("limit", " 5"),
    ("offset", "x"), ("offset", "1e3"),
    ("from_date", "2024-13-01"), ("from_date", "2024/01/01"), ("from_date", "20240101"),
    ("from_date", "yesterday"), ("from_date", "2024-02-30"), ("from_date", ""),
    ("to_date", "2024-1-5"), ("to_date", "2024-01-05T00:00:00"), ("to_date", "05/01/2024"),
    ("sort_by", "newest"), ("sort_by", "random"), ("sort_by", ""), ("sort_by", "NEWEST_FIRST"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", list(CallKind))
@pytest.mark.parametrize(("name", "value"), BAD_PARAMS)
async def test_bad_parameter_is_a_400_naming_it(api: httpx.AsyncClient, kind: CallKind,
                                                name: str, value: str) -> None:
    message = error_of(await api.get(kind.endpoint, params={name: value}), 400)
    assert name in message


# Whole numbers out of range, and what the doc says the server makes of them (it caps).
OUT_OF_RANGE = [
    ("limit", "0", "1"), ("limit", "-1", "1"), ("limit", "10001", "10000"),
    ("limit", "99999999999999999999", "10000"), ("offset", "-1", "0"),
    ("offset", "10000", "9999"), ("offset", "+20000", "9999"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("name", "value", "capped"), OUT_OF_RANGE)
async def test_limit_and_offset_out_of_range_are_capped(
        api: httpx.AsyncClient, sandbox: Sandbox, name: str, value: str, capped: str) -> None:
    sandbox.add_calls(10_050)  # more user rows than one page can hold, so caps show
    asked = await api.get("get-user-calls", params={name: value})
    expected = await api.get("get-user-calls", params={name: capped})

    rows = sandbox.rows(CallKind.USER)
    assert len(rows) > 10_000 + 100
    start, count = (0, int(capped)) if name == "limit" else (int(capped), 100)
    assert data_of(asked) == data_of(expected) == rows[start:start + count]


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", list(CallKind))
@pytest.mark.parametrize(("name", "value", "capped"), OUT_OF_RANGE)
async def test_strict_paging_refuses_them_with_a_400_naming_them(
        make_sandbox: Callable[..., Sandbox], kind: CallKind, name: str, value: str,
        capped: str) -> None:
    sandbox = make_sandbox(strict_paging=True)
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://pbx{SANDBOX_BASE_PATH}/",
                                 headers={"token": SANDBOX_API_KEY}) as client:
        message = error_of(await client.get(kind.endpoint, params={name: value}), 400)
        data_of(await client.get(kind.endpoint, params={name: capped}))
    assert message.startswith(f"{name} must be a whole number from ")


@pytest.mark.asyncio
async def test_from_date_after_to_date_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.get("get-user-calls",
                             params={"from_date": "2024-05-02", "to_date": "2024-05-01"})
    assert "from_date" in error_of(response, 400)


@pytest.mark.asyncio
@pytest.mark.parametrize("params", [
    {"limit": "1"}, {"limit": "10000"}, {"offset": "0"}, {"offset": "9999"},
    {"from_date": "2024-05-01", "to_date": "2024-05-01"}, {"sort_by": "newest_first"},
    {"sort_by": "oldest_first"}, {"from_date": "2024-02-29"}, {"unknown_param": "ignored"},
])
async def test_limits_that_are_still_fine(api: httpx.AsyncClient,
                                          params: dict[str, str]) -> None:
    data_of(await api.get("get-user-calls", params=params))


@pytest.mark.asyncio
async def test_oldest_first_can_be_turned_off(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(oldest_first=False)
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://pbx{SANDBOX_BASE_PATH}/",
                                 headers={"token": SANDBOX_API_KEY}) as client:
        message = error_of(await client.get("get-queue-calls",
                                            params={"sort_by": "oldest_first"}), 400)
        assert "newest_first" in message
        data_of(await client.get("get-queue-calls", params={"sort_by": "newest_first"}))


NOT_FOUND = {"code": 404, "status": "error", "message": "Not found"}


@pytest.mark.asyncio
@pytest.mark.parametrize("url", [
    "get-voicemails", "http://pbx/api/integration/v3/get-user-calls", "http://pbx/api/calls",
    "http://pbx/elsewhere", "http://pbx/_sandbox/elsewhere", "get-system-status",
])
async def test_every_unknown_path_is_the_same_404(api: httpx.AsyncClient, url: str) -> None:
    response = await api.get(url)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.asyncio
@pytest.mark.parametrize("token", [SANDBOX_API_KEY, None])
async def test_a_trailing_slash_is_a_404_not_a_redirect(api: httpx.AsyncClient,
                                                        token: str | None) -> None:
    headers = {"token": token} if token else {}
    for path in ("get-user-calls/", "call-to-number/", "http://pbx/api/integration/v1/"):
        response = await api.get(path, headers=headers)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        assert "location" not in response.headers


@pytest.mark.asyncio
async def test_wrong_method_is_a_405_in_the_error_envelope(api: httpx.AsyncClient) -> None:
    assert error_of(await api.post("get-user-calls"), 405) == "Method not allowed"
    response = await api.get("call-to-number")
    error_of(response, 405)
    assert "POST" in response.headers["allow"]
