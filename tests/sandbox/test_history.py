"""Paging, sorting and filtering, checked against the whole history filtered here in Python."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox import Sandbox
from tests.fixtures.sandbox import SANDBOX_API_KEY, SANDBOX_BASE_PATH
from tests.sandbox.helpers import data_of

Row = dict[str, Any]


def _start(row: Row) -> datetime:
    return datetime.fromisoformat(row["call_start_at"].replace("Z", "+00:00"))


def _client(sandbox: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app),
                             base_url=f"http://pbx{SANDBOX_BASE_PATH}/",
                             headers={"token": SANDBOX_API_KEY})


async def _all(api: httpx.AsyncClient, kind: CallKind, **params: Any) -> list[Row]:
    return data_of(await api.get(kind.endpoint, params={"limit": 10000, **params}))


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", list(CallKind))
async def test_newest_first_pages_tile_the_history(api: httpx.AsyncClient,
                                                   kind: CallKind) -> None:
    everything = await _all(api, kind)
    starts = [_start(row) for row in everything]
    assert starts == sorted(starts, reverse=True)
    paged: list[Row] = []
    offset = 0
    while True:
        page = data_of(await api.get(kind.endpoint, params={"limit": 97, "offset": offset}))
        paged += page
        if len(page) < 97:
            break
        offset += 97
    assert paged == everything


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", list(CallKind))
async def test_oldest_first_is_the_exact_reverse(api: httpx.AsyncClient, kind: CallKind) -> None:
    newest = await _all(api, kind)
    oldest = await _all(api, kind, sort_by="oldest_first")
    assert oldest == newest[::-1]
    second_page = data_of(await api.get(kind.endpoint, params={
        "sort_by": "oldest_first", "limit": 10, "offset": 10}))
    assert second_page == oldest[10:20]


@pytest.mark.asyncio
async def test_offset_past_the_end_is_an_empty_page(api: httpx.AsyncClient) -> None:
    assert data_of(await api.get("get-ringgroup-calls", params={"offset": 9999})) == []


@pytest.mark.asyncio
async def test_date_filter_is_utc_and_to_date_inclusive_by_default(
        api: httpx.AsyncClient) -> None:
    everything = await _all(api, CallKind.USER)
    newest_day = _start(everything[0]).date()
    first, last = newest_day - timedelta(days=9), newest_day - timedelta(days=3)
    expected = [row for row in everything if first <= _start(row).date() <= last]
    assert len(expected) > 50
    got = await _all(api, CallKind.USER, from_date=first.isoformat(), to_date=last.isoformat())
    assert got == expected
    one_day = await _all(api, CallKind.USER, from_date=last.isoformat(),
                         to_date=last.isoformat())
    assert one_day == [row for row in everything if _start(row).date() == last]


@pytest.mark.asyncio
async def test_only_from_or_only_to(api: httpx.AsyncClient) -> None:
    everything = await _all(api, CallKind.QUEUE)
    pivot = _start(everything[len(everything) // 2]).date()
    after = await _all(api, CallKind.QUEUE, from_date=pivot.isoformat())
    before = await _all(api, CallKind.QUEUE, to_date=pivot.isoformat())
    assert after == [row for row in everything if _start(row).date() >= pivot]
    assert before == [row for row in everything if _start(row).date() <= pivot]


@pytest.mark.asyncio
async def test_date_zone_and_exclusive_to_date_are_settings(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(date_timezone="account", to_date_inclusive=False)
    zone = sandbox.account.timezone
    assert str(zone) == "Australia/Sydney"
    async with _client(sandbox) as api:
        everything = await _all(api, CallKind.USER)
        newest_local = _start(everything[0]).astimezone(zone).date()
        first, end = newest_local - timedelta(days=6), newest_local - timedelta(days=2)
        got = await _all(api, CallKind.USER, from_date=first.isoformat(),
                         to_date=end.isoformat())
    expected = [row for row in everything if first <= _start(row).astimezone(zone).date() < end]
    assert len(expected) > 20
    assert got == expected


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", [CallKind.QUEUE, CallKind.RING_GROUP])
async def test_group_names_filter(api: httpx.AsyncClient, sandbox: Sandbox,
                                  kind: CallKind) -> None:
    groups = sandbox.account.queues if kind is CallKind.QUEUE else sandbox.account.ring_groups
    field, parameter = kind.group_field, kind.names_parameter
    assert field is not None
    assert parameter is not None
    everything = await _all(api, kind)
    one = groups[0].name
    got = await _all(api, kind, **{parameter: one})
    assert got == [row for row in everything if row[field] == one]
    assert got
    both = {groups[0].name, groups[1].name}
    got = await _all(api, kind, **{parameter: f" {groups[0].name} ,{groups[1].name}"})
    assert got == [row for row in everything if row[field] in both]
    assert await _all(api, kind, **{parameter: "No such group"}) == []


@pytest.mark.asyncio
async def test_user_filter_uses_users_numbers_by_default(api: httpx.AsyncClient,
                                                         sandbox: Sandbox) -> None:
    everything = await _all(api, CallKind.USER)
    wanted = {sandbox.account.users[0].extension, sandbox.account.users[3].extension}
    got = await _all(api, CallKind.USER, users_numbers=",".join(sorted(wanted)))
    assert got == [row for row in everything if row["user_number"] in wanted]
    assert {row["user_number"] for row in got} == wanted


@pytest.mark.asyncio
async def test_user_filter_parameter_name_is_a_setting(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(user_filter_param="user_number")
    extension = sandbox.account.users[1].extension
    async with _client(sandbox) as api:
        everything = await _all(api, CallKind.USER)
        assert await _all(api, CallKind.USER, users_numbers=extension) == everything
        got = await _all(api, CallKind.USER, user_number=extension)
    assert got == [row for row in everything if row["user_number"] == extension]


@pytest.mark.asyncio
async def test_unique_call_id_selects_every_leg_of_one_call(api: httpx.AsyncClient) -> None:
    queue_rows = await _all(api, CallKind.QUEUE)
    call_id = next(row["unique_call_id"] for row in queue_rows
                   if row["status"] == "answered" and row["unique_call_id"] not in (None, "null"))
    users = await _all(api, CallKind.USER, unique_call_id=call_id)
    assert users
    assert {row["unique_call_id"] for row in users} == {call_id}
    queue = await _all(api, CallKind.QUEUE, unique_call_id=call_id)
    assert [row["unique_call_id"] for row in queue] == [call_id]


@pytest.mark.asyncio
async def test_filters_combine_with_paging(api: httpx.AsyncClient, sandbox: Sandbox) -> None:
    extension = sandbox.account.users[2].extension
    everything = await _all(api, CallKind.USER)
    today = _start(everything[0]).date()
    start = (today - timedelta(days=20)).isoformat()
    expected = [row for row in everything if row["user_number"] == extension
                and _start(row).date() >= date.fromisoformat(start)][::-1]
    page = data_of(await api.get("get-user-calls", params={
        "users_numbers": extension, "from_date": start, "sort_by": "oldest_first",
        "offset": 5, "limit": 7}))
    assert page == expected[5:12]


def test_ground_truth_rows_cover_the_configured_days(sandbox: Sandbox) -> None:
    rows = sandbox.rows(CallKind.USER)
    now = sandbox.now()
    oldest = _start(rows[-1])
    assert now - timedelta(days=30, minutes=10) <= oldest < now - timedelta(days=27)
    # Nothing in the generated history lies after the moment the sandbox was built.
    assert _start(rows[0]) <= datetime.now(UTC) + timedelta(seconds=5)


@pytest.mark.asyncio
async def test_repeated_and_many_names_select_each_row_once(api: httpx.AsyncClient,
                                                           sandbox: Sandbox) -> None:
    everything = await _all(api, CallKind.USER)
    extension = sandbox.account.users[0].extension
    twice = await _all(api, CallKind.USER, users_numbers=f"{extension},{extension}")
    assert twice == [row for row in everything if row["user_number"] == extension]
    # More names than one merged query takes (50): the plain IN path, same answer.
    names = [u.extension for u in sandbox.account.users] + [str(n) for n in range(9000, 9060)]
    for sort in ("newest_first", "oldest_first"):
        got = await _all(api, CallKind.USER, users_numbers=",".join(names), sort_by=sort)
        merged = await _all(api, CallKind.USER, users_numbers=",".join(names[:12]),
                            sort_by=sort)
        assert got == merged
        assert got == (everything if sort == "newest_first" else everything[::-1])
