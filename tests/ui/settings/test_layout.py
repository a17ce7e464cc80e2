"""The settings dialog makes room for texts that appear while it is open.

A problem under a field or the connection test's verdict wraps over several
lines; the dialog must grow so none of them is cut off and no row is drawn
over another.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.settings import Settings
from pbxdesk.ui.settingsdialog import SettingsDialog
from tests.ui.settings.conftest import CannedServer, MakeDialog
from tests.ui.settings.helpers import run_connection_test, type_into


def shows_every_line(label: QLabel) -> bool:
    """No line cut off (layouts may round a pixel or two short: that loses no line)."""
    half_line = label.fontMetrics().height() // 2
    return label.isVisible() and label.height() + half_line >= label.heightForWidth(
        label.width())


def full_height(widgets: list[QWidget]) -> bool:
    """True when no widget is squeezed below the height it asks for."""
    return all(widget.height() >= widget.sizeHint().height() for widget in widgets)


def show_page_of(dialog: SettingsDialog, widget: QWidget) -> None:
    for index in range(dialog.tabs.count()):
        page = dialog.tabs.widget(index)
        if page is not None and page.isAncestorOf(widget):
            dialog.tabs.setCurrentIndex(index)


def fit_exactly(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Make the dialog just tall enough for what it shows now: no room to spare."""
    layout = dialog.layout()
    assert layout is not None
    needed = layout.totalHeightForWidth(dialog.width())
    dialog.resize(dialog.width(), needed)
    qtbot.waitUntil(lambda: dialog.height() == needed)


@pytest.mark.usefixtures("no_keyring")  # the key-storage row then carries a second note
def test_a_two_line_problem_pushes_the_rows_below_it_down(qtbot: QtBot,
                                                          make_dialog: MakeDialog) -> None:
    dialog = make_dialog(Settings())  # first run: nothing filled in yet
    fit_exactly(qtbot, dialog)
    type_into(qtbot, dialog.editors["base_url"].widget, "portal.example")
    problem = dialog.findChild(QLabel, "problem_base_url")
    assert problem is not None
    assert problem.heightForWidth(problem.width()) > problem.fontMetrics().height()  # wraps
    radios: list[QWidget] = list(dialog.storage.buttons.values())
    qtbot.waitUntil(lambda: shows_every_line(problem) and full_height(radios))


def test_the_verdict_shows_what_to_do_in_full(qtbot: QtBot, make_dialog: MakeDialog,
                                              canned_server: CannedServer) -> None:
    url = canned_server(401, b'{"status": "error", "message": "Not authorised"}',
                        "application/json")
    dialog = make_dialog(Settings(base_url=url), api_key="some-key-1234")
    fit_exactly(qtbot, dialog)
    run_connection_test(qtbot, dialog)
    panel = dialog.verdict_panel
    # Both texts run over more than one line at the dialog's width.
    for label in (panel.detail, panel.remedy):
        assert label.heightForWidth(label.width()) > 2 * label.fontMetrics().height()
    qtbot.waitUntil(lambda: shows_every_line(panel.detail) and shows_every_line(panel.remedy))
    page = panel.parentWidget()
    assert page is not None
    assert panel.geometry().bottom() < page.height()  # all of it on the page



def test_a_one_line_problem_appears_without_moving_the_rows_below(
        qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog(Settings(base_url="https://portal.example.com"), api_key="key-1234")
    dialog.resize(900, dialog.height())
    extension = dialog.editors["my_extension"].widget
    show_page_of(dialog, extension)
    below = [w for w in dialog.findChildren(QWidget)
             if w.isVisible() and w.mapTo(dialog, w.rect().topLeft()).y()
             > extension.mapTo(dialog, extension.rect().topLeft()).y() + extension.height()]
    assert below
    before = {w: w.mapTo(dialog, w.rect().topLeft()) for w in below}
    problem = dialog.findChild(QLabel, "problem_my_extension")
    assert problem is not None
    assert not problem.isVisible()
    type_into(qtbot, extension, "x")  # not an extension: a problem shows under it
    qtbot.waitUntil(problem.isVisible)
    assert problem.heightForWidth(problem.width()) <= problem.minimumHeight()  # one line
    qtbot.wait(50)  # let a layout run, if one were to move anything
    assert {w: w.mapTo(dialog, w.rect().topLeft()) for w in below} == before


@pytest.mark.qt_log_ignore("does not support grabbing the keyboard")  # the completer's list
def test_clicking_the_country_box_selects_it_for_typing_over(
        qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog(Settings(base_url="https://portal.example.com", default_region="AU"),
                         api_key="key-1234")
    combo = dialog.editors["default_region"].widget
    assert isinstance(combo, QComboBox)
    line_edit = combo.lineEdit()
    assert line_edit is not None
    show_page_of(dialog, combo)
    qtbot.waitUntil(combo.isVisible)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.editors["my_extension"].widget.setFocus()  # the focus is elsewhere
    text = line_edit.text()
    assert "Australia" in text
    qtbot.mouseClick(line_edit, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    qtbot.waitUntil(lambda: line_edit.selectedText() == text)
    qtbot.keyClicks(line_edit, "new zea")
    assert line_edit.text().lower().startswith("new zea")  # replaced, not appended
