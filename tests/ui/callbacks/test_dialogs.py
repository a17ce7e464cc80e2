"""The callbacks view's questions hold no more note than the worklist keeps."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from pbxdesk.services.callbacks import NOTE_MAX_CHARS, note_text
from pbxdesk.ui.callbacks.dialogs import NOT_NEEDED_NOTE_CHARS, NOT_NEEDED_REASONS, note_dialog


def test_the_note_field_takes_no_more_than_a_note_keeps(qtbot: QtBot) -> None:
    dialog = note_dialog(None, caller="0412 345 678", current="Asked for the manager")
    qtbot.addWidget(dialog)
    edit = dialog.findChild(QLineEdit)
    assert edit is not None
    assert edit.maxLength() == NOTE_MAX_CHARS
    assert dialog.textValue() == "Asked for the manager"
    edit.selectAll()
    edit.insert("y" * (NOTE_MAX_CHARS + 500))  # a long paste
    assert dialog.textValue() == "y" * NOTE_MAX_CHARS == note_text(dialog.textValue())


def test_a_reason_with_the_longest_note_is_kept_whole() -> None:
    for reason in NOT_NEEDED_REASONS:
        note = f"{reason}: " + "z" * NOT_NEEDED_NOTE_CHARS
        assert note_text(note) == note
