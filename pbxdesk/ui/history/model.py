"""The history table's model: one page of a filtered, sorted call list, read on demand.

A windowed ``QAbstractTableModel`` over the :class:`~pbxdesk.store.CallStore`
(a million rows held in a Python list took about a second and 365 MB, and a
proxy model's sort minutes): the row count is the store's ``count(filter)``
cut to the current page; rows are read in blocks of :data:`BLOCK_SIZE`
(aligned on the whole filtered list, so a page flip often finds its rows
already read) and kept in a small LRU until the filter, the sort or the data
change; a row's cells are formatted once, the first time ``data()`` asks.
Sorting and filtering happen in SQL, so there is no proxy model and nothing is
ever loaded whole.

Nothing here reads the store on the GUI thread: a new filter, sort or page
whose blocks are not held is asked of a :class:`~pbxdesk.ui.history.reader.
HistoryReader`, and the table keeps showing the previous page (``loading`` is
true) until the rows arrive; a page flip within the blocks held is immediate.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication

from pbxdesk.api.models import AnyCall, CallKind
from pbxdesk.store import NEWEST_FIRST, CallFilter, CallStore, Sort
from pbxdesk.ui.history.calls import status_of
from pbxdesk.ui.history.cells import CellFormatter, raw_value
from pbxdesk.ui.history.columns import (
    DURATION_FIELDS,
    TIME_FIELDS,
    Column,
    Field,
    columns_for,
)
from pbxdesk.ui.history.reader import HistoryReader, ReadResult
from pbxdesk.ui.plaintip import plain_tip

BLOCK_SIZE: Final = 256
CACHED_BLOCKS: Final = 8
PAGE_SIZES: Final = (50, 100, 250, 500, 1000)
DEFAULT_PAGE_SIZE: Final = 100
IDLE_AFTER_MS: Final = 5000
CALL_ROLE: Final = Qt.ItemDataRole.UserRole + 1
"""The row's :class:`~pbxdesk.api.models.UserCall` / ``GroupCall``."""
RAW_ROLE: Final = Qt.ItemDataRole.UserRole + 2
"""The API's raw value behind a text cell (a number as sent), or None."""
STANDOUT_COLOR: Final = QColor("#b3261e")  # dark red: readable on light and mid backgrounds

Index = QModelIndex | QPersistentModelIndex
_ROLES: Final = frozenset({
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.AccessibleTextRole, CALL_ROLE, RAW_ROLE})


@dataclass(frozen=True, slots=True)
class _ShownRow:
    """One row of the page as the view shows it, formatted on first sight."""

    call: AnyCall
    texts: tuple[str, ...]
    stands_out: bool
    spoken: str


