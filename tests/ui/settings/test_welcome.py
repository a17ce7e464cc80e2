"""The first-run welcome page: its two buttons, its icon and what it tells the user."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.ui.welcome import WelcomePage
from tests.ui.settings.helpers import click, key_click


def make_page(qtbot: QtBot) -> WelcomePage:
    page = WelcomePage()
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    return page


def test_connect_button_asks_to_connect(qtbot: QtBot) -> None:
    page = make_page(qtbot)
    demo: list[bool] = []
    page.sig_demo_requested.connect(lambda: demo.append(True))
    with qtbot.waitSignal(page.sig_connect_requested, timeout=1000):
        click(qtbot, page.connect_button)
    assert demo == []


def test_demo_button_asks_for_the_demo(qtbot: QtBot) -> None:
    page = make_page(qtbot)
    connect: list[bool] = []
    page.sig_connect_requested.connect(lambda: connect.append(True))
    with qtbot.waitSignal(page.sig_demo_requested, timeout=1000):
        click(qtbot, page.demo_button)
    assert connect == []


def test_buttons_work_from_the_keyboard(qtbot: QtBot) -> None:
    page = make_page(qtbot)
    page.connect_button.setFocus()
    with qtbot.waitSignal(page.sig_connect_requested, timeout=1000):
        key_click(qtbot, page.connect_button, Qt.Key.Key_Space)
    assert page.connect_button.text() == "Connect to your &PBX"
    assert page.demo_button.text() == "Try the &demo"
    assert page.focusProxy() is page.connect_button


def test_page_shows_the_app_icon_and_what_is_needed(qtbot: QtBot) -> None:
    page = make_page(qtbot)
    pixmap = page.icon.pixmap()
    assert not pixmap.isNull()
    assert pixmap.width() >= 64
    needs = page.needs.text()
    for words in ("Integration / API", "address", "API key", "public IP address",
                  "allow-list"):
        assert words in needs


def test_accessible_names(qtbot: QtBot) -> None:
    page = make_page(qtbot)
    assert page.accessibleName() == "Welcome"
    buttons = page.findChildren(QAbstractButton)
    assert {b.accessibleName() for b in buttons} == {"Connect to your PBX", "Try the demo"}
    assert all(b.accessibleDescription() for b in buttons)
    named = [w for w in page.findChildren(QWidget) if w.accessibleName()]
    assert page.icon in named
