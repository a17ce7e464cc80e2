"""SyncEngine against the sandbox over real HTTP (in process) and a real SQLite file.

Small caps shaped like the API's (``SMALL``: 100 rows a page, offset cap 99)
make a few thousand calls behave like a big account.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import ClientSettings, PbxClient
from pbxdesk.api.errors import BudgetExhaustedError
from pbxdesk.api.models import CallKind
from pbxdesk.api.parse import parse_row
from pbxdesk.sandbox import Sandbox
from pbxdesk.store import ALL_CALLS, CallFilter, CallStore
from pbxdesk.store.writer import UpsertResult
from pbxdesk.sync.engine import ALL_KINDS, BUDGET_KEY, SyncEngine
from tests.fixtures.sandbox import ESTIMATED_HISTORY_ENDS

MakeEngine = Callable[..., SyncEngine]
SMALL = {"max_offset": 99, "max_limit": 100}


def truth_keys(sandbox: Sandbox, kind: CallKind) -> set[str]:
    keys = set()
    for raw in sandbox.rows(kind):
        row = parse_row(raw, kind, "AU")
        assert row is not None
        keys.add(row.key)
    return keys


def stored_keys(store: CallStore, kind: CallKind) -> set[str]:
    return {row.key for row in store.iter_calls(CallFilter(kinds=frozenset({kind})))}


@pytest_asyncio.fixture
async def make_engine(tmp_path: Path) -> AsyncIterator[MakeEngine]:
    made: list[tuple[SyncEngine, PbxClient, CallStore]] = []

    def make(sandbox: Sandbox, *, sync_days: int = 45, budget: RequestBudget | None = None,
             store_path: Path | None = None, clock: Callable[[], float] = time.time,
             **settings: Any) -> SyncEngine:
        client = PbxClient(
            ClientSettings(base_url="http://127.0.0.1:1", api_key=sandbox.api_key,
                           default_region="AU", **settings),
            transport=httpx.ASGITransport(app=sandbox.app),
            budget=budget or RequestBudget(limit=1000))
        store = CallStore(store_path or tmp_path / f"calls-{len(made)}.sqlite3",
                          default_region="AU")
        engine = SyncEngine(client, store, sync_days=sync_days, clock=clock)
        made.append((engine, client, store))
        return engine

    yield make
    for engine, client, store in made:
        engine.close()
        await client.aclose()
        store.close()


@pytest.mark.asyncio
async def test_first_sync_stores_every_call_of_every_kind(
        sandbox: Sandbox, make_engine: MakeEngine) -> None:
    engine = make_engine(sandbox)
    progress: list[Any] = []
    result = await engine.sync(progress=progress.append)
    for kind in ALL_KINDS:
        assert stored_keys(engine.store, kind) == truth_keys(sandbox, kind)
        assert engine.store.sync.last_success(kind) is not None
    assert result.inserted == engine.store.count(ALL_CALLS)
    assert result.requests == sandbox.request_count
    assert progress
    assert progress[-1].rows > 0


@pytest.mark.asyncio
async def test_refresh_fetches_only_the_recent_gap_and_adds_new_calls(
        sandbox: Sandbox, make_engine: MakeEngine) -> None:
    engine = make_engine(sandbox)
    await engine.sync()
    before = engine.store.count(ALL_CALLS)
    first_requests = sandbox.request_count
    added = sandbox.add_calls(20, days=0.5)
    result = await engine.sync()
    assert engine.store.count(ALL_CALLS) == before + added
    assert result.inserted == added
    # A refresh asks once per kind: the gap is hours, not the whole window.
    assert sandbox.request_count - first_requests == len(ALL_KINDS)
    for kind in ALL_KINDS:
        assert stored_keys(engine.store, kind) == truth_keys(sandbox, kind)


@pytest.mark.asyncio
async def test_spent_budget_stops_without_sending_and_resumes_where_it_stopped(
        make_sandbox: Callable[..., Sandbox], make_engine: MakeEngine) -> None:
    # The sandbox's clock stopped at a fixed end of its history: with the real time (and
    # clocks running on), what a resumed sync reads again changed with the hour.
    sandbox = make_sandbox(calls=3000, clock_speed=1e-9,
                           now=datetime(2026, 12, 7, 19, 28, tzinfo=UTC))
    reference = make_engine(sandbox, clock=lambda: sandbox.now().timestamp(), **SMALL)
    await reference.sync()
    needed = sandbox.request_count
    sandbox.reset()
    clock = FakeClock()
    # Ten: past the first look at the range's two ends (four pages here); stops inside
    # it are tested in test_resume_first_sync.
    budget = RequestBudget(limit=10, window=900, clock=clock)
    engine = make_engine(sandbox, budget=budget, clock=lambda: sandbox.now().timestamp(),
                         **SMALL)
    with pytest.raises(BudgetExhaustedError, match="budget of 10 requests per 15") as caught:
        await engine.sync()
    assert sandbox.request_count == 10  # the budget, not the server, stopped it
    assert caught.value.retry_after is not None
    partial = engine.store.count(ALL_CALLS)
    assert partial > 0  # what was fetched is kept
    assert engine.store.sync.ranges(CallKind.USER) == []  # but not marked as complete
    assert engine.store.values.get(BUDGET_KEY) is not None  # persisted for a restart
    assert engine.store.sync.checkpoints.of(CallKind.USER)  # and where the scan stood
    clock.now += 901  # the window has passed; the user also raised the budget in Settings
    budget.limit = 1000
    await engine.sync()
    for kind in ALL_KINDS:
        assert stored_keys(engine.store, kind) == truth_keys(sandbox, kind)
        assert engine.store.sync.checkpoints.of(kind) == []
    # It went on where it stopped: what was left, and at most a page more (the scan's
    # plan past its first pages may decide otherwise; see test_resume_first_sync).
    assert sandbox.request_count <= needed + 1, (sandbox.request_count, needed)


@pytest.mark.asyncio
async def test_the_sync_leaves_the_reserve_to_calls(make_sandbox: Callable[..., Sandbox],
                                                    make_engine: MakeEngine) -> None:
    sandbox = make_sandbox(calls=3000)
    budget = RequestBudget(limit=20, window=900, reserve=5)
    engine = make_engine(sandbox, budget=budget, **SMALL)
    with pytest.raises(BudgetExhaustedError, match="5 are kept for calls"):
        await engine.sync()
    assert sandbox.request_count == 15
    user = sandbox.account.users[0].extension
    await engine.client.call_to_number(user, "+61412345678")
    assert len(sandbox.placed_calls()) == 1
    assert budget.remaining() == 4


@pytest.mark.asyncio
async def test_days_that_lose_nothing_are_not_reported(
        make_sandbox: Callable[..., Sandbox], make_engine: MakeEngine,
        caplog: pytest.LogCaptureFixture) -> None:
    # About 100 user calls a day, well within the 199 rows one query reaches.
    sandbox = make_sandbox(calls=3000, days=30)
    engine = make_engine(sandbox, **SMALL)
    caplog.set_level(logging.INFO)
    result = await engine.sync()
    assert result.incomplete_days == []
    assert engine.store.sync.incomplete.of() == []
    assert "could not be fetched" not in caplog.text
    assert "may be missing" not in caplog.text
    for kind in ALL_KINDS:
        assert stored_keys(engine.store, kind) == truth_keys(sandbox, kind)


@pytest.mark.asyncio
@pytest.mark.parametrize("history_ends", ESTIMATED_HISTORY_ENDS)
async def test_incomplete_days_are_kept_and_read_again_later(
        make_sandbox: Callable[..., Sandbox], make_engine: MakeEngine,
        history_ends: datetime) -> None:
    # About 1,000 user calls a day, and a PBX that ignores the user selector.
    sandbox = make_sandbox(calls=3000, days=3, ignore_user_selector=True, now=history_ends)
    clock = FakeClock()
    clock.now = history_ends.timestamp()
    engine = make_engine(sandbox, sync_days=5, clock=clock, **SMALL)
    first = await engine.sync()
    listed = engine.store.sync.incomplete.of()
    assert listed
    assert {entry.kind for entry in listed} == {CallKind.USER}
    assert [entry.day for entry in listed] == sorted(first.incomplete_days, reverse=True)
    assert all(entry.missing > 0 and "selector" in entry.reason for entry in listed)
    missing = len(truth_keys(sandbox, CallKind.USER) - stored_keys(engine.store, CallKind.USER))
    assert 0.5 * missing <= sum(entry.missing for entry in listed) <= 2 * missing
    for kind in (CallKind.QUEUE, CallKind.RING_GROUP):  # their selector works
        assert stored_keys(engine.store, kind) == truth_keys(sandbox, kind)
    # A refresh soon after does not try again, nor does it clear the list ...
    clock.now += 600
    await engine.sync()
    assert {(entry.kind, entry.day) for entry in engine.store.sync.incomplete.of()} == {
        (entry.kind, entry.day) for entry in listed}
    # ... an hour later it does; the PBX honours the selector now: the days are whole.
    sandbox.set_history_rules(ignore_user_selector=False)
    clock.now += 3600
    await engine.sync()
    assert engine.store.sync.incomplete.of() == []
    assert stored_keys(engine.store, CallKind.USER) == truth_keys(sandbox, CallKind.USER)


@pytest.mark.asyncio
async def test_a_page_is_written_while_the_next_is_fetched(
        make_sandbox: Callable[..., Sandbox], make_engine: MakeEngine) -> None:
    sandbox = make_sandbox(calls=3000)
    engine = make_engine(sandbox, **SMALL)
    writes: list[tuple[float, float]] = []
    fetches: list[tuple[float, float]] = []
    upsert = engine.store.upsert

    def slow_upsert(rows: Any) -> UpsertResult:
        began = time.perf_counter()
        time.sleep(0.05)
        result = upsert(rows)
        writes.append((began, time.perf_counter()))
        return result

    engine.store.upsert = slow_upsert  # type: ignore[method-assign]
    fetch = engine.client._fetch_page

    async def timed_fetch(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        page = await fetch(*args, **kwargs)
        await asyncio.sleep(0.02)  # a network slower than in process
        fetches.append((began, time.perf_counter()))
        return page

    engine.client._fetch_page = timed_fetch  # type: ignore[method-assign]
    await engine.sync(kinds=[CallKind.USER])
    overlapping = [fetched for fetched in fetches
                   if any(fetched[0] < wrote[1] and wrote[0] < fetched[1] for wrote in writes)]
    assert len(writes) >= 10
    # All but the first (nothing to write yet) and a few after pages with nothing new.
    assert len(overlapping) >= 0.8 * len(fetches)


@pytest.mark.asyncio
async def test_a_refresh_reads_only_the_newest_rows_of_a_busy_account(
        make_sandbox: Callable[..., Sandbox], make_engine: MakeEngine) -> None:
    # About 100 user calls a day: the days a refresh asks for hold more than one query
    # reaches (199 rows), but what is new since the last sync (and LOOKBACK) is less.
    sandbox = make_sandbox(calls=3000, days=30, now=datetime(2026, 11, 19, 4, tzinfo=UTC))
    engine = make_engine(sandbox, clock=lambda: sandbox.now().timestamp(), **SMALL)
    await engine.sync()
    before = sandbox.request_count
    added = sandbox.add_calls(20, days=0.05)
    result = await engine.sync()
    assert result.inserted == added
    assert sandbox.request_count - before <= len(ALL_KINDS) + 1
    today = engine.now().date()
    asked = sandbox.rows(CallKind.USER, from_date=today - timedelta(days=2), to_date=today)
    assert len(asked) > 199  # reading all of it would have taken a walk of windows


@pytest.mark.asyncio
async def test_budget_survives_a_restart(sandbox: Sandbox, make_engine: MakeEngine,
                                         tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    first = make_engine(sandbox, store_path=path)
    await first.sync()
    used = first.client.budget.used()
    assert used == sandbox.request_count
    first.close()
    second = make_engine(sandbox, store_path=path)
    assert second.client.budget.used() == used


@pytest.mark.asyncio
async def test_backfill_fetches_only_what_is_missing(
        make_sandbox: Callable[..., Sandbox], make_engine: MakeEngine) -> None:
    sandbox = make_sandbox(days=60, calls=2000)
    engine = make_engine(sandbox, sync_days=10)
    await engine.sync()
    recent = engine.store.count(ALL_CALLS)
    now = datetime.now(UTC)
    start = now - timedelta(days=40)
    assert engine.missing(CallKind.USER, start, now)
    before = sandbox.request_count
    await engine.backfill(start, now)
    assert engine.store.count(ALL_CALLS) > recent
    assert engine.missing(CallKind.USER, start, now) == []
    spent = sandbox.request_count - before
    await engine.backfill(start, now)
    assert sandbox.request_count - before == spent  # nothing left to ask for
    stored_starts = [row.call_start_at for row in engine.store.iter_calls()
                     if row.call_start_at is not None]
    assert min(stored_starts) <= start + timedelta(days=1)


@pytest.mark.asyncio
async def test_live_traffic_during_sync_neither_duplicates_nor_drops(
        make_sandbox: Callable[..., Sandbox], make_engine: MakeEngine) -> None:
    # About 100 new calls a real second, with the clock ten minutes a second: the
    # store writes a first sync of 4,000 calls in a fraction of a second.
    sandbox = make_sandbox(calls=4000, live_traffic=True, clock_speed=600.0,
                           live_calls_per_minute=10.0)
    before = {kind: truth_keys(sandbox, kind) for kind in ALL_KINDS}
    engine = make_engine(sandbox, max_limit=300)
    await engine.sync()
    assert len(truth_keys(sandbox, CallKind.USER)) > len(before[CallKind.USER])  # churn happened
    for kind in ALL_KINDS:
        stored = stored_keys(engine.store, kind)
        assert before[kind] <= stored
        rows = [row.key for row in engine.store.iter_calls(CallFilter(kinds=frozenset({kind})))]
        assert len(rows) == len(set(rows))


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).timestamp()

    def __call__(self) -> float:
        return self.now
