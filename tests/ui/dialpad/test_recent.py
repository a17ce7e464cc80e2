"""Recent numbers in the dial pad: recorded when called, redialled, cleared."""

from __future__ import annotations

import gc
import weakref

import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from pbxdesk.ui.dialpad import DialPad
from pbxdesk.ui.dialpad.recent import RecentList, _TwoLineDelegate
from tests.services.helpers import MOBILE, wait_settled
from tests.ui.dialpad.conftest import MakePad, env_of
from tests.ui.dialpad.helpers import click, double_click, key

LANDLINE = "+61298765432"


def call(qtbot: QtBot, pad: DialPad, number: str) -> None:
    env = env_of(pad)
    pad.set_number(number)
    click(qtbot, pad.call_button)
    wait_settled(qtbot, env)
    env.clock.now += 60  # past every guard


def item_center(pad: DialPad, row: int) -> QPoint:
    item = pad.recent.item(row)
    assert item is not None
    return pad.recent.visualItemRect(item).center()


def test_placed_calls_are_listed_newest_first(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    assert pad.recent.count() == 0
    assert not pad.redial_button.isEnabled()
    call(qtbot, pad, "0412 345 678")
    call(qtbot, pad, "02 9876 5432")
    call(qtbot, pad, "0412 345 678")
    assert pad.recent.numbers() == [MOBILE, LANDLINE]
    first = pad.recent.item(0)
    assert first is not None
    assert first.text() == "0412 345 678"
    detail = str(first.data(Qt.ItemDataRole.UserRole + 1))
    assert f"from ext {env_of(pad).extension}" in detail
    assert detail.endswith("2×")
    assert pad.redial_button.isEnabled()


def test_double_click_fills_the_field_and_waits_for_call(qtbot: QtBot,
                                                          make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    call(qtbot, pad, "0412 345 678")
    call(qtbot, pad, "02 9876 5432")
    pad.number.clear()
    viewport = pad.recent.viewport()
    where = item_center(pad, 1)
    double_click(qtbot, viewport, where)
    assert pad.number.text() == "0412 345 678"
    assert env.posts() == 2  # confirm_before_dialling: the agent presses Call
    assert pad.call_button.hasFocus() or pad.focusWidget() is pad.call_button


def test_redial_calls_at_once_without_confirmation(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    did = env.sandbox.account.dids[0]
    pad.caller_picker.addItem("main", did)
    pad.caller_picker.select(did)
    call(qtbot, pad, "02 9876 5432")
    pad.caller_picker.select(None)
    pad.number.setText("1")
    pad.confirm_before_dialling = False
    click(qtbot, pad.redial_button)
    wait_settled(qtbot, env)
    placed = env.sandbox.placed_calls()
    assert len(placed) == 2
    # The redial rings the same user and presents the same caller ID as the first call.
    assert dict(placed[1].fields) == dict(placed[0].fields)
    assert placed[1].fields["caller_id"] == did


def test_enter_on_the_list_redials_once(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    call(qtbot, pad, "0412 345 678")
    pad.confirm_before_dialling = False
    pad.number.clear()
    pad.recent.setCurrentRow(0)
    key(qtbot, pad.recent, Qt.Key.Key_Return)
    wait_settled(qtbot, env)
    assert env.posts() == 2
    assert env.refused == []  # the pad did not also "call" on the same Enter


def test_clear_forgets_the_numbers(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    call(qtbot, pad, "0412 345 678")
    click(qtbot, pad.clear_button)
    assert pad.recent.count() == 0
    assert env.store.recent_dials.recent() == []
    assert not pad.redial_button.isEnabled()


def test_typed_numbers_are_not_kept_unless_called(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    pad.set_number("0412 345 678")
    pad.set_number("02 9876 5432")
    assert env.store.recent_dials.recent() == []
    assert pad.recent.count() == 0


def test_a_collection_while_the_list_paints_leaves_the_pad_alone(
        qtbot: QtBot, make_pad: MakePad, monkeypatch: pytest.MonkeyPatch) -> None:
    # Once a test lets go of its pad, only reference cycles hold it, yet it is still
    # shown and gets painted; a collection during that paint used to delete the pad
    # under the Recent list's paintEvent (a segfault, one full run in many).
    painted: list[int] = []
    paint = RecentList.paintEvent

    def collecting_paint(self: RecentList, event: QPaintEvent) -> None:
        painted.append(gc.collect())
        paint(self, event)

    monkeypatch.setattr(RecentList, "paintEvent", collecting_paint)
    pad = make_pad()
    alive = weakref.ref(pad)
    del pad
    gc.collect()
    held = alive()
    assert held is not None  # held by the test's qtbot until the teardown
    recent = held.recent
    del held
    QApplication.processEvents()  # the first paint, as pytest-qt's after the test function
    assert painted  # a collection ran inside the paint
    assert shiboken6.isValid(recent)
    assert recent.itemDelegate() is recent.findChild(_TwoLineDelegate)
