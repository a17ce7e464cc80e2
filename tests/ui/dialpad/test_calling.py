"""Calling from the dial pad: what reaches the sandbox PBX, and what the pad shows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from pbxdesk.sandbox.server import SandboxServer
from pbxdesk.services.calls import CallState
from pbxdesk.services.calltrack import MAY_HAVE_PLACED_TEXT
from pbxdesk.ui.dialpad.pad import NO_EXTENSION_TEXT
from pbxdesk.ui.dialpad.padview import CALL_TEXT
from tests.services.helpers import MOBILE, wait_settled
from tests.ui.dialpad.conftest import MakePad, env_of
from tests.ui.dialpad.helpers import click, key, type_text


def test_no_extension_explains_on_the_call_button(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad(my_extension="")
    type_text(qtbot, pad.number, "0412345678")
    assert pad.call_button.text() == NO_EXTENSION_TEXT
    assert not pad.call_button.isEnabled()
    assert pad.no_extension_hint.isVisible()
    with qtbot.waitSignal(pad.sig_settings_requested, timeout=1000):
        pad.no_extension_hint.linkActivated.emit("settings")
    # Or pick one: typing an extension is enough.
    extension = env_of(pad).sandbox.account.users[3].extension
    pad.user_picker.setEditText(extension)
    assert not pad.no_extension_hint.isVisible()  # no longer true for this call
    assert pad.call_button.text() == CALL_TEXT
    assert pad.call_button.isEnabled()
    key(qtbot, pad.number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(env_of(pad).sandbox.placed_calls()) == 1, timeout=5000)
    assert env_of(pad).sandbox.placed_calls()[0].user_number == extension


def test_enter_calls_and_the_outcome_is_shown(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    env.sandbox.script_next_call(talk_seconds=131)
    type_text(qtbot, pad.number, "0412345678")
    key(qtbot, pad.number, Qt.Key.Key_Return)
    busy_while_calling = pad.status.spinner.spinning  # "Calling…" until the PBX answers
    assert busy_while_calling
    assert pad.status.text_label.text() == "Calling 0412 345 678…"
    wait_settled(qtbot, env)
    assert pad.status.title_label.text() == "0412 345 678"
    assert pad.status.text_label.text() == "Call ended after 2:11 talking"
    assert not pad.status.spinner.spinning
    assert pad.status.icon_label.isVisible()
    placed = env.sandbox.placed_calls()
    assert [dict(call.fields) for call in placed] == [
        {"user_number": env.extension, "number_to_call": MOBILE}]
    assert env.refused == []  # Enter placed it once, not once per widget it passed


def test_not_answered_is_shown(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    env.sandbox.script_next_call(destination_answers=False)
    pad.set_number(MOBILE)
    click(qtbot, pad.call_button)
    wait_settled(qtbot, env)
    assert pad.status.text_label.text() == "Not answered"


def test_chosen_caller_id_is_sent(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad(default_caller_id="0290000000")
    env = env_of(pad)
    did = env.sandbox.account.dids[1]
    pad.caller_picker.addItem("test number", did)  # as a reload from history would
    pad.caller_picker.select(did)
    pad.set_number("0412 345 678")
    click(qtbot, pad.call_button)
    qtbot.waitUntil(lambda: len(env.sandbox.placed_calls()) == 1, timeout=5000)
    assert env.sandbox.placed_calls()[0].fields["caller_id"] == did


def test_two_quick_clicks_place_one_call(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    pad.set_number("0412 345 678")
    click(qtbot, pad.call_button)
    click(qtbot, pad.call_button)
    assert pad.status.text_label.text() == "Already calling 0412 345 678."
    wait_settled(qtbot, env)
    assert env.posts() == 1
    assert len(env.sandbox.placed_calls()) == 1


def test_lost_answer_warns_and_a_second_click_sends_nothing(qtbot: QtBot,
                                                            make_pad: MakePad) -> None:
    pad = make_pad(ring_seconds=30.0)
    env = env_of(pad)
    env.sandbox.inject_fault("drop", endpoint="call-to-number")
    env.sandbox.script_next_call(device_answers=False)
    pad.set_number("0412 345 678")
    click(qtbot, pad.call_button)
    qtbot.waitUntil(lambda: pad.status.text_label.text() == MAY_HAVE_PLACED_TEXT, timeout=5000)
    assert not pad.status.spinner.spinning  # a warning, not a call in progress
    env.clock.now += 3
    click(qtbot, pad.call_button)
    assert "may have gone through" in pad.status.text_label.text()
    assert env.posts() == 1
    wait_settled(qtbot, env)
    assert env.posts() == 1


def test_a_refusal_counts_down_and_goes_when_it_no_longer_holds(
        qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad(ring_seconds=30.0)
    env = env_of(pad)
    env.sandbox.inject_fault("drop", endpoint="call-to-number")
    env.sandbox.script_next_call(device_answers=False)
    pad.set_number("0412 345 678")
    click(qtbot, pad.call_button)
    qtbot.waitUntil(lambda: pad.status.text_label.text() == MAY_HAVE_PLACED_TEXT, timeout=5000)
    env.clock.now += 3
    click(qtbot, pad.call_button)
    text = pad.status.text_label.text
    assert "try again in 27 s" in text()
    env.clock.now += 10
    qtbot.waitUntil(lambda: "try again in 17 s" in text(), timeout=3000)  # it follows
    env.clock.now += 30  # the phones have long stopped ringing
    qtbot.waitUntil(lambda: "try again" not in text(), timeout=3000)
    assert "may have been placed" in text()  # the call's own status is back
    assert pad.refusal.shown is None
    assert env.posts() == 1


def test_error_is_shown_and_nothing_recorded(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    env.sandbox.inject_fault("status", status=500, endpoint="call-to-number")
    pad.set_number("0412 345 678")
    click(qtbot, pad.call_button)
    attempt = wait_settled(qtbot, env)
    assert attempt.state is CallState.ERROR
    assert pad.status.text_label.text().startswith("Not called: The PBX had a problem answering")
    assert pad.recent.count() == 0


def test_over_loopback(qtbot: QtBot, make_pad: MakePad, sandbox_server: SandboxServer) -> None:
    pad = make_pad(base_url=sandbox_server.base_url)
    env = env_of(pad)
    pad.set_number(env.sandbox.account.users[1].extension)
    key(qtbot, pad.number, Qt.Key.Key_Enter)
    wait_settled(qtbot, env)
    assert pad.status.text_label.text() == "Call ended after 0:45 talking"


def test_call_back_prefill_dials_only_without_confirmation(qtbot: QtBot,
                                                           make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    pad.set_number("61412345678", dial=True)  # a history row's number, as the API wrote it
    assert pad.number.text() == "0412 345 678"
    assert pad.focusWidget() is pad.call_button  # Enter now places it
    assert env.posts() == 0
    pad.confirm_before_dialling = False
    pad.set_number("61412345678", dial=True)
    wait_settled(qtbot, env)
    assert env.sandbox.placed_calls()[0].fields["number_to_call"] == MOBILE
