"""The client against the sandbox PBX, in process and over a real loopback socket."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import PbxClient
from pbxdesk.api.errors import (
    AuthError,
    BadRequestError,
    BudgetExhaustedError,
    CallMayHavePlacedError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    TruncatedError,
)
from pbxdesk.api.models import CallKind, GroupCall, HistoryQuery, SortOrder, UserCall
from pbxdesk.api.retry import RetryPolicy
from pbxdesk.sandbox import Sandbox
from pbxdesk.sandbox.server import SandboxServer
from tests.fixtures.api import FakeClock, FakeSleep, MakeClient

pytestmark = pytest.mark.asyncio


def keys_of(rows: list[dict[str, object]]) -> list[str]:
    """Ground-truth rows' ids in order (ids are unique per user leg in the sandbox)."""
    return [f"{row['unique_call_id']}:{row['user_number']}" for row in rows]


def page_keys(rows: tuple[UserCall, ...] | tuple[GroupCall, ...]) -> list[str]:
    return [f"{row.unique_call_id}:{row.user_number}" for row in rows]


async def test_connection_ok(pbx: PbxClient, sandbox: Sandbox) -> None:
    await pbx.check_connection()
    assert sandbox.request_counts == {"get-user-calls": 1}


async def test_wrong_key(sandbox: Sandbox, served: SandboxServer | None,
                         make_client: MakeClient) -> None:
    if served is None:
        client = make_client(sandbox, api_key="wrong-key-123")
    else:
        client = make_client(base_url=served.base_url, api_key="wrong-key-123")
    with pytest.raises(AuthError, match="refused the request with 401") as caught:
        await client.check_connection()
    assert caught.value.status_code == 401
    assert "allow-list" in str(caught.value)
    assert "API key" in str(caught.value)


async def test_address_not_allowed(pbx: PbxClient, sandbox: Sandbox) -> None:
    sandbox.set_allow_list(["203.0.113.7"])
    with pytest.raises(AuthError, match="public IP address"):
        await pbx.check_connection()
    sandbox.set_allow_list(["127.0.0.0/8"])
    await pbx.check_connection()


async def test_user_calls_match_ground_truth(pbx: PbxClient, sandbox: Sandbox) -> None:
    page = await pbx.get_user_calls(HistoryQuery(limit=200))
    truth = sandbox.rows(CallKind.USER, limit=200)
    assert page_keys(page.rows) == keys_of(truth)
    assert page.rejected == 0
    for row in page.rows:
        assert row.call_start_at is not None
        assert row.call_start_at.utcoffset() == timedelta(0)
    # The quirks (numbers as strings, "null") are read, not rejected.
    assert all(isinstance(row.call_duration, int) for row in page.rows)


async def test_sort_dates_and_offset(pbx: PbxClient, sandbox: Sandbox) -> None:
    today = sandbox.now().date()
    start, end = today - timedelta(days=9), today - timedelta(days=3)
    query = HistoryQuery(from_date=start, to_date=end, sort=SortOrder.OLDEST_FIRST,
                         offset=5, limit=40)
    page = await pbx.get_user_calls(query)
    truth = sandbox.rows(CallKind.USER, from_date=start, to_date=end,
                         sort=SortOrder.OLDEST_FIRST, offset=5, limit=40)
    assert page_keys(page.rows) == keys_of(truth)
    starts = [row.call_start_at for row in page.rows if row.call_start_at]
    assert starts == sorted(starts)
    assert all(start <= moment.date() <= end for moment in starts)


@pytest.mark.parametrize("kind", [CallKind.QUEUE, CallKind.RING_GROUP])
async def test_group_calls_filtered_by_name(pbx: PbxClient, sandbox: Sandbox,
                                            kind: CallKind) -> None:
    groups = (sandbox.account.queues if kind is CallKind.QUEUE
              else sandbox.account.ring_groups)
    name = groups[0].name
    page = await pbx.get_calls(kind, HistoryQuery(names=(name,), limit=500))
    truth = sandbox.rows(kind, names=[name], limit=500)
    assert len(page.rows) == len(truth) > 0
    assert {row.group_name for row in page.rows} == {name}
    assert all(isinstance(row, GroupCall) and row.kind is kind for row in page.rows)


