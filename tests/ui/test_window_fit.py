"""The window at the sizes agents use: a long international number stays whole in the
dial box, and the window is usable at 960 pixels wide (half a 1920 screen) with the pad."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt
from PySide6.QtWidgets import QStyleOptionViewItem, QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.app import Controller
from pbxdesk.external import ExternalRequest
from pbxdesk.ui.dialpad import DialPad
from pbxdesk.ui.dialpad.numberedit import NumberEdit
from pbxdesk.ui.history.columns import Field
from pbxdesk.ui.history.view import NAME_MIN_WIDTH, WordElideDelegate, elide_at_word_end

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


def visible_height_in_dock(controller: Controller, widget: QWidget) -> int:
    """How much of ``widget`` (in the dial pad) shows in the dock without scrolling."""
    viewport = controller.window.pad_dock.scroller.viewport()
    top_left = widget.mapTo(viewport, QPoint(0, 0))
    shown = QRect(top_left, widget.size()).intersected(viewport.rect())
    return max(0, shown.height())


def test_the_window_is_usable_960_pixels_wide_with_the_pad_open(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    assert window.minimumSizeHint().width() <= 960
    window.resize(960, 1040)  # half of a 1920x1080 screen
    qtbot.waitUntil(lambda: window.width() == 960)
    assert window.pad_dock.isVisible()
    tab = window.current_tab()
    assert tab is not None
    area = tab.rect()
    controls = [*tab.filter_bar.tab_chain, tab.export_button, tab.columns_button,
                tab.paging.page_size, tab.paging.first, tab.paging.previous, tab.paging.label,
                tab.paging.next, tab.paging.last]
    # The hours chip shows only while an Insights hour filter is set.
    controls = [c for c in controls if c is not tab.filter_bar.periods_chip]
    assert tab.filter_bar.periods_chip.isHidden()
    qtbot.waitUntil(lambda: all(c.isVisible() and c.width() > 0 for c in controls))
    boxes = [QRect(c.mapTo(tab, QPoint(0, 0)), c.size()) for c in controls]
    for control, box in zip(controls, boxes, strict=True):
        assert area.contains(box), control.accessibleName()  # whole, not cut by the edge
        assert box.width() >= min(control.sizeHint().width(), control.minimumSizeHint().width())
    for first, box in enumerate(boxes):  # and none on top of another
        assert not any(box.intersects(other) for other in boxes[first + 1:])
    assert tab.view.viewport().height() > 300  # the wrapped rows leave the list its room
    pad = pad_of(demo_controller)
    for widget in (pad.number, pad.call_button, pad.user_picker):
        assert visible_height_in_dock(demo_controller, widget) == widget.height()


def test_the_keypad_folds_away_and_stays_folded(
        qtbot: QtBot, demo_controller: Controller) -> None:
    pad = pad_of(demo_controller)
    assert pad.keypad.isVisible()
    qtbot.mouseClick(pad.keypad_toggle, Qt.MouseButton.LeftButton)
    assert not pad.keypad.isVisible()
    assert pad.keypad_toggle.toolTip() == "Show the keys"
    qtbot.keyClicks(pad.number, "0412 345 678")  # typing works as ever
    assert pad.call_button.isEnabled()
    window = demo_controller.window
    session = demo_controller.session
    assert session is not None
    window.pad_dock.attach(session)  # the pad of the next start, on the same store
    assert not pad_of(demo_controller).keypad.isVisibleTo(pad_of(demo_controller))


def test_the_recent_numbers_show_at_1280x800_with_a_call_status(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.height() == 800)
    pad = pad_of(demo_controller)
    pad.status.show_status("0412 345 678", "Call ended after 0:45 talking", None)
    qtbot.waitUntil(lambda: visible_height_in_dock(demo_controller, pad.recent) >= 80)
    assert visible_height_in_dock(demo_controller, pad.recent_label) > 0


def test_name_columns_take_the_free_width_and_elide_at_word_ends(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    tab = window.current_tab()
    assert tab is not None
    header = tab.view.horizontalHeader()
    names = [tab.model.column_of(Field.CALLER_NAME), tab.model.column_of(Field.USER)]
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0)  # the first page after the sync
    window.resize(1920, 1040)  # maximised on a 1920 screen
    qtbot.waitUntil(lambda: window.width() == 1920)
    qtbot.waitUntil(lambda: header.length() >= tab.view.viewport().width() - 1)
    wide = [header.sectionSize(column) for column in names]
    for column in names:  # the free width went to the names
        assert header.sectionSize(column) > tab.view.column_width(tab.model.columns[column])
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280)
    narrow = [header.sectionSize(column) for column in names]
    assert all(n < w for n, w in zip(narrow, wide, strict=True))
    assert all(n >= NAME_MIN_WIDTH for n in narrow)
    # A name too long for its cell ends at a word, and the tooltip has it whole.
    metrics = tab.view.fontMetrics()

    def long_name(index: QModelIndex) -> bool:
        text = str(index.data() or "")
        return (" " in text and metrics.horizontalAdvance(text) > NAME_MIN_WIDTH
                and metrics.horizontalAdvance(text.split(" ")[0] + "…") < NAME_MIN_WIDTH - 16)

    index = next(filter(long_name, (tab.model.index(row, column) for column in names
                                    for row in range(tab.model.rowCount()))))
    full = str(index.data())
    option = QStyleOptionViewItem()
    option.initFrom(tab.view)
    option.rect = QRect(0, 0, NAME_MIN_WIDTH, 20)
    delegate = tab.view.itemDelegateForColumn(index.column())
    assert isinstance(delegate, WordElideDelegate)
    delegate.initStyleOption(option, index)
    shown = option.text
    assert shown.endswith("…")
    assert full.startswith(shown[:-1])
    assert full[len(shown) - 1] == " "  # cut where a word ends
    assert index.data(Qt.ItemDataRole.ToolTipRole) == full


def test_the_ring_phones_of_list_shows_whole_names(qtbot: QtBot,
                                                  demo_controller: Controller) -> None:
    picker = pad_of(demo_controller).user_picker
    qtbot.waitUntil(lambda: picker.count() > 3, timeout=5000)  # read after the sync, off the GUI
    widest = max(picker.fontMetrics().horizontalAdvance(picker.itemText(index))
                 for index in range(picker.count()))
    assert picker.view().minimumWidth() >= widest
    assert elide_at_word_end("Bluewater Pharmacy Services", picker.fontMetrics(),
                             picker.fontMetrics().horizontalAdvance("Bluewater Pharmacy…")
                             ) == "Bluewater Pharmacy…"


@pytest.mark.parametrize("how", ["minimised", "hidden"])
def test_a_link_that_raises_the_window_keeps_it_maximised(
        qtbot: QtBot, demo_controller: Controller, how: str) -> None:
    window = demo_controller.window
    window.showMaximized()
    qtbot.waitUntil(window.isMaximized)
    if how == "minimised":
        window.showMinimized()
        qtbot.waitUntil(window.isMinimized)
    else:  # closed to the tray
        window.hide()
    demo_controller.desktop.handle_request(ExternalRequest("prefill", "0412 345 678"))
    assert window.isVisible()
    assert not window.isMinimized()
    assert window.isMaximized()
    pad = pad_of(demo_controller)
    assert pad.number.text() == "0412 345 678"


def test_a_long_sync_message_leaves_the_window_960_pixels_wide(
        qtbot: QtBot, demo_controller: Controller) -> None:
    """The status bar shortens a long message instead of widening the window for it."""
    window = demo_controller.window
    text = ("Syncing has used the 85 of pbxdesk's 100 requests per 15 minutes it may use "
            "(the other 15 are kept for calls); syncing resumes at 7:10 AM.")
    window.status.on_sync_failed(text)
    label = window.status.progress_label
    assert label.text() == f"Sync stopped: {text}"
    qtbot.wait(50)  # the layouts take in the new text
    # (A plain label asked for about 1,250 px; a window manager keeps the window that wide.)
    assert window.status.minimumSizeHint().width() <= 960
    assert window.minimumSizeHint().width() <= 960
    window.resize(960, 1040)
    qtbot.waitUntil(lambda: window.width() == 960)
    qtbot.waitUntil(lambda: label.shown_text().endswith("…"))
    assert label.fontMetrics().horizontalAdvance(label.shown_text()) <= label.width()
    assert label.toolTip() == text  # the whole message, also while shortened
    window.resize(1900, 1040)
    qtbot.waitUntil(lambda: label.shown_text() == f"Sync stopped: {text}")
