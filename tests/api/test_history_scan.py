"""iter_history's paging logic against a scripted endpoint (see fakehistory.py).

Small pages and a low offset cap, shaped like the API's (20 rows a page and
the cap at 19, as 10,000 and 9,999: one query reaches 39 rows from each end,
in two pages that share a row) make the cap bite with a few hundred rows.
The sandbox-based tests (test_history_sandbox.py) cover the same against the
emulator, and tests/sync the 150,000-call accounts over loopback.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import PbxClient
from pbxdesk.api.errors import BudgetExhaustedError
from pbxdesk.api.history import HistoryScan
from pbxdesk.api.models import AnyCall, CallKind, Page
from tests.api.fakehistory import FakeHistory, key_of, spread
from tests.fixtures.api import FakeClock, MakeClient

pytestmark = pytest.mark.asyncio
NEWEST = datetime(2024, 5, 30, 20, 0, tzinfo=UTC)
FROM, TO = date(2024, 5, 1), date(2024, 5, 31)
USERS = ("1010", "1011", "1012", "1013", "1014", "1015")
MORE_USERS = tuple(str(number) for number in range(1010, 1022))
CROWDED = date(2024, 5, 15)


async def collect(scan: HistoryScan) -> tuple[list[str], list[Page[AnyCall]]]:
    pages = [page async for page in scan]
    return [row.key for page in pages for row in page.rows], pages


def small_client(make_client: MakeClient, server: FakeHistory, **settings: Any) -> PbxClient:
    values: dict[str, Any] = {"max_offset": 19, "max_limit": 20}
    values.update(settings)
    return make_client(transport=server.transport, **values)


def crowded_month(users: tuple[str, ...] = USERS, **options: Any) -> FakeHistory:
    """A quiet month with one crowded day: 300 calls on 15 May (eight queries' worth)."""
    starts = spread(300, datetime(2024, 5, 15, 23, 50, tzinfo=UTC), timedelta(minutes=4))
    starts += spread(60, datetime(2024, 5, 30, 12, tzinfo=UTC), timedelta(hours=5, minutes=3))
    starts += spread(40, datetime(2024, 5, 14, 22, tzinfo=UTC), timedelta(hours=7, minutes=7))
    return FakeHistory(starts, users=users, **options)


def offsets_overlap_by_one_row(server: FakeHistory) -> None:
    """Each sweep reads offsets 0 and 19: the second page begins with the first's last row."""
    for request in server.requests:
        assert int(request.url.params["offset"]) in (0, 19)


async def test_one_page_when_everything_fits(make_client: MakeClient) -> None:
    server = FakeHistory(spread(15, NEWEST, timedelta(hours=7)))
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    keys, pages = await collect(scan)
    assert Counter(keys) == Counter(server.keys())
    assert len(server.requests) == 1
    assert scan.report.complete
    assert pages[0].query.limit == 20


async def test_page_size_is_capped_by_the_settings(make_client: MakeClient) -> None:
    server = FakeHistory(spread(5, NEWEST, timedelta(hours=7)))
    scan = make_client(transport=server.transport).iter_history(CallKind.USER, FROM, TO,
                                                                  page_size=50_000)
    await collect(scan)
    assert server.requests[0].url.params["limit"] == "10000"


async def test_deep_history_is_read_in_day_windows_close_to_one_request_a_page(
        make_client: MakeClient) -> None:
    server = FakeHistory(spread(400, NEWEST, timedelta(hours=1, minutes=47)))  # ~30 days
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    keys, _ = await collect(scan)
    assert Counter(keys) == Counter(server.keys())  # every row, each once
    assert scan.report.complete
    offsets_overlap_by_one_row(server)
    assert {request.url.params["sort_by"] for request in server.requests} == {
        "newest_first", "oldest_first"}  # both ends of a window are read
    # 400 rows at 20 a page: 20 pages at the least; windows of whole days cost a few more.
    assert len(server.requests) <= 26


@pytest.mark.parametrize("tz_hours", [-12, -5, 0, 10, 14])
@pytest.mark.parametrize("inclusive", [True, False])
async def test_unknown_date_semantics_lose_nothing(make_client: MakeClient, tz_hours: int,
                                                   inclusive: bool) -> None:
    # Rows clustered near midnight UTC, where a wrong guess about dates bites.
    starts = [datetime(2024, 5, day, hour, minute, tzinfo=UTC)
              for day in range(3, 29) for hour in (0, 1, 12, 22, 23) for minute in (5, 50)]
    server = FakeHistory(starts, tz_hours=tz_hours, inclusive=inclusive)
    client = small_client(make_client, server)
    scan = client.iter_history(CallKind.USER, FROM, TO)
    keys, _ = await collect(scan)
    assert Counter(keys) == Counter(server.keys())
    assert scan.report.complete
    assert client.traits.inclusive in (inclusive, None)  # learnt, or not needed


async def test_the_cut_of_to_date_is_learnt_from_the_rows(make_client: MakeClient) -> None:
    server = FakeHistory(spread(400, NEWEST, timedelta(hours=1, minutes=47)), tz_hours=10,
                         inclusive=True)
    client = small_client(make_client, server)
    await collect(client.iter_history(CallKind.USER, FROM, TO))
    traits = client.traits
    assert traits.inclusive is True
    # UTC+10: the server's day ends at 14:00 UTC, within the gap between two rows.
    assert 12 * 3600 <= traits.cut_low < 14 * 3600 <= traits.cut_high <= 16 * 3600
    assert 8 * 3600 <= traits.zone_shift <= 12 * 3600


async def test_a_crowded_day_is_split_by_users(make_client: MakeClient) -> None:
    server = crowded_month()
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO,
                                                            known_names=USERS)
    keys, _ = await collect(scan)
    assert Counter(keys) == Counter(server.keys())
    assert scan.report.complete
    selectors = [request.url.params.get("users_numbers", "") for request in server.requests]
    groups = {tuple(selector.split(",")) for selector in selectors if selector}
    assert groups
    assert all(len(group) < len(USERS) for group in groups)
    offsets_overlap_by_one_row(server)
    # 400 rows: 20 pages at the least. At this scale each user has more calls that day
    # than one end reaches (50 to 39), so each is read from both ends: short pages.
    assert len(server.requests) <= 32


