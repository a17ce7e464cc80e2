"""Dialog boxes behind one small injectable service.

Controllers ask :class:`DialogService` for a file name, a confirmation or to
show an error, so tests can pass a recording fake and never open a real modal
dialog. The file and confirmation questions are modal and run a nested event
loop: call them from ordinary slots only, never from a coroutine (qasync then
fails with "Cannot enter into task … while another task is being executed" and
shutdown hangs).
Errors and information are shown non-modally (``show()``) and return at once,
so they are safe anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


class DialogService:
    """Real Qt dialogs. Subclass (or duck-type) it in tests."""

    def ask_save_path(self, parent: QWidget | None, *, title: str, suggested: Path,
                      name_filter: str) -> Path | None:
        """A file to write, or None if the user cancelled. Modal: not from a coroutine."""
        chosen, _filter = QFileDialog.getSaveFileName(parent, title, str(suggested),
                                                      name_filter)
        return Path(chosen) if chosen else None

    def ask_save_path_and_type(self, parent: QWidget | None, *, title: str, suggested: Path,
                               types: Sequence[str], chosen_type: str) -> tuple[Path, str] | None:
        """A file to write and the "Save as type" chosen among ``types`` (name filters,
        ``chosen_type`` offered first), or None if the user cancelled. Modal."""
        chosen, chosen_filter = QFileDialog.getSaveFileName(
            parent, title, str(suggested), ";;".join(types), chosen_type)
        if not chosen:
            return None
        return Path(chosen), chosen_filter if chosen_filter in types else chosen_type

    def confirm(self, parent: QWidget | None, *, title: str, text: str,
                confirm_text: str = "OK") -> bool:
        """Ask a yes/no question. Modal: not from a coroutine."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Cancel, parent)
        accept = box.addButton(confirm_text, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(accept)
        box.exec()
        return box.clickedButton() is accept

    def show_error(self, parent: QWidget | None, *, title: str, text: str) -> None:
        """Show a known problem without blocking (returns at once)."""
        self._show(QMessageBox.Icon.Warning, parent, title, text)

    def show_info(self, parent: QWidget | None, *, title: str, text: str) -> None:
        """Show information without blocking (returns at once)."""
        self._show(QMessageBox.Icon.Information, parent, title, text)

    @staticmethod
    def _show(icon: QMessageBox.Icon, parent: QWidget | None, title: str, text: str) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()
