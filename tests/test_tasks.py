"""TaskKeeper: background tasks are kept, failures reported, leftovers cancelled."""

from __future__ import annotations

import asyncio

import pytest

from pbxdesk.tasks import TaskKeeper


@pytest.mark.asyncio
async def test_failure_is_reported_once_and_success_is_silent() -> None:
    errors: list[BaseException] = []
    keeper = TaskKeeper(on_error=errors.append)

    async def boom() -> None:
        raise ValueError("bug")

    async def fine() -> int:
        return 1

    failing, ok = keeper.spawn(boom()), keeper.spawn(fine())
    await asyncio.wait([failing, ok])
    await asyncio.sleep(0)
    assert [str(e) for e in errors] == ["bug"]
    assert keeper.running == 0


@pytest.mark.asyncio
async def test_cancel_all_stops_running_tasks_without_reporting_them() -> None:
    errors: list[BaseException] = []
    keeper = TaskKeeper(on_error=errors.append)
    cleaned = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned.set()

    keeper.spawn(forever())
    await asyncio.sleep(0)
    await keeper.cancel_all()
    assert cleaned.is_set()
    assert keeper.running == 0
    assert errors == []
