"""The crash dialog: what a bug looks like to the user.

Known problems get a banner; anything else that escapes (an exception in a
slot or a background task) is a bug. :func:`install_excepthook` logs it with
its traceback and shows :class:`CrashDialog` (non-modal, so it never starts a
nested event loop inside a coroutine), naming the log file to attach to a bug
report. The app keeps running.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.logs import redact

log = logging.getLogger("pbxdesk.ui")
ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


class CrashDialog(QDialog):
    """Shows an unexpected error, the log file path and a copy button."""

    def __init__(self, details: str, log_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("pbxdesk hit a bug")
        self.setAccessibleName("Unexpected error")
        where = (f"The details are also in the log file:<br><code>{log_file}</code>"
                 if log_file else "")
        intro = QLabel(
            "Something went wrong inside pbxdesk. Your call history is safe and the app keeps "
            f"running. Please report this with the details below. {where}", self)
        intro.setWordWrap(True)
        self.details = QPlainTextEdit(redact(details), self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Error details")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = QPushButton("Copy details", self)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self._copy_details)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(640, 400)

    def _copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())


class CrashHandler:
    """Logs unexpected exceptions and shows them in a :class:`CrashDialog`."""

    def __init__(self, log_file: Path | None, *, show_dialog: bool = True) -> None:
        self.log_file = log_file
        self.show_dialog = show_dialog
        self.dialogs: list[CrashDialog] = []
        self.seen = 0
        self._previous: ExceptHook | None = None

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self.handle

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook = self._previous
            self._previous = None

    def handle(self, kind: type[BaseException], error: BaseException,
               tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            if self._previous is not None:
                self._previous(kind, error, tb)
            return
        self.seen += 1
        details = "".join(traceback.format_exception(kind, error, tb))
        log.critical("Unexpected error:\n%s", details)
        if self.show_dialog and QGuiApplication.instance() is not None:
            dialog = CrashDialog(details, self.log_file)
            dialog.finished.connect(lambda _result, d=dialog: self._forget(d))
            self.dialogs.append(dialog)
            dialog.show()

    def report(self, error: BaseException) -> None:
        """For background tasks: the same as an uncaught exception."""
        self.handle(type(error), error, error.__traceback__)

    def _forget(self, dialog: CrashDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
            dialog.deleteLater()
