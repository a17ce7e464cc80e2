"""Live traffic: calls keep arriving, so newest-first pages shift under a slow client."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox import Sandbox
from tests.fixtures.sandbox import SANDBOX_API_KEY, SANDBOX_BASE_PATH
from tests.sandbox.helpers import data_of


def _total(sandbox: Sandbox) -> int:
    return sum(sandbox.row_count(kind) for kind in CallKind)


def test_live_traffic_adds_calls_as_simulated_time_passes(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(clock_speed=0.001, live_traffic=True, live_calls_per_minute=6)
    before = _total(sandbox)
    newest_before = sandbox.rows(CallKind.USER, limit=1)[0]["call_start_at"]
    start = sandbox.now()
    sandbox.advance(3600)  # an hour: about 360 calls at 6 a minute
    added = _total(sandbox) - before
    assert 250 < added < 1000
    new_rows = [row for row in sandbox.rows(CallKind.USER)
                if row["call_start_at"] > newest_before]
    assert new_rows
    assert all(row["call_start_at"] >= start.strftime("%Y-%m-%dT%H:%M:%S") for row in new_rows)


def test_live_traffic_can_be_stopped_and_restarted(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(clock_speed=0.001, live_traffic=True)
    sandbox.set_live_traffic(False)
    sandbox.advance(7200)  # calls that were already ringing end; nothing new arrives
    settled = _total(sandbox)
    sandbox.advance(7200)
    assert _total(sandbox) == settled
    assert not sandbox.live_traffic
    sandbox.set_live_traffic(True, calls_per_minute=10)
    sandbox.advance(600)
    assert _total(sandbox) > settled + 30


@pytest.mark.asyncio
async def test_newest_first_pages_shift_while_a_client_pages(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(clock_speed=0.001, live_traffic=True, live_calls_per_minute=4)
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://pbx{SANDBOX_BASE_PATH}/",
                                 headers={"token": SANDBOX_API_KEY}) as api:
        first = data_of(await api.get("get-user-calls", params={"limit": 20}))
        sandbox.advance(180)  # about a dozen new calls
        second = data_of(await api.get("get-user-calls", params={"limit": 20, "offset": 20}))
        newest = data_of(await api.get("get-user-calls", params={"limit": 1}))
    assert newest[0] not in first
    # New calls pushed the rows of page one down into page two.
    assert any(row in first for row in second)


def test_live_traffic_runs_by_itself_on_a_fast_clock(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(clock_speed=3000, live_traffic=True, live_calls_per_minute=20)
    before = _total(sandbox)
    # A timeout for a scheduler that never runs, not a speed check: about two real
    # seconds bring them here; a busy machine may take longer.
    deadline = time.monotonic() + 60
    while _total(sandbox) < before + 5:
        assert time.monotonic() < deadline, "no live calls arrived within a minute"
        time.sleep(0.02)
