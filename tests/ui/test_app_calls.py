"""Calling through the whole app: history rows, links, the clipboard, the tray, the window.

Every call goes as a real POST to the demo PBX on loopback; ``placed_calls()`` is
what the PBX received.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind, Direction, Outcome, UserCall
from pbxdesk.app import Controller, Options
from pbxdesk.desktop.panel import TelHandlerPanel
from pbxdesk.external import ExternalRequest
from pbxdesk.instance import Delivery, hand_over, instance_name, send_request
from pbxdesk.paths import AppPaths
from pbxdesk.ui.dialpad import DialPad
from tests.fixtures.store import CallFactory
from tests.ui.controller import make_controller, start, stop

# The offscreen platform has no tray window to follow; Qt says so when one is shown.
OFFSCREEN_TRAY_NOISE = "systemTrayWindowChanged"


def pad_of(controller: Controller) -> DialPad:
    pad = controller.window.pad
    assert pad is not None
    return pad


def placed(controller: Controller) -> list[tuple[str, str]]:
    """(user_number, destination) of every call the demo PBX was asked to place."""
    assert controller.demo is not None
    return [(call.user_number, call.destination)
            for call in controller.demo.sandbox.placed_calls()]


def extension_of_user(controller: Controller, index: int) -> str:
    """The extension of the demo account's ``index``-th user (0 is "mine")."""
    assert controller.demo is not None
    return controller.demo.sandbox.account.users[index].extension


def dial_without_confirming(qtbot: QtBot, controller: Controller) -> None:
    applying = asyncio.ensure_future(controller.apply_settings(
        controller.settings.replace(confirm_before_dialling=False)))
    qtbot.waitUntil(applying.done, timeout=5000)
    applying.result()
    assert not pad_of(controller).confirm_before_dialling