async def test_user_filter(pbx: PbxClient, sandbox: Sandbox) -> None:
    extension = sandbox.account.users[1].extension
    page = await pbx.get_user_calls(HistoryQuery(names=(extension,), limit=500))
    truth = sandbox.rows(CallKind.USER, names=[extension], limit=500)
    assert page_keys(page.rows) == keys_of(truth)
    assert {row.user_number for row in page.rows} == {extension}


async def test_bad_request_shows_the_server_message(pbx: PbxClient, sandbox: Sandbox) -> None:
    with pytest.raises(BadRequestError, match="'9999' is not a user") as caught:
        await pbx.call_to_number("9999", "+61412345678")  # no such extension
    assert caught.value.status_code == 400
    assert caught.value.server_message == "user_number '9999' is not a user of this account"
    assert str(caught.value) == ("The PBX refused the request: user_number '9999' is not a "
                                 "user of this account")
    assert sandbox.placed_calls() == []


async def test_unsupported_sort_is_the_servers_400(make_sandbox: Callable[..., Sandbox],
                                                   make_client: MakeClient) -> None:
    client = make_client(make_sandbox(oldest_first=False, calls=50))
    with pytest.raises(BadRequestError, match="sort_by must be newest_first"):
        await client.get_user_calls(HistoryQuery(sort=SortOrder.OLDEST_FIRST))


async def test_rate_limit_429_with_retry_after(pbx: PbxClient, sandbox: Sandbox,
                                               make_client: MakeClient) -> None:
    sandbox.set_rate_limit(2, 600)
    await pbx.check_connection()
    await pbx.check_connection()
    with pytest.raises(RateLimitedError, match="Try again in 10 minutes") as caught:
        await pbx.get_user_calls()  # Retry-After ~600 s: beyond what a request waits for
    assert caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 600
    assert sandbox.request_count == 3


async def test_get_is_retried_after_an_injected_5xx(pbx: PbxClient, sandbox: Sandbox,
                                                    fake_sleep: FakeSleep) -> None:
    sandbox.inject_fault("status", status=503, count=2)
    page = await pbx.get_user_calls(HistoryQuery(limit=10))
    assert len(page.rows) == 10
    assert sandbox.request_counts["get-user-calls"] == 3
    assert len(fake_sleep.delays) == 2


async def test_get_gives_up_after_the_attempts(sandbox: Sandbox, make_client: MakeClient) -> None:
    sandbox.inject_fault("status", status=500, count=10)
    client = make_client(sandbox, retry=RetryPolicy(attempts=3))
    with pytest.raises(ServerError, match="HTTP 500: The service is temporarily") as caught:
        await client.get_queue_calls()
    assert caught.value.status_code == 500
    assert sandbox.request_count == 3


async def test_post_is_never_retried(pbx: PbxClient, sandbox: Sandbox) -> None:
    sandbox.inject_fault("status", status=503, count=1, endpoint="call-to-number")
    user = sandbox.account.users[0].extension
    with pytest.raises(ServerError, match="HTTP 503: The service is temporarily"):
        await pbx.call_to_number(user, "+61412345678")
    assert sandbox.request_counts == {"call-to-number": 1}
    assert sandbox.placed_calls() == []


async def test_non_json_body_is_a_protocol_error(pbx: PbxClient, sandbox: Sandbox) -> None:
    sandbox.inject_fault("non_json")
    with pytest.raises(ProtocolError, match="web page"):
        await pbx.get_user_calls()
    assert sandbox.request_count == 1  # not worth retrying


async def test_truncated_body_is_retried_then_a_protocol_error(
        sandbox: Sandbox, served: SandboxServer | None, make_client: MakeClient) -> None:
    sandbox.inject_fault("truncate", count=2)
    retry = RetryPolicy(attempts=2)
    client = (make_client(sandbox, retry=retry) if served is None else
              make_client(base_url=served.base_url, api_key=sandbox.api_key, retry=retry))
    with pytest.raises(TruncatedError, match="was cut off before it was complete") as caught:
        await client.get_user_calls(HistoryQuery(limit=50))
    assert isinstance(caught.value, ProtocolError)
    assert sandbox.request_count == 2
    page = await client.get_user_calls(HistoryQuery(limit=50))  # the fault is used up
    assert len(page.rows) == 50


