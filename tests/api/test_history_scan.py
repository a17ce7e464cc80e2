"""iter_history's paging logic against a scripted endpoint (see fakehistory.py).

Small pages and a low offset cap make the cap bite with a few hundred rows.
The sandbox-based tests (test_history_sandbox.py) cover the same against the
emulator, including 50,000 calls with live traffic.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import PbxClient
from pbxdesk.api.errors import BudgetExhaustedError
from pbxdesk.api.history import HistoryScan
from pbxdesk.api.models import AnyCall, CallKind, Page, SortOrder
from tests.api.fakehistory import FakeHistory, spread
from tests.fixtures.api import FakeClock, MakeClient

NEWEST = datetime(2024, 5, 30, 20, 0, tzinfo=UTC)
FROM, TO = date(2024, 5, 1), date(2024, 5, 31)


async def collect(scan: HistoryScan) -> tuple[list[str], list[Page[AnyCall]]]:
    pages = [page async for page in scan]
    return [row.key for page in pages for row in page.rows], pages


def small_client(make_client: MakeClient, server: FakeHistory, **settings: Any) -> PbxClient:
    values: dict[str, Any] = {"max_offset": 40, "max_limit": 20}
    values.update(settings)
    return make_client(transport=server.transport, **values)


@pytest.mark.asyncio
async def test_one_page_when_everything_fits(make_client: MakeClient) -> None:
    server = FakeHistory(spread(15, NEWEST, timedelta(hours=7)))
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    keys, pages = await collect(scan)
    assert Counter(keys) == Counter(server.keys())
    assert len(server.requests) == 1
    assert scan.report.complete
    assert scan.report.pending is None
    assert pages[0].query.limit == 20


@pytest.mark.asyncio
async def test_page_size_is_capped_by_the_settings(make_client: MakeClient) -> None:
    server = FakeHistory(spread(5, NEWEST, timedelta(hours=7)))
    scan = make_client(transport=server.transport).iter_history(CallKind.USER, FROM, TO,
                                                                  page_size=50_000)
    await collect(scan)
    assert server.requests[0].url.params["limit"] == "10000"


@pytest.mark.asyncio
async def test_deep_history_is_paged_by_narrowing_dates(make_client: MakeClient) -> None:
    server = FakeHistory(spread(400, NEWEST, timedelta(hours=1, minutes=47)))  # ~30 days
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    keys, _ = await collect(scan)
    assert Counter(keys) == Counter(server.keys())  # every row, each once
    offsets = [int(request.url.params["offset"]) for request in server.requests]
    assert max(offsets) == 40  # the cap was reached and never passed
    assert scan.report.narrowings >= 5
    assert scan.report.complete
    to_dates = [request.url.params["to_date"] for request in server.requests]
    assert to_dates == sorted(to_dates, reverse=True)  # the window only ever shrinks
    # Frugal: far fewer than one request per day, about 2x the minimum of 400/20.
    assert len(server.requests) <= 45


@pytest.mark.asyncio
@pytest.mark.parametrize("tz_hours", [-12, -5, 0, 10, 14])
@pytest.mark.parametrize("inclusive", [True, False])
async def test_unknown_date_semantics_lose_nothing(make_client: MakeClient, tz_hours: int,
                                                   inclusive: bool) -> None:
    # Rows clustered near midnight UTC, where a wrong guess about dates bites.
    starts = [datetime(2024, 5, day, hour, minute, tzinfo=UTC)
              for day in range(3, 29) for hour in (0, 1, 12, 22, 23) for minute in (5, 50)]
    server = FakeHistory(starts, tz_hours=tz_hours, inclusive=inclusive)
    # Query a range that the server's time zone cannot cut into.
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    keys, _ = await collect(scan)
    assert Counter(keys) == Counter(server.keys())
    assert scan.report.complete


@pytest.mark.asyncio
async def test_too_little_margin_would_lose_rows(make_client: MakeClient) -> None:
    # Why the default margin is two days: UTC+14 with an exclusive to_date. The
    # first window's oldest row is 8 May 11:30 UTC; 10:30 UTC is already 9 May
    # on the server, which "to_date=9 May" (D + 1) excludes.
    starts = [datetime(2024, 5, 28, 23, 30, tzinfo=UTC)]
    starts += [datetime(2024, 5, day, hour, 30, tzinfo=UTC)
               for day in range(27, 2, -1) for hour in (23, 11, 10)]
    server = FakeHistory(starts, tz_hours=14, inclusive=False)
    scan = small_client(make_client, server, date_margin_days=1).iter_history(
        CallKind.USER, FROM, TO)
    keys, _ = await collect(scan)
    assert server.keys() - set(keys) == {"user:00000060:1010"}
    assert server.rows[60]["call_start_at"] == "2024-05-08T10:30:00.000Z"
    # The same data with the default margin loses nothing.
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    keys, _ = await collect(scan)
    assert Counter(keys) == Counter(server.keys())


@pytest.mark.asyncio
async def test_dense_day_is_reported_and_the_scan_ends(make_client: MakeClient) -> None:
    dense_day = datetime(2024, 5, 15, 23, 0, tzinfo=UTC)
    starts = spread(150, dense_day, timedelta(minutes=5))  # 150 calls on 15 May
    starts += spread(40, datetime(2024, 5, 10, 12, tzinfo=UTC), timedelta(hours=3))
    starts += spread(10, datetime(2024, 5, 28, 12, tzinfo=UTC), timedelta(hours=5))
    server = FakeHistory(starts)
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    keys, pages = await collect(scan)
    assert len(keys) == len(set(keys))
    assert date(2024, 5, 15) in scan.report.incomplete_days
    assert scan.report.finished
    assert not scan.report.complete
    assert any(page.incomplete for page in pages)
    expected = server.keys()
    missing = expected - set(keys)
    # Only calls of the dense day are missing; every other day is complete.
    assert missing
    by_key = {f"user:{row['unique_call_id']}:{row['user_number']}": row for row in server.rows}
    assert {by_key[key]["call_start_at"][:10] for key in missing} == {"2024-05-15"}
    assert len(server.requests) < 40


@pytest.mark.asyncio
async def test_oldest_first_pages_forward(make_client: MakeClient) -> None:
    server = FakeHistory(spread(300, NEWEST, timedelta(hours=2, minutes=13)))
    scan = small_client(make_client, server).iter_history(
        CallKind.USER, FROM, TO, sort=SortOrder.OLDEST_FIRST)
    keys, _ = await collect(scan)
    assert Counter(keys) == Counter(server.keys())
    from_dates = [request.url.params["from_date"] for request in server.requests]
    assert from_dates == sorted(from_dates)
    assert {request.url.params["sort_by"] for request in server.requests} == {"oldest_first"}


@pytest.mark.asyncio
async def test_server_ignoring_sort_order_is_followed(make_client: MakeClient,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    server = FakeHistory(spread(300, NEWEST, timedelta(hours=2, minutes=13)), ignore_sort=True)
    scan = small_client(make_client, server).iter_history(
        CallKind.USER, FROM, TO, sort=SortOrder.OLDEST_FIRST)
    keys, _ = await collect(scan)
    assert Counter(keys) == Counter(server.keys())
    assert "newest first although oldest_first was asked" in caplog.text


@pytest.mark.asyncio
async def test_live_traffic_during_a_scan(make_client: MakeClient) -> None:
    server = FakeHistory(spread(400, NEWEST, timedelta(hours=1, minutes=47)))
    existing = server.keys()
    arrivals = iter(range(10_000))

    def new_calls(fake: FakeHistory) -> None:
        for _ in range(7):  # seven new calls at the front before every answer
            fake.add(NEWEST + timedelta(seconds=next(arrivals) + 1))

    server.before_answer = new_calls
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    keys, _ = await collect(scan)
    counts = Counter(keys)
    assert all(counts[key] == 1 for key in existing)
    assert max(counts.values()) == 1
    assert scan.report.duplicates > 0  # the shifting pages did repeat rows


@pytest.mark.asyncio
async def test_user_filter_narrows_by_all_rows(make_client: MakeClient) -> None:
    # The server ignores the user parameter; most rows are someone else's.
    server = FakeHistory(spread(300, NEWEST, timedelta(hours=2)),
                         users=("1010", "1011", "1012", "1013", "1014"))
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO,
                                                            names=["1012"])
    keys, pages = await collect(scan)
    wanted = {row["unique_call_id"] for row in server.rows if row["user_number"] == "1012"}
    assert {key.split(":")[1] for key in keys} == wanted
    assert len(keys) == len(wanted)
    assert scan.report.filtered == sum(page.filtered for page in pages) > 0
    assert server.requests[0].url.params["users_numbers"] == "1012"
    assert scan.report.complete


@pytest.mark.asyncio
async def test_full_pages_without_start_times_end_the_scan(make_client: MakeClient) -> None:
    server = FakeHistory([None] * 100)  # type: ignore[list-item]
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    keys, _ = await collect(scan)
    assert len(keys) == len(set(keys)) == 60  # as far as the offsets reach
    assert scan.report.incomplete_days == [TO]
    assert scan.report.finished


@pytest.mark.asyncio
async def test_budget_running_out_mid_scan(make_client: MakeClient,
                                           fake_clock: FakeClock) -> None:
    server = FakeHistory(spread(400, NEWEST, timedelta(hours=1, minutes=47)))
    client = small_client(make_client, server,
                          budget=RequestBudget(limit=5, window=900, clock=fake_clock))
    scan = client.iter_history(CallKind.USER, FROM, TO)
    seen = 0

    async def drain() -> None:
        nonlocal seen
        async for page in scan:
            seen += len(page.rows)

    with pytest.raises(BudgetExhaustedError, match="budget of 5 requests per 15 minutes"):
        await drain()
    assert len(server.requests) == 5
    assert seen == scan.report.rows > 0
    assert scan.report.pending is not None
    assert not scan.report.finished


@pytest.mark.asyncio
async def test_stopping_early(make_client: MakeClient) -> None:
    server = FakeHistory(spread(400, NEWEST, timedelta(hours=1, minutes=47)))
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    async for _ in scan:
        break
    await scan.aclose()
    assert len(server.requests) == 1
    assert not scan.report.finished


@pytest.mark.asyncio
async def test_empty_or_reversed_range_sends_nothing(make_client: MakeClient) -> None:
    server = FakeHistory(spread(5, NEWEST, timedelta(hours=1)))
    scan = small_client(make_client, server).iter_history(CallKind.USER, TO, FROM)
    keys, _ = await collect(scan)
    assert keys == []
    assert server.requests == []
    assert scan.report.complete


def test_scan_refuses_impossible_parameters() -> None:
    async def never(kind: CallKind, query: object) -> Page[AnyCall]:
        raise AssertionError

    with pytest.raises(ValueError, match="page_size"):
        HistoryScan(never, CallKind.USER, FROM, TO, page_size=0)
