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
    ("limit", "abc"), ("limit", "0"), ("limit", "10001"), ("limit", "-1"), ("limit", "1.5"),
    ("limit", ""), ("limit", " 5"), ("limit", "99999999999999999999"),
    ("offset", "x"), ("offset", "-1"), ("offset", "10000"), ("offset", "1e3"),
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


@pytest.mark.asyncio
async def test_unknown_endpoint_is_a_404_in_the_error_envelope(api: httpx.AsyncClient) -> None:
    error_of(await api.get("get-voicemails"), 404)
    error_of(await api.get("http://pbx/api/integration/v3/get-user-calls"), 404)
    error_of(await api.get("http://pbx/elsewhere"), 404)


@pytest.mark.asyncio
async def test_wrong_method_is_a_405_in_the_error_envelope(api: httpx.AsyncClient) -> None:
    error_of(await api.post("get-user-calls"), 405)
    response = await api.get("call-to-number")
    error_of(response, 405)
    assert "POST" in response.headers["allow"]
