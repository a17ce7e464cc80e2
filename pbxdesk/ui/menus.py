"""Menu bars and toolbars from lists of actions, so a window says only what goes where."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar, QToolBar

MenuSpec = tuple[str, Sequence[QAction | None]]
"""A menu's title and its actions in order; None is a separator."""


def fill_menu_bar(bar: QMenuBar, menus: Sequence[MenuSpec]) -> dict[str, QMenu]:
    """Add the menus to ``bar``; returns them by title."""
    made: dict[str, QMenu] = {}
    for title, actions in menus:
        menu = bar.addMenu(title)
        for action in actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        made[title] = menu
    return made


def add_toolbar(window: QMainWindow, name: str, object_name: str,
                actions: Sequence[QAction]) -> QToolBar:
    """A fixed toolbar with words beside the icons (nobody should hover to learn a button).

    ``object_name`` is what the window's saved layout knows the toolbar by: keep it.
    """
    toolbar = QToolBar(name, window)
    toolbar.setObjectName(object_name)
    toolbar.setMovable(False)
    toolbar.setAccessibleName(name)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for action in actions:
        toolbar.addAction(action)
    window.addToolBar(toolbar)
    return toolbar
