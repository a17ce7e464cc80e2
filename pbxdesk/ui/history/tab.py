"""One call-history tab (user, queue or ring-group calls): composes the parts.

:class:`HistoryTab` wires the filter bar, the windowed table, the paging bar,
the row actions, the column chooser (whose layout it keeps in the store, per
kind) and the CSV exporter; all of its wiring is in ``_connect_signals``. It
reads only the store; when a filter reaches into a period the store has not
synced, it asks the main window for a backfill.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QStandardPaths,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QPushButton, QToolButton, QVBoxLayout, QWidget

from pbxdesk.api.models import CallKind
from pbxdesk.store import NEWEST_FIRST, CallFilter, CallStore, StoreError
from pbxdesk.ui.dialogs import DialogService
from pbxdesk.ui.history.actions import RowActions
from pbxdesk.ui.history.checklist import Entry
from pbxdesk.ui.history.columnmenu import ColumnMenu
from pbxdesk.ui.history.columns import Field
from pbxdesk.ui.history.csvfile import CsvFlavour
from pbxdesk.ui.history.dates import DatePreset, local_today
from pbxdesk.ui.history.export import Exporter
from pbxdesk.ui.history.filterbar import FilterBar, user_entries
from pbxdesk.ui.history.headerstate import HeaderMemory, state_key
from pbxdesk.ui.history.incomplete import IncompleteDaysNote
from pbxdesk.ui.history.model import HistoryModel
from pbxdesk.ui.history.pagingbar import PagingBar
from pbxdesk.ui.history.view import HistoryView

log = logging.getLogger("pbxdesk.ui")

EMPTY_FILTERED = "No calls match these filters"
# "Save as type" in the export's file dialog: the CSV flavour, the last one offered first.
EXPORT_TYPES = {
    CsvFlavour.SPREADSHEET: "CSV for spreadsheets, column titles in words (*.csv)",
    CsvFlavour.API: "CSV with the API's field names and values as sent (*.csv)",
}
EXPORT_TYPE_KEY = "ui.export.flavour"
EMPTY_STORE = "No calls stored yet — syncing…"
_KIND_FILE_NAMES = {CallKind.USER: "user-calls", CallKind.QUEUE: "queue-calls",
                    CallKind.RING_GROUP: "ring-group-calls"}


class HistoryTab(QWidget):
    """Browse, filter, sort, page and export one kind of call history.

    Signals:
        sig_call_back_requested(str): a number to call back (raw API value).
        sig_backfill_requested(object, object): (start, end) aware UTC datetimes
            the filter asks for that the store has not synced.
        sig_status_message(str): a short status-bar message.

    Attributes:
        model: the :class:`HistoryModel`; view: the :class:`HistoryView`;
        filter_bar, paging, row_actions, column_menu, header_memory, exporter: the parts.
    """

    sig_call_back_requested = Signal(str)
    """Call this number back (raw as the API sent it)."""
    sig_backfill_requested = Signal(object, object)
    """Fetch [start, end) (aware UTC datetimes) for this filter; the store lacks part of it."""
    sig_status_message = Signal(str)
    """A short status-bar message ("Copied +61 …")."""

    def __init__(self, kind: CallKind, store: CallStore, *, default_region: str,
                 dialogs: DialogService | None = None, parent: QWidget | None = None,
                 today: Callable[[], date] = local_today) -> None:
        super().__init__(parent)
        self.kind = kind
        self.store = store
        self._dialogs = dialogs if dialogs is not None else DialogService()
        self._last_backfill: tuple[object, ...] | None = None
        # What to do once the rows asked for arrive (restore a selection, land on a row).
        self._after_load: Callable[[], None] | None = None
        self._targets_shown: list[Entry] | None = None
        self.setAccessibleName({CallKind.USER: "User calls", CallKind.QUEUE: "Queue calls",
                                CallKind.RING_GROUP: "Ring group calls"}[kind])
        self.filter_bar = FilterBar(kind, today=today, parent=self)
        self.export_button = QToolButton(self)
        self.export_button.setText("Export CSV…")
        self.export_button.setAccessibleName("Export CSV")
        self.export_button.setToolTip("Save every call matching the filters as a CSV file "
                                      "(Ctrl+E)")
        self.model = HistoryModel(kind, store, default_region=default_region, parent=self)
        self._refresh_targets()
        self.model.set_filter(self.filter_bar.build_filter())
        self.view = HistoryView(self)
        self.view.setModel(self.model)
        self.view.apply_column_widths(self.model.columns)
        self.header_memory = HeaderMemory(self.view.horizontalHeader(), store.values,
                                          state_key(kind),
                                          [column.field.value for column in self.model.columns],
                                          self)
        # Before sorting is switched on: the saved state brings a sort indicator of its
        # own, and announcing it would re-sort the model. Every tab opens newest first.
        self.header_memory.restore()
        self.view.set_elastic_columns(self.model.columns)  # a restored state resets the modes
        self.view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.view.setSortingEnabled(True)  # the header now calls model.sort (SQL)
        self.paging = PagingBar(self)
        self.row_actions = RowActions(self.view, self.model)
        self.column_menu = ColumnMenu(self.view, self.model.columns)
        self.row_actions.menu.addSeparator()
        self.row_actions.menu.addMenu(self.column_menu.menu)
        self.columns_button = QPushButton("Columns", self)
        self.columns_button.setMenu(self.column_menu.menu)
        self.columns_button.setAutoDefault(False)
        self.columns_button.setAccessibleName("Choose columns")
        self.columns_button.setToolTip("Show or hide columns, or reset them (also by "
                                       "right-clicking a column title)")
        self.exporter = Exporter(store, self._dialogs, self)
        self.incomplete = IncompleteDaysNote(kind, store, self)
        self.incomplete.refresh()
        # Ctrl+F / Ctrl+E are the main window's actions (calling focus_search / export_csv
        # on the current tab): a second binding here would make Qt drop both as ambiguous.
        self._layout()
        self._connect_signals()
        self._on_model_page_changed()
        # After the caller has connected its slots: the first filter may need a backfill too.
        QTimer.singleShot(0, self, self._check_backfill)

    def _layout(self) -> None:
        # Export after the filters, Columns before the page size: each row wraps when the
        # window is narrow (half a 1920 screen beside the dial pad) instead of holding the
        # window wider than the screen.
        self.filter_bar.add_trailing(self.export_button)
        self.paging.add_leading(self.columns_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.incomplete)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.paging)
        chain: list[QWidget] = [*self.filter_bar.tab_chain, self.export_button, self.view,
                                self.columns_button, self.paging.page_size, self.paging.first,
                                self.paging.previous, self.paging.next, self.paging.last]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _connect_signals(self) -> None:
        self.filter_bar.sig_filter_changed.connect(self._on_filter_bar_filter_changed)
        self.export_button.clicked.connect(self.export_csv)
        self.model.sig_page_changed.connect(self._on_model_page_changed)
        self.model.sig_loading_started.connect(self._on_model_loading_started)
        self.model.sig_store_failed.connect(self._on_model_store_failed)
        self.paging.sig_page_requested.connect(self._on_paging_page_requested)
        self.paging.sig_page_size_changed.connect(self._on_paging_page_size_changed)
        self.view.sig_page_step_requested.connect(self._on_view_page_step_requested)
        self.view.selectionModel().currentRowChanged.connect(self.row_actions.update_enabled)
        self.row_actions.sig_call_back_requested.connect(self.sig_call_back_requested)
        self.row_actions.sig_status_message.connect(self.sig_status_message)
        self.exporter.sig_status_message.connect(self.sig_status_message)
        header = self.view.horizontalHeader()
        header.sectionMoved.connect(self.header_memory.schedule_save)
        self.view.sig_columns_resized.connect(self.header_memory.schedule_save)
        self.column_menu.sig_columns_changed.connect(self.header_memory.schedule_save)

    # -- the interface the main window uses ----------------------------------------------

    def current_filter(self) -> CallFilter:
        return self.model.call_filter

    @Slot()
    def reload(self) -> None:
        """Re-read after a sync; keeps filter, sort, page, selection and scroll position
        (restored when the rows arrive)."""
        if self._after_load is None:  # a reload already waiting keeps what it recorded
            selected = self._selected_keys()
            current = self.view.currentIndex()
            current_key = self._key_at(current.row()) if current.isValid() else None
            current_column = max(0, current.column())
            scroll = self.view.verticalScrollBar().value()

            def restore() -> None:
                if selected or current_key is not None:
                    self._restore_selection(selected, current_key, current_column)
                self.view.verticalScrollBar().setValue(scroll)

            self._after_load = restore
        self._refresh_targets()
        self.filter_bar.refresh_today()
        # After midnight "Today" means another day: the filter changes but the page stays.
        if not self.model.set_filter(self.filter_bar.build_filter(), keep_page=True):
            self.model.reload()
        self._check_backfill()

    def show_missed(self, user_number: str, preset: DatePreset, *,
                    select: tuple[str, ...] = ()) -> None:
        """Inbound missed calls (of ``user_number`` when given), newest first whatever the
        sort was, with the calls of ``select`` (keys) selected; the list has the focus."""
        self._refresh_targets()  # the user may be new since the last reload
        start = self.model.column_of(Field.START)
        self.view.horizontalHeader().blockSignals(True)  # one re-read, by the filter
        self.view.horizontalHeader().setSortIndicator(start, Qt.SortOrder.DescendingOrder)
        self.view.horizontalHeader().blockSignals(False)
        self.model.set_sort(NEWEST_FIRST)
        self.filter_bar.show_missed(user_number, preset)
        self.view.clearSelection()

        def select_them() -> None:
            if select:
                self._restore_selection(set(select), select[0], max(0, start))
                self.view.scrollTo(self.view.currentIndex())
            elif self.model.rowCount():
                self.view.setCurrentIndex(self.model.index(0, max(0, start)))

        if self.model.loading:  # once the missed calls have arrived
            self._after_load = select_them
        else:
            select_them()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_calls(self, first: date, last: date, keys: Iterable[Hashable],
                   periods: Sequence[tuple[datetime, datetime]] = (),
                   periods_label: str = "") -> None:
        """Show the calls Insights points at: those days (and hours), users or groups."""
        self._refresh_targets()  # a user or group may be new since the last reload
        self.filter_bar.show_calls(first, last, keys, periods, periods_label)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def focus_search(self) -> None:
        self.filter_bar.focus_search()

    @Slot()
    def export_csv(self) -> None:
        """Ask for a file and export every call of the current filter in the current order."""
        if self.exporter.running:
            self.sig_status_message.emit("An export is already running")
            return
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        suggested = Path(folder) / f"{_KIND_FILE_NAMES[self.kind]}-{date.today():%Y-%m-%d}.csv"
        flavour = self._last_export_flavour()
        answer = self._dialogs.ask_save_path_and_type(
            self, title="Export calls as CSV", suggested=suggested,
            types=list(EXPORT_TYPES.values()), chosen_type=EXPORT_TYPES[flavour])
        if answer is None:
            return
        path, chosen = answer
        flavour = next((kind for kind, text in EXPORT_TYPES.items() if text == chosen), flavour)
        self._remember_export_flavour(flavour)
        if not path.suffix:
            path = path.with_suffix(".csv")
        self.exporter.start(path, self.kind, self.current_filter(), self.model.sort_order,
                            self.model.total, flavour)

    def _last_export_flavour(self) -> CsvFlavour:
        try:
            stored = self.store.values.get(EXPORT_TYPE_KEY)
        except StoreError:
            stored = None
        return CsvFlavour(stored) if stored in set(CsvFlavour) else CsvFlavour.SPREADSHEET

    def _remember_export_flavour(self, flavour: CsvFlavour) -> None:
        try:
            self.store.values.set(EXPORT_TYPE_KEY, flavour.value)
        except StoreError as error:  # a full disk costs the choice, not the export
            log.warning("Could not remember the CSV type: %s", error)

    def set_default_region(self, code: str) -> None:
        """Numbers are shown for this default country from now on."""
        self.model.set_default_region(code)
        self.row_actions.update_enabled()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        # The main window removes (so hides) its tabs before it closes the store, and the
        # window hides them on quitting: a resize the save timer still holds is kept.
        self.header_memory.flush()
        super().hideEvent(event)

    # -- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_filter_bar_filter_changed(self) -> None:
        self.model.set_filter(self.filter_bar.build_filter())
        self._check_backfill()

    @Slot()
    def _on_model_page_changed(self) -> None:
        model = self.model
        self.paging.show_state(page=model.page, page_count=model.page_count,
                               first_row=model.first_row, shown=model.rowCount(),
                               total=model.total, page_size=model.page_size)
        self._update_empty_state()
        self.row_actions.update_enabled()
        self.view.unsetCursor()
        if self._after_load is not None and not model.loading:
            after, self._after_load = self._after_load, None
            after()

    @Slot(str)
    def _on_model_store_failed(self, text: str) -> None:
        self.sig_status_message.emit(f"Could not read the call history: {text}")

    @Slot(int)
    def _on_paging_page_requested(self, page: int) -> None:
        if self.model.set_page(page):
            self.view.scrollToTop()

    @Slot(int)
    def _on_paging_page_size_changed(self, size: int) -> None:
        self.model.set_page_size(size)

    @Slot(int)
    def _on_view_page_step_requested(self, step: int) -> None:
        column = max(0, self.view.currentIndex().column())

        def land() -> None:
            # Forwards lands on the first row, backwards on the last, as if the pages were
            # one list.
            row = 0 if step > 0 else self.model.rowCount() - 1
            index = self.model.index(row, column)
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)

        self._after_load = land  # at once when the rows are held, else when they arrive
        if not self.model.set_page(self.model.page + step):
            self._after_load = None

    # -- helpers -------------------------------------------------------------------------

    def _refresh_targets(self) -> None:
        try:
            if self.kind is CallKind.USER:
                users = [(user.number, user.name) for user in self.store.users()]
                entries = user_entries(users)
            else:
                entries = [(group.name, group.name) for group in self.store.groups(self.kind)]
        except StoreError as error:
            log.warning("Could not read the users and groups: %s", error)
            return
        # Every sync page reloads the tab: the drop-down is rebuilt only when it changed.
        if entries != self._targets_shown:
            self._targets_shown = entries
            self.filter_bar.set_targets(entries)

    @Slot()
    def _on_model_loading_started(self) -> None:
        # Rows are on their way: the table shows the previous ones meanwhile.
        self.view.setCursor(Qt.CursorShape.BusyCursor)

    def _update_empty_state(self) -> None:
        if self.model.total > 0 or self.model.loading:
            self.view.hide_empty()
            return
        if self.model.stored:
            self.view.show_empty(EMPTY_FILTERED, self.filter_bar.narrowing_hint())
        else:
            self.view.show_empty(EMPTY_STORE, "Calls appear here as soon as they are fetched.")

    def _check_backfill(self) -> None:
        """Ask for a backfill when the date range reaches into a period never synced.

        Only what lies before the end of the synced history counts (later calls are
        the regular refresh's job). The same request is not repeated until the
        synced ranges change, so a failing backfill cannot loop through reload().
        """
        flt = self.model.call_filter
        if flt.start is None or flt.end is None:
            return
        try:
            ranges = self.store.sync.ranges(self.kind)
        except StoreError as error:
            log.warning("Could not read the synced ranges: %s", error)
            return
        if not ranges:
            return  # the first sync is still to come; it fills the synced window
        covered_end = ranges[-1][1]
        upper = min(flt.end, covered_end)
        if flt.start >= upper:
            return
        if not self.store.sync.gaps(self.kind, flt.start, upper):
            return
        request = (flt.start, flt.end, tuple(ranges))
        if request == self._last_backfill:
            return
        self._last_backfill = request
        self.sig_backfill_requested.emit(flt.start, flt.end)

    def _key_at(self, row: int) -> str | None:
        call = self.model.call_at(row)
        return None if call is None else call.key

    def _selected_keys(self) -> set[str]:
        keys = {self._key_at(index.row()) for index in self.view.selectionModel().selectedRows()}
        return {key for key in keys if key is not None}

    def _restore_selection(self, selected: set[str], current_key: str | None,
                           column: int) -> None:
        selection = self.view.selectionModel()
        flags = (QItemSelectionModel.SelectionFlag.Select
                 | QItemSelectionModel.SelectionFlag.Rows)
        current: QModelIndex | None = None
        for row in range(self.model.rowCount()):
            key = self._key_at(row)
            if key == current_key:
                current = self.model.index(row, column)
            if key in selected:
                selection.select(self.model.index(row, 0), flags)
        if current is not None:
            selection.setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
        self.row_actions.update_enabled()

