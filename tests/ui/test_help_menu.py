"""Help: Keyboard shortcuts (the README's table, which the window's keys must match),
Open log folder, and About with the version, the licence and the folders."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from pbxdesk import __version__
from pbxdesk.app import Controller
from pbxdesk.ui.helpmenu import KEYBOARD_SHORTCUTS, AboutDialog, ShortcutsDialog

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_keyboard_table() -> list[tuple[str, str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Keyboard", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    return [tuple(cell.strip() for cell in row.strip("|").split(" | "))  # type: ignore[misc]
            for row in rows]


class UrlRecorder(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url)


def shown_dialog(qtbot: QtBot, kind: type[QDialog], controller: Controller) -> QDialog:
    qtbot.waitUntil(lambda: any(d.isVisible() for d in
                                controller.window.findChildren(kind)), timeout=3000)
    return next(d for d in controller.window.findChildren(kind) if d.isVisible())


def test_the_shortcuts_are_the_readmes_table() -> None:
    assert readme_keyboard_table() == list(KEYBOARD_SHORTCUTS)


def test_every_window_key_in_the_table_is_bound(demo_controller: Controller) -> None:
    window = demo_controller.window
    bound = {sequence.toString() for action in window.actions()
             for sequence in action.shortcuts()}
    for keys, where, _what in KEYBOARD_SHORTCUTS:
        if where != "window" or keys.startswith("Tab"):
            continue
        for key in re.split(r", | \(", keys):
            key = key.rstrip(")")
            if key.startswith(("Ctrl", "F")):
                assert QKeySequence(key).toString() in bound, key


def test_help_menu_lists_shortcuts_log_folder_and_about(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    entries = [action.text() for action in window.help_menu.actions() if not action.isSeparator()]
    assert entries == ["&Keyboard shortcuts", "Open &log folder", "&About pbxdesk"]

    window.help.shortcuts_action.trigger()
    shortcuts = shown_dialog(qtbot, ShortcutsDialog, demo_controller)
    assert isinstance(shortcuts, ShortcutsDialog)
    rows = shortcuts.rows()
    assert len(rows) == len(KEYBOARD_SHORTCUTS)
    assert ("F5", "window", "fetch new calls now (once per 10 s)") in rows
    assert ("digits, +, *, #, Backspace", "dial pad",
            "edit the number (also while the Call button has the focus)") in rows
    shortcuts.close()

    window.help.about_action.trigger()
    about = shown_dialog(qtbot, AboutDialog, demo_controller)
    assert isinstance(about, AboutDialog)
    text = about.text.text()
    assert f"pbxdesk {__version__}" in text
    assert "Licence: MIT" in text
    paths = demo_controller.paths
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir):
        assert str(folder) in text
    recorder = UrlRecorder()
    QDesktopServices.setUrlHandler("file", recorder, "open")
    try:
        about.text.linkActivated.emit("2")  # the log folder's link
        window.help.log_folder_action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [url.toLocalFile() for url in recorder.opened] == [str(paths.log_dir)] * 2
    about.close()


def test_shortcut_rows_are_as_tall_as_their_text(qtbot: QtBot) -> None:
    # The rows were sized before the dialog had its width: one-line rows three lines tall.
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog):
        dialog.show()
    table = dialog.table
    one_line = table.rowHeight(0)  # F5: fetch new calls now
    heights = {keys: table.rowHeight(row) for row, (keys, _where, what) in
               enumerate(KEYBOARD_SHORTCUTS) if len(what) < 50 and len(keys) < 25}
    assert len(heights) > 5
    assert set(heights.values()) == {one_line}, heights
    assert one_line < 2.2 * table.fontMetrics().lineSpacing()
