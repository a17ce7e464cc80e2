"""The dial pad's twelve keys: 1–9, *, 0 and #, each with its letters.

Keys never take the keyboard focus, so clicking them leaves the cursor in the
number field; what was pressed leaves as ``sig_key_pressed``. Holding 0 gives
``+``, as on a phone. The letters under the digits are the ITU E.161 keypad
layout (what vanity numbers such as 1800 FLOWERS are spelt with).

Agents mostly type, so the keys can fold away (:class:`KeypadToggle`), which
gives the recent numbers the room on a short screen; the choice is kept.
"""

from __future__ import annotations

import logging
from typing import Final

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.store import KeyValues, StoreError

log = logging.getLogger("pbxdesk.ui")

# (key, letters, spoken name): the letters are drawn under the key.
KEYS: Final = (
    ("1", "", "1"), ("2", "ABC", "2"), ("3", "DEF", "3"),
    ("4", "GHI", "4"), ("5", "JKL", "5"), ("6", "MNO", "6"),
    ("7", "PQRS", "7"), ("8", "TUV", "8"), ("9", "WXYZ", "9"),
    ("*", "", "Star"), ("0", "+", "0"), ("#", "", "Hash"),
)
# Holding 0 this long types + instead.
LONG_PRESS_MS: Final = 600
KEY_SIZE: Final = QSize(64, 52)
KEYPAD_SHOWN_KEY: Final = "ui.dialpad.keypad_shown"


class KeyButton(QPushButton):
    """One key: the digit large, its letters small underneath."""

    def __init__(self, key: str, letters: str, spoken: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName("dialKey")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumSize(KEY_SIZE)
        self.setAccessibleName(spoken)
        self.setAccessibleDescription(
            "Hold for +" if key == "0" else (f"Letters {letters}" if letters else ""))
        self.setToolTip("0 — hold for +" if key == "0" else key)
        digit = QLabel(key, self)
        digit_font = QFont(self.font())
        digit_font.setPointSizeF(digit_font.pointSizeF() * 1.6)
        digit.setFont(digit_font)
        small = QLabel(letters or " ", self)
        small_font = QFont(self.font())
        small_font.setPointSizeF(max(6.0, small_font.pointSizeF() * 0.72))
        small_font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 115)
        small.setFont(small_font)
        small.setObjectName("dialKeyLetters")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 4, 2, 4)
        layout.setSpacing(0)
        for label in (digit, small):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            # The button, not its labels, takes the clicks.
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)


class KeyPad(QWidget):
    """The grid of keys.

    Signals:
        sig_key_pressed(str): a key was pressed ("0"–"9", "*", "#" or "+").
    """

    sig_key_pressed = Signal(str)
    """The text of the key pressed ("+" for a long press on 0)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Dial pad keys")
        self.buttons: dict[str, KeyButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        for index, (key, letters, spoken) in enumerate(KEYS):
            button = KeyButton(key, letters, spoken, self)
            self.buttons[key] = button
            grid.addWidget(button, index // 3, index % 3)
            if key != "0":
                button.clicked.connect(lambda _checked=False, k=key: self.sig_key_pressed.emit(k))
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.setInterval(LONG_PRESS_MS)
        self._hold.timeout.connect(self._on_hold_timeout)
        self._held = False
        zero = self.buttons["0"]
        zero.pressed.connect(self._on_zero_pressed)
        zero.released.connect(self._hold.stop)
        zero.clicked.connect(self._on_zero_clicked)

    @Slot()
    def _on_zero_pressed(self) -> None:
        self._held = False
        self._hold.start()

    @Slot()
    def _on_hold_timeout(self) -> None:
        self._held = True
        self.sig_key_pressed.emit("+")

    @Slot()
    def _on_zero_clicked(self) -> None:
        # After a long press the click that ends it has already given "+".
        if not self._held:
            self.sig_key_pressed.emit("0")
        self._held = False


class KeypadToggle(QToolButton):
    """Folds the keypad away and back ("▾ Keypad" / "▸ Keypad"), keeping the choice in
    the account's store."""

    def __init__(self, keypad: QWidget, values: KeyValues,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keypad = keypad
        self._values = values
        self.setObjectName("keypadToggle")
        self.setCheckable(True)
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setText("Keypad")
        self.setAccessibleName("Keypad")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        try:
            shown = values.get(KEYPAD_SHOWN_KEY, True) is not False
        except StoreError as error:
            log.warning("Could not read whether the keypad was shown: %s", error)
            shown = True
        self.setChecked(shown)
        self._show(shown)
        self.toggled.connect(self._on_toggled)

    @Slot(bool)
    def _on_toggled(self, shown: bool) -> None:
        self._show(shown)
        try:
            self._values.set(KEYPAD_SHOWN_KEY, shown)
        except StoreError as error:  # a full disk costs the choice, nothing else
            log.warning("Could not keep whether the keypad is shown: %s", error)

    def _show(self, shown: bool) -> None:
        self._keypad.setVisible(shown)
        self.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.setToolTip("Hide the keys (you can type the number)" if shown
                        else "Show the keys")