@pytest.mark.parametrize("why", ["selector ignored", "a single user"])
async def test_a_crowded_day_that_cannot_be_split_is_reported_with_an_estimate(
        make_client: MakeClient, why: str, caplog: pytest.LogCaptureFixture) -> None:
    server = (crowded_month(ignore_selector=True) if why == "selector ignored"
              else crowded_month())
    if why == "a single user":
        for row in server.rows:
            row["user_number"] = "1010"
    client = small_client(make_client, server)
    scan = client.iter_history(CallKind.USER, FROM, TO, known_names=USERS)
    keys, _ = await collect(scan)
    assert len(keys) == len(set(keys))
    report = scan.report
    assert report.finished
    assert not report.complete
    assert report.incomplete_days == [CROWDED]
    missing = server.keys() - set(keys)
    by_key = {key_of(row): row for row in server.rows}
    assert {by_key[key]["call_start_at"][:10] for key in missing} == {"2024-05-15"}
    # Both ends of the day were read (77 of its 300 rows): about 223 are missing.
    assert 0.5 * len(missing) <= report.incomplete[0].missing <= 2 * len(missing)
    assert "could not be fetched" in caplog.text
    if why == "selector ignored":
        assert client.traits.selectors == {"user": False}


async def test_a_server_ignoring_oldest_first_is_noticed(make_client: MakeClient,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    # Twelve users: 25 calls each on the crowded day, what one end of a query reaches.
    server = crowded_month(MORE_USERS, ignore_sort=True)
    client = small_client(make_client, server)
    scan = client.iter_history(CallKind.USER, FROM, TO, known_names=MORE_USERS)
    keys, _ = await collect(scan)
    assert Counter(keys) == Counter(server.keys())
    assert scan.report.complete
    assert client.traits.oldest_first is False
    assert "does not page user calls oldest first" in caplog.text


async def test_a_server_refusing_oldest_first_is_noticed(make_client: MakeClient) -> None:
    server = crowded_month(MORE_USERS, refuse_sort=True)
    client = small_client(make_client, server)
    scan = client.iter_history(CallKind.USER, FROM, TO, known_names=MORE_USERS)
    keys, _ = await collect(scan)
    assert Counter(keys) == Counter(server.keys())
    assert scan.report.complete
    assert client.traits.oldest_first is False
    refused = [r for r in server.requests if r.url.params["sort_by"] == "oldest_first"]
    assert len(refused) == 1  # asked once, then never again


async def test_a_user_with_more_calls_than_a_query_reaches_is_reported(
        make_client: MakeClient) -> None:
    # Without oldest_first, one end reaches 39 rows: each of six users has 50 that day.
    server = crowded_month(refuse_sort=True)
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO,
                                                            known_names=USERS)
    keys, _ = await collect(scan)
    missing = server.keys() - set(keys)
    assert scan.report.incomplete_days == [CROWDED]
    day = scan.report.incomplete[0]
    assert "each had more calls than the API can page through" in day.reason
    # Rougher than with both ends: where the day's calls begin cannot be seen.
    assert 0.5 * len(missing) <= day.missing <= 3 * len(missing)