class HistoryModel(QAbstractTableModel):
    """Rows ``page * page_size ..`` of the calls of one kind matching a filter.

    Signals:
        sig_page_changed(): the rows shown changed (page, page size, total or rows).
        sig_loading_started(): rows were asked for; the previous ones stay meanwhile.
        sig_store_failed(str): reading the store failed (the text says why).
    """

    sig_page_changed = Signal()
    """The rows shown changed (a page read arrived, or a flip within the rows held)."""
    sig_loading_started = Signal()
    """Rows were asked of the worker thread; the table shows the previous ones meanwhile."""
    sig_store_failed = Signal(str)
    """Reading the store failed; the table shows what it has (maybe nothing)."""

    def __init__(self, kind: CallKind, store: CallStore, *, default_region: str,
                 page_size: int = DEFAULT_PAGE_SIZE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.store = store
        self.columns: tuple[Column, ...] = columns_for(kind)
        self.formatter = CellFormatter(default_region)
        self._filter = CallFilter(kinds=frozenset({kind}))
        self._sort = NEWEST_FIRST
        self._page = 0
        self._page_size = page_size if page_size > 0 else DEFAULT_PAGE_SIZE
        self._total = 0
        self._stored: int | None = None
        self._blocks: OrderedDict[int, list[AnyCall]] = OrderedDict()
        self._shown: dict[int, _ShownRow] = {}  # this page's rows as formatted so far
        # What the user asked for last, shown once its rows arrive.
        self._wanted: tuple[CallFilter, Sort, int, int] = (
            self._filter, self._sort, self._page, self._page_size)
        self._pending = 0  # generation of the request in flight, 0 for none
        self._pending_recount = False
        self._bold = QFont(QGuiApplication.font())
        self._bold.setBold(True)
        self._standout = QBrush(STANDOUT_COLOR)
        self._status_column = self.column_of(Field.STATUS)
        self._alignments = [_alignment(column) for column in self.columns]
        self.reader = HistoryReader(store, self)
        self.reader.sig_read.connect(self._on_reader_read)
        # Once no new calls have come for a while (a sync is over), search is brought
        # up to date in the background.
        self._idle_timer = QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.setInterval(IDLE_AFTER_MS)
        self._idle_timer.timeout.connect(self.reader.prepare_search)
        self._ask(recount=True)

    # -- state ---------------------------------------------------------------------------

    @property
    def call_filter(self) -> CallFilter:
        """The filter asked for last (its rows may still be on their way)."""
        return self._wanted[0]

    @property
    def sort_order(self) -> Sort:
        """The order asked for last."""
        return self._wanted[1]

    @property
    def page(self) -> int:
        """The page shown, counted from 0."""
        return self._page

    @property
    def page_size(self) -> int:
        return self._page_size

    @property
    def total(self) -> int:
        """Calls matching the filter shown, on every page."""
        return self._total

    @property
    def stored(self) -> int | None:
        """Calls of this kind in the store, when the filter shown matches none (else None)."""
        return self._stored

    @property
    def loading(self) -> bool:
        """Whether rows asked for are still on their way (the table shows the previous)."""
        return self._pending != 0

    @property
    def page_count(self) -> int:
        return max(1, -(-self._total // self._page_size))

    @property
    def first_row(self) -> int:
        """The position of this page's first row in the whole filtered list."""
        return self._page * self._page_size

    def column_of(self, field: Field) -> int:
        """The column showing ``field``, or -1."""
        for number, column in enumerate(self.columns):
            if column.field is field:
                return number
        return -1

    def set_filter(self, flt: CallFilter, *, keep_page: bool = False) -> bool:
        """Show the calls matching ``flt`` (always of this model's kind), from page 1
        unless ``keep_page`` (a re-read of the same view, such as after midnight).
        Returns whether anything is read again."""
        flt = dataclasses.replace(flt, kinds=frozenset({self.kind}))
        wanted_filter, sort, page, size = self._wanted
        page = page if keep_page else 0
        if flt == wanted_filter and page == self._wanted[2]:
            return False
        self._wanted = (flt, sort, page, size)
        self._ask(recount=True)
        return True

    def set_sort(self, sort: Sort) -> None:
        """Sort in SQL by ``sort``, from page 1."""
        flt, wanted_sort, _, size = self._wanted
        if sort == wanted_sort:
            return
        self._wanted = (flt, sort, 0, size)
        self._ask(recount=True)

    def set_page(self, page: int) -> bool:
        """Show page ``page`` (from 0, clamped); True if the page changes."""
        flt, sort, wanted_page, size = self._wanted
        page = min(max(0, page), max(0, -(-self._total // size) - 1))
        if page == wanted_page:
            return False
        self._wanted = (flt, sort, page, size)
        self._ask(recount=False)
        return True

    def set_page_size(self, size: int) -> None:
        """Rows per page; stays on the page that holds the current first row."""
        flt, sort, page, old = self._wanted
        if size <= 0 or size == old:
            return
        self._wanted = (flt, sort, page * old // size, size)
        self._ask(recount=False)

    def reload(self) -> None:
        """Re-read after the store changed, keeping filter, sort and page (if it still exists)."""
        self._ask(recount=True)

    def set_default_region(self, region: str) -> None:
        self.formatter.set_default_region(region)
        self._shown.clear()
        if self.rowCount() and self.columns:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, len(self.columns) - 1))

    def _ask(self, *, recount: bool) -> None:
        """Show what ``_wanted`` names: at once when its rows are held, else read them."""
        flt, sort, page, size = self._wanted
        # A read of a new list still on its way is replaced by one that reads afresh too.
        recount = (recount or self._pending_recount or flt != self._filter
                   or sort != self._sort)
        needed = self._blocks_of(page, size, self._total)
        if not recount and self._pending == 0 and all(n in self._blocks for n in needed):
            self._show(flt, sort, page, size, self._total, self._stored)
            return
        held = () if recount else tuple(n for n in needed if n in self._blocks)
        self._pending_recount = recount
        self._pending = self.reader.request(
            self.kind, flt, sort, page, size, tuple(n for n in needed if n not in held),
            BLOCK_SIZE, recount=recount)
        self.sig_loading_started.emit()

    @staticmethod
    def _blocks_of(page: int, size: int, total: int | None) -> tuple[int, ...]:
        first = page * size
        last = first + size - 1
        if total is not None and total > 0:
            last = min(last, max(first, total - 1))
        return tuple(range(first // BLOCK_SIZE, last // BLOCK_SIZE + 1))

    @Slot(object)
    def _on_reader_read(self, result: ReadResult) -> None:
        if result.request.generation != self._pending:
            return  # an older answer; a newer request is on its way
        self._pending = 0
        self._pending_recount = False
        request = result.request
        if result.error is not None:
            self.sig_store_failed.emit(result.error)
        if request.recount:
            self._blocks.clear()
            self._idle_timer.start()
        self._blocks.update(result.blocks)
        while len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        self._wanted = (request.call_filter, request.sort, result.page, request.page_size)
        self._show(request.call_filter, request.sort, result.page, request.page_size,
                   result.total, result.stored)

    def _show(self, flt: CallFilter, sort: Sort, page: int, size: int, total: int,
              stored: int | None) -> None:
        self.beginResetModel()
        self._filter, self._sort, self._page_size = flt, sort, size
        self._total, self._stored = total, stored
        self._page = min(max(0, page), self.page_count - 1)
        self._shown.clear()
        self.endResetModel()
        self.sig_page_changed.emit()

    # -- rows ----------------------------------------------------------------------------

    def call_at(self, row: int) -> AnyCall | None:
        """The call shown in ``row`` of this page (None while its rows are not read)."""
        if not 0 <= row < self.rowCount():
            return None
        # Blocks are aligned on the whole filtered list, not on the page, so the rows of
        # the next or previous page are often already here.
        block_number, position = divmod(self.first_row + row, BLOCK_SIZE)
        block = self._blocks.get(block_number)
        if block is None:
            return None
        self._blocks.move_to_end(block_number)
        return block[position] if position < len(block) else None

    # -- QAbstractTableModel -------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid():
            return 0
        return max(0, min(self._page_size, self._total - self.first_row))

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The delegate asks about seven roles per cell and each paint asks for every
        # visible cell, so unasked-for roles return before any lookup, and a row's texts
        # are formatted once (see _ShownRow).
        if role not in _ROLES or not index.isValid():
            return None
        shown = self._shown_row(index.row())
        column = index.column()
        if shown is None or not 0 <= column < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return shown.texts[column]
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if shown.stands_out else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._standout if shown.stands_out and column == self._status_column else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._alignments[column]
        field = self.columns[column].field
        if role == Qt.ItemDataRole.ToolTipRole:
            # Names and fields come from callers and the PBX: never read as markup.
            return plain_tip(self.formatter.tooltip(shown.call, field)) or None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return shown.spoken if field is Field.STATUS else shown.texts[column]
        if role == CALL_ROLE:
            return shown.call
        return raw_value(shown.call, field)  # RAW_ROLE

    def _shown_row(self, row: int) -> _ShownRow | None:
        shown = self._shown.get(row)
        if shown is None:
            call = self.call_at(row)
            if call is None:
                return None
            status = status_of(call)
            texts = tuple(self.formatter.display(call, column.field) for column in self.columns)
            shown = self._shown[row] = _ShownRow(call, texts, status.stands_out, status.spoken)
        return shown

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.description
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(column)
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            # Newest, latest and longest first is what people look for in a call log.
            descending = column.field in TIME_FIELDS | DURATION_FIELDS
            return (Qt.SortOrder.DescendingOrder if descending
                    else Qt.SortOrder.AscendingOrder)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Called by the view when a header is clicked: sorts in SQL, back to page 1."""
        if not 0 <= column < len(self.columns):
            return
        self.set_sort(Sort(self.columns[column].sort,
                           descending=order == Qt.SortOrder.DescendingOrder))


def _alignment(column: Column) -> int:
    horizontal = Qt.AlignmentFlag.AlignRight if column.right_aligned else Qt.AlignmentFlag.AlignLeft
    return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