def test_the_dial_pad_sits_beside_the_histories_and_ctrl_d_focuses_it(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    assert window.pad_dock.isVisible()
    pad = pad_of(demo_controller)
    assert pad.user_picker.user_number() == demo_controller.settings.my_extension
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: pad.number.hasFocus(), timeout=3000)
    # Ctrl+D from inside the pad puts it away; again brings it back, focused.
    qtbot.keyClick(pad.number, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert not window.pad_dock.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert window.pad_dock.isVisible()
    qtbot.waitUntil(lambda: pad.number.hasFocus(), timeout=3000)


def test_calling_back_a_history_row_fills_the_pad_and_call_places_it(
        qtbot: QtBot, demo_controller: Controller) -> None:
    tab = demo_controller.window.tabs_by_kind[CallKind.USER]
    qtbot.waitUntil(lambda: not tab.model.loading and tab.model.rowCount() > 0,
                    timeout=5000)
    row, call = next((row, call) for row in range(tab.model.rowCount())
                     if isinstance(call := tab.model.call_at(row), UserCall)
                     and call.direction is Direction.INBOUND
                     and (call.caller_id or "").startswith("614"))
    assert call.caller_id is not None
    flag = QItemSelectionModel.SelectionFlag
    flags = flag.ClearAndSelect | flag.Rows
    tab.view.selectionModel().setCurrentIndex(tab.model.index(row, 1), flags)
    tab.row_actions.call_back.trigger()

    pad = pad_of(demo_controller)
    # Calls are confirmed by default: the number waits in the pad, nothing is dialled.
    assert pad.number.text().replace(" ", "") == "0" + call.caller_id[2:]
    assert placed(demo_controller) == []
    pad.call_button.click()
    qtbot.waitUntil(lambda: len(placed(demo_controller)) == 1, timeout=5000)
    assert placed(demo_controller) == [(demo_controller.settings.my_extension,
                                        call.caller_id)]


def test_a_tel_link_dials_at_once_when_calls_need_no_confirming(
        qtbot: QtBot, demo_controller: Controller) -> None:
    dial_without_confirming(qtbot, demo_controller)
    demo_controller.window.hide()  # a link brings the window back
    demo_controller.desktop.handle_request(ExternalRequest("dial", "tel:+61-412-345-678",
                                                   source="uri"))
    assert demo_controller.window.isVisible()
    qtbot.waitUntil(lambda: len(placed(demo_controller)) == 1, timeout=5000)
    assert placed(demo_controller) == [(demo_controller.settings.my_extension,
                                        "61412345678")]


def test_a_request_can_choose_whose_phones_ring(qtbot: QtBot,
                                                demo_controller: Controller) -> None:
    dial_without_confirming(qtbot, demo_controller)
    other = extension_of_user(demo_controller, 1)
    demo_controller.desktop.handle_request(ExternalRequest("dial", "0412 345 678", user=other))
    qtbot.waitUntil(lambda: len(placed(demo_controller)) == 1, timeout=5000)
    assert placed(demo_controller) == [(other, "61412345678")]


def test_a_prefill_request_never_dials(qtbot: QtBot, demo_controller: Controller) -> None:
    dial_without_confirming(qtbot, demo_controller)
    demo_controller.desktop.handle_request(ExternalRequest("prefill", "+61 412 345 678"))
    assert pad_of(demo_controller).number.text().replace(" ", "") == "0412345678"
    qtbot.wait(300)
    assert placed(demo_controller) == []


def test_a_request_before_any_account_waits_for_the_connection(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    controller = make_controller(paths, demo=False)
    start(qtbot, controller, synced=False)
    controller.desktop.handle_request(ExternalRequest("prefill", "0412 345 678"))
    assert "Connect to your PBX" in controller.window.banner.text()
    controller.window.welcome.demo_button.click()
    qtbot.waitUntil(lambda: controller.window.pad is not None, timeout=20_000)
    assert pad_of(controller).number.text().replace(" ", "") == "0412345678"
    stop(qtbot, controller)


def test_the_command_lines_request_is_carried_out_once_started(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    options = Options(demo=True, request=ExternalRequest("prefill", "tel:0412345678"))
    controller = make_controller(paths, demo=True, options=options)
    start(qtbot, controller, synced=False)
    assert pad_of(controller).number.text().replace(" ", "") == "0412345678"
    stop(qtbot, controller)


def test_a_second_launch_hands_its_number_to_the_running_app(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = tmp_path / "runtime"  # the socket goes in a folder only this user can write
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    name = instance_name(tmp_path / "profile")
    claim = hand_over(ExternalRequest("show"), name)
    assert not isinstance(claim, Delivery)
    controller = make_controller(paths, demo=True, options=Options(demo=True, instance=claim))
    start(qtbot, controller, synced=False)
    assert controller.desktop.instance_server is not None
    # The later launch blocks until answered, as a real second process would.
    sending = asyncio.ensure_future(asyncio.to_thread(
        send_request, name, ExternalRequest("prefill", "0412 345 679", source="cli")))
    qtbot.waitUntil(sending.done, timeout=10_000)
    assert sending.result() is Delivery.SENT
    assert pad_of(controller).number.text().replace(" ", "") == "0412345679"
    stop(qtbot, controller)


def test_dial_copied_number_finds_the_number_in_copied_text(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    QGuiApplication.clipboard().setText("Please call Sam back on (04) 1234 5670, thanks")
    window.dial_clipboard_action.trigger()
    assert pad_of(demo_controller).number.text().replace(" ", "") == "0412345670"
    QGuiApplication.clipboard().setText("nothing to call here")
    window.dial_clipboard_action.trigger()
    assert "No number to call" in window.status.currentMessage()
    # The number from before is gone, and the pad says why.
    pad = pad_of(demo_controller)
    assert pad.number.text() == ""
    assert not pad.call_button.isEnabled()
    assert pad.preview.text() == ("Nothing to call in what you copied: No phone number found "
                                  "in that text.")
    assert placed(demo_controller) == []


def test_dial_copied_number_offers_every_number_in_the_text(
        qtbot: QtBot, demo_controller: Controller) -> None:
    dial_without_confirming(qtbot, demo_controller)
    pad = pad_of(demo_controller)
    pad.set_number("0412 345 000")
    QGuiApplication.clipboard().setText("Sam: 0412 345 671 or the office (02) 9876 5431")
    demo_controller.window.dial_clipboard_action.trigger()

    assert pad.number.text() == ""
    assert pad.choice_bar.labels() == ["0412 345 671", "(02) 9876 5431"]
    assert placed(demo_controller) == []
    pad.choice_bar.buttons[1].click()
    me = demo_controller.settings.my_extension
    qtbot.waitUntil(lambda: placed(demo_controller) == [(me, "61298765431")], timeout=5000)


def test_closing_the_window_without_a_tray_quits(qtbot: QtBot,
                                                  demo_controller: Controller) -> None:
    assert not demo_controller.desktop.tray.available
    demo_controller.window.close()
    assert demo_controller._quit_event.is_set()


@pytest.mark.qt_log_ignore(OFFSCREEN_TRAY_NOISE)
def test_closing_the_window_with_a_tray_keeps_running_until_quit(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    controller = make_controller(paths, demo=True, tray_available=True)
    start(qtbot, controller, synced=True)
    controller.window.close()
    assert not controller.window.isVisible()
    assert not controller._quit_event.is_set()
    controller.desktop.tray.open_action.trigger()
    assert controller.window.isVisible()
    # With "keep running in the tray" off, closing quits.
    applying = asyncio.ensure_future(controller.apply_settings(
        controller.settings.replace(close_to_tray=False)))
    qtbot.waitUntil(applying.done, timeout=5000)
    controller.window.close()
    assert controller._quit_event.is_set()
    stop(qtbot, controller)


def test_new_missed_calls_are_counted_and_show_missed_lists_them(
        qtbot: QtBot, demo_controller: Controller) -> None:
    session, demo = demo_controller.session, demo_controller.demo
    assert session is not None
    assert demo is not None
    tray = demo_controller.desktop.tray
    assert tray.missed_count == 0  # history from before the first run is not "new"
    mine = demo_controller.settings.my_extension
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    demo.sandbox.add_rows(CallKind.USER, [{
        "unique_call_id": "990000000001", "type": "user_inbound_missed",
        "caller_id": "61412345671", "caller_name": None, "dest_number": "61272013008",
        "user_name": "Me", "user_number": mine, "call_start_at": now, "connected_at": None,
        "call_duration": 15, "conversation_duration": 0}])
    finished = session.sync.last_result
    demo_controller.window.refresh_action.trigger()
    qtbot.waitUntil(lambda: session.sync.last_result is not finished, timeout=10_000)
    qtbot.waitUntil(lambda: tray.missed_count == 1, timeout=5000)
    window = demo_controller.window
    assert window.show_missed_action.text().endswith("(1)")
    # No tray here (offscreen): the status bar tells, as a callback waiting, and the
    # window's action lists the missed calls.
    qtbot.waitUntil(lambda: "1 callback waiting: 0412 345 671 tried once"
                    in window.status.currentMessage(), timeout=5000)

    window.show_missed_action.trigger()
    tab = window.tabs_by_kind[CallKind.USER]
    assert window.current_tab() is tab
    shown = tab.current_filter()
    assert shown.outcomes == frozenset({Outcome.MISSED})
    assert shown.directions == frozenset({Direction.INBOUND})
    assert shown.user_numbers == frozenset({mine})
    qtbot.waitUntil(lambda: not tab.model.loading and tab.model.rowCount() > 0,
                    timeout=5000)
    first = tab.model.call_at(0)
    assert first is not None
    assert first.unique_call_id == "990000000001"
    assert tray.missed_count == 0
    assert not window.show_missed_action.text().endswith(")")
    assert session.missed.count() == 0  # seen: a restart does not count it again


def test_settings_offer_to_open_phone_links_with_pbxdesk(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    window.settings_action.trigger()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(QDialog)),
                    timeout=3000)
    dialog = next(d for d in window.findChildren(QDialog) if d.isVisible())
    assert dialog.findChildren(TelHandlerPanel)
    dialog.reject()


def test_dial_clipboard_request_honours_its_user(qtbot: QtBot,
                                                 demo_controller: Controller) -> None:
    dial_without_confirming(qtbot, demo_controller)
    other = extension_of_user(demo_controller, 2)
    QGuiApplication.clipboard().setText("ring 0412 345 672")
    demo_controller.desktop.handle_request(ExternalRequest("dial_clipboard", user=other))
    qtbot.waitUntil(lambda: len(placed(demo_controller)) == 1, timeout=5000)
    assert placed(demo_controller) == [(other, "61412345672")]
    # The choice was for that request only.
    QGuiApplication.clipboard().setText("ring 0412 345 673")
    demo_controller.window.dial_clipboard_action.trigger()
    qtbot.waitUntil(lambda: len(placed(demo_controller)) == 2, timeout=5000)
    assert placed(demo_controller)[1] == (demo_controller.settings.my_extension,
                                          "61412345673")


def test_a_requests_user_is_dropped_when_another_number_comes(
        qtbot: QtBot, demo_controller: Controller) -> None:
    other = extension_of_user(demo_controller, 1)
    pad = pad_of(demo_controller)
    demo_controller.desktop.handle_request(ExternalRequest("prefill", "0412 345 674", user=other))
    assert pad.user_picker.user_number() == other
    # Never called; the next number (a history row, a link) rings the agent's own phones.
    demo_controller.desktop.handle_request(ExternalRequest("prefill", "0412 345 675"))
    assert pad.user_picker.user_number() == demo_controller.settings.my_extension


def test_a_link_the_desktop_hands_over_fills_the_pad_and_a_bad_one_is_explained(
        qtbot: QtBot, demo_controller: Controller) -> None:
    desktop = demo_controller.desktop
    desktop.open_link("tel:+61-2-9876-5432")  # as macOS's file-open event delivers it
    assert pad_of(demo_controller).number.text().replace(" ", "") == "0298765432"
    desktop.open_link("tel:" + "9" * 3000)  # longer than any request may be
    assert "Cannot open that link" in demo_controller.window.banner.text()
    assert pad_of(demo_controller).number.text().replace(" ", "") == "0298765432"
    assert placed(demo_controller) == []


def test_pbxdesk_call_asks_when_the_digits_are_an_extension_and_a_number(
        qtbot: QtBot, demo_controller: Controller) -> None:
    dial_without_confirming(qtbot, demo_controller)
    session = demo_controller.session
    assert session is not None
    session.store.upsert([CallFactory(seed=5).user_call(user_number="131234",
                                                        user_name="Help Desk")])
    pad = pad_of(demo_controller)
    pad.reload_choices()  # as after the sync that brought the user

    demo_controller.desktop.handle_request(ExternalRequest("dial", "13 12 34", source="cli"))

    assert pad.preview.text() == "Extension 131234, or call 13 12 34?"
    assert pad.choice_bar.labels() == ["Extension 131234", "Call 13 12 34"]
    assert placed(demo_controller) == []
    # Without the extension, a 13 number is dialled as the number at once.
    demo_controller.desktop.handle_request(ExternalRequest("dial", "tel:13-22-11", source="uri"))
    me = demo_controller.settings.my_extension
    qtbot.waitUntil(lambda: placed(demo_controller) == [(me, "61132211")], timeout=5000)
