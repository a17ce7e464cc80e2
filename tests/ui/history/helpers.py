"""Reading a HistoryTab's table back, and ground truth in plain Python."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QEventLoop, QPoint, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import AnyCall
from pbxdesk.ui.history import HistoryTab
from pbxdesk.ui.history.columns import Field
from pbxdesk.ui.history.model import CALL_ROLE


def settled(tab: HistoryTab, timeout: float = 10.0) -> HistoryTab:
    """``tab`` once the rows it asked for have arrived (the store is read on a worker
    thread; the table shows the previous page meanwhile)."""
    deadline = time.monotonic() + timeout
    while tab.model.loading:
        assert time.monotonic() < deadline, "the history rows never arrived"
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)
    QCoreApplication.processEvents()
    return tab


def page_calls(tab: HistoryTab) -> list[AnyCall]:
    """The calls the table shows on its current page, top to bottom."""
    model = settled(tab).model
    return [model.data(model.index(row, 0), CALL_ROLE) for row in range(model.rowCount())]


def page_keys(tab: HistoryTab) -> list[str]:
    return [call.key for call in page_calls(tab)]


def all_calls(tab: HistoryTab) -> list[AnyCall]:
    """Every call of the filter in the table's order, page by page (ends on page 1)."""
    calls: list[AnyCall] = []
    settled(tab).model.set_page(0)
    while True:
        calls += page_calls(tab)
        if not tab.model.set_page(tab.model.page + 1):
            tab.model.set_page(0)
            settled(tab)
            return calls


def all_keys(tab: HistoryTab) -> list[str]:
    return [call.key for call in all_calls(tab)]


def column_texts(tab: HistoryTab, field: Field) -> list[str]:
    model = settled(tab).model
    column = model.column_of(field)
    return [model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
            for row in range(model.rowCount())]


def between(calls: Iterable[AnyCall], start: datetime, end: datetime) -> list[AnyCall]:
    return [call for call in calls
            if call.call_start_at is not None and start <= call.call_start_at < end]


def newest_first(calls: Iterable[AnyCall]) -> list[AnyCall]:
    dated = [call for call in calls if call.call_start_at is not None]
    return sorted(dated, key=lambda call: call.call_start_at or datetime.min, reverse=True)


def keys_where(calls: Iterable[AnyCall], test: Callable[[AnyCall], bool]) -> set[str]:
    return {call.key for call in calls if test(call)}


# pytest-qt's QtBot input methods carry no type hints; these typed wrappers keep the tests
# checkable under mypy --strict.

def key_click(qtbot: QtBot, widget: QWidget, key: Qt.Key,
              modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(widget, key, modifier)  # type: ignore[no-untyped-call]


def key_clicks(qtbot: QtBot, widget: QWidget, text: str) -> None:
    qtbot.keyClicks(widget, text)  # type: ignore[no-untyped-call]


def mouse_click(qtbot: QtBot, widget: QWidget, position: QPoint) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton,  # type: ignore[no-untyped-call]
                     pos=position)


def mouse_double_click(qtbot: QtBot, widget: QWidget, position: QPoint) -> None:
    qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton,  # type: ignore[no-untyped-call]
                      pos=position)
