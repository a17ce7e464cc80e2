"""The /_sandbox/ control endpoints: token required, each one does what it says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox import CallState, Sandbox
from tests.fixtures.sandbox import SANDBOX_API_KEY, SANDBOX_CONTROL_TOKEN
from tests.sandbox.helpers import data_of, error_of


@pytest.fixture
def control(http: httpx.Client, sandbox_server: Any) -> Callable[..., Any]:
    """``control(method, path, json=None)`` → the decoded answer (asserting 200)."""
    def call(method: str, path: str, json: Any = None) -> Any:
        response = http.request(method, f"{sandbox_server.base_url}/_sandbox/{path}", json=json,
                                headers={"X-Sandbox-Token": SANDBOX_CONTROL_TOKEN})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ok"] is True
        return body
    return call


@pytest.mark.parametrize("headers", [{}, {"X-Sandbox-Token": "wrong"},
                                     {"token": SANDBOX_API_KEY}])
def test_control_needs_its_token(sandbox_server: Any, headers: dict[str, str]) -> None:
    for method, path in [("GET", "counters"), ("POST", "reset"), ("DELETE", "faults")]:
        response = httpx.request(method, f"{sandbox_server.base_url}/_sandbox/{path}",
                                 headers=headers)
        assert response.status_code == 401
        assert response.json()["ok"] is False


@pytest.mark.asyncio
async def test_control_can_be_disabled(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(control_enabled=False)
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pbx") as client:
        response = await client.get("/_sandbox/counters",
                                    headers={"X-Sandbox-Token": sandbox.control_token})
    error_of(response, 404)


def test_random_control_token_by_default() -> None:
    first, second = Sandbox(), Sandbox()
    try:
        assert first.control_token != second.control_token
        assert len(first.control_token) >= 20
    finally:
        first.close()
        second.close()


def test_counters_count_api_requests_only(control: Callable[..., Any], http: httpx.Client,
                                          sandbox: Sandbox) -> None:
    http.get("get-user-calls", params={"limit": 1})
    http.get("get-user-calls", params={"limit": "bad"})
    http.get("get-queue-calls", headers={"token": "wrong"})
    http.get("../v1/get-system-status")
    expected = {"get-user-calls": 2, "get-queue-calls": 1, "get-system-status": 1}
    assert control("GET", "counters") == {"ok": True, "total": 4, "by_endpoint": expected}
    assert sandbox.request_count == 4
    assert sandbox.request_counts == expected


def test_calls_deleted_now_or_in_the_middle_of_a_scan(control: Callable[..., Any],
                                                     http: httpx.Client,
                                                     sandbox: Sandbox) -> None:
    queue_rows = sandbox.row_count(CallKind.QUEUE)
    newest = sandbox.rows(CallKind.QUEUE, limit=50)
    assert control("POST", "delete-calls", {"kind": "queue", "count": 5,
                                            "among_newest": 50}) == {
        "ok": True, "deleted": 5, "scheduled": False}
    assert sandbox.row_count(CallKind.QUEUE) == queue_rows - 5
    left = sandbox.rows(CallKind.QUEUE, limit=45)
    assert [row for row in newest if row not in left] != []
    assert all(row in newest for row in left)  # only among the 50 newest
    # Scheduled: the second API request from now is answered after the deletion.
    assert control("POST", "delete-calls", {"kind": "user", "count": 3,
                                            "after_requests": 2})["scheduled"] is True
    users = sandbox.row_count(CallKind.USER)
    http.get("get-user-calls", params={"limit": 1})
    assert sandbox.row_count(CallKind.USER) == users
    http.get("get-user-calls", params={"limit": 1})
    assert sandbox.row_count(CallKind.USER) == users - 3


def test_history_rules_by_control(control: Callable[..., Any], http: httpx.Client,
                                  sandbox: Sandbox) -> None:
    extension = sandbox.account.users[0].extension
    params = {"users_numbers": extension, "limit": 200}
    assert {row["user_number"] for row in data_of(http.get("get-user-calls",
                                                           params=params))} == {extension}
    rules = control("PUT", "history-rules", {"ignore_user_selector": True,
                                             "ignore_oldest_first": True})
    assert rules["ignore_user_selector"] is True
    assert len({row["user_number"] for row in data_of(http.get("get-user-calls",
                                                               params=params))}) > 1
    oldest = data_of(http.get("get-user-calls", params={"sort_by": "oldest_first", "limit": 2}))
    newest = data_of(http.get("get-user-calls", params={"limit": 2}))
    assert oldest == newest  # the order asked for is ignored
    assert control("GET", "history-rules")["ignore_oldest_first"] is True


def test_info_and_account(control: Callable[..., Any], sandbox: Sandbox) -> None:
    info = control("GET", "")
    assert info["rows"]["user"] == sandbox.row_count(CallKind.USER)
    assert "sandbox-test-key" not in str(info)
    account = control("GET", "account")["account"]
    assert [u["extension"] for u in account["users"]] == [
        u.extension for u in sandbox.account.users]
    assert account["dids"] == list(sandbox.account.dids)


def test_script_next_call_and_list_placed_calls(control: Callable[..., Any], http: httpx.Client,
                                                sandbox: Sandbox) -> None:
    control("POST", "next-call", {"destination_answers": False})
    user = sandbox.account.users[0].extension
    http.post("call-to-number", data={"user_number": user, "number_to_call": "+61412345678"})
    sandbox.wait_for_calls()
    [call] = control("GET", "placed-calls")["calls"]
    assert call["state"] == CallState.NOT_ANSWERED.value
    assert call["not_answered_by"] == "destination"
    assert call["encoding"] == "urlencoded"
    assert call["fields"] == {"user_number": user, "number_to_call": "+61412345678"}
    response = http.request("POST", "../../../_sandbox/next-call", json={"talk_seconds": -5},
                            headers={"X-Sandbox-Token": SANDBOX_CONTROL_TOKEN})
    assert response.status_code == 400
    assert "talk_seconds" in response.json()["error"]


def test_allow_list_and_rate_limit(control: Callable[..., Any], http: httpx.Client) -> None:
    assert control("PUT", "allow-list", {"addresses": ["192.0.2.0/24"]})["addresses"] == [
        "192.0.2.0/24"]
    assert http.get("get-user-calls").status_code == 401
    control("PUT", "allow-list", {"addresses": ["127.0.0.1"]})
    assert control("PUT", "rate-limit", {"limit": 1, "window_seconds": 60}) == {
        "ok": True, "limit": 1, "window_seconds": 60.0}
    data_of(http.get("get-user-calls", params={"limit": 1}))
    error_of(http.get("get-user-calls"), 429)
    control("PUT", "rate-limit", {"limit": None})
    data_of(http.get("get-user-calls", params={"limit": 1}))


def test_faults_by_control(control: Callable[..., Any], http: httpx.Client) -> None:
    faults = control("POST", "faults", {"kind": "status", "status": 503, "count": 2})["faults"]
    assert faults[0]["kind"] == "status"
    assert faults[0]["count"] == 2
    error_of(http.get("get-user-calls"), 503)
    assert control("GET", "faults")["faults"][0]["count"] == 1
    assert control("DELETE", "faults")["faults"] == []
    data_of(http.get("get-user-calls", params={"limit": 1}))


def test_calls_rows_advance_live_reset_seed(control: Callable[..., Any],
                                            sandbox: Sandbox) -> None:
    before = sandbox.row_count(CallKind.USER) + sandbox.row_count(CallKind.QUEUE) + \
        sandbox.row_count(CallKind.RING_GROUP)
    assert control("POST", "calls", {"count": 50, "days": 1})["rows_added"] > 40
    odd = {"type": "user_future_type", "call_start_at": "2030-01-01T00:00:00.000Z"}
    assert control("POST", "rows/user", {"rows": [odd]})["rows_added"] == 1
    assert sandbox.rows(CallKind.USER, limit=1) == [odd]
    assert control("PUT", "live", {"enabled": True, "calls_per_minute": 30})["enabled"] is True
    now = control("POST", "advance", {"seconds": 600})["now"]
    assert now.startswith(sandbox.now().isoformat()[:15])
    control("POST", "reset")
    assert not sandbox.live_traffic
    after = sandbox.row_count(CallKind.USER) + sandbox.row_count(CallKind.QUEUE) + \
        sandbox.row_count(CallKind.RING_GROUP)
    assert after == before
    rows = control("POST", "seed", {"seed": 3, "calls": 200})["rows"]
    assert 150 < rows["user"] < 300
    assert sandbox.config.seed == 3


def test_webhooks_by_control(control: Callable[..., Any], sandbox: Sandbox) -> None:
    assert control("PUT", "webhooks", {"urls": ["http://127.0.0.1:9/x"], "secret": "s3cret"})[
        "deliveries"] == []
    with pytest.raises(AssertionError, match="urls must be a list"):
        control("PUT", "webhooks", {"urls": "not a list"})


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "calls", {}), ("POST", "calls", {"count": "many"}), ("POST", "seed", {"seed": 1.5}),
    ("POST", "faults", {"kind": "meteor"}), ("POST", "faults", {"kind": "drop", "bogus": 1}),
    ("PUT", "allow-list", {"addresses": ["nope"]}), ("PUT", "rate-limit", {"limit": 0}),
    ("POST", "advance", {"seconds": -1}), ("POST", "rows/elsewhere", {"rows": []}),
    ("POST", "reset", [1, 2]), ("POST", "delete-calls", {"kind": "queue", "count": -1}),
    ("POST", "delete-calls", {"kind": "parking", "count": 1}),
    ("PUT", "history-rules", {"user_filter_param": "x"}),
    ("PUT", "history-rules", {"ignore_user_selector": "yes"}),
])
def test_bad_control_requests_are_400(sandbox_server: Any, method: str, path: str,
                                      body: Any) -> None:
    response = httpx.request(method, f"{sandbox_server.base_url}/_sandbox/{path}", json=body,
                             headers={"X-Sandbox-Token": SANDBOX_CONTROL_TOKEN})
    assert response.status_code == 400, response.text
    assert response.json()["ok"] is False
    assert response.json()["error"]