async def test_rows_deleted_between_pages_are_read_again(make_client: MakeClient,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    server = FakeHistory(spread(400, NEWEST, timedelta(hours=1, minutes=47)))
    answered = 0

    def delete_after_the_first_page(fake: FakeHistory) -> None:
        nonlocal answered
        answered += 1
        if answered == 2:  # between the pages at offsets 0 and 19
            fake.delete(7)

    server.before_answer = delete_after_the_first_page
    caplog.set_level(logging.INFO, "pbxdesk.api")
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    keys, _ = await collect(scan)
    assert server.keys() <= set(keys)  # every call that existed throughout
    assert len(keys) == len(set(keys))
    assert scan.report.complete
    offsets = [int(request.url.params["offset"]) for request in server.requests]
    assert offsets[:3] == [0, 19, 0]  # the moved page was not trusted: read again


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


async def test_user_filter_narrows_by_all_rows(make_client: MakeClient) -> None:
    # The server ignores the user parameter; most rows are someone else's.
    server = FakeHistory(spread(300, NEWEST, timedelta(hours=2)), users=USERS[:5],
                         ignore_selector=True)
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO,
                                                            names=["1012"])
    keys, pages = await collect(scan)
    wanted = {row["unique_call_id"] for row in server.rows if row["user_number"] == "1012"}
    assert {key.split(":")[1] for key in keys} == wanted
    assert len(keys) == len(wanted)
    assert scan.report.filtered == sum(page.filtered for page in pages) > 0
    assert server.requests[0].url.params["users_numbers"] == "1012"
    assert scan.report.complete


async def test_full_pages_without_start_times_end_the_scan(make_client: MakeClient) -> None:
    server = FakeHistory([None] * 100)  # type: ignore[list-item]
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    keys, _ = await collect(scan)
    assert len(keys) == len(set(keys)) == 39  # as far as the offsets reach
    assert scan.report.incomplete_days == [TO]
    assert scan.report.finished


async def test_a_scan_stopped_by_the_budget_resumes_from_its_checkpoint(
        make_client: MakeClient, fake_clock: FakeClock) -> None:
    server = crowded_month()
    whole = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO,
                                                             known_names=USERS)
    await collect(whole)
    needed = len(server.requests)
    server.requests.clear()
    client = small_client(make_client, server,
                          budget=RequestBudget(limit=6, window=900, clock=fake_clock))
    scan = client.iter_history(CallKind.USER, FROM, TO, known_names=USERS)
    first: list[str] = []

    async def drain() -> None:
        async for page in scan:
            first.extend(row.key for row in page.rows)

    with pytest.raises(BudgetExhaustedError, match="budget of 6 requests per 15 minutes"):
        await drain()
    assert len(server.requests) == 6
    assert not scan.report.finished
    resumed = small_client(make_client, server).iter_history(
        CallKind.USER, FROM, TO, known_names=USERS, resume=scan.checkpoint())
    assert resumed.resumed
    rest, _ = await collect(resumed)
    assert set(first) | set(rest) == server.keys()
    assert resumed.report.complete
    assert len(server.requests) - 6 <= needed - 6 + 1  # what was left, and at most one again


async def test_a_checkpoint_of_another_range_is_not_taken(make_client: MakeClient) -> None:
    server = crowded_month()
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    async for _ in scan:
        break
    state = scan.checkpoint()
    client = small_client(make_client, server)
    assert not client.iter_history(CallKind.USER, FROM, TO + timedelta(days=1),
                                   resume=state).resumed
    assert not client.iter_history(CallKind.QUEUE, FROM, TO, resume=state).resumed
    for damaged in ({**state, "phase": "sideways"}, {**state, "segment": {"role": 1}}, "x"):
        assert not client.iter_history(CallKind.USER, FROM, TO, resume=damaged).resumed
    assert client.iter_history(CallKind.USER, FROM, TO, resume=state).resumed


async def test_since_stops_at_older_rows(make_client: MakeClient) -> None:
    server = FakeHistory(spread(400, NEWEST, timedelta(hours=1, minutes=47)))
    since = NEWEST - timedelta(hours=20)
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO, since=since)
    keys, _ = await collect(scan)
    recent = {key_of(row) for row in server.rows if row["call_start_at"] >= since.isoformat()}
    assert recent <= set(keys)
    assert len(server.requests) == 1  # a refresh: the newest page reaches back far enough
    assert scan.report.complete


async def test_stopping_early(make_client: MakeClient) -> None:
    server = FakeHistory(spread(400, NEWEST, timedelta(hours=1, minutes=47)))
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO)
    async for _ in scan:
        break
    await scan.aclose()
    assert len(server.requests) == 1
    assert not scan.report.finished


async def test_empty_or_reversed_range_sends_nothing(make_client: MakeClient) -> None:
    server = FakeHistory(spread(5, NEWEST, timedelta(hours=1)))
    scan = small_client(make_client, server).iter_history(CallKind.USER, TO, FROM)
    keys, _ = await collect(scan)
    assert keys == []
    assert server.requests == []
    assert scan.report.complete


@pytest.mark.filterwarnings("ignore:The test <Function:pytest.PytestWarning")
def test_scan_refuses_impossible_parameters() -> None:
    async def never(kind: CallKind, query: object) -> Page[AnyCall]:
        raise AssertionError

    with pytest.raises(ValueError, match="page_size"):
        HistoryScan(never, CallKind.USER, FROM, TO, page_size=1)
