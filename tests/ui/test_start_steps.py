"""A start in two steps: the stored calls show first, the account connects after they
have painted; what arrives in between waits for it. Tabs are built when first shown."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import qasync
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

import pbxdesk.app
from pbxdesk.api.models import CallKind
from pbxdesk.app import Controller, Options
from pbxdesk.external import ExternalRequest
from pbxdesk.paths import AppPaths
from pbxdesk.session import preload
from pbxdesk.settings import Settings
from pbxdesk.store import CallStore
from pbxdesk.ui.history import HistoryTab
from tests.ui.controller import make_controller, start, stop


@pytest.fixture
def held_preload(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Hold the second step (loading the session's modules) until the event is set."""
    release = threading.Event()

    def held() -> None:
        release.wait(30)
        preload()

    monkeypatch.setattr(pbxdesk.app, "preload", held)
    yield release
    release.set()


def start_held(qtbot: QtBot, controller: Controller) -> asyncio.Future[None]:
    """Start the controller; return once the stored calls show (the session not yet)."""
    starting = asyncio.ensure_future(controller.start())
    qtbot.waitUntil(lambda: controller.window.store is not None, timeout=20_000)
    return starting


def test_the_stored_calls_show_before_the_account_connects_and_requests_wait(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths,
        held_preload: threading.Event) -> None:
    controller = make_controller(paths, demo=True)
    window = controller.window
    starting = start_held(qtbot, controller)
    assert controller.session is None
    assert window.stack.currentWidget() is window.tabs
    user = window.lazy_tabs.built("user")
    assert isinstance(user, HistoryTab)
    assert window.tabs.currentWidget() is user
    for name in ("queue", "ringgroup", "callbacks", "insights"):
        assert window.lazy_tabs.built(name) is None, name
    assert window.pad is None
    # A tel: link and a second launch's number arrive while the account connects.
    controller.desktop.handle_request(ExternalRequest("prefill", "0412 345 678"))
    controller.desktop.handle_request(ExternalRequest("prefill", "0412 345 679", source="cli"))
    assert "Connect to your PBX" not in window.banner.text()  # it is connecting already

    held_preload.set()
    qtbot.waitUntil(starting.done, timeout=20_000)
    starting.result()
    session = controller.session
    assert session is not None
    assert window.session is session
    assert window.lazy_tabs.built("user") is user  # the tab shown first stays
    assert window.pad is not None
    # Carried out in the order they came: the later number is the one in the pad.
    assert window.pad.number.text().replace(" ", "") == "0412345679"
    stop(qtbot, controller)


def test_closing_while_the_account_connects_closes_its_store_and_the_opening_gives_up(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths,
        held_preload: threading.Event) -> None:
    controller = make_controller(paths, demo=True)
    window = controller.window
    starting = start_held(qtbot, controller)
    store = window.store
    assert store is not None
    closing = asyncio.ensure_future(controller.close_session())
    qtbot.waitUntil(closing.done, timeout=5000)
    closing.result()
    assert window.store is None
    assert window.stack.currentWidget() is window.welcome
    held_preload.set()
    qtbot.waitUntil(starting.done, timeout=20_000)
    starting.result()
    assert controller.session is None  # the opening found itself closed
    assert window.session is None
    assert window.stack.currentWidget() is window.welcome
    with pytest.raises(RuntimeError, match="closed"):
        store.count()
    stop(qtbot, controller)


def test_a_tab_is_built_when_first_shown_and_works(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    session = demo_controller.session
    assert session is not None
    assert window.lazy_tabs.built("queue") is None
    assert window.lazy_tabs.built("insights") is None
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    queue = window.tabs.currentWidget()
    assert isinstance(queue, HistoryTab)
    assert queue.kind is CallKind.QUEUE
    assert window.tabs_by_kind[CallKind.QUEUE] is queue
    qtbot.waitUntil(lambda: queue.model.total > 0 and queue.model.rowCount() > 0,
                    timeout=5000)
    demo = demo_controller.demo
    assert demo is not None
    assert queue.model.total == len(demo.sandbox.rows(CallKind.QUEUE))
    assert window.lazy_tabs.built("ringgroup") is None  # still only what was shown
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    callbacks = window.lazy_tabs.built("callbacks")
    assert callbacks is not None
    assert window.tabs.currentWidget() is callbacks
    assert window.tabs.currentIndex() == 3


def test_view_opens_on_its_tab_without_building_the_user_tab(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    controller = make_controller(paths, demo=True, options=Options(demo=True, view="queue"))
    start(qtbot, controller, synced=False)
    window = controller.window
    queue = window.tabs.currentWidget()
    assert isinstance(queue, HistoryTab)
    assert queue.kind is CallKind.QUEUE
    assert window.lazy_tabs.built("user") is None
    assert window.focusWidget() is queue.view  # arrows and Enter work at once
    stop(qtbot, controller)



@dataclass
class HeldOpening:
    """The first step (opening the call store, as a long upgrade would) held until
    ``release`` is set; the thread it ran on and the stores it opened."""

    release: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    opened: list[CallStore] = field(default_factory=list)


@pytest.fixture
def held_opening(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldOpening]:
    held = HeldOpening()
    real_open_store = pbxdesk.app.open_store

    def open_when_released(settings: Settings, paths: AppPaths) -> CallStore:
        held.threads.append(threading.current_thread())
        held.release.wait(30)
        store = real_open_store(settings, paths)
        held.opened.append(store)
        return store

    monkeypatch.setattr(pbxdesk.app, "open_store", open_when_released)
    yield held
    held.release.set()


def start_opening(qtbot: QtBot, controller: Controller, held: HeldOpening
                  ) -> asyncio.Future[None]:
    """Start the controller; return once its store is being opened (and held)."""
    starting = asyncio.ensure_future(controller.start())
    qtbot.waitUntil(lambda: bool(held.threads), timeout=20_000)
    return starting


def test_the_store_opens_on_a_worker_while_the_window_keeps_answering(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths, held_opening: HeldOpening,
        ) -> None:
    controller = make_controller(paths, demo=True)
    window = controller.window
    starting = start_opening(qtbot, controller, held_opening)
    # On the GUI thread, the held opening would have blocked that wait for its 30 s.
    assert held_opening.threads[0] is not threading.main_thread()
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=5000)  # the loop turns meanwhile
    timer.stop()
    assert window.store is None
    assert not starting.done()
    held_opening.release.set()
    qtbot.waitUntil(lambda: window.store is not None, timeout=20_000)
    qtbot.waitUntil(starting.done, timeout=20_000)
    starting.result()
    assert controller.session is not None
    stop(qtbot, controller)


def test_closing_while_the_store_opens_closes_it_when_it_arrives(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths, held_opening: HeldOpening,
        ) -> None:
    controller = make_controller(paths, demo=True)
    window = controller.window
    starting = start_opening(qtbot, controller, held_opening)
    closing = asyncio.ensure_future(controller.close_session())
    qtbot.waitUntil(closing.done, timeout=5000)
    held_opening.release.set()
    qtbot.waitUntil(starting.done, timeout=20_000)
    starting.result()
    assert len(held_opening.opened) == 1
    assert window.store is None  # never shown
    assert controller.session is None
    with pytest.raises(RuntimeError, match="closed"):
        held_opening.opened[0].count()
    stop(qtbot, controller)
