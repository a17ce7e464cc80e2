"""One Insights section: a title with its definitions, the chart, a note, the table of
the same numbers, and Export (PNG of the chart, CSV of the table).

The section shows a :class:`~pbxdesk.ui.insights.figures.SectionView` and
forwards the chart's pointer: hovering shows the numbers, clicking a bar or
cell, or double-clicking (or Enter on) a table row, emits
``sig_calls_requested`` with that row's :class:`CallsTarget`.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import QModelIndex, QStandardPaths, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.ui.dialogs import DialogService
from pbxdesk.ui.history.csvfile import describe_failure
from pbxdesk.ui.insights.charts import ChartView, DaysChart, HeatChart, RankChart
from pbxdesk.ui.insights.figures import CallsTarget, SectionView, count_of
from pbxdesk.ui.insights.table import FigureTable, FigureTableModel, write_table_csv

log = logging.getLogger("pbxdesk.ui")
TABLE_ROWS_SHOWN = 8
CELL_PADDING = 12
"""Room either side of a cell's text (the style's margins and the focus frame)."""


class FigureTableView(QTableView):
    """The numbers under a chart; Enter opens the calls of the current row."""

    sig_row_activated = Signal(int)
    """Enter or a double-click on a row."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.horizontalHeader().setStretchLastSection(False)
        self.horizontalHeader().setResizeContentsPrecision(0)
        self.doubleClicked.connect(self._on_double_clicked)

    def fit_height(self, rows: int) -> None:
        shown = max(1, min(rows, TABLE_ROWS_SHOWN))
        height = (self.horizontalHeader().sizeHint().height()
                  + shown * self.verticalHeader().defaultSectionSize() + 2 * self.frameWidth()
                  + (self.horizontalScrollBar().sizeHint().height()))
        self.setFixedHeight(height)

    def fit_columns(self, table: FigureTable) -> None:
        """Each column as wide as its title or its longest text.

        Measured from the texts worked out with the figures, not with
        ``resizeColumnsToContents``, which asks the model for every cell's text, font
        and alignment: hundreds of calls into Python on the GUI thread.
        """
        if not table.shown:
            self.resizeColumnsToContents()
            return
        header = self.horizontalHeader()
        metrics = self.fontMetrics()
        for column in range(len(table.columns)):
            longest = max((row[column] for row in table.shown), key=len, default="")
            width = max(header.sectionSizeFromContents(column).width(),
                        metrics.horizontalAdvance(longest) + CELL_PADDING)
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in {Qt.Key.Key_Return, Qt.Key.Key_Enter} and self.currentIndex().isValid():
            self.sig_row_activated.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)

    @Slot(QModelIndex)
    def _on_double_clicked(self, index: QModelIndex) -> None:
        self.sig_row_activated.emit(index.row())


