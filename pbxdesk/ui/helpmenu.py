"""The Help menu: Keyboard shortcuts, Open log folder and About pbxdesk.

:data:`KEYBOARD_SHORTCUTS` is the README's keyboard table, row for row (a test
holds the two together). The dialogs are non-modal and delete themselves on
close; folders open in the desktop's file manager through ``QDesktopServices``.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pbxdesk import __version__
from pbxdesk.paths import AppPaths

LICENCE: Final = "MIT"
MISSED_KEYS_README: Final = "Ctrl+M (⌃M on macOS, where ⌘M minimises)"

KEYBOARD_SHORTCUTS: Final[tuple[tuple[str, str, str], ...]] = (
    ("F5", "window", "fetch new calls now (once per 10 s)"),
    ("Ctrl+D", "window",
     "show the dial pad and focus the number; again from inside the pad, hide it"),
    ("Ctrl+Shift+D", "window", "dial the copied number"),
    (MISSED_KEYS_README, "window", "your inbound missed calls (user calls tab, last 30 days)"),
    ("Ctrl+E", "window", "export the current tab's filtered calls to CSV"),
    ("Ctrl+F", "window", "search box of the current tab"),
    ("Ctrl+1, Ctrl+2, Ctrl+3", "window", "user calls, queue calls, ring group calls"),
    ("Ctrl+4", "window", "Callbacks"),
    ("Ctrl+5", "window", "Insights"),
    ("Enter", "Insights table",
     "open the calls of that row (day, hour, queue, agent) in the history"),
    ("Ctrl+,", "window", "settings"),
    ("Ctrl+Q", "window",
     "quit (closing the window keeps pbxdesk in the tray when there is one)"),
    ("Tab, Shift+Tab", "window", "next / previous control (out of the table too)"),
    ("Enter", "history table", "call back the selected call"),
    ("Ctrl+C / Ctrl+Shift+C", "history table", "copy the number / the call ID"),
    ("Ctrl+PgUp / Ctrl+PgDn, Alt+Left / Alt+Right", "history table",
     "previous / next page"),
    ("Enter", "callbacks list", "call back through the dial pad (and tell the team you are)"),
    ("D, S, N, Delete, O", "callbacks list",
     "done, snooze (a menu), note, not needed, reopen"),
    ("↑ ↓, PgUp, PgDn", "callbacks list", "move between callers"),
    ("digits, `+`, `*`, `#`, Backspace", "dial pad",
     "edit the number (also while the Call button has the focus)"),
    ("Enter", "dial pad", "call; in the Recent list, redial the selected number"),
)
"""(keys, where, what): the README's "Keyboard" table."""


def open_folder(folder: Path) -> bool:
    """Show ``folder`` in the desktop's file manager; False if nothing could open it."""
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _plain(keys: str) -> str:
    """The README's Markdown for keys as plain text ("`+`" → "+")."""
    return keys.replace("`", "")


class ShortcutsDialog(QDialog):
    """The keyboard shortcuts, as a read-only table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.table = QTableWidget(len(KEYBOARD_SHORTCUTS), 3, self)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Keys", "Where", "What"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        for row, (keys, where, what) in enumerate(KEYBOARD_SHORTCUTS):
            if keys == MISSED_KEYS_README and sys.platform == "darwin":
                keys = "⌃M"
            for column, text in enumerate((_plain(keys), where, what)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        # Rows follow the columns' real widths (sized once, before the dialog had its
        # width, short lines sat in rows three lines tall).
        self.table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        note = QLabel("Menus, tabs and labels have Alt+letter mnemonics. On macOS, Ctrl is ⌘.",
                      self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(760, 520)

    def rows(self) -> list[tuple[str, str, str]]:
        """What the table shows (for tests and screen readers)."""
        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [(text(row, 0), text(row, 1), text(row, 2))
                for row in range(self.table.rowCount())]


class AboutDialog(QDialog):
    """Version, licence and where pbxdesk keeps its files (each a link that opens it)."""

    def __init__(self, paths: AppPaths | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About pbxdesk")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.folders: dict[str, Path] = {}
        if paths is not None:
            self.folders = {"Settings": paths.config_dir, "Data (call history)": paths.data_dir,
                            "Logs": paths.log_dir}
        rows = "".join(
            f'<tr><td>{html.escape(name)}:&nbsp;</td><td><a href="{index}">'
            f"{html.escape(str(folder))}</a></td></tr>"
            for index, (name, folder) in enumerate(self.folders.items()))
        self.text = QLabel(
            f"<h3>pbxdesk {html.escape(__version__)}</h3>"
            "<p>Call history and click-to-call for agents on a hosted cloud PBX.</p>"
            f"<p>Licence: {LICENCE}. Python {sys.version_info.major}."
            f"{sys.version_info.minor}, Qt for Python.</p>"
            + (f"<p>Folders (click to open):</p><table>{rows}</table>" if rows else ""),
            self)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.text.setAccessibleName("About pbxdesk")
        self.text.linkActivated.connect(self._on_link_activated)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    def _on_link_activated(self, link: str) -> None:
        folders = list(self.folders.values())
        if link.isdigit() and int(link) < len(folders):
            open_folder(folders[int(link)])


class HelpActions(QObject):
    """The Help menu's actions for ``window``; a folder that cannot be opened is said
    in the window's status bar.

    Attributes:
        shortcuts_action, log_folder_action, about_action: the menu's entries.
    """

    def __init__(self, window: QMainWindow, paths: AppPaths | None) -> None:
        super().__init__(window)
        self._window = window
        self._paths = paths
        self.shortcuts_action = QAction("&Keyboard shortcuts", window)
        self.shortcuts_action.setStatusTip("Every key pbxdesk knows")
        self.log_folder_action = QAction("Open &log folder", window)
        self.log_folder_action.setStatusTip("Show pbxdesk's log files (for a problem report)")
        self.about_action = QAction("&About pbxdesk", window)
        self.about_action.setStatusTip("Version, licence and where pbxdesk keeps its files")
        self.shortcuts_action.triggered.connect(self._on_shortcuts_triggered)
        self.log_folder_action.triggered.connect(self._on_log_folder_triggered)
        self.about_action.triggered.connect(self._on_about_triggered)

    def actions(self) -> tuple[QAction | None, ...]:
        """The menu's entries in order (None: a separator)."""
        return (self.shortcuts_action, self.log_folder_action, None, self.about_action)

    @Slot()
    def _on_shortcuts_triggered(self) -> None:
        ShortcutsDialog(self._window).show()

    @Slot()
    def _on_about_triggered(self) -> None:
        AboutDialog(self._paths, self._window).show()

    @Slot()
    def _on_log_folder_triggered(self) -> None:
        if self._paths is None or not open_folder(self._paths.log_dir):
            where = "" if self._paths is None else f": {self._paths.log_dir}"
            self._window.statusBar().showMessage(f"Could not open the log folder{where}",
                                                 10_000)
