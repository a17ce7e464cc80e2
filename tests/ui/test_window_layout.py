"""The main window on a small screen: the dial pad scrolls instead of squeezing its keys.

A 1366×768 laptop leaves the dock about 650 pixels; a long call status (a
refused call quoting the PBX) made the pad taller than that.
"""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from pbxdesk.app import Controller
from pbxdesk.ui.dialpad import DialPad

LONG_STATUS = ("Not called: The PBX refused the request: number_to_call '1002' is not a valid "
               "international number (E.164) or an extension of this account")


def pad_of(controller: Controller) -> DialPad:
    pad = controller.window.pad
    assert pad is not None
    return pad


def test_the_pad_fits_its_dock_without_a_scroll_bar_when_there_is_room(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    window.resize(1280, 900)
    pad = pad_of(demo_controller)
    viewport = window.pad_dock.scroller.viewport()
    qtbot.waitUntil(lambda: viewport.height() > pad.minimumSizeHint().height())
    qtbot.waitUntil(lambda: pad.height() == viewport.height())  # nothing to scroll
    assert not window.pad_dock.scroller.verticalScrollBar().isVisible()


def test_a_long_call_status_scrolls_the_pad_and_leaves_the_window_and_keys_alone(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    window.resize(1280, 700)
    qtbot.waitUntil(lambda: window.height() == 700)
    pad = pad_of(demo_controller)
    pad.status.show_status("1002", LONG_STATUS, None)
    qtbot.waitUntil(lambda: pad.height() >= pad.minimumSizeHint().height())
    assert window.height() == 700  # the window did not grow past the screen
    assert window.pad_dock.scroller.verticalScrollBar().maximum() > 0  # the pad scrolls instead
    for key in pad.keypad.buttons.values():
        assert key.height() >= key.minimumHeight()
    # The scroll bar sits beside the pad, never over its keys.
    assert pad.width() >= pad.minimumSizeHint().width()


def test_the_window_fits_a_1280_pixel_screen_whichever_user_is_chosen(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    assert window.pad_dock.isVisible()
    tab = window.current_tab()
    assert tab is not None
    assert window.minimumSizeHint().width() <= 1280
    users = tab.filter_bar.targets
    qtbot.waitUntil(lambda: bool(users.entries()))  # the tabs re-read after the sync
    longest = max(users.entries(), key=lambda entry: len(entry[1]))
    users.set_checked_keys({longest[0]})
    assert users.full_text() == longest[1]
    assert window.minimumSizeHint().width() <= 1280
