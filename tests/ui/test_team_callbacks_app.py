"""The team's callbacks in the whole app: the demo's desk shares its worklist through its relay."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.app import Controller, Options
from pbxdesk.live.client import StreamStatus
from pbxdesk.paths import AppPaths
from pbxdesk.services.callbackrelay import RelayRecordTransport
from pbxdesk.store.callbackrules import WITHHELD
from pbxdesk.ui.crash import CrashHandler
from tests.ui.controller import start, stop
from tests.ui.test_live_app import live_demo


@pytest.fixture
def team_app(qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> Iterator[Controller]:
    """The demo app with its relay, live (as in the live-calls app tests)."""
    controller = Controller(Options(demo=True), paths, CrashHandler(None, show_dialog=False),
                            asyncio.Event(), demo_factory=live_demo, tray_available=False)
    start(qtbot, controller, synced=True)
    qtbot.waitUntil(lambda: controller.live.is_live(), timeout=15_000)
    yield controller
    stop(qtbot, controller)


def test_the_demo_desk_shares_its_callbacks_through_its_relay(qtbot: QtBot,
                                                              team_app: Controller) -> None:
    app = team_app
    session, demo = app.session, app.demo
    assert session is not None
    assert demo is not None
    assert demo.relay is not None
    assert demo.relay_token is not None
    callbacks = session.callbacks
    transport = callbacks.transport
    assert isinstance(transport, RelayRecordTransport)
    qtbot.waitUntil(lambda: transport.ready, timeout=15_000)
    assert callbacks.desk == transport.relay_desk  # the relay's id for this desk, adopted
    qtbot.waitUntil(lambda: bool(callbacks.worklist.waiting()), timeout=15_000)
    number = next(item.number for item in callbacks.worklist.waiting()
                  if item.number != WITHHELD)

    callbacks.claim(number)
    qtbot.waitUntil(lambda: callbacks.idle
                    and not session.store.callback_records.unshared_records(), timeout=10_000)
    kept = httpx.get(f"{demo.relay.base_url}/callbacks/records", timeout=10,
                     headers={"Authorization": f"Bearer {demo.relay_token}"}).json()
    assert [(item["number"], item["field"], item["desk"]) for item in kept["records"]
            if item["number"] == number] == [(number, "claim", callbacks.desk)]

    # The relay goes away: the agent works on, and what she does waits on this desk.
    demo.relay.stop()
    assert app.live.live is not None
    qtbot.waitUntil(lambda: app.live.live is not None
                    and app.live.live.state.status is StreamStatus.RECONNECTING, timeout=15_000)
    assert not transport.ready
    callbacks.set_note(number, "Called from the car park")
    qtbot.waitUntil(lambda: callbacks.idle
                    and callbacks.worklist.by_number[number].note == "Called from the car park",
                    timeout=10_000)
    assert [r.field for r in session.store.callback_records.unshared_records()] == ["note"]
