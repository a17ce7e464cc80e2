"""Insights in the whole app (a small demo PBX): Ctrl+5, --view, and clicks that open the
matching calls in the history tabs."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPointF, Qt
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.app import Controller
from pbxdesk.cli import VIEW_NAMES
from pbxdesk.services.insights import Section
from pbxdesk.store.insights import Scope
from pbxdesk.ui.history.dates import DatePreset
from pbxdesk.ui.insights import InsightsTab
from tests.ui.insights.conftest import settle


def open_insights(qtbot: QtBot, controller: Controller) -> InsightsTab:
    window = controller.window
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    tab = window.insights
    assert tab is not None
    assert window.tabs.currentWidget() is tab
    settle(qtbot, tab)
    return tab


def click(qtbot: QtBot, tab: InsightsTab, section: Section, point: QPointF) -> None:
    chart = tab.sections[section].chart
    plot = chart.chart()
    scene = plot.mapToScene(plot.mapToPosition(point, plot.series()[0]))
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton,
                     pos=chart.mapFromScene(scene))


def test_every_view_name_of_the_command_line_is_a_tab(demo_controller: Controller) -> None:
    window = demo_controller.window
    assert set(window.views()) == set(VIEW_NAMES)
    for name in VIEW_NAMES:
        assert window.show_view(name)
        assert window.tabs.currentWidget() is window.views()[name]
    assert not window.show_view("nothing")


def test_clicking_a_day_opens_that_days_calls_in_the_user_tab(
        qtbot: QtBot, demo_controller: Controller) -> None:
    tab = open_insights(qtbot, demo_controller)
    tab.scope_bar.set_scope(Scope.USERS)
    settle(qtbot, tab)
    days = tab.sections[Section.DAYS].model.table.rows
    index = max(range(len(days)), key=lambda i: days[i][1])  # the busiest day
    day, calls = days[index][0], days[index][1]
    assert calls > 0
    click(qtbot, tab, Section.DAYS, QPointF(index, 0.5))
    window = demo_controller.window
    history = window.tabs_by_kind[CallKind.USER]
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is history, timeout=3000)
    bar = history.filter_bar
    assert bar.current_preset() is DatePreset.CUSTOM
    assert bar.day_range().first == bar.day_range().last == day
    qtbot.waitUntil(lambda: history.model.total == calls, timeout=5000)


def test_clicking_a_heat_map_cell_opens_that_hours_calls(
        qtbot: QtBot, demo_controller: Controller) -> None:
    tab = open_insights(qtbot, demo_controller)
    tab.scope_bar.set_scope(Scope.QUEUES)
    settle(qtbot, tab)
    cells = tab.sections[Section.HOURS].model.table.rows  # weekday rows, 24 hour columns
    weekday, hour = max(((w, h) for w in range(7) for h in range(24)),
                        key=lambda wh: cells[wh[0]][1 + wh[1]])
    calls = cells[weekday][1 + hour]
    assert calls > 0
    click(qtbot, tab, Section.HOURS, QPointF(hour, 6 - weekday))
    window = demo_controller.window
    history = window.tabs_by_kind[CallKind.QUEUE]
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is history, timeout=3000)
    assert history.filter_bar.periods_chip.isVisible()
    assert f"{hour}:00" in history.filter_bar.periods_chip.text()
    qtbot.waitUntil(lambda: history.model.total == calls, timeout=5000)
    # Clearing the chip shows every hour of those days again.
    history.filter_bar.periods_chip.click()
    qtbot.waitUntil(lambda: history.model.total > calls, timeout=5000)
    assert not history.filter_bar.periods_chip.isVisible()


def test_clicking_an_agent_opens_their_calls(qtbot: QtBot,
                                             demo_controller: Controller) -> None:
    tab = open_insights(qtbot, demo_controller)
    tab.scope_bar.set_scope(Scope.USERS)
    settle(qtbot, tab)
    agents = tab.sections[Section.AGENTS].model.table.rows
    _name, number, calls = agents[0][:3]
    click(qtbot, tab, Section.AGENTS, QPointF(0.5, len(agents[:12]) - 1))
    window = demo_controller.window
    history = window.tabs_by_kind[CallKind.USER]
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is history, timeout=3000)
    assert history.current_filter().user_numbers == frozenset({number})
    qtbot.waitUntil(lambda: history.model.total == calls, timeout=5000)
    assert history.filter_bar.day_range().last <= date.today()
