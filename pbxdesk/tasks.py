"""Keeping track of the coroutines the app starts in the background.

asyncio only holds weak references to tasks, so a task nobody keeps can vanish
mid-flight; and an exception in a task nobody awaits is silently lost.
:class:`TaskKeeper` keeps every task it starts, reports an unexpected exception
once (to the crash handler, via ``on_error``), and cancels what is left at
shutdown. Qt-free: it works on any asyncio loop, including qasync's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger("pbxdesk.tasks")
T = TypeVar("T")


class TaskKeeper:
    """Starts, holds and finally cancels background tasks."""

    def __init__(self, on_error: Callable[[BaseException], None] | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_error = on_error

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        """Run ``coro`` in the background and keep a reference until it ends."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        log.error("Background task %s failed", task.get_name(), exc_info=error)
        if self._on_error is not None:
            self._on_error(error)

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def cancel_all(self, grace_seconds: float = 5.0) -> None:
        """Cancel every task still running and wait (bounded) for them to finish."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace_seconds)
            for task in pending:
                log.warning("Task %s did not stop within %.0f s", task.get_name(), grace_seconds)