async def test_dropped_answer_after_post_may_have_placed_the_call(
        pbx: PbxClient, sandbox: Sandbox) -> None:
    sandbox.inject_fault("drop", endpoint="call-to-number")
    user = sandbox.account.users[0].extension
    with pytest.raises(CallMayHavePlacedError, match="check your phone"):
        await pbx.call_to_number(user, "+61412345678")
    placed = sandbox.placed_calls()
    assert len(placed) == 1  # the call was in fact placed, and only once
    assert placed[0].fields["number_to_call"] == "+61412345678"
    assert sandbox.request_count == 1


async def test_dropped_get_is_retried(pbx: PbxClient, sandbox: Sandbox) -> None:
    sandbox.inject_fault("drop", endpoint="get-user-calls")
    page = await pbx.get_user_calls(HistoryQuery(limit=5))
    assert len(page.rows) == 5
    assert sandbox.request_count == 2


@pytest.mark.parametrize(("encoding", "seen_as"), [("json", "json"), ("form", "multipart")])
async def test_click_to_call_bodies(sandbox: Sandbox, served: SandboxServer | None,
                                    make_client: MakeClient, encoding: str,
                                    seen_as: str) -> None:
    client = (make_client(sandbox, post_encoding=encoding, default_region="AU")
              if served is None else
              make_client(base_url=served.base_url, api_key=sandbox.api_key,
                          post_encoding=encoding, default_region="AU"))
    user = sandbox.account.users[2]
    caller_id = sandbox.account.dids[0]
    result = await client.call_to_number(user.extension, "0412 345 678", caller_id=caller_id)
    assert 200 <= result.status_code < 300
    placed = sandbox.placed_calls()
    assert len(placed) == 1
    call = placed[0]
    assert call.encoding == seen_as
    assert dict(call.fields) == {"user_number": user.extension,
                                 "number_to_call": "+61412345678", "caller_id": caller_id}
    assert call.user_number == user.extension


async def test_click_to_call_caller_id_refused(pbx: PbxClient, sandbox: Sandbox) -> None:
    user = sandbox.account.users[0].extension
    with pytest.raises(BadRequestError, match="'61299998888' is not a number of this account"
                       ) as caught:
        await pbx.call_to_number(user, "+61412345678", caller_id="61299998888")
    assert caught.value.server_message
    assert sandbox.placed_calls() == []


async def test_one_log_line_per_request(pbx: PbxClient, sandbox: Sandbox,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pbxdesk.api")
    await pbx.get_user_calls(HistoryQuery(limit=7))
    lines = [r.getMessage() for r in caplog.records if r.name == "pbxdesk.api"]
    assert len(lines) == 1
    assert lines[0].startswith("GET get-user-calls offset=0 limit=7 -> 200 in ")
    assert lines[0].endswith(" ms, 7 rows")
    assert sandbox.api_key not in lines[0]


async def test_budget_exhaustion_sends_nothing(sandbox: Sandbox, make_client: MakeClient,
                                               fake_clock: FakeClock) -> None:
    budget = RequestBudget(limit=2, window=900, clock=fake_clock)
    client = make_client(sandbox, budget=budget)
    await client.check_connection()
    await client.get_ringgroup_calls()
    with pytest.raises(BudgetExhaustedError, match="next request is possible at") as caught:
        await client.call_to_number(sandbox.account.users[0].extension, "+61412345678")
    assert caught.value.retry_after == pytest.approx(900)
    assert sandbox.request_count == 2
    assert sandbox.placed_calls() == []


async def test_api_version_v1(sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sandbox, api_version="v1")
    page = await client.get_user_calls(HistoryQuery(limit=3))
    assert page_keys(page.rows) == keys_of(sandbox.rows(CallKind.USER, limit=3))
