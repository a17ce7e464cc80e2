"""The dial pad for keyboard and screen-reader users: names, tab order, hit targets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QListWidget, QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.ui.dialpad import DialPad
from tests.ui.dialpad.conftest import MakePad

MIN_TARGET = 44  # px: the usual minimum for a comfortable touch or click target


def controls(pad: DialPad) -> list[QWidget]:
    found: list[QWidget] = []
    for kind in (QAbstractButton, QComboBox, QLineEdit, QListWidget):
        found += pad.findChildren(kind)
    # A combo box's own line edit and the line edit's clear button belong to their owner.
    return [w for w in found if not isinstance(w.parent(), QComboBox | QLineEdit)]


def test_every_control_has_an_accessible_name(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    unnamed = [type(w).__name__ for w in controls(pad) if not w.accessibleName()]
    assert unnamed == []
    keys = {key: button.accessibleName() for key, button in pad.keypad.buttons.items()}
    assert keys["*"] == "Star"
    assert keys["#"] == "Hash"
    assert pad.keypad.buttons["2"].accessibleDescription() == "Letters ABC"


def test_tab_order_follows_the_panel(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    pad.set_number("0412 345 678")  # so Call is enabled and takes part
    # Redial and Clear are enabled once there are recent numbers.
    pad.redial_button.setEnabled(True)
    pad.clear_button.setEnabled(True)
    order: list[QWidget] = []
    widget: QWidget = pad.number
    for _ in range(200):
        owner = widget.parent() if isinstance(widget.parent(), QComboBox) else widget
        assert isinstance(owner, QWidget)
        if (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.isVisible() \
                and widget.isEnabled() and owner not in order:
            order.append(owner)
        following = widget.nextInFocusChain()
        assert following is not None
        widget = following
        if widget is pad.number:
            break
    expected = [pad.number, pad.keypad_toggle, pad.user_picker, pad.caller_picker,
                pad.call_button, pad.recent,
                pad.redial_button, pad.clear_button]
    assert [w for w in order if w in expected] == expected
    # The keys are for the mouse: the keyboard types digits straight into the field.
    assert not any(button in order for button in pad.keypad.buttons.values())


def test_hit_targets_are_large(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    for button in pad.keypad.buttons.values():
        assert button.width() >= MIN_TARGET
        assert button.height() >= MIN_TARGET
    assert pad.call_button.height() >= MIN_TARGET
    assert pad.number.height() >= MIN_TARGET
    assert pad.backspace.width() >= MIN_TARGET


def test_state_is_told_in_words_not_colour_alone(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad(my_extension="")
    pad.set_number("000")
    assert "emergency" in pad.preview.text()
    assert not pad.preview_icon.pixmap().isNull()
    assert pad.call_button.text() == "Set your extension in Settings"
