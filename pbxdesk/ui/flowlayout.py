"""A layout that puts its items in a row and wraps them onto more rows when narrow.

The filter bar and the paging row use it, so a window half a 1920 screen wide
(960 pixels, beside the dial pad) shows every control on two rows instead of
being held wider than the screen. An item with a horizontal stretch factor
(:meth:`FlowLayout.addWidget`'s ``stretch``) takes the room left on its row;
an item on a row of its own starts at the left. Tab order is the caller's.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget, QWidgetItem


class FlowLayout(QLayout):
    """Items left to right, wrapping; each row as tall as its tallest item."""

    def __init__(self, parent: QWidget | None = None, *, spacing: int = 6,
                 row_spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._stretch: dict[int, int] = {}  # id(item) -> stretch
        self._spacing = spacing
        self._row_spacing = row_spacing
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    # -- building ---------------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt's name
        self._items.append(item)

    def add_widget(self, widget: QWidget, stretch: int = 0) -> None:
        """Add ``widget``; a ``stretch`` above 0 lets it take the rest of its row."""
        self.addChildWidget(widget)
        item = QWidgetItem(widget)
        self._items.append(item)
        if stretch:
            self._stretch[id(item)] = stretch
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt's name
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt's name
        if not 0 <= index < len(self._items):
            return None
        item = self._items.pop(index)
        self._stretch.pop(id(item), None)
        return item

    # -- sizes ------------------------------------------------------------------------------

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt's name
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return self._arrange(QRect(0, 0, width, 0), place=False)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Everything on one row."""
        shown = self._shown()
        width = sum(item.sizeHint().width() for item in shown)
        width += self._spacing * max(0, len(shown) - 1)
        height = max((item.sizeHint().height() for item in shown), default=0)
        margins = self.contentsMargins()
        return QSize(width + margins.left() + margins.right(),
                     height + margins.top() + margins.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt's name
        """As narrow as the widest item (every item on a row of its own)."""
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt's name
        super().setGeometry(rect)
        self._arrange(rect, place=True)

    def rows(self) -> list[list[QWidget]]:
        """The widgets on each row as last placed (for tests)."""
        found: dict[int, list[QWidget]] = {}
        for item in self._shown():
            widget = item.widget()
            if widget is not None:
                found.setdefault(widget.y(), []).append(widget)
        return [found[top] for top in sorted(found)]

    # -- placing ----------------------------------------------------------------------------

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _arrange(self, rect: QRect, *, place: bool) -> int:
        """Place the items in ``rect`` (or only measure); returns the height used."""
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        rows: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._shown():
            width = item.sizeHint().width()
            if rows[-1] and used + self._spacing + width > area.width():
                rows.append([])
                used = 0
            used += (self._spacing if rows[-1] else 0) + width
            rows[-1].append(item)
        top = area.y()
        for row in rows:
            if not row:
                continue
            height = max(item.sizeHint().height() for item in row)
            if place:
                self._place_row(row, area, top, height)
            top += height + self._row_spacing
        return top - self._row_spacing - area.y() + margins.top() + margins.bottom()

    def _place_row(self, row: list[QLayoutItem], area: QRect, top: int, height: int) -> None:
        widths = [max(item.minimumSize().width(), item.sizeHint().width()) for item in row]
        spare = area.width() - sum(widths) - self._spacing * (len(row) - 1)
        stretches = [self._stretch.get(id(item), 0) for item in row]
        total = sum(stretches)
        if spare < 0:  # one item wider than the row: it shrinks to fit, if it can
            widths = [max(item.minimumSize().width(), width + spare // len(row))
                      for item, width in zip(row, widths, strict=True)]
        elif total:
            for index, stretch in enumerate(stretches):
                extra = spare * stretch // total
                maximum = row[index].maximumSize().width()
                widths[index] = min(maximum, widths[index] + extra)
        x = area.x()
        for item, width in zip(row, widths, strict=True):
            hint = item.sizeHint().height()
            item_height = height if item.expandingDirections() & Qt.Orientation.Vertical \
                else min(height, max(hint, item.minimumSize().height()))
            y = top + (height - item_height) // 2
            item.setGeometry(QRect(QPoint(x, y), QSize(width, item_height)))
            x += width + self._spacing

