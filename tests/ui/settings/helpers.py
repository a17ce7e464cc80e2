"""Typed input helpers for the settings tests, and the two actions most tests repeat.

pytest-qt's QtBot input methods carry no type hints; these wrappers keep the
tests checkable under ``mypy --strict``.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QRadioButton, QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.services.connection import ConnectionVerdict
from pbxdesk.settings import Settings
from pbxdesk.ui.settingsdialog import SettingsDialog


def click(qtbot: QtBot, widget: QWidget, position: QPoint | None = None) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton,  # type: ignore[no-untyped-call]
                     pos=position if position is not None else QPoint())


def click_radio(qtbot: QtBot, button: QRadioButton) -> None:
    """Click the round indicator (a stretched button ignores clicks right of its text)."""
    click(qtbot, button, QPoint(6, button.height() // 2))


def key_click(qtbot: QtBot, widget: QWidget, key: Qt.Key) -> None:
    qtbot.keyClick(widget, key)  # type: ignore[no-untyped-call]


def type_into(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Replace a line edit's text by typing ``text`` (no newlines: QTest cannot type them)."""
    assert isinstance(widget, QLineEdit)
    widget.clear()
    qtbot.keyClicks(widget, text)  # type: ignore[no-untyped-call]


def save(qtbot: QtBot, dialog: SettingsDialog) -> Settings:
    """Press Save and return the settings the dialog emitted."""
    with qtbot.waitSignal(dialog.sig_settings_saved, timeout=2000) as blocker:
        click(qtbot, dialog.save_button)
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = blocker.args[0]
    assert isinstance(saved, Settings)
    return saved


def run_connection_test(qtbot: QtBot, dialog: SettingsDialog) -> ConnectionVerdict:
    """Press Test connection and wait for its verdict (shown in the dialog)."""
    with qtbot.waitSignal(dialog.sig_connection_tested, timeout=20_000) as blocker:
        click(qtbot, dialog.test_button)
        assert not dialog.test_button.isEnabled()
        assert dialog.test_button.text() == "Testing…"
        assert dialog.verdict_panel.title.text() == "Testing…"
    verdict = blocker.args[0]
    assert isinstance(verdict, ConnectionVerdict)
    assert dialog.test_button.isEnabled()
    assert dialog.verdict_panel.title.text() == verdict.title
    assert dialog.verdict_panel.detail.text() == verdict.detail
    return verdict
