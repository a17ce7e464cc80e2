"""The callbacks table: keys first (Enter, D, S, N, Del, arrows), fixed rows, no grid.

Single letters act only without modifiers, so Ctrl+D (the dial pad) and
Alt+letter mnemonics keep working; they replace the item view's type-to-find,
which a worklist sorted by age does not need (Ctrl+F searches).
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QWidget

from pbxdesk.ui.callbacks.model import COLUMNS, TIME_COLUMNS

_CELL_PADDING: Final = 14
_SORT_ARROW: Final = 22
_SAMPLE_TIME_TEXT: Final = "28/12/2026 10:58 pm"
# The keys and what they ask for (see CallbacksTable.sig_action_requested).
KEY_ACTIONS: Final = {Qt.Key.Key_D: "done", Qt.Key.Key_S: "snooze", Qt.Key.Key_N: "note",
                      Qt.Key.Key_Delete: "not_needed", Qt.Key.Key_O: "reopen"}


class CallbacksTable(QTableView):
    """The worklist's table.

    Signals:
        sig_call_back_requested(): Enter or a double-click on the current item.
        sig_action_requested(str): a key asked for "done", "snooze", "note",
            "not_needed" or "reopen" on the current item.
    """

    sig_call_back_requested = Signal()
    """Call the current item back."""
    sig_action_requested = Signal(str)
    """Do this to the current item (see KEY_ACTIONS)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callbacksTable")
        self.setAccessibleName("Callbacks")
        self.setAccessibleDescription(
            "One row per caller waiting for a call back. Enter calls back, D marks done, "
            "S snoozes, N adds a note, Delete marks not needed, O reopens.")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setTabKeyNavigation(False)
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)
        rows.hide()
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.empty_label = QLabel(self.viewport())
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color: palette(placeholder-text);")
        self.empty_label.hide()
        self.doubleClicked.connect(self._on_double_clicked)
        # Set once the agent moves in the list: from then on, a new reading keeps the
        # item they are on; before, the list opens on its first (oldest) item.
        self.touched = False

    def apply_column_widths(self) -> None:
        """Each column as wide as its sample text in bold, or its title and sort arrow."""
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        titles = self.horizontalHeader().fontMetrics()
        for number, column in enumerate(COLUMNS):
            sample = _SAMPLE_TIME_TEXT if column in TIME_COLUMNS else column.sample
            self.setColumnWidth(number, max(
                metrics.horizontalAdvance(sample) + _CELL_PADDING,
                titles.horizontalAdvance(column.title) + _SORT_ARROW + _CELL_PADDING))

    def show_empty(self, text: str) -> None:
        self.empty_label.setText(text)
        self.empty_label.setAccessibleName(text)
        self._place_empty_label()
        self.empty_label.show()

    def hide_empty(self) -> None:
        self.empty_label.hide()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_empty_label()

    def _place_empty_label(self) -> None:
        self.empty_label.setGeometry(self.viewport().rect().adjusted(24, 24, -24, -24))

    @Slot(QModelIndex)
    def _on_double_clicked(self, _index: QModelIndex) -> None:
        self.sig_call_back_requested.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.touched = True
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        self.touched = True
        key, plain = Qt.Key(event.key()), event.modifiers() in (
            Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if plain and self.currentIndex().isValid():
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                event.accept()
                self.sig_call_back_requested.emit()
                return
            action = KEY_ACTIONS.get(key)
            if action is not None:
                event.accept()
                self.sig_action_requested.emit(action)
                return
        super().keyPressEvent(event)

    def keyboardSearch(self, search: str) -> None:  # noqa: N802
        del search  # letters are commands here, not type-to-find
