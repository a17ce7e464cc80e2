"""The dial pad's two pickers: whose phones ring, and which caller ID to present.

:class:`UserPicker` offers the agent's own extension first, then the users seen
in the history, and takes any extension typed in. :class:`CallerIdPicker`
offers "PBX default", the configured default caller ID and the account's
numbers seen in the history (:func:`pbxdesk.services.callerids.account_numbers`).
Both keep the current choice when their lists are refilled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QComboBox, QWidget

from pbxdesk.phone import DialTarget, format_for_display, normalize_api_number, parse_dial_input
from pbxdesk.services.callerids import CallerIdChoice
from pbxdesk.store import UserInfo

PBX_DEFAULT: Final = "PBX default"
# What the user picker's text may be: an item's label, or an extension being typed.
_USER_TEXT: Final = QRegularExpression(r"[0-9]{0,10}( — .*)?")


def user_label(number: str, name: str, *, mine: bool = False) -> str:
    if mine:
        return f"{number} — me"
    return f"{number} — {name}" if name else number


class UserPicker(QComboBox):
    """An editable list of extensions; :meth:`user_number` is the one chosen or typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        edit = self.lineEdit()
        if edit is not None:  # always, for an editable combo box
            edit.setPlaceholderText("Extension, e.g. 1010")
        self.setValidator(QRegularExpressionValidator(_USER_TEXT, self))
        completer = self.completer()
        if completer is not None:
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # The box stays as narrow as the pad; its list opens wide enough for whole names.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)

    def populate(self, my_extension: str, users: Sequence[UserInfo]) -> None:
        """Own extension first, then the others by name; the current choice is kept."""
        current = self.user_number()
        had_text = bool(self.currentText())
        self.blockSignals(True)
        try:
            self.clear()
            if my_extension:
                self.addItem(user_label(my_extension, "", mine=True), my_extension)
            for user in users:
                if user.number and user.number != my_extension and user.number.isdigit():
                    self.addItem(user_label(user.number, user.name), user.number)
            if had_text and current:
                self.select(current)
            elif my_extension:
                self.setCurrentIndex(0)
            else:
                self.setCurrentIndex(-1)
                self.setEditText("")
        finally:
            self.blockSignals(False)
        fit_list_to_entries(self)
        self.editTextChanged.emit(self.currentText())

    def select(self, number: str) -> None:
        """Choose ``number`` (an item if there is one, else typed in)."""
        index = self.findData(number)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(number)

    def user_number(self) -> str:
        """The extension chosen or typed; "" when there is none."""
        text = self.currentText().strip()
        index = self.findText(text)
        if index >= 0:
            return str(self.itemData(index))
        number = text.split(" ", 1)[0]
        return number if number.isdigit() else ""


class CallerIdPicker(QComboBox):
    """The caller ID to present; :meth:`caller_id` is None for the PBX's default."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addItem(PBX_DEFAULT, None)

    def populate(self, default_caller_id: str, numbers: Sequence[CallerIdChoice],
                 region: str) -> None:
        """"PBX default", the configured default, then the account's numbers (deduplicated)."""
        current = self.caller_id()
        self.blockSignals(True)
        try:
            self.clear()
            self.addItem(PBX_DEFAULT, None)
            seen: set[str] = set()
            default = default_caller_id.strip()
            if default:
                e164 = _e164_of(default, region)
                key = e164 or default
                seen.add(key)
                # The account's own spelling of the number when the history has it, else
                # the API's own form (international digits, no +), else as typed.
                value = next((n.value for n in numbers if n.e164 == key),
                             e164[1:] if e164 else default)
                self.addItem(f"{format_for_display(value, region)} (your default)", value)
            for number in numbers:
                if number.e164 not in seen:
                    seen.add(number.e164)
                    self.addItem(number.label, number.value)
            index = self.findData(current) if current is not None else 0
            self.setCurrentIndex(max(0, index))
        finally:
            self.blockSignals(False)
        fit_list_to_entries(self)
        self.currentIndexChanged.emit(self.currentIndex())

    def caller_id(self) -> str | None:
        value = self.currentData()
        return value if isinstance(value, str) and value else None

    def select(self, caller_id: str | None) -> None:
        """Choose ``caller_id`` if it is offered; else the PBX default."""
        index = self.findData(caller_id) if caller_id else 0
        self.setCurrentIndex(max(0, index))

    def select_number(self, number: str, region: str) -> bool:
        """Choose the offered caller ID that is ``number`` in any spelling; False if none is."""
        wanted = _e164_of(number, region)
        for index in range(1, self.count()):
            value = self.itemData(index)
            if isinstance(value, str) and (value == number or (
                    wanted is not None and _e164_of(value, region) == wanted)):
                self.setCurrentIndex(index)
                return True
        return False

    def choices(self) -> list[tuple[str, str | None]]:
        """(label, value) of every item, for tests and accessibility checks."""
        return [(self.itemText(i), self.itemData(i)) for i in range(self.count())]


def fit_list_to_entries(combo: QComboBox) -> None:
    """Let the drop-down list be as wide as its longest entry, whatever the box's width."""
    view = combo.view()
    widest = max((combo.fontMetrics().horizontalAdvance(combo.itemText(index))
                  for index in range(combo.count())), default=0)
    extra = 2 * view.frameWidth() + 24 + view.verticalScrollBar().sizeHint().width()
    view.setMinimumWidth(widest + extra)


def _e164_of(number: str, region: str) -> str | None:
    """E.164 for a number as typed in Settings ("1300 300 698") or as the API writes it."""
    typed = parse_dial_input(number, region)
    if isinstance(typed, DialTarget) and typed.e164 is not None:
        return typed.e164
    return normalize_api_number(number, region)
