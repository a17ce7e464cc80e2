"""The dial pad's recent numbers: a list of the store's recent dials.

Each entry shows the number and, smaller underneath, when it was dialled and
from which extension. Double-click or Enter asks for a redial
(``sig_redial_requested``); what that does is the dial pad's decision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from PySide6.QtCore import (
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from pbxdesk.store import RecentDial

DETAIL_ROLE: Final = Qt.ItemDataRole.UserRole + 1
DIAL_ROLE: Final = Qt.ItemDataRole.UserRole
_PADDING: Final = 6
EMPTY_TEXT: Final = "Numbers you call appear here."

ModelIndex = QModelIndex | QPersistentModelIndex


def when_text(moment: datetime, now: datetime | None = None) -> str:
    """"14:03" for today, else "12 Mar 14:03" in the user's locale."""
    local = moment.astimezone()
    today = (now or datetime.now().astimezone()).date()
    stamp = QDateTime(local.year, local.month, local.day, local.hour, local.minute, 0)
    locale = QLocale()
    time_text = locale.toString(stamp.time(), QLocale.FormatType.ShortFormat)
    if local.date() == today:
        return time_text
    return f"{locale.toString(stamp.date(), 'd MMM')} {time_text}"


def detail_text(dial: RecentDial, now: datetime | None = None) -> str:
    parts = [when_text(dial.dialled_at, now)]
    if dial.user_number:
        parts.append(f"from ext {dial.user_number}")
    if dial.times > 1:
        parts.append(f"{dial.times}×")
    return " · ".join(parts)


class _TwoLineDelegate(QStyledItemDelegate):
    """The number in the list's font, the detail line smaller and muted below it."""

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:  # noqa: N802
        main = QFontMetrics(option.font)
        small = QFontMetrics(_small_font(option.font))
        return QSize(200, main.height() + small.height() + 2 * _PADDING + 2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else None
        title = opt.text
        opt.text = ""
        if style is not None:
            # Background, selection and focus frame as the style draws them.
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = opt.rect.adjusted(_PADDING + 4, _PADDING, -_PADDING, -_PADDING)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        text_color = palette.highlightedText().color() if selected else palette.text().color()
        painter.save()
        font = QFont(opt.font)
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(text_color)
        line = QFontMetrics(font).height()
        painter.drawText(rect.adjusted(0, 0, 0, -(rect.height() - line)),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        small = _small_font(opt.font)
        painter.setFont(small)
        muted = text_color if selected else palette.placeholderText().color()
        painter.setPen(muted)
        painter.drawText(rect.adjusted(0, line, 0, 0),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         str(index.data(DETAIL_ROLE) or ""))
        painter.restore()


def _small_font(font: QFont) -> QFont:
    small = QFont(font)
    small.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
    return small


class RecentList(QListWidget):
    """Recently dialled numbers, newest first.

    Signals:
        sig_redial_requested(object): the :class:`RecentDial` double-clicked or
            chosen with Enter.
    """

    sig_redial_requested = Signal(object)
    """A recent dial to call again (a RecentDial)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(_TwoLineDelegate(self))
        self.setUniformItemSizes(True)
        self.setAlternatingRowColors(False)
        self.itemDoubleClicked.connect(self._on_item_double_clicked)

    def populate(self, dials: list[RecentDial], now: datetime | None = None) -> None:
        current = self.current_dial()
        self.clear()
        for dial in dials:
            item = QListWidgetItem(dial.display or dial.number)
            detail = detail_text(dial, now)
            item.setData(DIAL_ROLE, dial)
            item.setData(DETAIL_ROLE, detail)
            item.setToolTip(f"{dial.display} — {detail}. Double-click or press Enter to redial.")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{dial.display}, {detail}")
            self.addItem(item)
        if current is not None:
            for row in range(self.count()):
                if self.dial_at(row).number == current.number:  # type: ignore[union-attr]
                    self.setCurrentRow(row)
                    break

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # The list takes whatever height is left; asking for Qt's default 192 pixels made
        # the dial pad scroll in a dock where all of it fitted.
        return QSize(super().sizeHint().width(),
                     max(self.minimumHeight(), self.minimumSizeHint().height()))

    def dial_at(self, row: int) -> RecentDial | None:
        item = self.item(row)
        value = item.data(DIAL_ROLE) if item is not None else None
        return value if isinstance(value, RecentDial) else None

    def current_dial(self) -> RecentDial | None:
        return self.dial_at(self.currentRow())

    def numbers(self) -> list[str]:
        """The numbers listed, in order (for tests)."""
        return [dial.number for row in range(self.count())
                if (dial := self.dial_at(row)) is not None]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if self.count():
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().placeholderText().color())
        painter.drawText(self.viewport().rect().adjusted(8, 8, -8, -8),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                         | Qt.TextFlag.TextWordWrap, EMPTY_TEXT)
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        # Enter is taken here: the view would pass it on to the pad, which would call
        # whatever is in the number field as well.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            dial = self.current_dial()
            if dial is not None:
                self.sig_redial_requested.emit(dial)
            event.accept()
            return
        super().keyPressEvent(event)

    @Slot(QListWidgetItem)
    def _on_item_double_clicked(self, item: QListWidgetItem) -> None:
        value = item.data(DIAL_ROLE)
        if isinstance(value, RecentDial):
            self.sig_redial_requested.emit(value)
