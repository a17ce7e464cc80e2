"""The paging controls under the history table: page size, First/Previous/Next/Last
and a "Rows 51–80 of 1,234" label in the user's number format."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QLocale, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from pbxdesk.ui.flowlayout import FlowLayout
from pbxdesk.ui.history.model import DEFAULT_PAGE_SIZE, PAGE_SIZES


def rows_label(first_row: int, shown: int, total: int, locale: QLocale) -> str:
    """``Rows 51–80 of 1,234`` (1-based, inclusive), or ``No rows``."""
    if total <= 0 or shown <= 0:
        return "No rows"
    first, last = first_row + 1, first_row + shown
    return (f"Rows {locale.toString(first)}–{locale.toString(last)} "
            f"of {locale.toString(total)}")


class PagingBar(QWidget):
    """Shows where the table is in the filtered list and flips pages.

    Signals:
        sig_page_requested(int): the user asked for this page (from 0).
        sig_page_size_changed(int): the user chose a new page size.
    """

    sig_page_requested = Signal(int)
    """The user asked for this page (counted from 0)."""
    sig_page_size_changed = Signal(int)
    """The user chose this many rows per page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._page = 0
        self._page_count = 1
        size_label = QLabel("Rows per page:", self)
        self.page_size = QComboBox(self)
        for size in PAGE_SIZES:
            self.page_size.addItem(QLocale().toString(size), size)
        self.page_size.setCurrentIndex(PAGE_SIZES.index(DEFAULT_PAGE_SIZE))
        self.page_size.setAccessibleName("Rows per page")
        self.page_size.setToolTip("How many calls one page shows")
        size_label.setBuddy(self.page_size)
        self.first = self._button("«  First", "First page", "First page")
        self.previous = self._button("‹  Previous", "Previous page",
                                     "Previous page (Ctrl+PgUp or Alt+Left in the table)")
        self.label = QLabel("No rows", self)
        self.label.setAccessibleName("Rows shown")
        self.label.setToolTip("Which of the matching calls this page shows")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(
            "Rows 1,000,000–1,000,000 of 1,000,000") + 8)
        self.next = self._button("Next  ›", "Next page",
                                 "Next page (Ctrl+PgDown or Alt+Right in the table)")
        self.last = self._button("Last  »", "Last page", "Last page")
        # Two pieces that wrap onto two rows when the window is narrow: the page size
        # (and what the tab puts before it), and the page buttons on the right.
        self.size_box = QWidget(self)
        self._size_row = QHBoxLayout(self.size_box)
        self._size_row.setContentsMargins(0, 0, 0, 0)
        size_label.setParent(self.size_box)
        self.page_size.setParent(self.size_box)
        self._size_row.addWidget(size_label)
        self._size_row.addWidget(self.page_size)
        self.nav_box = QWidget(self)
        nav_row = QHBoxLayout(self.nav_box)
        nav_row.setContentsMargins(0, 0, 0, 0)
        nav_row.addStretch(1)
        for widget in (self.first, self.previous, self.label, self.next, self.last):
            widget.setParent(self.nav_box)
            nav_row.addWidget(widget)
        flow = FlowLayout(self, spacing=12)
        flow.add_widget(self.size_box)
        flow.add_widget(self.nav_box, stretch=1)
        chain = (self.page_size, self.first, self.previous, self.next, self.last)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.first.clicked.connect(self._on_first_clicked)
        self.previous.clicked.connect(self._on_previous_clicked)
        self.next.clicked.connect(self._on_next_clicked)
        self.last.clicked.connect(self._on_last_clicked)
        self.page_size.currentIndexChanged.connect(self._on_page_size_changed)

    def add_leading(self, widget: QWidget) -> None:
        """Put ``widget`` (the tab's Columns button) before the page size."""
        widget.setParent(self.size_box)
        self._size_row.insertWidget(0, widget)
        self._size_row.insertSpacing(1, 12)

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        return button

    def show_state(self, *, page: int, page_count: int, first_row: int, shown: int,
                   total: int, page_size: int) -> None:
        """Show where the model is; buttons that cannot move are disabled."""
        self._page, self._page_count = page, page_count
        self.label.setText(rows_label(first_row, shown, total, self.locale()))
        self.first.setEnabled(page > 0)
        self.previous.setEnabled(page > 0)
        self.next.setEnabled(page < page_count - 1)
        self.last.setEnabled(page < page_count - 1)
        if page_size in PAGE_SIZES and self.page_size.currentData() != page_size:
            self.page_size.blockSignals(True)
            self.page_size.setCurrentIndex(PAGE_SIZES.index(page_size))
            self.page_size.blockSignals(False)

    @Slot()
    def _on_first_clicked(self) -> None:
        self.sig_page_requested.emit(0)

    @Slot()
    def _on_previous_clicked(self) -> None:
        self.sig_page_requested.emit(max(0, self._page - 1))

    @Slot()
    def _on_next_clicked(self) -> None:
        self.sig_page_requested.emit(min(self._page_count - 1, self._page + 1))

    @Slot()
    def _on_last_clicked(self) -> None:
        self.sig_page_requested.emit(self._page_count - 1)

    @Slot(int)
    def _on_page_size_changed(self, _index: int) -> None:
        self.sig_page_size_changed.emit(int(self.page_size.currentData()))
