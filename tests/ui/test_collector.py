"""Garbage collection runs on the GUI thread only while the app runs."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, QTimer
from pytestqt.qtbot import QtBot

from pbxdesk.ui import collector
from pbxdesk.ui.collector import GuiThreadCollector


class Cycle:
    """Cyclic garbage holding a Qt object with a running timer."""

    def __init__(self) -> None:
        self.me = self
        self.owner = QObject()
        self.timer = QTimer(self.owner)
        self.timer.start(60_000)


@pytest.fixture
def running(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[GuiThreadCollector]:
    monkeypatch.setattr(collector, "CHECK_MS", 20)
    monkeypatch.setattr(collector, "IDLE_CHECK_MS", 20)
    # Python's default, as the app finds it (the suite keeps it off: tests/fixtures/garbage.py).
    was_enabled = gc.isenabled()
    gc.enable()
    made = GuiThreadCollector()
    made.start()
    yield made
    if made.running:
        made.stop()
    if not was_enabled:
        gc.disable()


def allocate_on_a_worker_thread() -> None:
    """Allocate far past the young generation's threshold on a thread of its own."""
    def allocate() -> None:
        junk = [[] for _ in range(50 * gc.get_threshold()[0])]
        del junk

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()


def test_while_running_worker_threads_never_collect(running: GuiThreadCollector) -> None:
    assert not gc.isenabled()
    cycle = Cycle()
    alive = weakref.ref(cycle)
    del cycle
    allocate_on_a_worker_thread()
    assert alive() is not None


def test_the_timer_collects_on_the_gui_thread(qtbot: QtBot,
                                              running: GuiThreadCollector) -> None:
    cycle = Cycle()
    alive = weakref.ref(cycle)
    del cycle
    junk = [[] for _ in range(2 * gc.get_threshold()[0])]
    qtbot.waitUntil(lambda: alive() is None, timeout=3000)
    del junk


def test_stop_gives_collection_back(running: GuiThreadCollector) -> None:
    running.stop()
    assert gc.isenabled()
    assert not running.running


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[GuiThreadCollector]:
    """A collector whose checks the test makes itself, at the times it chooses."""
    was_enabled = gc.isenabled()
    gc.disable()
    gc.collect()
    made = GuiThreadCollector()
    yield made
    if was_enabled:
        gc.enable()


def fill_young() -> list[list[object]]:
    """Past the young generation's threshold, well below YOUNG_MAX."""
    return [[] for _ in range(gc.get_threshold()[0] + 100)]


def make_garbage(*, old: bool = False) -> weakref.ref[Cycle]:
    """A cycle holding a QObject, young or (promoted by a young collection) older."""
    cycle = Cycle()
    alive = weakref.ref(cycle)
    if old:
        gc.collect(0)
    del cycle
    return alive


def test_a_collection_waits_while_many_young_objects_live(checked: GuiThreadCollector) -> None:
    alive = make_garbage()
    page = [[] for _ in range(2 * collector.YOUNG_MAX)]  # a sync page, being parsed
    assert checked.check(1000.0) is None
    assert alive() is not None
    del page  # dies by reference counting: the young generation is small again
    young = fill_young()  # and full
    assert checked.check(1000.1) == 0
    assert alive() is None
    del young


def test_the_young_generation_waits_a_few_seconds_at_most(checked: GuiThreadCollector) -> None:
    alive = make_garbage()
    kept = [[] for _ in range(2 * collector.YOUNG_MAX)]  # not a page: it lives on
    assert checked.check(1000.0) is None
    assert checked.check(1000.0 + collector.WAIT_MAX_S / 2) is None
    assert checked.check(1000.0 + collector.WAIT_MAX_S) == 0
    assert alive() is None
    del kept


def test_an_older_generation_waits_for_the_end_of_a_sync(checked: GuiThreadCollector,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector, "OLDER_MAX", 0)  # counted, it is never cheap here
    alive = make_garbage(old=True)
    page = [[] for _ in range(2 * collector.YOUNG_MAX)]
    assert checked.check(1000.0) is None  # a sync is on
    del page
    for _ in range(gc.get_threshold()[1]):
        gc.collect(0)  # the young generation has been collected often enough
    young = fill_young()
    assert checked.check(1000.1) == 0  # only the young one, while busy
    assert alive() is not None
    del young
    young = fill_young()
    assert checked.check(1000.0 + collector.BUSY_S) == 1  # no wait for BUSY_S: no sync
    assert alive() is None
    del young


def test_an_older_generation_is_collected_during_a_sync_when_it_is_small(
        checked: GuiThreadCollector, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector, "OLDER_MAX", 10 * collector.YOUNG_MAX)
    alive = make_garbage(old=True)
    page = [[] for _ in range(2 * collector.YOUNG_MAX)]
    assert checked.check(1000.0) is None
    del page
    for _ in range(gc.get_threshold()[1]):
        gc.collect(0)
    young = fill_young()
    assert checked.check(1000.1 + collector.PROBE_EVERY_S) == 1
    assert alive() is None
    del young


def test_the_timer_checks_often_only_while_busy(qtbot: QtBot,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    was_enabled = gc.isenabled()
    made = GuiThreadCollector()
    made.start()
    try:
        assert made._timer.interval() == collector.IDLE_CHECK_MS  # an idle app wakes seldom
        page = [[] for _ in range(2 * collector.YOUNG_MAX)]  # a sync's page, being parsed
        qtbot.waitUntil(lambda: made._timer.interval() == collector.CHECK_MS, timeout=2000)
        del page
        # BUSY_S after the last wait, the checks slow down again.
        monkeypatch.setattr(collector, "BUSY_S", 0.0)
        qtbot.waitUntil(lambda: made._timer.interval() == collector.IDLE_CHECK_MS,
                        timeout=2000)
    finally:
        made.stop()
        if not was_enabled:
            gc.disable()