class InsightsSection(QWidget):
    """A titled chart with its table and export buttons.

    Signals:
        sig_calls_requested(object): the :class:`CallsTarget` of a clicked bar, cell or row.
        sig_status_message(str): hover numbers and export outcomes for the status bar.
    """

    sig_calls_requested = Signal(object)
    """Open these calls (a :class:`CallsTarget`) in the history."""
    sig_status_message = Signal(str)
    """A short message for the status bar."""

    def __init__(self, name: str, title: str, tip: str, chart: ChartView, file_stem: str,
                 dialogs: DialogService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"insights-{name}")
        self.setAccessibleName(title)
        self._file_stem = file_stem
        self._dialogs = dialogs
        self._view: SectionView | None = None
        self.title = QLabel(f"<b>{title}</b>", self)
        self.title.setToolTip(tip)
        self.title.setAccessibleDescription(tip)
        self._tip = tip
        self.help_button = QToolButton(self)
        self.help_button.setText("?")
        self.help_button.setAccessibleName(f"What the numbers of {title} mean")
        self.help_button.setToolTip(tip)
        self.chart = chart
        chart.setParent(self)
        chart.setToolTip("")
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        # Room for two lines from the start: a note that grows a line moves every section
        # under it, and each chart moved is painted again.
        self.note.setMinimumHeight(2 * self.note.fontMetrics().lineSpacing())
        self.note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.model = FigureTableModel(self)
        self.table = FigureTableView(f"{title}, table", self)
        self.table.setModel(self.model)
        self.png_button = QPushButton("Save chart…", self)
        self.png_button.setToolTip("Save this chart as a PNG picture")
        self.csv_button = QPushButton("Export CSV…", self)
        self.csv_button.setToolTip("Save the numbers of this table as a CSV file (for Excel)")
        for button in (self.png_button, self.csv_button):
            button.setAutoDefault(False)
        self._layout()
        self._connect_signals()

    def _layout(self) -> None:
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.help_button)
        head.addStretch(1)
        head.addWidget(self.png_button)
        head.addWidget(self.csv_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.addLayout(head)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        self.table.fit_height(TABLE_ROWS_SHOWN)

    def _connect_signals(self) -> None:
        self.chart.sig_hovered.connect(self._on_chart_hovered)
        self.chart.sig_activated.connect(self._on_row_chosen)
        self.table.sig_row_activated.connect(self._on_row_chosen)
        self.help_button.clicked.connect(self._on_help_button_clicked)
        self.png_button.clicked.connect(self.save_png)
        self.csv_button.clicked.connect(self.save_csv)

    @property
    def view(self) -> SectionView | None:
        return self._view

    def show_view(self, view: SectionView) -> None:
        """The table and the chart at once (the tab spreads them over two turns)."""
        self.show_table(view)
        self.show_chart(view)

    def show_table(self, view: SectionView) -> None:
        """The first half of showing ``view``: its title, table and note."""
        self._view = view
        if view.title:
            self.title.setText(f"<b>{view.title}</b>")
            self.setAccessibleName(view.title)
            self.chart.setAccessibleName(f"{view.title}, chart")
            self.table.setAccessibleName(f"{view.title}, table")
        self.model.set_table(view.table)
        self.table.fit_columns(view.table)
        # The table keeps its height (TABLE_ROWS_SHOWN rows) whatever the rows: a section
        # that changes height moves the ones under it, and the whole tab is painted again.
        note = view.note
        if view.live:
            note = (f"{note} Includes {count_of(view.live, 'live call')} not yet confirmed "
                    "by a sync.").strip()
        self.note.setText(note)  # shown even when empty: the layout stays put

    def show_chart(self, view: SectionView) -> None:
        """The second half: the chart's series."""
        chart = self.chart
        if isinstance(chart, DaysChart):
            chart.show_days(view.labels, view.parts, view.rates, view.texts)
        elif isinstance(chart, HeatChart):
            chart.show_cells(view.cells, view.texts)
        elif isinstance(chart, RankChart):
            chart.show_bars(view.labels, view.parts, view.texts)

    def target(self, row: int) -> CallsTarget | None:
        if self._view is None or not 0 <= row < len(self._view.targets):
            return None
        return self._view.targets[row]

    # -- export --------------------------------------------------------------------------

    def _ask(self, title: str, suffix: str, name_filter: str) -> Path | None:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        suggested = Path(folder) / f"{self._file_stem}-{date.today():%Y-%m-%d}{suffix}"
        path = self._dialogs.ask_save_path(self, title=title, suggested=suggested,
                                           name_filter=name_filter)
        if path is not None and not path.suffix:
            path = path.with_suffix(suffix)
        return path

    @Slot()
    def save_png(self) -> None:
        path = self._ask("Save chart as PNG", ".png", "PNG pictures (*.png);;All files (*)")
        if path is None:
            return
        if self.chart.grab().save(str(path), "PNG"):
            self.sig_status_message.emit(f"Saved the chart to {path.name}")
            return
        self._dialogs.show_error(self, title="Save failed", text=(
            f"Could not save the chart to {path.name}. Choose another folder (one you may "
            "write to, with free space) and try again."))

    @Slot()
    def save_csv(self) -> None:
        path = self._ask("Export numbers as CSV", ".csv", "CSV files (*.csv);;All files (*)")
        if path is None:
            return
        try:
            rows = write_table_csv(path, self.model.table)
        except OSError as error:
            log.warning("Insights export to %s failed: %s", path, error)
            self._dialogs.show_error(self, title="Export failed",
                                     text=describe_failure(error, path))
            return
        self.sig_status_message.emit(f"Exported {rows:,} rows to {path.name}")

    # -- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_help_button_clicked(self) -> None:
        self._dialogs.show_info(self, title=self.accessibleName(), text=self._tip)

    @Slot(str)
    def _on_chart_hovered(self, text: str) -> None:
        if text:
            self.sig_status_message.emit(text)

    @Slot(int)
    def _on_row_chosen(self, row: int) -> None:
        target = self.target(row)
        if target is not None:
            self.sig_calls_requested.emit(target)
