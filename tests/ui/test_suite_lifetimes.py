"""The suite's own care of Qt object lifetimes (tests/fixtures/garbage.py, tests/fixtures/qt.py).

Collections run between tests on the main thread only, and a widget given to
``qtbot`` lives until the test's teardown even when only reference cycles hold
it. Without these, a full run crashed now and then (a collection in the middle
of a paint deleted the widget being painted).
"""

from __future__ import annotations

import gc
import weakref

import pytest
import shiboken6
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from tests.fixtures.qt import HoldingQtBot, close_held_widgets, delete_held_widgets
from tests.ui.test_collector import Cycle, allocate_on_a_worker_thread


class CyclicPanel(QWidget):
    """A top-level widget that only a reference cycle keeps (as the dial pad is)."""

    def __init__(self) -> None:
        super().__init__()
        self.button = QPushButton("Go", self)
        self.button.clicked.connect(self.on_go)
        self.button.callback = self.on_go  # type: ignore[attr-defined]  # the child holds the parent
        QVBoxLayout(self).addWidget(self.button)

    def on_go(self) -> None:
        self.setWindowTitle("gone")


def test_automatic_collection_is_off_while_a_test_runs() -> None:
    assert not gc.isenabled()


def test_a_worker_threads_allocations_free_no_qt_object(qtbot: QtBot) -> None:
    cycle = Cycle()  # cyclic garbage holding a QObject with a running timer
    alive = weakref.ref(cycle)
    del cycle
    allocate_on_a_worker_thread()
    assert alive() is not None
    gc.collect()  # here, on the GUI thread
    assert alive() is None


def test_a_widget_given_to_qtbot_outlives_its_last_reference_until_teardown(
        qtbot: QtBot) -> None:
    panel = CyclicPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    alive = weakref.ref(panel)
    del panel
    gc.collect()
    still = alive()
    assert still is not None
    assert shiboken6.isValid(still)
    assert still.isVisible()
    still.button.click()  # and it still works
    assert still.windowTitle() == "gone"


def test_the_teardown_closes_and_deletes_the_widgets_still_alive(
        qtbot: QtBot, request: pytest.FixtureRequest) -> None:
    assert isinstance(qtbot, HoldingQtBot)
    kept, gone = CyclicPanel(), CyclicPanel()
    closing: list[QWidget] = []
    qtbot.addWidget(kept, before_close_func=closing.append)
    qtbot.addWidget(gone)
    kept.show()
    shiboken6.delete(gone)  # one the test deleted itself is left alone
    assert qtbot.held == [kept, gone]
    close_held_widgets(request.node)  # what the teardown does first
    assert closing == [kept]
    assert not kept.isVisible()
    delete_held_widgets(request.node)  # and last
    assert not shiboken6.isValid(kept)
    assert qtbot.held == []
