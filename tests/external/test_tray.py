"""TrayIcon offscreen: the no-tray path, and the badge, tooltip, menu and clicks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from pbxdesk.resources import TRAY_ICON, resource_path
from pbxdesk.ui.tray import BADGE_COLOR, ICON_SIZES, TrayIcon, badge_text, render_icon

# The offscreen platform has no tray window to follow; Qt says so when one is shown.
OFFSCREEN_TRAY_NOISE = "systemTrayWindowChanged"


@pytest.fixture
def no_tray(qapp: QApplication) -> Iterator[TrayIcon]:
    tray = TrayIcon(available=False)
    yield tray
    tray.close()
    tray.deleteLater()


@pytest.fixture
def tray(qapp: QApplication) -> Iterator[TrayIcon]:
    made = TrayIcon(available=True)
    made.show()
    yield made
    made.close()
    made.deleteLater()


def renderer() -> QSvgRenderer:
    made = QSvgRenderer(str(resource_path(TRAY_ICON)))
    assert made.isValid()
    return made


def opaque_colors(image: QImage) -> set[str]:
    return {image.pixelColor(x, y).name() for x in range(image.width())
            for y in range(image.height()) if image.pixelColor(x, y).alpha() == 255}


def test_offscreen_has_no_tray_and_the_app_degrades(qapp: QApplication) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    assert not TrayIcon().available  # asks Qt when not told


def test_without_a_tray_nothing_shows_but_the_state_is_kept(no_tray: TrayIcon) -> None:
    no_tray.show()
    no_tray.set_missed_count(3)

    assert not no_tray.notify_missed(3)  # the caller falls back (status bar)
    assert not no_tray.notify("pbxdesk is still running", "")
    assert not no_tray.offer_call("+61 412 345 678", "0412 345 678")
    assert no_tray.tooltip() == "pbxdesk — 3 missed calls"
    assert no_tray.show_missed_action.text() == "Show missed calls (3)"
    assert not no_tray.icon().isNull()


def test_the_count_shows_in_tooltip_menu_and_badge(qtbot: QtBot, no_tray: TrayIcon) -> None:
    plain = no_tray.icon().pixmap(32).toImage()
    no_tray.set_missed_count(1)
    one = no_tray.icon().pixmap(32).toImage()
    no_tray.set_missed_count(-4)

    assert no_tray.missed_count == 0
    assert no_tray.tooltip() == "pbxdesk — No missed calls"
    assert no_tray.show_missed_action.text() == "Show missed calls"
    assert BADGE_COLOR.name() in opaque_colors(one)
    assert BADGE_COLOR.name() not in opaque_colors(plain)
    assert sorted(size.width() for size in no_tray.icon().availableSizes()) == sorted(
        ICON_SIZES)


@pytest.mark.parametrize(("count", "text"), [(0, ""), (1, "1"), (9, "9"), (10, "9+"),
                                              (250, "9+"), (-1, "")])
def test_badge_text(count: int, text: str) -> None:
    assert badge_text(count) == text


def test_the_mask_takes_the_tint_colour(qapp: QApplication) -> None:
    light = QColor("#f0f0f0")

    tinted = render_icon(renderer(), 24, light, 0)
    untinted = render_icon(renderer(), 24, None, 0)

    assert opaque_colors(tinted) == {light.name()}  # readable on a dark panel
    assert opaque_colors(untinted) == {"#000000"}
    # Same shape: tinting changes colour only.
    assert [tinted.pixelColor(x, 12).alpha() for x in range(24)] == [
        untinted.pixelColor(x, 12).alpha() for x in range(24)]


def test_menu_actions_emit_their_requests(qtbot: QtBot, no_tray: TrayIcon) -> None:
    pairs = [(no_tray.callbacks_action, no_tray.sig_callback_requested),
             (no_tray.show_missed_action, no_tray.sig_show_missed_requested),
             (no_tray.dial_clipboard_action, no_tray.sig_dial_clipboard_requested),
             (no_tray.open_action, no_tray.sig_open_requested),
             (no_tray.quit_action, no_tray.sig_quit_requested)]
    assert [action.text() for action in no_tray.menu.actions() if action.text()] == [
        "Callbacks", "Show missed calls", "Dial copied number", "Open pbxdesk", "Quit"]
    for action, signal in pairs:
        with qtbot.waitSignal(signal, timeout=1000):
            action.trigger()


@pytest.mark.qt_log_ignore(OFFSCREEN_TRAY_NOISE)
def test_notification_clicks_go_where_the_notification_pointed(qtbot: QtBot,
                                                              tray: TrayIcon) -> None:
    raw = tray._tray
    assert raw is not None

    assert tray.notify_missed(2, "Missed: Jane Citizen and 0412 345 678", ("k1", "k2"))
    with qtbot.waitSignal(tray.sig_missed_calls_requested, timeout=1000) as opened, \
            qtbot.assertNotEmitted(tray.sig_offer_accepted):
        raw.messageClicked.emit()
    assert opened.args == [("k1", "k2")]  # the calls it named

    assert tray.offer_call("+61 412 345 678", "0412 345 678")
    with qtbot.waitSignal(tray.sig_offer_accepted, timeout=1000) as accepted:
        raw.messageClicked.emit()
    assert accepted.args == ["+61 412 345 678"]

    assert not tray.notify_missed(0)

    # A plain notice ("still running in the tray") opens the window when clicked.
    assert tray.notify("pbxdesk is still running", "Quit from this menu.")
    with qtbot.waitSignal(tray.sig_open_requested, timeout=1000), \
            qtbot.assertNotEmitted(tray.sig_missed_calls_requested):
        raw.messageClicked.emit()
    # …and only that one: the next missed-calls notice shows the missed calls again.
    assert tray.notify_missed(1)
    with qtbot.waitSignal(tray.sig_missed_calls_requested, timeout=1000), \
            qtbot.assertNotEmitted(tray.sig_open_requested):
        raw.messageClicked.emit()
    # A callbacks notice opens the item it named first.
    assert tray.notify_callbacks("2 callbacks waiting", "0412 345 678 tried twice …",
                                 "+61412345678")
    with qtbot.waitSignal(tray.sig_callback_requested, timeout=1000) as opened, \
            qtbot.assertNotEmitted(tray.sig_show_missed_requested):
        raw.messageClicked.emit()
    assert opened.args == ["+61412345678"]


def test_with_a_worklist_the_badge_and_tooltip_count_waiting_callbacks(
        no_tray: TrayIcon) -> None:
    no_tray.set_missed_count(5)
    assert no_tray.tooltip() == "pbxdesk — 5 missed calls"
    no_tray.set_callback_count(2)
    assert no_tray.tooltip() == "pbxdesk — 2 callbacks waiting"
    assert no_tray.callbacks_action.text() == "Callbacks (2)"
    assert no_tray.show_missed_action.text() == "Show missed calls (5)"
    no_tray.set_callback_count(0)
    assert no_tray.tooltip() == "pbxdesk — No callbacks waiting"
    assert no_tray.callbacks_action.text() == "Callbacks"
    no_tray.set_callback_count(None)  # the account went away: back to missed calls
    assert no_tray.tooltip() == "pbxdesk — 5 missed calls"


@pytest.mark.qt_log_ignore(OFFSCREEN_TRAY_NOISE)
def test_clicking_the_icon_opens_the_window_and_the_tooltip_follows(
        qtbot: QtBot, tray: TrayIcon) -> None:
    raw = tray._tray
    assert raw is not None

    with qtbot.waitSignal(tray.sig_open_requested, timeout=1000):
        raw.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    with qtbot.assertNotEmitted(tray.sig_open_requested):
        raw.activated.emit(QSystemTrayIcon.ActivationReason.Context)  # that is the menu

    tray.set_missed_count(12)
    assert raw.toolTip() == "pbxdesk — 12 missed calls"
    assert raw.contextMenu() is tray.menu
