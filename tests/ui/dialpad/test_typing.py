"""Typing, keys and pasting in the dial pad; the line saying what will be dialled."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from pbxdesk.ui.dialpad.keypad import LONG_PRESS_MS
from pbxdesk.ui.dialpad.numberedit import is_significant
from tests.ui.dialpad.conftest import MakePad
from tests.ui.dialpad.helpers import click, key, press, release, type_text


def digits_before_cursor(text: str, cursor: int) -> str:
    return "".join(char for char in text[:cursor] if is_significant(char))


@pytest.mark.parametrize(("typed", "shown", "preview", "can_call"), [
    ("0412345678", "0412 345 678", "Will dial +61 412 345 678 (Australia, mobile)", True),
    ("+442079460958", "+44 20 7946 0958",
     "Will dial +44 20 7946 0958 (United Kingdom, landline)", True),
    ("1002", "1002", "Will dial extension 1002", True),
    ("04123456789", "04123456789", "That number is too long for Australia (+61).", False),
    # On the way to a mobile number: never "Will dial extension 041234".
    ("041234", "0412 34", "Too short for Australia (+61): keep typing.", False),
    ("0412345", "0412 345", "Too short for Australia (+61): keep typing.", False),
    ("98765432", "98765432", "That isn't a valid number for Australia (+61).", False),
    ("4", "4", "That's too short for a phone number or an extension.", False),
    ("000", "000",
     "000 is an emergency number. pbxdesk never calls emergency numbers: use a phone.", False),
    ("", "", "Enter a phone number or an extension.", False),
])
def test_typing_formats_and_previews(qtbot: QtBot, make_pad: MakePad, typed: str, shown: str,
                                     preview: str, can_call: bool) -> None:
    pad = make_pad()
    type_text(qtbot, pad.number, typed)
    assert pad.number.text() == shown
    assert pad.preview.text() == preview
    assert pad.preview_icon.pixmap() is not None  # an icon as well as the words
    assert pad.call_button.isEnabled() is can_call


def test_number_with_an_extension_suffix_says_to_key_it_in(qtbot: QtBot,
                                                           make_pad: MakePad) -> None:
    pad = make_pad()
    pad.set_number("+61 2 9876 5432 ext. 12")
    assert pad.preview.text() == ("Will dial +61 2 9876 5432 ext. 12 (Australia, landline). "
                                  "Key in extension 12 once connected.")


def test_cursor_stays_after_the_same_digit(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    type_text(qtbot, pad.number, "0412345678")
    pad.number.setCursorPosition(4)  # after "0412"
    type_text(qtbot, pad.number, "9")
    text = pad.number.text()
    assert digits_before_cursor(text, pad.number.cursorPosition()) == "04129"
    # Backspace just after a space the formatter added removes the digit before it.
    pad.number.setText("0412 345 678")
    pad.number.setCursorPosition(5)
    key(qtbot, pad.number, Qt.Key.Key_Backspace)
    assert digits_before_cursor(pad.number.text(), len(pad.number.text())) == "041345678"
    assert digits_before_cursor(pad.number.text(), pad.number.cursorPosition()) == "041"
    # And Delete just before one removes the digit after it.
    pad.number.setText("0412 345 678")
    pad.number.setCursorPosition(4)
    key(qtbot, pad.number, Qt.Key.Key_Delete)
    assert digits_before_cursor(pad.number.text(), len(pad.number.text())) == "041245678"


def test_keypad_buttons_and_backspace(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    pad.focus_number()
    for digit in "0412":
        click(qtbot, pad.keypad.buttons[digit])
    assert pad.number.text() == "0412"
    assert pad.focusWidget() is pad.number  # the keys never take the focus from the field
    click(qtbot, pad.backspace)
    assert pad.number.text() == "041"
    pad.number.clear()
    zero = pad.keypad.buttons["0"]
    press(qtbot, zero)
    qtbot.waitUntil(lambda: pad.number.text() == "+", timeout=LONG_PRESS_MS + 10_000)
    release(qtbot, zero)
    assert pad.number.text() == "+"  # the release that ends a long press adds no "0"


def test_keyboard_works_anywhere_in_the_pad(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    pad.set_number("0412 345 67")
    key(qtbot, pad.call_button, "8")
    assert pad.number.text() == "0412 345 678"
    key(qtbot, pad.recent, Qt.Key.Key_Backspace)
    assert pad.number.text() == "0412 345 67"
    key(qtbot, pad.call_button, "+")
    assert pad.number.text().endswith("+")


def test_paste_picks_the_number_out_of_text(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    QGuiApplication.clipboard().setText("Call me on 0412 345 678 after lunch, thanks!")
    pad.focus_number()
    key(qtbot, pad.number, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert pad.number.text() == "0412 345 678"
    assert pad.call_button.isEnabled()
    # A link too.
    QGuiApplication.clipboard().setText("tel:+44-20-7946-0958")
    pad.number.selectAll()
    key(qtbot, pad.number, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert pad.number.text() == "+44 20 7946 0958"


def test_paste_without_a_number_is_explained(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    QGuiApplication.clipboard().setText("see you\nat the meeting")
    pad.focus_number()
    key(qtbot, pad.number, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert pad.number.text() == "see you at the meeting"  # one line
    assert pad.preview.text() == "No phone number found in that text."
    assert not pad.call_button.isEnabled()


def test_context_menu_paste_cleans_too(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    QGuiApplication.clipboard().setText("Mobile: 0412-345-678")
    menu = pad.number.build_context_menu()
    (paste,) = [action for action in menu.actions() if "Paste" in action.text()]
    paste.trigger()
    assert pad.number.text() == "0412 345 678"
    menu.deleteLater()


def test_region_change_rereads_the_number(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    pad.set_default_region("US")
    type_text(qtbot, pad.number, "2015550123")
    assert pad.number.text() == "(201) 555-0123"
    assert pad.preview.text() == "Will dial +1 201-555-0123 (United States, landline or mobile)"


def test_set_number_takes_an_api_number(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    pad.set_number("442079460958")  # digits without +, as the history holds them
    assert pad.number.text() == "+44 20 7946 0958"


def test_keys_stay_put_while_the_preview_changes_length(qtbot: QtBot,
                                                        make_pad: MakePad) -> None:
    pad = make_pad()
    pad.resize(pad.minimumSizeHint().width(), 820)  # as narrow as the dock makes it
    qtbot.waitUntil(lambda: pad.width() == pad.minimumSizeHint().width())
    metrics = pad.preview.fontMetrics()
    key_tops: set[int] = set()
    preview_lines: set[int] = set()
    # An extension (a short preview), then a mobile number ("keep typing" on the way).
    for number in ("1002", "0412345678"):
        pad.number.clear()
        for digit in number:
            click(qtbot, pad.keypad.buttons[digit])
            qtbot.wait(10)  # the layout settles
            key_tops.add(pad.keypad.mapTo(pad, pad.keypad.rect().topLeft()).y())
            text = metrics.boundingRect(QRect(0, 0, pad.preview.width(), 1000),
                                        Qt.TextFlag.TextWordWrap, pad.preview.text())
            preview_lines.add(round(text.height() / metrics.lineSpacing()))
    assert pad.number.text() == "0412 345 678"
    assert preview_lines >= {1, 2}  # the text did switch between one line and two
    assert len(key_tops) == 1
