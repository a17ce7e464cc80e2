"""Insights' charts, drawn by Qt Charts: stacked bars per day, a weekday × hour heat map,
horizontal bars per queue or agent.

Each chart shows figures it is given and reports the user's pointer:
``sig_hovered(str)`` with the numbers of the bar or cell under it (also shown
as a tooltip), ``sig_activated(int)`` with the index of the clicked bar or cell
in the section's table. The heat map is a scatter series of square markers
per shade, sized to fill its cells. Imported when the Insights tab is first
shown: Qt Charts costs ~20 ms to load.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QLineSeries,
    QScatterSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QCursor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from pbxdesk.store.insights import Category
from pbxdesk.ui.plaintip import plain_tip

COLORS = {
    Category.ANSWERED: QColor("#3b75af"),
    Category.MISSED: QColor("#d1495b"),
    Category.ABANDONED: QColor("#edae49"),
    Category.OTHER: QColor("#9aa0a6"),
}
"""One colour per outcome in every chart (blue / red / amber / grey reads in colour blindness)."""
CATEGORY_NAMES = {Category.ANSWERED: "Answered", Category.MISSED: "Missed",
                  Category.ABANDONED: "Abandoned", Category.OTHER: "Other"}
RATE_COLOR = QColor("#2b2b2b")
HEAT_SHADES = ("#eef1f5", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
"""Shade 0 is an hour without calls; 1–5 split the busiest hour's count in fifths."""
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_LABEL = 28
CHART_HEIGHT = 320
RANK_CHROME = 110
"""A rank chart's height besides its bars: the legend, the value axis, the margins."""
_INVISIBLE = "\u200b"


@dataclass(frozen=True, slots=True)
class BarSet:
    """One stacked part: a category and its value per bar."""

    category: Category
    values: Sequence[float]


class ChartView(QChartView):
    """A chart with the view's common set-up and pointer reporting.

    Signals:
        sig_hovered(str): the numbers under the pointer ("" when it leaves).
        sig_activated(int): a bar or cell was clicked (its index in the table).
    """

    sig_hovered = Signal(str)
    """The numbers of the bar or cell under the pointer; "" when it leaves."""
    sig_activated = Signal(int)
    """A bar or cell was clicked: its row in the section's table."""
    SMOOTH = False

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(0)
        super().__init__(chart, parent)
        # Smoothed edges for the missed-rate line only: bars and cells are upright
        # rectangles, which paint in half the time without (text stays smooth).
        self.setRenderHint(QPainter.RenderHint.Antialiasing, self.SMOOTH)
        self.setAccessibleName(name)
        # One height whatever the window: a chart that the layout resizes (a note that wraps
        # onto a second line, a table that grows) is laid out again by Qt Charts, 10-50 ms.
        self.setFixedHeight(CHART_HEIGHT)
        self._texts: Sequence[str] = ()
        self._apply_palette()

    def _apply_palette(self) -> None:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        self.chart().setTheme(QChart.ChartTheme.ChartThemeDark if dark
                              else QChart.ChartTheme.ChartThemeLight)
        self.chart().setBackgroundBrush(self.palette().color(QPalette.ColorRole.Base))

    def clear(self) -> None:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        self._texts = ()

    def hover_text(self, index: int) -> str:
        return self._texts[index] if 0 <= index < len(self._texts) else ""

    def _report_hover(self, index: int | None) -> None:
        text = "" if index is None else self.hover_text(index)
        if text:
            QToolTip.showText(QCursor.pos(), plain_tip(text), self)  # names from the PBX
        else:
            QToolTip.hideText()
        self.sig_hovered.emit(text)


def _value_axis(top: float, title: str = "") -> QValueAxis:
    axis = QValueAxis()
    axis.setRange(0, nice_top(top))
    axis.setLabelFormat("%d")
    axis.setTickCount(5)
    if title:
        axis.setTitleText(title)
    return axis


def nice_top(value: float) -> float:
    """The axis end for ``value``: 4 ticks of a round step (1, 2, 2.5, 5 × 10ⁿ), at least 4."""
    if value <= 4:
        return 4
    raw = value / 4
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= raw:
            return float(4 * step * magnitude)
    return float(4 * 10 * magnitude)


