"""The whole window from the keyboard: Tab leaves the table, reaches every control in a
sensible order, and every stop has a name that says what it is (not what it holds)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QMainWindow,
    QWidget,
)
from pytestqt.qtbot import QtBot

from pbxdesk.app import Controller
from pbxdesk.ui.history import HistoryTab
from pbxdesk.ui.history.filterbar import FilterBar


def owner_of(widget: QWidget) -> QWidget:
    """The control a focused part belongs to (a combo box's own line edit)."""
    parent = widget.parent()
    return parent if isinstance(parent, QComboBox | QAbstractSpinBox) else widget


def tab_stops(qtbot: QtBot, start: QWidget, window: QMainWindow, *,
              backwards: bool = False) -> list[QWidget]:
    """Press Tab (or Shift+Tab) from ``start`` until the focus comes back to it."""
    key = Qt.Key.Key_Backtab if backwards else Qt.Key.Key_Tab
    modifier = (Qt.KeyboardModifier.ShiftModifier if backwards
                else Qt.KeyboardModifier.NoModifier)
    stops: list[QWidget] = []
    start.setFocus(Qt.FocusReason.OtherFocusReason)
    widget = start
    for _ in range(120):
        qtbot.keyClick(widget, key, modifier)
        focused = window.focusWidget()
        assert focused is not None
        widget = focused
        if owner_of(widget) is start:
            return stops
        if not stops or stops[-1] is not owner_of(widget):  # date edits step their fields
            stops.append(owner_of(widget))
    raise AssertionError(f"Tab never came back: {[w.accessibleName() for w in stops[-8:]]}")


def reachable(window: QMainWindow) -> set[QWidget]:
    """Every shown, enabled control in the window that Tab should stop at."""
    found: set[QWidget] = set()
    for widget in window.findChildren(QWidget):
        if (widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible()
                and widget.isEnabled() and widget.window() is window
                and widget.focusProxy() is None):
            found.add(owner_of(widget))
    return found


def shown_value(widget: QWidget) -> str:
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QLineEdit | QAbstractSpinBox):
        return widget.text()
    return ""


def ready(qtbot: QtBot, controller: Controller) -> tuple[QMainWindow, HistoryTab]:
    window = controller.window
    window.resize(1280, 800)
    tab = window.current_tab()
    assert tab is not None
    qtbot.waitUntil(lambda: tab.paging.next.isEnabled())  # more than one page of calls
    pad = window.pad
    assert pad is not None
    pad.set_number("0412 345 678")  # Call is enabled and takes part
    return window, tab


def test_tab_leaves_the_table_and_reaches_every_control_in_order(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window, tab = ready(qtbot, demo_controller)
    pad = window.pad
    assert pad is not None
    view = tab.view
    view.setFocus()
    view.setCurrentIndex(tab.model.index(3, 2))  # a cell is current: the old trap
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert window.focusWidget() is tab.columns_button  # out of the table at once
    assert view.currentIndex().row() == 3  # and no cell moved

    stops = tab_stops(qtbot, view, window)
    missed = reachable(window) - {view} - set(stops)
    assert not missed, [(type(w).__name__, w.accessibleName(), getattr(w, "text", str)())
                        for w in missed]
    assert len(stops) == len(set(stops))  # each once
    position = {widget: stops.index(widget) for widget in stops}
    bar: FilterBar = tab.filter_bar
    in_order = [tab.columns_button, tab.paging.page_size, tab.paging.next, tab.paging.last,
                pad.number, pad.user_picker, pad.caller_picker, pad.call_button,
                window.tabs.tabBar(), bar.preset, bar.from_edit, bar.to_edit, bar.targets,
                bar.outcome, bar.direction, bar.search, tab.export_button]
    assert [position[widget] for widget in in_order] == sorted(
        position[widget] for widget in in_order)

    backwards = tab_stops(qtbot, view, window, backwards=True)
    assert backwards == stops[::-1]


def test_every_tab_stop_is_named_for_what_it_is(qtbot: QtBot,
                                                demo_controller: Controller) -> None:
    window, tab = ready(qtbot, demo_controller)
    stops = tab_stops(qtbot, tab.view, window)
    names = {widget: widget.accessibleName() for widget in [tab.view, *stops]}
    assert all(names.values()), [type(w).__name__ for w, name in names.items() if not name]
    for widget, name in names.items():
        value = shown_value(widget)
        assert not value or name.casefold() != value.casefold(), (name, value)
    inputs = [w for w in names if not isinstance(w, QAbstractButton) or w is tab.filter_bar.targets]
    assert len({names[w] for w in inputs}) == len(inputs)  # no two inputs share a name
    bar = tab.filter_bar
    assert bar.outcome.accessibleName() == "Outcome filter"
    assert bar.outcome.currentText() == "All outcomes"
    assert bar.targets.accessibleName() == "Users filter"
    assert bar.direction is not None
    assert bar.direction.accessibleName() == "Direction filter"
    assert window.tabs.tabBar().accessibleName() == "Call history tabs"
