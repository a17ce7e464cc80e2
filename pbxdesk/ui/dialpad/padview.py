"""The dial pad's widgets and where they sit, without their behaviour.

:class:`PadView` makes the pad's controls (their text, fonts and sizes, their
names for screen readers and tooltips), lays them out and sets the tab order.
It connects nothing and decides nothing: :class:`~pbxdesk.ui.dialpad.pad.DialPad`
builds on it and gives the controls their behaviour.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.store import KeyValues
from pbxdesk.ui.dialpad.choicebar import ChoiceBar
from pbxdesk.ui.dialpad.choices import CallerIdPicker, UserPicker
from pbxdesk.ui.dialpad.keypad import KeyPad, KeypadToggle
from pbxdesk.ui.dialpad.numberedit import NumberEdit
from pbxdesk.ui.dialpad.recent import RecentList
from pbxdesk.ui.dialpad.status import ICON_SIZE, CallStatus

CALL_TEXT: Final = "Call"


class PadView(QWidget):
    """The dial pad's controls, laid out.

    Attributes (made by :meth:`_build`):
        number, backspace: the number field and its delete-last-digit button.
        preview_icon, preview: what Call will dial, in an icon and words.
        keypad, keypad_toggle: the keys, and the button that folds them away.
        user_picker, no_extension_hint, caller_picker: whose phones ring, the hint
            shown while no extension is set, and the caller ID.
        call_button, choice_bar, status: Call, the pad's questions, the current call.
        recent_label, redial_button, clear_button, recent: the recent numbers.
    """

    def _build(self, region: str, keypad_values: KeyValues) -> None:
        """Make the controls (parented to the pad) and lay them out."""
        self.number = NumberEdit(region, self)
        self.number.setObjectName("numberField")
        self.number.setAccessibleName("Number to dial")
        self.number.setPlaceholderText("Number or ext.")
        big = QFont(self.number.font())
        big.setPointSizeF(big.pointSizeF() * 1.5)
        self.number.set_display_font(big)
        self.number.setMinimumHeight(44)
        self.backspace = QToolButton(self)
        self.backspace.setText("⌫")
        self.backspace.setFont(big)
        self.backspace.setAutoRaise(True)
        self.backspace.setAutoRepeat(True)
        self.backspace.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.backspace.setMinimumSize(44, 44)
        self.backspace.setAccessibleName("Delete last digit")
        self.backspace.setToolTip("Delete the last digit (Backspace)")

        self.preview_icon = QLabel(self)
        self.preview_icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self.preview = QLabel(self)
        self.preview.setObjectName("dialPreview")
        self.preview.setAccessibleName("What will be dialled")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        # Two lines kept free: as digits are typed the text switches between one line and
        # two, and the keys below must not jump under the mouse.
        self.preview.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.preview.setMinimumHeight(2 * self.preview.fontMetrics().lineSpacing())

        self.keypad = KeyPad(self)
        self.keypad_toggle = KeypadToggle(self.keypad, keypad_values, self)

        self.user_picker = UserPicker(self)
        self.user_picker.setAccessibleName("Whose phones ring")
        self.user_picker.setToolTip("The extension whose phones ring first; when one answers, "
                                    "the PBX dials the number")
        self.no_extension_hint = QLabel(
            'No extension set: type one, or <a href="settings">set yours in Settings</a>.', self)
        self.no_extension_hint.setTextFormat(Qt.TextFormat.RichText)
        self.no_extension_hint.setWordWrap(True)
        self.no_extension_hint.setAccessibleName("No extension set")
        self.caller_picker = CallerIdPicker(self)
        self.caller_picker.setAccessibleName("Caller ID to show")
        self.caller_picker.setToolTip("The number the person called sees")

        self.call_button = QPushButton(CALL_TEXT, self)
        self.call_button.setObjectName("callButton")
        self.call_button.setAccessibleName("Call")
        self.call_button.setMinimumHeight(48)
        call_font = QFont(self.call_button.font())
        call_font.setPointSizeF(call_font.pointSizeF() * 1.25)
        self.call_button.setFont(call_font)

        self.choice_bar = ChoiceBar(self)
        self.status = CallStatus(self)

        self.recent_label = QLabel("Recent", self)
        bold = QFont(self.recent_label.font())
        bold.setWeight(QFont.Weight.DemiBold)
        self.recent_label.setFont(bold)
        self.redial_button = QPushButton("Redial", self)
        self.redial_button.setAccessibleName("Redial the last number")
        self.redial_button.setToolTip("Call the last number again")
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setAccessibleName("Clear recent numbers")
        self.clear_button.setToolTip("Forget the recent numbers")
        for button in (self.redial_button, self.clear_button):
            button.setAutoDefault(True)  # Enter presses them when they have the focus
            button.setMinimumHeight(32)
        self.recent = RecentList(self)
        self.recent.setAccessibleName("Recent numbers")
        self.recent.setMinimumHeight(88)  # two numbers; it takes any room left over

        self._lay_out()

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        field_row = QHBoxLayout()
        field_row.setSpacing(4)
        field_row.addWidget(self.number, 1)
        field_row.addWidget(self.backspace)
        layout.addLayout(field_row)
        preview_row = QHBoxLayout()
        preview_row.setSpacing(6)
        preview_row.addWidget(self.preview_icon, 0, Qt.AlignmentFlag.AlignTop)
        preview_row.addWidget(self.preview, 1)
        layout.addLayout(preview_row)
        layout.addWidget(self.keypad_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.keypad)
        form = QFormLayout()
        form.setContentsMargins(0, 4, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        ring_label = QLabel("Ring &phones of:", self)
        ring_label.setBuddy(self.user_picker)
        caller_label = QLabel("Caller &ID:", self)
        caller_label.setBuddy(self.caller_picker)
        form.addRow(ring_label, self.user_picker)
        form.addRow("", self.no_extension_hint)
        form.addRow(caller_label, self.caller_picker)
        layout.addLayout(form)
        layout.addWidget(self.call_button)
        layout.addWidget(self.choice_bar)
        layout.addWidget(self.status)
        recent_row = QHBoxLayout()
        recent_row.addWidget(self.recent_label, 1)
        recent_row.addWidget(self.redial_button)
        recent_row.addWidget(self.clear_button)
        layout.addLayout(recent_row)
        layout.addWidget(self.recent, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        for first, second in ((self.number, self.keypad_toggle),
                              (self.keypad_toggle, self.user_picker),
                              (self.user_picker, self.caller_picker),
                              (self.caller_picker, self.call_button),
                              (self.call_button, self.recent),
                              (self.recent, self.redial_button),
                              (self.redial_button, self.clear_button)):
            QWidget.setTabOrder(first, second)
        self.choice_bar.set_tab_neighbours(self.call_button, self.recent)
