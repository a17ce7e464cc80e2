"""The questions the callbacks view asks: a note, why a callback is not needed, a time.

Behind one small injectable class, like :class:`~pbxdesk.ui.dialogs.DialogService`,
so tests answer them without real modal dialogs. Each is modal and runs a nested
event loop: ask from ordinary slots only, never from a coroutine.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.services.callbacks import NOTE_MAX_CHARS

NOT_NEEDED_REASONS = ("Spam", "Wrong number", "Sorted out another way", "Other")
NOT_NEEDED_NOTE_CHARS = NOTE_MAX_CHARS - max(map(len, NOT_NEEDED_REASONS)) - len(": ")
"""The longest note beside a reason: the two are kept as one note, nothing cut off."""


class CallbackDialogs:
    """Real dialogs. Subclass (or duck-type) it in tests."""

    def ask_note(self, parent: QWidget | None, *, caller: str, current: str) -> str | None:
        """The note for an item ("" clears it), or None when cancelled."""
        dialog = note_dialog(parent, caller=caller, current=current)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.textValue().strip()

    def ask_not_needed(self, parent: QWidget | None, *, caller: str) -> str | None:
        """Why no call back is needed ("Spam", "Wrong number: …"), or None when cancelled."""
        dialog = QDialog(parent)
        dialog.setWindowTitle("Not needed")
        dialog.setAccessibleName("Why no call back is needed")
        reason = QComboBox(dialog)
        reason.addItems(NOT_NEEDED_REASONS)
        reason.setAccessibleName("Reason")
        note = QLineEdit(dialog)
        note.setPlaceholderText("Optional")
        note.setMaxLength(NOT_NEEDED_NOTE_CHARS)
        note.setAccessibleName("Note")
        form = QFormLayout()
        form.addRow("&Reason:", reason)
        form.addRow("N&ote:", note)
        if not _ask(dialog, f"{caller} needs no call back because:", form):
            return None
        extra = note.text().strip()
        return f"{reason.currentText()}: {extra}" if extra else reason.currentText()

    def ask_snooze_time(self, parent: QWidget | None, *, caller: str,
                        suggested: datetime) -> datetime | None:
        """A local time to snooze until, or None when cancelled."""
        dialog = QDialog(parent)
        dialog.setWindowTitle("Snooze until")
        edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(suggested.timestamp())), dialog)
        edit.setCalendarPopup(True)
        edit.setMinimumDateTime(QDateTime.currentDateTime())
        edit.setAccessibleName("Snooze until")
        if not _ask(dialog, f"Hide {caller} until:", edit):
            return None
        return datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch()).astimezone()


def note_dialog(parent: QWidget | None, *, caller: str, current: str) -> QInputDialog:
    """The note's question: its field holds no more than a note may keep."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Note")
    dialog.setLabelText(f"Note on {caller} (seen by everyone who sees this callback):")
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    dialog.setTextValue(current)
    edit = dialog.findChild(QLineEdit)
    if edit is not None:
        edit.setMaxLength(NOTE_MAX_CHARS)
        edit.setAccessibleName("Note")
    return dialog


def _ask(dialog: QDialog, question: str, fields: QWidget | QLayout) -> bool:
    """Lay out ``question``, ``fields`` and OK / Cancel; True when OK was pressed."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel(question, dialog))
    if isinstance(fields, QLayout):
        layout.addLayout(fields)
    else:
        layout.addWidget(fields)
    layout.addWidget(buttons)
    return dialog.exec() == QDialog.DialogCode.Accepted
