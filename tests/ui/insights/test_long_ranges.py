"""Long ranges in the Insights tab: calls per week and per month, their table, hover and
click; and a section filled over two turns of the event loop.

The calls are those of conftest.py (1–3 May 2024, Sydney); "me" is Ann (1010): on
2 May one answered and one missed inbound call, on 3 May one outbound answered call.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPointF, Qt
from pytestqt.qtbot import QtBot

from pbxdesk.services.insights import COMPUTE, Section, SectionResult
from pbxdesk.ui.history.filterbar import USER_NUMBER
from pbxdesk.ui.insights import InsightsTab
from pbxdesk.ui.insights.charts import DaysChart
from pbxdesk.ui.insights.figures import CallsTarget
from tests.ui.insights.conftest import MakeTab, settle
from tests.ui.insights.test_tab import _bar_position


def _days(tab: InsightsTab) -> DaysChart:
    chart = tab.sections[Section.DAYS].chart
    assert isinstance(chart, DaysChart)
    return chart


def test_a_long_range_shows_weeks_whose_bar_opens_that_weeks_calls(
        qtbot: QtBot, make_insights: MakeTab) -> None:
    tab = make_insights()
    tab.scope_bar.set_custom_range(date(2024, 1, 3), date(2024, 5, 31))  # 150 days
    settle(qtbot, tab)
    section = tab.sections[Section.DAYS]
    assert section.model.headerData(0, Qt.Orientation.Horizontal) == "Week of"
    assert "Calls per week" in section.title.text()
    assert section.chart.accessibleName() == "Calls per week, chart"
    assert "By week (Monday to Sunday)" in section.note.text()
    rows = section.model.table.rows
    assert rows[0][0] == date(2024, 1, 1)      # a Monday; the range starts on Wednesday 3rd
    assert rows[-1][0] == date(2024, 5, 27)
    assert len(rows) == 22
    week = [row[0] for row in rows].index(date(2024, 4, 29))
    assert rows[week][1:4] == (3, 2, 1)        # calls, answered, missed
    assert sum(row[1] for row in rows) == 3
    assert section.target(0) == CallsTarget(section.target(0).kind, date(2024, 1, 3),
                                            date(2024, 1, 7), frozenset({(USER_NUMBER, "1010")}))
    chart = _days(tab)
    position = _bar_position(chart, QPointF(week, 1.5))
    with qtbot.waitSignal(chart.sig_hovered, timeout=3000,
                          check_params_cb=lambda text: bool(text)) as hovered:
        qtbot.mouseMove(chart.viewport(), position)
    assert hovered.args[0].startswith("Week of ")
    assert "3 calls, 2 answered, 1 missed" in hovered.args[0]
    with qtbot.waitSignal(tab.sig_calls_requested, timeout=3000) as requested:
        qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=position)
    target = requested.args[0]
    assert (target.first, target.last, target.keys) == (
        date(2024, 4, 29), date(2024, 5, 5), frozenset({(USER_NUMBER, "1010")}))


def test_more_than_two_years_show_months(qtbot: QtBot, make_insights: MakeTab) -> None:
    tab = make_insights()
    tab.scope_bar.set_custom_range(date(2022, 6, 1), date(2024, 6, 30))
    settle(qtbot, tab)
    section = tab.sections[Section.DAYS]
    assert section.model.headerData(0, Qt.Orientation.Horizontal) == "Month"
    rows = section.model.table.rows
    assert len(rows) == 25
    assert [row[1:4] for row in rows if row[1]] == [(3, 2, 1)]
    may = [row[0] for row in rows].index(date(2024, 5, 1))
    assert section.target(may) is not None
    assert (section.target(may).first, section.target(may).last) == (  # type: ignore[union-attr]
        date(2024, 5, 1), date(2024, 5, 31))
    assert section.model.index(may, 0).data() == "May 2024"


def test_a_section_fills_its_table_and_its_chart_in_two_turns(
        qtbot: QtBot, make_insights: MakeTab) -> None:
    tab = make_insights()
    query = tab.current_query()
    long = type(query)(start=query.start.replace(year=2023), end=query.end, scope=query.scope,
                       user_numbers=query.user_numbers, zone=query.zone)
    figures = tab.store.aggregate(lambda conn: COMPUTE[Section.DAYS](conn, long))
    chart = _days(tab)
    bars_before = chart.chart().series()[0].barSets()[0].count()
    tab.service.sig_section_computed.emit(
        SectionResult(tab.service.newest, long, Section.DAYS, figures, 0))
    tab.service.sig_computed.emit(tab.service.newest)
    tab._next_timer.stop()   # turn by turn, by hand
    tab._show_next()
    section = tab.sections[Section.DAYS]
    assert section.model.headerData(0, Qt.Orientation.Horizontal) == "Week of"
    assert chart.chart().series()[0].barSets()[0].count() == bars_before == 3  # not yet
    assert tab.busy
    tab._show_next()
    assert chart.chart().series()[0].barSets()[0].count() == len(section.model.table.rows)
    settle(qtbot, tab)