def unique_labels(labels: Sequence[str]) -> list[str]:
    """Shortened labels made unique with invisible characters (the bar axis merges equals)."""
    seen: set[str] = set()
    result = []
    for label in labels:
        text = label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"
        while text in seen:
            text += _INVISIBLE
        seen.add(text)
        result.append(text)
    return result


class DaysChart(ChartView):
    """Calls per day stacked by outcome, the missed rate as a line on a 0–100 % axis.

    As :class:`RankChart`, the series and axes stay; an update replaces their values in
    one call each, and adds or removes the bar sets of outcomes that come or go.
    """

    SMOOTH = True

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self._series: QStackedBarSeries | None = None
        self._sets: dict[Category, QBarSet] = {}
        self._line: QLineSeries | None = None
        self._x_axis: QCategoryAxis | None = None
        self._y_axis: QValueAxis | None = None

    def clear(self) -> None:
        super().clear()
        self._series, self._sets, self._line = None, {}, None
        self._x_axis, self._y_axis = None, None

    def show_days(self, labels: Sequence[str], parts: Sequence[BarSet],
                  rates: Sequence[float | None], texts: Sequence[str]) -> None:
        if self._series is None or self._line is None:
            self._build([part.category for part in parts])
        else:
            self._sets = _sync_sets(self._series, self._sets, [part.category for part in parts])
        series, line, x_axis, y_axis = self._series, self._line, self._x_axis, self._y_axis
        assert series is not None
        assert line is not None
        assert x_axis is not None
        assert y_axis is not None
        self._texts = texts
        _fill_sets(self._sets, parts)
        line.setPointsVisible(len(labels) <= 62)
        line.replace([QPointF(index, rate * 100) for index, rate in enumerate(rates)
                      if rate is not None])
        for label in x_axis.categoriesLabels():
            x_axis.remove(label)
        x_axis.setRange(-0.5, max(0.5, len(labels) - 0.5))
        for index, label in _thinned(labels):
            x_axis.append(label, index)
        totals = [sum(part.values[i] for part in parts) for i in range(len(labels))]
        y_axis.setRange(0, nice_top(max(totals, default=0)))

    def _build(self, categories: Sequence[Category]) -> None:
        self.clear()
        chart = self.chart()
        series = QStackedBarSeries()
        series.setBarWidth(0.8)
        self._sets = _add_sets(series, categories)
        series.hovered.connect(self._on_series_hovered)
        series.clicked.connect(self._on_series_clicked)
        chart.addSeries(series)
        line = QLineSeries()
        line.setName("Missed rate")
        pen = QPen(RATE_COLOR)
        pen.setWidthF(2)
        line.setPen(pen)
        chart.addSeries(line)
        # A value axis with labels where they fit: a bar axis would give every day a label
        # only as wide as its bar (elided to "…" on a month).
        x_axis = QCategoryAxis()
        x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        x_axis.setGridLineVisible(False)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x_axis)
        line.attachAxis(x_axis)
        y_axis = _value_axis(0, "Calls")
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y_axis)
        rate_axis = QValueAxis()
        rate_axis.setRange(0, 100)
        rate_axis.setTickCount(5)
        rate_axis.setLabelFormat("%d %%")
        rate_axis.setTitleText("Missed rate")
        chart.addAxis(rate_axis, Qt.AlignmentFlag.AlignRight)
        line.attachAxis(rate_axis)
        self._series, self._line, self._x_axis, self._y_axis = series, line, x_axis, y_axis

    @Slot(bool, int, QBarSet)
    def _on_series_hovered(self, status: bool, index: int, _bar_set: QBarSet) -> None:
        self._report_hover(index if status else None)

    @Slot(int, QBarSet)
    def _on_series_clicked(self, index: int, _bar_set: QBarSet) -> None:
        self.sig_activated.emit(index)


def _add_sets(series: QAbstractBarSeries,
              categories: Sequence[Category]) -> dict[Category, QBarSet]:
    """A bar set per outcome shown, kept while the same outcomes are shown."""
    sets = {}
    for category in categories:
        bar_set = _new_set(category)
        series.append(bar_set)
        sets[category] = bar_set
    return sets


