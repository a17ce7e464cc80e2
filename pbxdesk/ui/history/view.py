"""The history table widget: fixed row heights, measured column widths, movable
columns, page keys, and a centred message instead of an empty grid.

Nothing here walks the rows: heights are fixed and widths come from each
column's sample text (resizing to contents over a large
model costs seconds to minutes). The name columns (:data:`NAME_FIELDS`) are
elastic: they share whatever width the other columns leave (maximised at 1920
they grow, beside a docked dial pad they shrink, never below
:data:`NAME_MIN_WIDTH`), and their text is cut at a word end ("Bluewater
Pharmacy…", the whole name in the tooltip) by :class:`WordElideDelegate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from PySide6.QtCore import QLocale, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from pbxdesk.ui.history.cells import format_clock, format_time
from pbxdesk.ui.history.columns import NAME_FIELDS, TIME_FIELDS, Column, Field

_CELL_PADDING: Final = 12
_SORT_ARROW: Final = 18
# A late-evening date with two-digit day and month: the widest a short date-time gets.
_SAMPLE_TIME: Final = datetime(2026, 12, 28, 22, 58, tzinfo=UTC)
NAME_MIN_WIDTH: Final = 96
"""The narrowest an elastic (name) column gets: a first name and a bit."""
ELLIPSIS: Final = "…"


def elide_at_word_end(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` cut after its last whole word that fits, with "…"; a first word too
    long for ``width`` is cut where it must be."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    words = text.split(" ")
    for count in range(len(words) - 1, 0, -1):
        candidate = " ".join(words[:count]).rstrip(" ,;-–") + ELLIPSIS
        if metrics.horizontalAdvance(candidate) <= width:
            return candidate
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


class WordElideDelegate(QStyledItemDelegate):
    """Draws a cell's text cut at a word end when it does not fit."""

    def initStyleOption(self, option: QStyleOptionViewItem,  # noqa: N802 - Qt's name
                        index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        widget = option.widget
        style = widget.style() if widget is not None else None
        margin = (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
                  if style is not None else 3)
        room = option.rect.width() - 2 * margin
        option.text = elide_at_word_end(option.text, option.fontMetrics, room)


class HistoryView(QTableView):
    """A QTableView for one page of calls.

    Signals:
        sig_row_activated(int): Enter or a double-click on a row.
        sig_page_step_requested(int): Ctrl+PgUp/PgDown or Alt+Left/Right (-1 or +1).
        sig_copy_requested(): Ctrl+C (the platform's copy key) in the table.
    """

    sig_row_activated = Signal(int)
    """The user activated this row (Enter or double-click)."""
    sig_page_step_requested = Signal(int)
    """The user asked for the previous (-1) or next (+1) page from the keyboard."""
    sig_copy_requested = Signal()
    """The user pressed the copy key in the table."""
    sig_columns_resized = Signal()
    """The user resized a column (not the elastic ones following the window)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAccessibleName("Calls")
        # Tab and Shift+Tab leave the table for the next control (paging, the dial pad);
        # the arrow keys move between rows and cells.
        self.setTabKeyNavigation(False)
        self.setToolTip("")
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)
        rows.hide()
        header = self.horizontalHeader()
        # Columns are reordered by dragging their titles and chosen from the header's
        # context menu (columnmenu.py); the tab keeps the result (headerstate.py).
        header.setSectionsMovable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)  # the name columns take the free width
        header.setResizeContentsPrecision(0)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.empty_label = QLabel(self.viewport())
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAccessibleName("No calls")
        font = QFont(self.empty_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.empty_label.setFont(font)
        self.empty_label.setStyleSheet("color: palette(placeholder-text);")
        self.empty_label.hide()
        self._elastic: dict[int, int] = {}  # logical column -> its default width
        self._fitting = False
        self._word_elide = WordElideDelegate(self)
        self.doubleClicked.connect(self._on_double_clicked)
        header.sectionResized.connect(self._on_section_resized)

    @Slot(QModelIndex)
    def _on_double_clicked(self, index: QModelIndex) -> None:
        self.sig_row_activated.emit(index.row())

    def column_width(self, column: Column) -> int:
        """The default width of ``column``: its sample text in bold (missed rows are bold),
        or its title with room for the sort arrow, whichever is wider."""
        bold = QFont(self.font())
        bold.setBold(True)
        sample = column.sample
        if column.field is Field.ANSWERED:  # a clock time; the date only when it differs
            sample = format_clock(_SAMPLE_TIME, QLocale())
        elif column.field in TIME_FIELDS:
            sample = format_time(_SAMPLE_TIME, QLocale())
        title_width = self.horizontalHeader().fontMetrics().horizontalAdvance(column.title)
        return max(QFontMetrics(bold).horizontalAdvance(sample) + _CELL_PADDING,
                   title_width + _SORT_ARROW + _CELL_PADDING)

    def apply_column_widths(self, columns: Sequence[Column]) -> None:
        """Make each column its default width (see :meth:`column_width`); the name
        columns then share the free width."""
        for number, column in enumerate(columns):
            self.setColumnWidth(number, self.column_width(column))
        self.set_elastic_columns(columns)

    def set_elastic_columns(self, columns: Sequence[Column]) -> None:
        """Make the name columns elastic (again: a restored header state resets its
        modes); the others keep the width they have, which the user may drag."""
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        self._elastic = {}
        for number, column in enumerate(columns):
            elastic = column.field in NAME_FIELDS
            header.setSectionResizeMode(number, QHeaderView.ResizeMode.Fixed if elastic
                                        else QHeaderView.ResizeMode.Interactive)
            self.setItemDelegateForColumn(number, self._word_elide if elastic
                                          else self.itemDelegate())
            if elastic:
                self._elastic[number] = self.column_width(column)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Share the width the other shown columns leave among the shown name columns,
        in proportion to their default widths, none below :data:`NAME_MIN_WIDTH`."""
        header = self.horizontalHeader()
        elastic = [logical for logical in self._elastic if not header.isSectionHidden(logical)]
        if not elastic or self._fitting:
            return
        others = sum(header.sectionSize(logical) for logical in range(header.count())
                     if logical not in self._elastic and not header.isSectionHidden(logical))
        free = self.viewport().width() - others
        total = sum(self._elastic[logical] for logical in elastic)
        self._fitting = True
        try:
            left = free
            for number, logical in enumerate(elastic):
                share = (left if number == len(elastic) - 1  # the rounding's pixels too
                         else free * self._elastic[logical] // total)
                left -= share
                header.resizeSection(logical, max(NAME_MIN_WIDTH, share))
        finally:
            self._fitting = False

    def reset_columns(self, columns: Sequence[Column]) -> None:
        """Every column shown, in the model's order, at its default width."""
        header = self.horizontalHeader()
        for logical in range(header.count()):
            header.moveSection(header.visualIndex(logical), logical)
            header.showSection(logical)
        self.apply_column_widths(columns)

    @Slot(int, int, int)
    def _on_section_resized(self, logical: int, _old: int, _new: int) -> None:
        if self._fitting or logical in self._elastic:
            return
        # A column dragged wider or narrower, or shown or hidden: the names make up for it.
        self.fit_columns()
        self.sig_columns_resized.emit()

    def show_empty(self, text: str, hint: str = "") -> None:
        """Show ``text`` (and a smaller ``hint`` under it) over the empty grid."""
        self.empty_label.setText(f"{text}\n{hint}" if hint else text)
        self.empty_label.setAccessibleDescription(f"{text}. {hint}" if hint else text)
        self._place_empty_label()
        self.empty_label.show()

    def hide_empty(self) -> None:
        self.empty_label.hide()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_empty_label()
        self.fit_columns()

    def _place_empty_label(self) -> None:
        self.empty_label.setGeometry(self.viewport().rect().adjusted(24, 24, -24, -24))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key, modifiers = event.key(), event.modifiers()
        step = 0
        if modifiers == Qt.KeyboardModifier.ControlModifier:
            step = {Qt.Key.Key_PageUp: -1, Qt.Key.Key_PageDown: 1}.get(Qt.Key(key), 0)
        elif modifiers == Qt.KeyboardModifier.AltModifier:
            step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(key), 0)
        if step:
            event.accept()
            self.sig_page_step_requested.emit(step)
            return
        if event.matches(QKeySequence.StandardKey.Copy) and self.currentIndex().isValid():
            # QAbstractItemView would copy the cell's display text ("✓ Inbound, answered").
            event.accept()
            self.sig_copy_requested.emit()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            event.accept()
            self.sig_row_activated.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)
