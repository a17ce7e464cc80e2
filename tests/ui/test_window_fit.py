"""The window at the sizes agents use: a long international number stays whole in the
dial box, and the window is usable at 960 pixels wide (half a 1920 screen) with the pad."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from pbxdesk.app import Controller
from pbxdesk.ui.dialpad import DialPad
from pbxdesk.ui.dialpad.numberedit import NumberEdit

UK_NUMBER = "+44 20 7946 0958"


def pad_of(controller: Controller) -> DialPad:
    pad = controller.window.pad
    assert pad is not None
    return pad


def shown_width(edit: NumberEdit) -> int:
    """How far apart the cursor is at the start and at the end of the text, as drawn.

    When the text is wider than the field, QLineEdit scrolls it so that the end shows:
    then the two positions are less than the text's width apart.
    """
    edit.end(False)
    end = edit.cursorRect().center().x()
    edit.home(False)
    start = edit.cursorRect().center().x()
    edit.end(False)
    return end - start


def assert_whole(edit: NumberEdit, text: str) -> None:
    assert edit.text() == text
    advance = edit.fontMetrics().horizontalAdvance(text)
    assert shown_width(edit) >= advance - 1, "the number scrolls: its start is cut off"
    edit.home(False)
    assert edit.cursorRect().left() >= 0
    edit.end(False)
    assert edit.cursorRect().right() <= edit.width()


@pytest.mark.parametrize("size", [None, (1280, 800)], ids=["default size", "1280x800"])
def test_an_international_number_is_whole_in_the_dial_box(
        qtbot: QtBot, demo_controller: Controller, size: tuple[int, int] | None) -> None:
    window = demo_controller.window
    if size is not None:
        window.resize(*size)
        qtbot.waitUntil(lambda: window.width() == size[0])
    pad = pad_of(demo_controller)
    window.show_dial_pad()
    qtbot.keyClicks(pad.number, UK_NUMBER)
    assert_whole(pad.number, UK_NUMBER)
    # Still the large type of the pad, not a tiny one.
    assert pad.number.font().pointSizeF() > pad.font().pointSizeF()


def test_the_dial_box_font_steps_down_only_as_far_as_needed(
        qtbot: QtBot, demo_controller: Controller) -> None:
    pad = pad_of(demo_controller)
    edit = pad.number
    qtbot.keyClicks(edit, "0412 345 678")
    full = edit.font().pointSizeF()
    assert edit.text_fits()
    longer = UK_NUMBER + " x12"  # an extension after it: longer than any plain number
    edit.set_number_text(longer)
    assert edit.font().pointSizeF() < full
    assert_whole(edit, longer)
    edit.clear()
    qtbot.keyClicks(edit, "0412")
    assert edit.font().pointSizeF() == full  # back to full size for a short number
