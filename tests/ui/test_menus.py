"""Menus and toolbars built from lists of actions."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from pbxdesk.ui.menus import add_toolbar, fill_menu_bar


def test_menus_keep_order_and_separators_and_the_toolbar_its_name(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    one, two, three = (QAction(text, window) for text in ("One", "Two", "Three"))
    menus = fill_menu_bar(window.menuBar(), (("&First", (one, None, two)), ("&Empty", ())))
    assert list(menus) == ["&First", "&Empty"]
    shown = [action.text() if not action.isSeparator() else "|"
             for action in menus["&First"].actions()]
    assert shown == ["One", "|", "Two"]
    assert menus["&Empty"].actions() == []
    toolbar = add_toolbar(window, "Main toolbar", "mainToolbar", (three, one))
    assert toolbar.objectName() == "mainToolbar"  # the saved window layout knows it by this
    assert [action.text() for action in toolbar.actions()] == ["Three", "One"]
    assert toolbar.toolButtonStyle() is Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    assert not toolbar.isMovable()
