"""The settings dialog makes room for texts that appear while it is open.

A problem under a field or the connection test's verdict wraps over several
lines; the dialog must grow so none of them is cut off and no row is drawn
over another.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QWidget
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

