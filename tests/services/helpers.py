"""Shared set-up for click-to-call tests: a CallService on a real client, store and sandbox.

:func:`make_env` wires a :class:`~pbxdesk.services.calls.CallService` to a
:class:`PbxClient` that talks to a sandbox PBX (in process through
``httpx.ASGITransport``, or over loopback when given a base URL), a real SQLite
:class:`CallStore` and a :class:`MessageBridge` whose messages are collected.
The sandbox's clock runs 1000 times faster than real time and the service
polls on :data:`FAST_SCHEDULE`, so a call's outcome is known in a fraction of
a second. :func:`run` awaits a coroutine from a test on the running qasync
loop (``qtbot.waitUntil`` drives it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import ClientSettings, PbxClient
from pbxdesk.sandbox import Sandbox
from pbxdesk.services.calls import BUDGET_RESERVE, CallAttempt, CallService
from pbxdesk.services.messages import Message, MessageBridge
from pbxdesk.services.waits import TimeText, local_short_time
from pbxdesk.store import CallStore
from pbxdesk.tasks import TaskKeeper

T = TypeVar("T")
REGION = "AU"
MOBILE = "+61412345678"
# Seconds after the POST; at the sandbox's x1000 clock the default call (54 s of
# simulated time) ends in about 60 ms.
FAST_SCHEDULE = (0.03, 0.08, 0.15, 0.3, 0.5, 0.8, 1.2)
FAST_RING = 0.1


class FakeClock:
    """A monotonic clock the test moves by hand (the duplicate guard's clock)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class CallEnv:
    sandbox: Sandbox
    client: PbxClient
    store: CallStore
    messages: MessageBridge
    tasks: TaskKeeper
    service: CallService
    clock: FakeClock
    posted: list[Message] = field(default_factory=list)
    states: list[CallAttempt] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    task_errors: list[BaseException] = field(default_factory=list)

    @property
    def extension(self) -> str:
        return self.service.my_extension

    def texts(self) -> list[str]:
        return [attempt.text for attempt in self.states]

    def posts(self) -> int:
        """call-to-number requests the sandbox received."""
        return self.sandbox.request_counts.get("call-to-number", 0)


MakeEnv = Callable[..., CallEnv]


def run(qtbot: QtBot, coro: Coroutine[Any, Any, T], timeout: int = 5000) -> T:
    """Run ``coro`` on the test's qasync loop and return its result."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


def wait_settled(qtbot: QtBot, env: CallEnv, timeout: int = 5000) -> CallAttempt:
    """Wait until the newest attempt's outcome is final; return it."""
    def settled() -> bool:
        current = env.service.current
        return current is not None and not current.pending
    qtbot.waitUntil(settled, timeout=timeout)
    assert env.service.current is not None
    return env.service.current


@pytest.fixture
def make_env(qtbot: QtBot, qloop: qasync.QEventLoop, tmp_path: Path,
             sandbox: Sandbox) -> Iterator[MakeEnv]:
    made: list[CallEnv] = []

    def make(*, sb: Sandbox | None = None, base_url: str | None = None,
             budget: RequestBudget | None = None, my_extension: str | None = None,
             schedule: tuple[float, ...] = FAST_SCHEDULE, ring_seconds: float = FAST_RING,
             guard_seconds: float = 8.0, budget_reserve: int = BUDGET_RESERVE,
             api_key: str | None = None, time_text: TimeText = local_short_time,
             **settings: Any) -> CallEnv:
        box = sb or sandbox
        transport = None if base_url else httpx.ASGITransport(app=box.app)
        client = PbxClient(
            ClientSettings(base_url=base_url or "http://127.0.0.1:1",
                           api_key=api_key or box.api_key, default_region=REGION, **settings),
            transport=transport, budget=budget or RequestBudget(limit=1000))
        store = CallStore(tmp_path / f"calls-{len(made)}.sqlite3", default_region=REGION)
        messages = MessageBridge()
        errors: list[BaseException] = []
        tasks = TaskKeeper(on_error=errors.append)
        clock = FakeClock()
        extension = box.account.users[0].extension if my_extension is None else my_extension
        service = CallService(client, store, messages, tasks, my_extension=extension,
                              clock=clock, poll_schedule=schedule, ring_seconds=ring_seconds,
                              guard_seconds=guard_seconds, budget_reserve=budget_reserve,
                              time_text=time_text)
        env = CallEnv(box, client, store, messages, tasks, service, clock, task_errors=errors)
        messages.sig_message_posted.connect(env.posted.append)
        service.sig_call_state_changed.connect(env.states.append)
        service.sig_call_refused.connect(env.refused.append)
        made.append(env)
        return env

    yield make
    for env in made:
        run(qtbot, env.service.shutdown())
        run(qtbot, env.client.aclose())
        env.store.close()
        assert env.task_errors == [], "a background task of the call service failed"
