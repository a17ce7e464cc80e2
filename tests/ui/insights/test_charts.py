"""Insights' charts kept from one update to the next: what changes is exactly what is shown.

A chart keeps its series and axes where it can (a new series costs Qt Charts a
layout of the whole chart); these tests hold that what is drawn afterwards is
the new figures only: the bar sets and legend entries of the outcomes shown,
the names on the axis, no old ones left.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import QAbstractBarSeries, QBarCategoryAxis, QChart
from PySide6.QtGui import QFontMetricsF
from pytestqt.qtbot import QtBot

from pbxdesk.store.insights import Category
from pbxdesk.ui.insights.charts import CATEGORY_NAMES, COLORS, BarSet, DaysChart, RankChart

ANS, MIS, ABN, OTH = Category.ANSWERED, Category.MISSED, Category.ABANDONED, Category.OTHER


def parts(categories: Sequence[Category], count: int, base: float = 1) -> list[BarSet]:
    return [BarSet(category, [base + 10 * int(category) + i for i in range(count)])
            for category in categories]


def bar_series(chart: QChart) -> QAbstractBarSeries:
    found = [series for series in chart.series() if isinstance(series, QAbstractBarSeries)]
    assert len(found) == 1
    return found[0]


def shown_sets(chart: QChart) -> list[tuple[str, list[float], str]]:
    """Each bar set's label, values and colour, in stacking order."""
    return [(bar_set.label(), [bar_set.at(i) for i in range(bar_set.count())],
             bar_set.color().name()) for bar_set in bar_series(chart).barSets()]


def legend_labels(chart: QChart) -> list[str]:
    """Every legend entry (none hidden: a hidden marker still takes its room)."""
    markers = chart.legend().markers()
    assert all(marker.isVisible() for marker in markers)
    return [marker.label() for marker in markers]


def expected(categories: Sequence[Category], count: int,
             reverse: bool = False) -> list[tuple[str, list[float], str]]:
    out = []
    for part in parts(categories, count):
        values = [float(value) for value in part.values]
        out.append((CATEGORY_NAMES[part.category], values[::-1] if reverse else values,
                    COLORS[part.category].name()))
    return out


def test_days_chart_keeps_its_series_and_shows_exactly_the_outcomes_given(
        qtbot: QtBot) -> None:
    chart = DaysChart("days")
    qtbot.addWidget(chart)
    chart.show()
    labels = ["1 May", "2 May", "3 May"]
    chart.show_days(labels, parts([ANS, MIS], 3), [0.5, None, 0.25], ["x"] * 3)
    series = bar_series(chart.chart())
    axes = list(chart.chart().axes())
    for categories in ([ANS, MIS, ABN], [ANS, OTH], [ANS, MIS, ABN, OTH], [MIS], [ANS, MIS]):
        chart.show_days(labels, parts(categories, 3), [0.5, None, 0.25], ["x"] * 3)
        qtbot.wait(1)
        assert shown_sets(chart.chart()) == expected(categories, 3)
        assert legend_labels(chart.chart()) == [
            *(CATEGORY_NAMES[category] for category in categories), "Missed rate"]
        assert bar_series(chart.chart()) is series  # kept: no new layout of the axes
        assert list(chart.chart().axes()) == axes


def test_rank_chart_shows_exactly_the_new_names_after_a_scope_change(qtbot: QtBot) -> None:
    chart = RankChart("agents")
    qtbot.addWidget(chart)
    chart.show()
    agents = [f"Agent {n}" for n in range(12)]
    chart.show_bars(agents, parts([ANS, MIS], 12), ["x"] * 12)
    qtbot.wait(1)
    queues = ["Sales", "Support"]
    chart.show_bars(queues, parts([ANS, MIS, ABN], 2), ["x"] * 2)
    qtbot.wait(1)
    axes = [axis for axis in chart.chart().axes() if isinstance(axis, QBarCategoryAxis)]
    assert len(axes) == 1
    assert axes[0].categories() == ["Support", "Sales"]  # the first on top
    assert shown_sets(chart.chart()) == expected([ANS, MIS, ABN], 2, reverse=True)
    assert legend_labels(chart.chart()) == ["Answered", "Missed", "Abandoned"]
    # The same names with other outcomes: the axis stays, the sets follow.
    chart.show_bars(queues, parts([ANS], 2), ["x"] * 2)
    qtbot.wait(1)
    assert [axis for axis in chart.chart().axes() if isinstance(axis, QBarCategoryAxis)] == axes
    assert shown_sets(chart.chart()) == expected([ANS], 2, reverse=True)
    assert legend_labels(chart.chart()) == ["Answered"]
    assert chart.hover_text(1) == "x"


def test_rank_chart_gives_every_name_a_row_of_text(qtbot: QtBot) -> None:
    # In one fixed height, names from about the tenth on were drawn as "…".
    chart = RankChart("agents")
    qtbot.addWidget(chart)
    chart.show()
    chart.show_bars(["Sales", "Support"], parts([ANS], 2), ["x"] * 2)
    few = chart.height()
    agents = [f"Agent {n}" for n in range(30)]
    chart.show_bars(agents, parts([ANS, MIS], 30), ["x"] * 30)
    qtbot.waitUntil(lambda: chart.chart().plotArea().height() > few)
    [axis] = [axis for axis in chart.chart().axes() if isinstance(axis, QBarCategoryAxis)]
    row = chart.chart().plotArea().height() / len(agents)
    # Qt Charts draws a name as "…" in a row 6 px taller than its text, not at 10.
    assert row >= QFontMetricsF(axis.labelsFont()).height() + 10
    chart.show_bars(["Sales", "Support"], parts([ANS], 2), ["x"] * 2)
    assert chart.height() == few  # back to the usual height with few names
