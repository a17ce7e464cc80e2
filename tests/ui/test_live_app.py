"""Live calls in the whole app: the demo's sandbox and relay, the window, the pops."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.app import Controller, Options
from pbxdesk.demo import DEMO_RELAY_ACCOUNT, DemoPbx
from pbxdesk.desktop import live as live_module
from pbxdesk.paths import AppPaths
from pbxdesk.phone import DialTarget, parse_dial_input
from pbxdesk.services.calltrack import CallState
from pbxdesk.ui.crash import CrashHandler
from pbxdesk.ui.screenpop import CallCard
from tests.ui.controller import start, stop


def live_demo() -> DemoPbx:
    # A clock that stands still unless a test moves it: calls happen when told.
    return DemoPbx(calls=1200, days=20, live_traffic=False, clock_speed=0.001, live_relay=True)


@pytest.fixture
def app(qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> Iterator[Controller]:
    controller = Controller(Options(demo=True), paths, CrashHandler(None, show_dialog=False),
                            asyncio.Event(), demo_factory=live_demo, tray_available=False)
    start(qtbot, controller, synced=True)
    qtbot.waitUntil(lambda: controller.live.is_live(), timeout=15_000)
    yield controller
    stop(qtbot, controller)


def post_to_relay(demo: DemoPbx, trigger: str, fields: dict[str, str]) -> None:
    assert demo.relay is not None
    assert demo.webhook_secret is not None
    response = httpx.post(demo.relay.webhook_url(DEMO_RELAY_ACCOUNT, trigger), json=fields,
                          headers={"X-Pbx-Token": demo.webhook_secret}, timeout=10)
    assert response.status_code == 200


def test_the_demo_is_live_a_call_to_me_pops_and_open_history_filters_to_it(
        qtbot: QtBot, app: Controller) -> None:
    session = app.session
    demo = app.demo
    assert session is not None
    assert demo is not None
    assert app.window.status.live_label.text() == "Live"
    assert session.sync.refresh_interval_ms() == 5 * 60_000  # a reconciliation while live
    assert app.live.poller is not None
    assert not app.live.poller.enabled

    demo.sandbox.set_live_traffic(True, calls_per_minute=0.0001)  # only the calls to "me"
    demo.sandbox.advance(10)
    qtbot.waitUntil(lambda: bool(app.live.pops.cards), timeout=15_000)
    card = next(iter(app.live.pops.cards.values()))
    assert isinstance(card, CallCard)
    assert card.pop.summary is not None  # the caller's history was read

    number = card.pop.e164 or ""
    card.button_by_name["openHistory"].click()
    tab = app.window.tabs_by_kind[CallKind.USER]
    assert app.window.tabs.currentWidget() is tab
    assert tab.filter_bar.search.text() == number
    assert card.pop.summary.calls >= 1  # the demo's callers call again
    qtbot.waitUntil(lambda: tab.model.rowCount() >= card.pop.summary.calls, timeout=10_000)


def test_a_missed_call_reaches_the_tabs_and_the_missed_count_at_once(
        qtbot: QtBot, app: Controller) -> None:
    demo, window = app.demo, app.window
    assert demo is not None
    assert app.session is not None
    me = app.session.settings.my_extension
    tab = window.tabs_by_kind[CallKind.USER]
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0, timeout=10_000)
    before = app.session.store.count()
    start_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    fields = {"unique_call_id": "990001", "caller_id": "61412000111", "caller_name": "",
              "dest_number": me, "user_name": "Me", "user_number": me,
              "call_start_at": start_at, "connected_at": "", "call_duration": "18",
              "conversation_duration": "0"}

    post_to_relay(demo, "user-inbound-call", fields)
    qtbot.waitUntil(lambda: bool(app.live.pops.cards), timeout=10_000)
    post_to_relay(demo, "user-inbound-call-completion", fields)

    qtbot.waitUntil(lambda: "(1)" in window.show_missed_action.text(), timeout=10_000)
    assert app.session.store.count() == before + 1
    assert not app.live.pops.cards
    key = app.session.store.live_keys()
    assert len(key) == 1


def test_a_click_to_call_is_followed_through_events_without_polling(
        qtbot: QtBot, app: Controller) -> None:
    session, demo = app.session, app.demo
    assert session is not None
    assert demo is not None
    target = parse_dial_input("0412 345 678", "AU")
    assert isinstance(target, DialTarget)
    polls_before = demo.sandbox.request_counts.get("get-user-calls", 0)
    states: list[CallState] = []
    session.calls.sig_call_state_changed.connect(lambda attempt: states.append(attempt.state))

    assert session.calls.place_call(target)
    qtbot.waitUntil(lambda: CallState.RINGING in states, timeout=10_000)
    demo.sandbox.advance(4)     # my phone answers: the PBX dials the number
    qtbot.waitUntil(lambda: CallState.PLACED in states, timeout=10_000)
    demo.sandbox.advance(8)     # they answer
    qtbot.waitUntil(lambda: CallState.TALKING in states, timeout=10_000)
    demo.sandbox.advance(60)    # and hang up after 45 s
    qtbot.waitUntil(lambda: CallState.CONNECTED in states, timeout=10_000)

    assert session.calls.current is not None
    assert session.calls.current.text == "Call ended after 0:45 talking"
    assert demo.sandbox.request_counts.get("get-user-calls", 0) == polls_before


def test_a_relay_gone_for_long_falls_back_to_refreshing_and_polling(
        qtbot: QtBot, app: Controller, monkeypatch: pytest.MonkeyPatch) -> None:
    session, demo = app.session, app.demo
    assert session is not None
    assert demo is not None
    assert demo.relay is not None
    monkeypatch.setattr(live_module, "FALLBACK_SECONDS", 0.5)
    demo.relay.stop()
    qtbot.waitUntil(lambda: "reconnecting" in app.window.status.live_label.text(),
                    timeout=15_000)
    qtbot.waitUntil(lambda: not app.live.is_live(), timeout=10_000)
    qtbot.waitUntil(lambda: session.sync.refresh_interval_ms() == 60_000, timeout=5_000)
    assert app.live.poller is not None
    assert app.live.poller.enabled


def test_a_normal_start_imports_neither_the_relay_nor_the_live_service() -> None:
    """The relay is the demo's (imported when a demo starts); the service needs a relay."""
    import subprocess
    import sys

    script = ("import sys, pbxdesk.app\n"
              "loaded = [m for m in ('pbxdesk.relay.server', 'pbxdesk.relay.app', 'redis',\n"
              "          'pbxdesk.services.live') if m in sys.modules]\n"
              "print(loaded)\n"
              "raise SystemExit(1 if loaded else 0)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
