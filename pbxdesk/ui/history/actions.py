"""What can be done with a row: call back, copy its number, copy its call id.

Offered in the context menu, on Enter / double-click (call back) and as
keyboard shortcuts on the table. Calling is not done here: the tab emits the
number and the main window hands it to the dial pad.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from pbxdesk.api.models import AnyCall
from pbxdesk.ui.history.calls import copy_text, dialable
from pbxdesk.ui.history.model import CALL_ROLE, HistoryModel
from pbxdesk.ui.history.view import HistoryView


class RowActions(QObject):
    """The row actions of one history table.

    Signals:
        sig_call_back_requested(str): the far end's number, raw as the API sent it.
        sig_status_message(str): a short confirmation ("Copied +61 …").
    """

    sig_call_back_requested = Signal(str)
    """Call this number back (raw API value)."""
    sig_status_message = Signal(str)
    """A short status-bar message."""

    def __init__(self, view: HistoryView, model: HistoryModel) -> None:
        super().__init__(view)
        self._view = view
        self._model = model
        self.call_back = QAction("Call back", view)
        self.call_back.setToolTip("Call the other party of this call (Enter)")
        self.copy_number = QAction("Copy number", view)
        self.copy_number.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_number.setToolTip("Copy the other party's number (+E.164 where known)")
        self.copy_call_id = QAction("Copy call ID", view)
        self.copy_call_id.setShortcut(QKeySequence("Ctrl+Shift+C"))
        for action in (self.call_back, self.copy_number, self.copy_call_id):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            view.addAction(action)
        self.call_back.triggered.connect(self._on_call_back_triggered)
        self.copy_number.triggered.connect(self._on_copy_number_triggered)
        self.copy_call_id.triggered.connect(self._on_copy_call_id_triggered)
        view.sig_row_activated.connect(self._on_view_row_activated)
        view.sig_copy_requested.connect(self.copy_number.trigger)
        view.customContextMenuRequested.connect(self._on_view_context_menu_requested)
        self.menu = QMenu(view)
        self.menu.setAccessibleName("Call actions")
        self.menu.addActions([self.call_back, self.copy_number, self.copy_call_id])
        self.update_enabled()

    def current_call(self) -> AnyCall | None:
        index = self._view.currentIndex()
        if not index.isValid():
            return None
        call: AnyCall | None = self._model.data(index, CALL_ROLE)
        return call

    @Slot()
    def update_enabled(self) -> None:
        """Enable what makes sense for the current row and name the number in the menu."""
        call = self.current_call()
        region = self._model.formatter.default_region
        number = None if call is None else dialable(call, region)
        self.call_back.setEnabled(number is not None)
        self.call_back.setText("Call back" if number is None
                               else f"Call back {self._model.formatter.number(number)}")
        copied = None if call is None else copy_text(call, region)
        self.copy_number.setEnabled(copied is not None)
        self.copy_number.setText("Copy number" if copied is None else f"Copy number {copied}")
        self.copy_call_id.setEnabled(call is not None and bool(call.unique_call_id))

    @Slot(QPoint)
    def _on_view_context_menu_requested(self, position: QPoint) -> None:
        index = self._view.indexAt(position)
        if index.isValid():
            self._view.setCurrentIndex(index)
        self.update_enabled()
        # popup(), not exec(): no nested event loop (one inside a coroutine hangs qasync).
        self.menu.popup(self._view.viewport().mapToGlobal(position))

    @Slot(int)
    def _on_view_row_activated(self, _row: int) -> None:
        self.update_enabled()
        if self.call_back.isEnabled():
            self.call_back.trigger()
        elif self.current_call() is not None:
            self.sig_status_message.emit("This call has no number to call back")

    @Slot()
    def _on_call_back_triggered(self) -> None:
        call = self.current_call()
        number = None if call is None else dialable(call, self._model.formatter.default_region)
        if number is not None:
            self.sig_call_back_requested.emit(number)

    @Slot()
    def _on_copy_number_triggered(self) -> None:
        call = self.current_call()
        text = None if call is None else copy_text(call, self._model.formatter.default_region)
        if text:
            QGuiApplication.clipboard().setText(text)
            self.sig_status_message.emit(f"Copied {text}")

    @Slot()
    def _on_copy_call_id_triggered(self) -> None:
        call = self.current_call()
        if call is not None and call.unique_call_id:
            QGuiApplication.clipboard().setText(call.unique_call_id)
            self.sig_status_message.emit(f"Copied call ID {call.unique_call_id}")
