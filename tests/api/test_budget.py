"""The request budget: sliding window, refusal without sending, snapshot/restore."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from pbxdesk.api.budget import RequestBudget, background_requests, call_reserve
from pbxdesk.api.errors import BudgetExhaustedError, RateLimitedError
from tests.fixtures.api import FakeClock


def test_budget_counts_and_refuses_when_spent(fake_clock: FakeClock) -> None:
    budget = RequestBudget(limit=3, window=60, clock=fake_clock)
    for expected in (2, 1, 0):
        budget.take()
        fake_clock.advance(10)
        assert budget.remaining() == expected
    # Sent at t0, t0+10, t0+20; now t0+30: the first leaves the window at t0+60.
    assert budget.wait_seconds() == pytest.approx(30)
    with pytest.raises(BudgetExhaustedError, match=r"possible at .* \(in 30 seconds\)") as caught:
        budget.take()
    error = caught.value
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == pytest.approx(30)
    assert error.available_at == datetime.fromtimestamp(fake_clock.now + 30, UTC)
    assert "3 requests per 60 seconds" in str(error)
    assert "30 seconds" in str(error)
    assert budget.used() == 3  # a refused request is not counted


def test_budget_window_slides(fake_clock: FakeClock) -> None:
    budget = RequestBudget(limit=2, window=100, clock=fake_clock)
    budget.take()
    fake_clock.advance(50)
    budget.take()
    fake_clock.advance(50)  # the first one is now exactly one window old
    assert budget.remaining() == 1
    assert budget.next_available_at() == datetime.fromtimestamp(fake_clock.now, UTC)
    budget.take()
    assert budget.remaining() == 0
    fake_clock.advance(50)
    assert budget.remaining() == 1


def test_default_budget_is_100_per_15_minutes(fake_clock: FakeClock) -> None:
    budget = RequestBudget(clock=fake_clock)
    assert (budget.limit, budget.window) == (100, 900)
    for _ in range(100):
        budget.take()
    with pytest.raises(BudgetExhaustedError, match="100 requests per 15 minutes"):
        budget.take()


def test_snapshot_survives_a_restart(fake_clock: FakeClock) -> None:
    before = RequestBudget(limit=5, window=600, clock=fake_clock)
    for _ in range(4):
        before.take()
    saved = json.loads(json.dumps(before.snapshot()))  # as the app persists it
    fake_clock.advance(120)
    after = RequestBudget(limit=5, window=600, clock=fake_clock)
    after.restore(saved)
    assert after.remaining() == 1
    fake_clock.advance(481)
    assert after.remaining() == 5


@pytest.mark.parametrize("junk", [None, 3, "text", [], {"version": 99, "sent": [1.0]},
                                  {"version": 1, "sent": "x"},
                                  {"version": 1, "sent": [None, "1", True, float("nan"), [1]]}])
def test_restore_ignores_damaged_snapshots(fake_clock: FakeClock, junk: object) -> None:
    budget = RequestBudget(limit=5, window=600, clock=fake_clock)
    budget.restore(junk)
    assert budget.remaining() == 5


def test_restore_clamps_future_times_to_now(fake_clock: FakeClock) -> None:
    budget = RequestBudget(limit=1, window=600, clock=fake_clock)
    budget.restore({"version": 1, "sent": [fake_clock.now + 10**9]})  # clock was set back
    assert budget.remaining() == 0
    fake_clock.advance(601)
    assert budget.remaining() == 1


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (5, 0), (5, float("inf"))])
def test_impossible_budget_is_refused(limit: int, window: float) -> None:
    with pytest.raises(ValueError, match="limit"):
        RequestBudget(limit=limit, window=window)


def test_background_work_leaves_the_reserve_to_calls(fake_clock: FakeClock) -> None:
    budget = RequestBudget(limit=10, window=60, clock=fake_clock, reserve=3)
    with background_requests():
        for _ in range(7):
            budget.take()
        assert budget.remaining() == 0
        with pytest.raises(BudgetExhaustedError, match="3 are kept for calls") as caught:
            budget.take()
        assert caught.value.reserve == 3
    # A call (not background) still has the reserve.
    assert budget.remaining() == 3
    assert budget.remaining(background=True) == 0
    assert budget.wait_seconds() == 0
    assert budget.wait_seconds(background=True) == pytest.approx(60)
    for _ in range(3):
        budget.take()
    with pytest.raises(BudgetExhaustedError, match="budget of 10 requests") as caught:
        budget.take()
    assert caught.value.reserve == 0


@pytest.mark.asyncio
async def test_only_the_background_task_is_background(fake_clock: FakeClock) -> None:
    budget = RequestBudget(limit=4, window=60, clock=fake_clock, reserve=2)
    started = asyncio.Event()
    release = asyncio.Event()

    async def sync() -> None:
        with background_requests():
            budget.take()
            budget.take()
            started.set()
            await release.wait()
            with pytest.raises(BudgetExhaustedError, match="2 are kept for calls"):
                budget.take()

    task = asyncio.ensure_future(sync())
    await started.wait()
    budget.take()  # this task is not background: the reserve is its to use
    budget.take()
    release.set()
    await task
    assert budget.used() == 4


@pytest.mark.parametrize(("limit", "reserve"), [(100, 15), (40, 8), (10, 2), (3, 1)])
def test_the_reserve_is_a_call_and_its_look_ups_at_most_a_fifth(limit: int,
                                                                  reserve: int) -> None:
    assert call_reserve(limit) == reserve
