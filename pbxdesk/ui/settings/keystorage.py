"""Where the API key is kept: the keyring, a private file, or nowhere.

Three radio buttons generated from the ``key_storage`` setting's choices. Where
the computer has no usable keyring the keyring button is disabled and, if the
saved choice was the keyring, nothing is selected: the user must choose
(never a silent fallback to a weaker place). Choosing the private file shows a warning in
words, not only in colour.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.settings import SPECS, KeyStorage

LABELS: dict[str, str] = {
    "keyring": "The system keyring (recommended)",
    "file": "A private file (readable only by you)",
    "none": "Don't remember (ask at each start)",
}
NO_KEYRING_NOTE = " — not available on this computer"
FILE_WARNING = ("Warning: the key is kept unencrypted in {path}. Only your user account can "
                "read the file, but anyone who can use your account, or a backup of it, can.")
CHOOSE_PROBLEM = ("This computer has no password keyring: choose a private file or not "
                  "remembering the key")


class KeyStorageChooser(QWidget):
    """Radio buttons for ``Settings.key_storage``.

    Signals:
        sig_choice_changed(): the selection changed.
    """

    sig_choice_changed = Signal()
    """The user picked another place for the key."""

    def __init__(self, *, keyring_available: bool, fallback_file: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        spec = SPECS["key_storage"]
        self.setObjectName("setting_key_storage")
        self.setAccessibleName(spec.label)
        self.setAccessibleDescription(spec.help)
        self._keyring_available = keyring_available
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: dict[str, QRadioButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for choice in spec.choices:
            text = LABELS.get(choice, choice)
            if choice == "keyring" and not keyring_available:
                text += NO_KEYRING_NOTE
            button = QRadioButton(text, self)
            button.setObjectName(f"key_storage_{choice}")
            button.setAccessibleName(text)
            button.setEnabled(choice != "keyring" or keyring_available)
            self._group.addButton(button)
            self.buttons[choice] = button
            layout.addWidget(button)
        self.warning = QLabel(FILE_WARNING.format(path=fallback_file), self)
        self.warning.setObjectName("key_file_warning")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setAccessibleName("Warning about the private key file")
        self.warning.setProperty("role", "warning")
        layout.addWidget(self.warning)
        self._group.buttonToggled.connect(self._on_group_button_toggled)
        self._update_warning()

    def set_choice(self, storage: str) -> None:
        """Select ``storage``; the keyring where there is none selects nothing."""
        button = self.buttons.get(storage)
        if button is None or not button.isEnabled():
            checked = self._group.checkedButton()
            if checked is not None:  # an exclusive group cannot uncheck its last button
                self._group.setExclusive(False)
                checked.setChecked(False)
                self._group.setExclusive(True)
            return
        button.setChecked(True)

    def choice(self) -> KeyStorage | None:
        """The selected place, or None when the user has not chosen one."""
        for choice, button in self.buttons.items():
            if button.isChecked():
                return cast("KeyStorage", choice)
        return None

    def problem(self) -> str | None:
        return CHOOSE_PROBLEM if self.choice() is None else None

    def first_enabled_button(self) -> QRadioButton:
        """Where Tab and the label's mnemonic should land."""
        checked = self._group.checkedButton()
        if isinstance(checked, QRadioButton):
            return checked
        return next(button for button in self.buttons.values() if button.isEnabled())

    @Slot(QAbstractButton, bool)
    def _on_group_button_toggled(self, _button: QAbstractButton, checked: bool) -> None:
        self._update_warning()
        if checked:
            self.sig_choice_changed.emit()

    def _update_warning(self) -> None:
        self.warning.setVisible(self.choice() == "file")
