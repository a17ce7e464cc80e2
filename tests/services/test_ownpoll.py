"""Without a relay: my own calls polled every minute, only while active, within a budget share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import ClientSettings, PbxClient
from pbxdesk.api.models import CallKind, UserCall
from pbxdesk.api.parse import parse_row
from pbxdesk.sandbox import Sandbox
from pbxdesk.services.ownpoll import OwnCallsPoller
from pbxdesk.store import CallStore
from pbxdesk.tasks import TaskKeeper
from tests.live.deskenv import run


class Env:
    def __init__(self, sandbox: Sandbox, store: CallStore, budget: RequestBudget) -> None:
        self.sandbox = sandbox
        self.store = store
        self.active = True
        self.client = PbxClient(ClientSettings(base_url="http://127.0.0.1:9",
                                               api_key=sandbox.api_key),
                                transport=httpx.ASGITransport(app=sandbox.app), budget=budget)
        self.me = sandbox.account.users[0].extension
        self.poller = OwnCallsPoller(self.client, store, TaskKeeper(), my_extension=self.me,
                                     interval_seconds=60, is_active=lambda: self.active)
        self.changed: list[None] = []
        self.poller.sig_calls_changed.connect(lambda: self.changed.append(None))

    def requests(self) -> int:
        return self.sandbox.request_counts.get("get-user-calls", 0)


@pytest.fixture
def env(qtbot: QtBot, qloop: qasync.QEventLoop, sandbox: Sandbox,
        tmp_path: Path) -> Iterator[Env]:
    store = CallStore(tmp_path / "calls.sqlite3", default_region="AU")
    made = Env(sandbox, store, RequestBudget(limit=100, window=900))
    yield made
    run(qtbot, made.poller.shutdown())
    run(qtbot, made.client.aclose())
    store.close()


def test_a_poll_stores_my_newest_calls_and_confirms_live_ones(qtbot: QtBot, env: Env) -> None:
    mine = [row for row in (parse_row(raw, CallKind.USER, "AU")
                            for raw in env.sandbox.rows(CallKind.USER))
            if isinstance(row, UserCall) and row.user_number == env.me
            and row.call_start_at is not None]
    newest = max(mine, key=lambda row: row.call_start_at or 0)
    env.store.store_live([newest])  # as if a relay event had brought it

    task = env.poller.poll_now()
    assert task is not None
    run(qtbot, task)

    assert env.requests() == 1
    assert env.changed
    stored = env.store.page()
    assert stored
    assert {row.user_number for row in stored} == {env.me}
    assert newest.key in {row.key for row in stored}
    assert env.store.live_keys() == []  # the API's row confirmed the live one


def test_no_poll_while_the_window_is_inactive_or_without_an_extension(env: Env) -> None:
    env.active = False
    assert env.poller.poll_now() is None
    assert env.poller.may_poll() == "the window is not active"
    env.active = True
    env.poller.my_extension = ""
    assert env.poller.may_poll() == "no extension set"
    env.poller.my_extension = env.me
    env.poller.set_enabled(False)  # live calls run
    assert env.poller.may_poll() == "off"
    assert env.requests() == 0


def test_the_poller_keeps_to_its_share_of_the_budget(qtbot: QtBot, env: Env) -> None:
    budget = env.client.budget
    for _ in range(25):  # its share: a quarter of 100 per window
        task = env.poller.poll_now()
        assert task is not None
        run(qtbot, task)
    assert env.poller.poll_now() is None
    assert env.poller.may_poll() == "its share of the request budget is used"
    assert budget.remaining() == 75


def test_the_poller_leaves_the_last_half_of_the_budget_to_the_sync(env: Env) -> None:
    for _ in range(51):
        env.client.budget.take()  # the sync has been busy
    assert env.poller.may_poll() == "the request budget is kept for the sync and calls"
    assert env.poller.poll_now() is None
    assert env.requests() == 0