def _new_set(category: Category) -> QBarSet:
    bar_set = QBarSet(CATEGORY_NAMES[category])
    bar_set.setColor(COLORS[category])
    bar_set.setBorderColor(COLORS[category])
    return bar_set


def _sync_sets(series: QAbstractBarSeries, sets: dict[Category, QBarSet],
               categories: Sequence[Category]) -> dict[Category, QBarSet]:
    """The series' bar sets made those of ``categories``, in order, keeping those shown.

    Another set of outcomes (a scope with abandoned calls, one without) changes the bars
    and the legend only: a new series and axes cost Qt Charts a layout of the whole chart
    and its axis labels, 10-30 ms in one event.
    """
    for category in [category for category in sets if category not in categories]:
        series.remove(sets.pop(category))  # the series deletes the set and its legend marker
    for index, category in enumerate(categories):
        if category not in sets:
            bar_set = _new_set(category)
            series.insert(index, bar_set)
            sets[category] = bar_set
    return {category: sets[category] for category in categories}


def _fill_sets(sets: dict[Category, QBarSet], parts: Sequence[BarSet]) -> None:
    """Each set's values replaced in one call."""
    for part in parts:
        bar_set = sets[part.category]
        bar_set.remove(0, bar_set.count())
        bar_set.append([float(value) for value in part.values])


