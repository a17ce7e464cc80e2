"""Typed wrappers for pytest-qt's input helpers (pytest-qt ships them without hints)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot


def click(qtbot: QtBot, widget: QWidget, pos: QPoint | None = None) -> None:
    where = pos if pos is not None else widget.rect().center()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton,  # type: ignore[no-untyped-call]
                     pos=where)


def double_click(qtbot: QtBot, widget: QWidget, pos: QPoint) -> None:
    """A real double click: press and release, then the double-click event."""
    click(qtbot, widget, pos)
    qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton,  # type: ignore[no-untyped-call]
                      pos=pos)


def press(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]


def release(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]


def key(qtbot: QtBot, widget: QWidget, which: Qt.Key | str,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(widget, which, modifier)  # type: ignore[no-untyped-call]


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    qtbot.keyClicks(widget, text)  # type: ignore[no-untyped-call]
