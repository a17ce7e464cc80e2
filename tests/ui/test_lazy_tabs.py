"""Tabs built the first time they are shown: the widget replaces its placeholder in place."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.ui.lazytabs import BuiltOnAccess, LazyTabs


class Tabs:
    """A tab widget with three lazy tabs whose factories count their calls."""

    def __init__(self, qtbot: QtBot) -> None:
        self.widget = QTabWidget()
        qtbot.addWidget(self.widget)
        self.lazy = LazyTabs(self.widget)
        self.built: list[str] = []
        self.ready = {"one": True, "two": True, "three": False}
        for name in ("one", "two", "three"):
            self.lazy.add(name, f"&{name.title()}", lambda name=name: self.make(name))

    def make(self, name: str) -> QWidget | None:
        if not self.ready[name]:
            return None
        self.built.append(name)
        made = QLabel(f"the {name} tab")
        made.setObjectName(name)
        return made


def test_only_the_shown_tab_is_built_and_it_replaces_its_placeholder(qtbot: QtBot) -> None:
    tabs = Tabs(qtbot)
    assert tabs.built == []  # adding builds nothing, not even the first (current) tab
    tabs.lazy.build_current()
    assert tabs.built == ["one"]
    assert tabs.widget.currentWidget() is tabs.lazy.built("one")
    tabs.widget.setCurrentIndex(1)  # as a click on the tab bar or Ctrl+2 does
    assert tabs.built == ["one", "two"]
    shown = tabs.widget.currentWidget()
    assert shown is not None
    assert shown.objectName() == "two"
    assert tabs.widget.currentIndex() == 1
    assert [tabs.widget.tabText(i) for i in range(3)] == ["&One", "&Two", "&Three"]
    tabs.widget.setCurrentIndex(0)
    assert tabs.built == ["one", "two"]  # built once


def test_a_tab_that_cannot_be_built_yet_keeps_its_placeholder_until_it_can(
        qtbot: QtBot) -> None:
    tabs = Tabs(qtbot)
    tabs.widget.setCurrentIndex(2)
    assert tabs.lazy.built("three") is None
    placeholder = tabs.widget.currentWidget()
    assert isinstance(placeholder, QLabel)
    assert placeholder.text() == "Loading…"
    tabs.ready["three"] = True
    tabs.lazy.build_current()
    shown = tabs.widget.currentWidget()
    assert shown is not None
    assert shown.objectName() == "three"
    assert tabs.widget.currentIndex() == 2
    assert tabs.built == ["three"]  # the neighbours Qt showed while swapping were not built


def test_asking_for_a_tab_builds_it_without_showing_it(qtbot: QtBot) -> None:
    tabs = Tabs(qtbot)
    tabs.lazy.build_current()
    by_number = BuiltOnAccess(tabs.lazy, {1: "one", 2: "two", 3: "three"}, QLabel)
    assert by_number.built() == [tabs.lazy.built("one")]
    two = by_number[2]
    assert two.objectName() == "two"
    assert tabs.widget.currentIndex() == 0
    assert tabs.widget.indexOf(two) == 1
    assert by_number.get(3) is None  # not ready: no tab to give
    assert list(by_number) == [1, 2, 3]
    assert tabs.lazy.widget("four") is None


def test_clear_removes_every_tab(qtbot: QtBot) -> None:
    tabs = Tabs(qtbot)
    tabs.lazy.build_current()
    tabs.lazy.clear()
    assert tabs.widget.count() == 0
    assert tabs.lazy.names() == []
    tabs.lazy.add("again", "Again", lambda: QLabel("again"))
    tabs.lazy.build_current()
    assert isinstance(tabs.widget.currentWidget(), QLabel)
    assert tabs.widget.currentWidget() is tabs.lazy.built("again")
