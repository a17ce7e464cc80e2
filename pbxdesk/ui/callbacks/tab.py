"""The Callbacks tab: the worklist, what to do with an item, and its export.

:class:`CallbacksTab` shows the service's latest
:class:`~pbxdesk.services.callbacks.Worklist` (kept in memory, so showing it
costs no SQL) and turns the agent's keys, buttons and menu choices into the
service's actions. Calling back leaves as ``sig_call_back_requested`` for the
main window's dial pad, and records a claim ("Ana is calling back").
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Final

from PySide6.QtCore import QPoint, QStandardPaths, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.services.callbacks import CallbacksService
from pbxdesk.services.callbacktexts import ShownState, caller_text, snooze_times
from pbxdesk.services.worklist import Worklist
from pbxdesk.store import StoreError
from pbxdesk.store.callbackrules import WITHHELD, ItemRow
from pbxdesk.ui.callbacks.dialogs import CallbackDialogs
from pbxdesk.ui.callbacks.export import WorklistExportJob
from pbxdesk.ui.callbacks.model import CallbacksModel, Show
from pbxdesk.ui.callbacks.showbar import ShowBar
from pbxdesk.ui.callbacks.table import CallbacksTable
from pbxdesk.ui.dialogs import DialogService
from pbxdesk.ui.flowlayout import FlowLayout
from pbxdesk.ui.history.csvfile import CsvFlavour
from pbxdesk.ui.history.tab import EXPORT_TYPE_KEY, EXPORT_TYPES

TICK_MS: Final = 30_000
SEARCH_DELAY_MS: Final = 150
SEARCH_MIN_WIDTH: Final = 180
"""Room for "Search number or name" and a few digits typed."""
EMPTY_TEXTS: Final = {
    Show.TO_DO: "Nobody is waiting for a call back.",
    Show.SNOOZED: "No snoozed callbacks.",
    Show.CLOSED: "No reached or done callbacks in these days.",
    Show.ALL: "No missed calls to call back in these days.",
}


class CallbacksTab(QWidget):
    """The worklist view.

    Signals:
        sig_call_back_requested(str): a number to call back (raw, as the API sent it).
        sig_status_message(str): a short status-bar message.
    """

    sig_call_back_requested = Signal(str)
    """Call this number (the dial pad takes it)."""
    sig_status_message = Signal(str)
    """A short status-bar message."""

    def __init__(self, service: CallbacksService, *, default_region: str,
                 dialogs: CallbackDialogs | None = None,
                 files: DialogService | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now().astimezone(),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callbacksTab")
        self.setAccessibleName("Callbacks")
        self.service = service
        self._dialogs = dialogs or CallbackDialogs()
        self._files = files or DialogService()
        self._now = now
        self.model = CallbacksModel(default_region=default_region, parent=self)
        self.search = QLineEdit(self)
        self.show_bar = ShowBar(self)
        self.export_button = QToolButton(self)
        self.table = CallbacksTable(self)
        self.detail = QLabel(self)
        self.call_button = QPushButton("&Call back", self)
        self.done_button = QPushButton("&Done", self)
        self.snooze_button = QPushButton("S&nooze", self)
        self.not_needed_button = QPushButton("Not n&eeded…", self)
        self.note_button = QPushButton("No&te…", self)
        self.reopen_button = QPushButton("Re&open", self)
        self.snooze_menu = QMenu(self)
        self._search_timer = QTimer(self)
        self._tick = QTimer(self)
        self.export_job: WorklistExportJob | None = None
        self._build()
        self._connect_signals()
        self.set_worklist(service.worklist)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        self.search.setPlaceholderText("Search number or name")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search callbacks")
        self.search.setMinimumWidth(SEARCH_MIN_WIDTH)
        self.search.setMaximumWidth(360)
        self.export_button.setText("Export CSV…")
        self.export_button.setAccessibleName("Export callbacks as CSV")
        self.export_button.setToolTip("Save the callbacks shown as a CSV file (Ctrl+E)")
        self.table.setModel(self.model)
        self.table.apply_column_widths()
        # No column sorted at first: the model's own order, oldest waiting first. Clicking
        # a title sorts by it (the header then asks the model with that column).
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("Selected callback")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tips = {self.call_button: "Call back through the dial pad (Enter)",
                self.done_button: "Called back or otherwise handled (D)",
                self.snooze_button: "Hide it until later (S)",
                self.not_needed_button: "No call back needed: spam, wrong number… (Delete)",
                self.note_button: "A note everyone sees with this callback (N)",
                self.reopen_button: "Back on the list (O)"}
        for button, tip in tips.items():
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            button.setToolTip(tip)
            button.setAccessibleDescription(tip)
            button.setAutoDefault(False)
        self.snooze_button.setMenu(self.snooze_menu)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._tick.setInterval(TICK_MS)
        self._tick.start()
        # Wraps onto a second row when narrow (960 px beside the dial pad) instead of
        # squeezing the search field to a few letters.
        top = QWidget(self)
        top_flow = FlowLayout(top, spacing=8)
        top_flow.add_widget(self.search, stretch=1)
        top_flow.add_widget(self.show_bar)
        top_flow.add_widget(self.export_button)
        buttons = QHBoxLayout()
        for button in (self.call_button, self.done_button, self.snooze_button,
                       self.not_needed_button, self.note_button, self.reopen_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        chain: list[QWidget] = [self.search, *self.show_bar.buttons.values(), self.export_button,
                                self.table,
                                self.call_button, self.done_button, self.snooze_button,
                                self.not_needed_button, self.note_button, self.reopen_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _connect_signals(self) -> None:
        self.service.sig_worklist_changed.connect(self._on_service_worklist_changed)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.show_bar.sig_show_changed.connect(self._on_show_bar_show_changed)
        self.export_button.clicked.connect(self.export_csv)
        self.table.sig_call_back_requested.connect(self.call_back)
        self.table.sig_action_requested.connect(self._on_table_action_requested)
        self.table.customContextMenuRequested.connect(self._on_table_context_menu)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.model.modelReset.connect(self._on_current_changed)
        self.call_button.clicked.connect(self.call_back)
        self.done_button.clicked.connect(self.mark_done)
        self.not_needed_button.clicked.connect(self.mark_not_needed)
        self.note_button.clicked.connect(self.edit_note)
        self.reopen_button.clicked.connect(self.reopen)
        self.snooze_menu.aboutToShow.connect(self._fill_snooze_menu)
        self._tick.timeout.connect(self._on_tick_timeout)

    # -- the interface the main window uses ----------------------------------------------

    def set_worklist(self, worklist: Worklist) -> None:
        """Show ``worklist``; the item the agent is on (or its row) stays current."""
        kept = self.table.touched and self.isVisible()
        current = self.current_item() if kept else None
        row = self.table.currentIndex().row() if kept else 0
        self.model.set_worklist(worklist)
        self._restore_current(current.number if current else None, row)
        self._update_counts()

    def show_item(self, number: str) -> None:
        """Select the item of ``number`` (showing all states if it is filtered out)."""
        if self.model.row_of(number) is None:
            self.search.clear()
            self.model.set_text("")
            self.show_bar.choose(Show.ALL)
        self._restore_current(number, 0)
        self.table.touched = True  # the item asked for stays current as the list changes
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def set_default_region(self, code: str) -> None:
        self.model.set_default_region(code)

    def current_item(self) -> ItemRow | None:
        return self.model.item_at(self.table.currentIndex().row())

    # -- actions on the current item -----------------------------------------------------

    @Slot()
    def call_back(self) -> None:
        item = self.current_item()
        if item is None:
            return
        if item.number == WITHHELD:
            self.sig_status_message.emit("Withheld and anonymous callers cannot be called back")
            return
        self.service.claim(item.number)
        self.sig_call_back_requested.emit(item.raw_number or item.number)

    @Slot()
    def mark_done(self) -> None:
        item = self.current_item()
        if item is not None:
            self.service.mark_done(item.number)
            self.sig_status_message.emit(f"Done: {self._caller(item)}")

    @Slot()
    def mark_not_needed(self) -> None:
        item = self.current_item()
        if item is None:
            return
        reason = self._dialogs.ask_not_needed(self, caller=self._caller(item))
        if reason is not None:
            self.service.mark_not_needed(item.number, reason)

    @Slot()
    def edit_note(self) -> None:
        item = self.current_item()
        if item is None:
            return
        note = self._dialogs.ask_note(self, caller=self._caller(item), current=item.note)
        if note is not None:
            self.service.set_note(item.number, note)

    @Slot()
    def reopen(self) -> None:
        item = self.current_item()
        if item is not None:
            self.service.reopen(item.number)

    def snooze_until(self, until: datetime | None) -> None:
        item = self.current_item()
        if item is None:
            return
        self.service.snooze(item.number, until)
        if until is not None:
            when = self.model.moment_text(int(until.timestamp() * 1_000_000))
            self.sig_status_message.emit(f"Snoozed until {when}: {self._caller(item)}")

    def ask_snooze_time(self) -> None:
        item = self.current_item()
        if item is None:
            return
        later, _tomorrow = snooze_times(self._now())
        until = self._dialogs.ask_snooze_time(self, caller=self._caller(item), suggested=later)
        if until is not None:
            self.snooze_until(until)

    @Slot()
    def export_csv(self) -> None:
        """Ask for a file (and its type, as the history's export does) and write the
        callbacks shown, in the order shown."""
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        flavour = self._export_flavour()
        answer = self._files.ask_save_path_and_type(
            self, title="Export callbacks as CSV",
            suggested=Path(folder) / f"callbacks-{date.today():%Y-%m-%d}.csv",
            types=list(EXPORT_TYPES.values()), chosen_type=EXPORT_TYPES[flavour])
        if answer is None:
            return
        path, chosen = answer
        flavour = next((kind for kind, text in EXPORT_TYPES.items() if text == chosen), flavour)
        self._remember_export_flavour(flavour)
        if not path.suffix:
            path = path.with_suffix(".csv")
        items = self.model.items()
        job = WorklistExportJob(path, items, self.model.now_us,
                                [self.model.status(item) for item in items], flavour)
        job.sig_succeeded.connect(self._on_export_succeeded)
        job.sig_failed.connect(self._on_export_failed)
        self.export_job = job
        job.start()

    def _export_flavour(self) -> CsvFlavour:
        """The CSV type chosen last (in any export: the history's too)."""
        try:
            stored = self.service.store.values.get(EXPORT_TYPE_KEY)
        except StoreError:
            stored = None
        return CsvFlavour(stored) if stored in set(CsvFlavour) else CsvFlavour.SPREADSHEET

    def _remember_export_flavour(self, flavour: CsvFlavour) -> None:
        with contextlib.suppress(StoreError):  # a full disk costs the choice, not the export
            self.service.store.values.set(EXPORT_TYPE_KEY, flavour.value)

    @Slot(str, int)
    def _on_export_succeeded(self, path: str, rows: int) -> None:
        self.sig_status_message.emit(f"Exported {rows} callbacks to {Path(path).name}")

    @Slot(str)
    def _on_export_failed(self, text: str) -> None:
        self.sig_status_message.emit("Export failed: no file was written")
        self._files.show_error(self, title="Export failed", text=text)

    # -- slots ---------------------------------------------------------------------------

    @Slot(object)
    def _on_service_worklist_changed(self, worklist: object) -> None:
        if isinstance(worklist, Worklist):
            self.set_worklist(worklist)

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.model.set_text(self.search.text())
        self._update_empty_state()

    @Slot(object)
    def _on_show_bar_show_changed(self, show: object) -> None:
        if isinstance(show, Show):
            self.model.set_show(show)
            self._restore_current(None, 0)

    @Slot(str)
    def _on_table_action_requested(self, action: str) -> None:
        if action == "snooze":
            self._popup_snooze_menu()
            return
        {"done": self.mark_done, "note": self.edit_note, "not_needed": self.mark_not_needed,
         "reopen": self.reopen}[action]()

    @Slot(QPoint)
    def _on_table_context_menu(self, position: QPoint) -> None:
        if self.current_item() is None:
            return
        menu = QMenu(self)
        for text, slot, key in (("Call back", self.call_back, "Enter"),
                                ("Done", self.mark_done, "D"),
                                ("Not needed…", self.mark_not_needed, "Del"),
                                ("Note…", self.edit_note, "N"),
                                ("Reopen", self.reopen, "O")):
            action = menu.addAction(text)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
        snooze = menu.addMenu("Snooze")
        self._fill_snooze_menu(snooze)
        menu.popup(self.table.viewport().mapToGlobal(position))

    @Slot()
    def _on_current_changed(self) -> None:
        item = self.current_item()
        self.detail.setText("" if item is None else self.model.describe(item))
        state = None if item is None else self.model.state_of(item)
        self.call_button.setEnabled(item is not None and item.number != WITHHELD)
        for button in (self.done_button, self.snooze_button, self.not_needed_button):
            button.setEnabled(state is not None
                              and (state.waiting or state is ShownState.SNOOZED))
        self.note_button.setEnabled(item is not None)
        self.reopen_button.setEnabled(state is not None and not state.waiting)

    @Slot()
    def _on_tick_timeout(self) -> None:
        self.model.tick(self.service.now_us())
        self._update_counts()
        self._on_current_changed()

    # -- helpers -------------------------------------------------------------------------

    def _fill_snooze_menu(self, menu: QMenu | None = None) -> None:
        target = menu if isinstance(menu, QMenu) else self.snooze_menu
        target.clear()
        later, tomorrow = snooze_times(self._now())
        for label, until in (("Later today", later), ("Tomorrow morning", tomorrow)):
            when = self.model.moment_text(int(until.timestamp() * 1_000_000))
            action = QAction(f"{label} ({when})", target)
            action.triggered.connect(lambda _checked=False, at=until: self.snooze_until(at))
            target.addAction(action)
        pick = QAction("At a time…", target)
        pick.triggered.connect(self.ask_snooze_time)
        target.addAction(pick)
        wake = QAction("Wake now", target)
        wake.triggered.connect(lambda _checked=False: self.snooze_until(None))
        item = self.current_item()
        wake.setEnabled(item is not None and item.snooze_until_us > self.model.now_us)
        target.addAction(wake)

    def _popup_snooze_menu(self) -> None:
        self._fill_snooze_menu()
        rect = self.table.visualRect(self.table.currentIndex())
        self.snooze_menu.popup(self.table.viewport().mapToGlobal(rect.bottomLeft()))

    def _restore_current(self, number: str | None, row: int) -> None:
        found = self.model.row_of(number) if number is not None else None
        target = found if found is not None else min(max(0, row), self.model.rowCount() - 1)
        if target >= 0:
            index = self.model.index(target, max(0, self.table.currentIndex().column()))
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)
        self._update_empty_state()
        self._on_current_changed()

    def _update_counts(self) -> None:
        self.show_bar.set_counts(self.model.counts())

    def _update_empty_state(self) -> None:
        if self.model.rowCount():
            self.table.hide_empty()
        elif self.model.text:
            self.table.show_empty("No callbacks match this search.")
        else:
            self.table.show_empty(EMPTY_TEXTS[self.model.show])

    def _caller(self, item: ItemRow) -> str:
        return caller_text(item, self.model.number_text)
