"""SyncEngine against the sandbox over real HTTP (in process) and a real SQLite file."""

from __future__ import annotations

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
from pbxdesk.sync.engine import ALL_KINDS, BUDGET_KEY, SyncEngine

MakeEngine = Callable[..., SyncEngine]


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
             store_path: Path | None = None, **settings: Any) -> SyncEngine:
        client = PbxClient(
            ClientSettings(base_url="http://127.0.0.1:1", api_key=sandbox.api_key,
                           default_region="AU", **settings),
            transport=httpx.ASGITransport(app=sandbox.app),
            budget=budget or RequestBudget(limit=1000))
        store = CallStore(store_path or tmp_path / f"calls-{len(made)}.sqlite3",
                          default_region="AU")
        engine = SyncEngine(client, store, sync_days=sync_days)
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
async def test_spent_budget_stops_without_sending_and_resumes_later(
        make_sandbox: Callable[..., Sandbox], make_engine: MakeEngine) -> None:
    sandbox = make_sandbox(calls=3000)
    clock = FakeClock()
    budget = RequestBudget(limit=4, window=900, clock=clock)
    engine = make_engine(sandbox, budget=budget, max_limit=500)
    with pytest.raises(BudgetExhaustedError, match="budget of 4 requests per 15 minutes") as caught:
        await engine.sync()
    assert sandbox.request_count == 4  # the budget, not the server, stopped it
    assert caught.value.retry_after is not None
    partial = engine.store.count(ALL_CALLS)
    assert partial > 0  # what was fetched is kept
    assert engine.store.sync.ranges(CallKind.USER) == []  # but not marked as complete
    assert engine.store.values.get(BUDGET_KEY) is not None  # persisted for a restart
    clock.now += 901  # the window has passed; the user also raised the budget in Settings
    budget.limit = 1000
    await engine.sync()
    for kind in ALL_KINDS:
        assert stored_keys(engine.store, kind) == truth_keys(sandbox, kind)


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