def _thinned(labels: Sequence[str], room: int = 8) -> list[tuple[int, str]]:
    """``(index, label)`` of every n-th label, so that at most ``room`` are shown."""
    step = max(1, -(-len(labels) // room))
    return [(index, label) for index, label in enumerate(labels) if index % step == 0]


class HeatChart(ChartView):
    """Calls per weekday (rows, Monday on top) and hour of day (columns), shaded."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self.chart().legend().hide()
        self.chart().plotAreaChanged.connect(self._on_chart_plot_area_changed)
        self._series: list[QScatterSeries] = []

    def show_cells(self, counts: Sequence[int], texts: Sequence[str]) -> None:
        """``counts[weekday * 24 + hour]``; ``texts`` the same way.

        The shades' series and the axes are made once; an update replaces each shade's
        points in one call (a new set of series costs Qt Charts a layout, 10-40 ms)."""
        if not self._series:
            self._build()
        self._texts = texts
        peak = max(counts, default=0)
        points: list[list[QPointF]] = [[] for _ in HEAT_SHADES]
        for index, count in enumerate(counts):
            weekday, hour = divmod(index, 24)
            shade = 0 if count <= 0 or peak <= 0 else 1 + min(4, (count * 5 - 1) // peak)
            points[shade].append(QPointF(hour, 6 - weekday))
        for series, shade_points in zip(self._series, points, strict=True):
            series.replace(shade_points)

    def _build(self) -> None:
        self.clear()
        chart = self.chart()
        self._series = []
        for shade, color in enumerate(HEAT_SHADES):
            series = QScatterSeries()
            series.setName(f"shade {shade}")
            series.setMarkerShape(QScatterSeries.MarkerShape.MarkerShapeRectangle)
            series.setColor(QColor(color))
            series.setBorderColor(QColor(color))
            series.hovered.connect(self._on_series_hovered)
            series.clicked.connect(self._on_series_clicked)
            self._series.append(series)
        x_axis = QCategoryAxis()
        x_axis.setRange(-0.5, 23.5)
        x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        for hour in range(0, 24, 3):
            x_axis.append(f"{hour}:00", hour)
        x_axis.setGridLineVisible(False)
        y_axis = QCategoryAxis()
        y_axis.setRange(-0.5, 6.5)
        y_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        # A category axis takes its labels in increasing order: Sunday (0) up to Monday (6).
        for weekday in reversed(range(7)):
            y_axis.append(WEEKDAYS[weekday], 6 - weekday)
        y_axis.setGridLineVisible(False)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in self._series:
            chart.addSeries(series)
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)
        self._fit_markers(chart.plotArea())

    @Slot(QRectF)
    def _on_chart_plot_area_changed(self, area: QRectF) -> None:
        self._fit_markers(area)

    def _fit_markers(self, area: QRectF) -> None:
        size = max(4.0, min(area.width() / 24, area.height() / 7) * 0.92)
        for series in self._series:
            series.setMarkerSize(size)

    @staticmethod
    def cell_at(point: QPointF) -> int:
        hour = min(23, max(0, round(point.x())))
        weekday = min(6, max(0, 6 - round(point.y())))
        return weekday * 24 + hour

    @Slot(QPointF, bool)
    def _on_series_hovered(self, point: QPointF, state: bool) -> None:
        self._report_hover(self.cell_at(point) if state else None)

    @Slot(QPointF)
    def _on_series_clicked(self, point: QPointF) -> None:
        self.sig_activated.emit(self.cell_at(point))


class RankChart(ChartView):
    """Horizontal stacked bars, one per queue or agent, the first on top.

    The series and the axes are kept from one update to the next while the same names
    are shown (a new range of the same queues or agents): only their values change, and
    the bar sets of outcomes that come or go, which Qt Charts lays out in less time than
    a new chart.
    """

    _count = 0

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self._series: QHorizontalStackedBarSeries | None = None
        self._sets: dict[Category, QBarSet] = {}
        self._y_axis: QBarCategoryAxis | None = None
        self._x_axis: QValueAxis | None = None

    def clear(self) -> None:
        super().clear()
        self._series, self._sets, self._y_axis, self._x_axis = None, {}, None, None

    def show_bars(self, labels: Sequence[str], parts: Sequence[BarSet],
                  texts: Sequence[str]) -> None:
        count = len(labels)
        categories = list(reversed(unique_labels(labels)))
        if self._series is None or self._y_axis is None or self._x_axis is None or (
                self._y_axis.categories() != categories):
            # Qt Charts leaves an axis' old labels drawn (or elided to "…") when its
            # categories change, or when it is swapped: other names make a new chart.
            self._build([part.category for part in parts], categories)
        else:
            self._sets = _sync_sets(self._series, self._sets, [part.category for part in parts])
        assert self._series is not None
        assert self._y_axis is not None
        assert self._x_axis is not None
        self._texts = texts
        width = 0.7 * min(1.0, count / 6)  # one agent: a bar, not a wall
        if self._series.barWidth() != width:
            self._series.setBarWidth(width)
        _fill_sets(self._sets,
                   [BarSet(part.category, list(reversed(part.values))) for part in parts])
        totals = [sum(part.values[i] for part in parts) for i in range(count)]
        self._x_axis.setRange(0, nice_top(max(totals, default=0)))
        self._count = count

    def _build(self, categories: Sequence[Category], labels: list[str]) -> None:
        self.clear()
        # A row per name well taller than its text: in the one fixed height, from ten
        # names or so on, Qt Charts drew them as "…" (still so in rows 6 px taller
        # than the text, not at 10). Set here only, where the chart is new anyway.
        self.setFixedHeight(max(CHART_HEIGHT, RANK_CHROME
                                + len(labels) * (self.fontMetrics().lineSpacing() + 10)))
        chart = self.chart()
        series = QHorizontalStackedBarSeries()
        self._sets = _add_sets(series, categories)
        series.hovered.connect(self._on_series_hovered)
        series.clicked.connect(self._on_series_clicked)
        chart.addSeries(series)
        y_axis = QBarCategoryAxis()
        y_axis.append(labels)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y_axis)
        x_axis = _value_axis(0, "Calls")
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x_axis)
        self._series, self._y_axis, self._x_axis = series, y_axis, x_axis

    def _row(self, index: int) -> int:
        return self._count - 1 - index  # bars are listed bottom-up

    @Slot(bool, int, QBarSet)
    def _on_series_hovered(self, status: bool, index: int, _bar_set: QBarSet) -> None:
        self._report_hover(self._row(index) if status else None)

    @Slot(int, QBarSet)
    def _on_series_clicked(self, index: int, _bar_set: QBarSet) -> None:
        self.sig_activated.emit(self._row(index))
