"""Choosing which columns of a history table are shown.

:class:`ColumnMenu` lists every column with a tick, in the order the table shows
them, then "Reset columns" (every column shown, in the first order, at its
default width). The same menu opens from a right-click on the column titles,
as the "Columns" entry of the table's context menu (the menu key or Shift+F10)
and from the tab's "Columns" button, so it needs no mouse. It stays open while
columns are ticked, so several can be chosen in one go. The last shown column
cannot be hidden: with none, the titles to right-click would be gone too.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QPoint, Signal, Slot
from PySide6.QtGui import QAction

from pbxdesk.ui.history.checklist import StayOpenMenu
from pbxdesk.ui.history.columns import Column
from pbxdesk.ui.history.view import HistoryView


class ColumnMenu(QObject):
    """The column chooser of one history table.

    Signals:
        sig_columns_changed(): a column was shown or hidden, or the columns were reset.

    Attributes:
        menu: the menu; toggles: one checkable action per column, in the model's
        order; reset: "Reset columns".
    """

    sig_columns_changed = Signal()
    """The user showed or hid a column, or reset them all."""

    def __init__(self, view: HistoryView, columns: Sequence[Column]) -> None:
        super().__init__(view)
        self._view = view
        self._header = view.horizontalHeader()
        self._columns = tuple(columns)
        self.menu = StayOpenMenu(view)
        self.menu.setTitle("Columns")
        self.menu.setAccessibleName("Choose columns")
        self.menu.setToolTipsVisible(True)
        # Owned by this object, not the menu: the menu is refilled in the shown order, and
        # QMenu.clear() deletes the actions it owns.
        self.toggles: list[QAction] = []
        for logical, column in enumerate(self._columns):
            action = QAction(column.title, self)
            action.setCheckable(True)
            action.setToolTip(column.description)
            action.triggered.connect(
                lambda checked, shown=logical: self.set_shown(shown, checked))
            self.toggles.append(action)
        self.reset = QAction("Reset columns", self)
        self.reset.setToolTip("Show every column in its first order and width")
        self.reset.triggered.connect(self._on_reset_triggered)
        self.menu.aboutToShow.connect(self._on_menu_about_to_show)
        self._header.customContextMenuRequested.connect(self._on_header_context_menu_requested)
        self._fill()

    def shown_count(self) -> int:
        return self._header.count() - self._header.hiddenSectionCount()

    def set_shown(self, logical: int, shown: bool) -> bool:
        """Show or hide column ``logical``; False when it would hide the last shown one."""
        header = self._header
        if shown == (not header.isSectionHidden(logical)):
            self._update_checks()
            return True
        if not shown and self.shown_count() <= 1:
            self._update_checks()  # puts the tick back
            return False
        header.setSectionHidden(logical, not shown)
        if shown and header.sectionSize(logical) < header.minimumSectionSize():
            # Hidden in a restored state that kept no width for it.
            header.resizeSection(logical, self._view.column_width(self._columns[logical]))
        self._update_checks()
        self.sig_columns_changed.emit()
        return True

    @Slot()
    def _on_reset_triggered(self) -> None:
        self._view.reset_columns(self._columns)
        self._fill()
        self.sig_columns_changed.emit()

    @Slot()
    def _on_menu_about_to_show(self) -> None:
        self._fill()

    @Slot(QPoint)
    def _on_header_context_menu_requested(self, position: QPoint) -> None:
        # popup(), not exec(): no nested event loop (one inside a coroutine hangs qasync).
        self.menu.popup(self._header.viewport().mapToGlobal(position))

    def _fill(self) -> None:
        """The ticks in the order the columns are shown (they may have been dragged)."""
        self.menu.clear()
        header = self._header
        for visual in range(header.count()):
            self.menu.addAction(self.toggles[header.logicalIndex(visual)])
        self.menu.addSeparator()
        self.menu.addAction(self.reset)
        self._update_checks()

    def _update_checks(self) -> None:
        last = self.shown_count() <= 1
        for logical, action in enumerate(self.toggles):
            shown = not self._header.isSectionHidden(logical)
            action.setChecked(shown)
            action.setEnabled(not (shown and last))
