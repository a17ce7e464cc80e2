"""A small busy indicator: an arc that turns while a call is being placed.

Painted with the palette's highlight colour, so it suits light and dark
themes; no image files. Hidden while stopped.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

_STEP_MS: Final = 60
_STEP_DEGREES: Final = 30
_SPAN_DEGREES: Final = 270


class Spinner(QWidget):
    """A turning arc; :meth:`start` shows it, :meth:`stop` hides it."""

    def __init__(self, parent: QWidget | None = None, *, size: int = 18) -> None:
        super().__init__(parent)
        self._size = size
        self._angle = 0
        self._timer = QTimer(self)
        self._timer.setInterval(_STEP_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Busy")
        self.hide()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self._size, self._size)

    @property
    def spinning(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self.show()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.hide()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self._angle = (self._angle + _STEP_DEGREES) % 360
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = max(2.0, self._size / 8)
        pen = QPen(self.palette().highlight().color(), width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        margin = width / 2 + 1
        rect = QRectF(margin, margin, self.width() - 2 * margin, self.height() - 2 * margin)
        # Qt's angles are in 1/16 degree, counter-clockwise: minus turns it clockwise.
        painter.drawArc(rect, -self._angle * 16, _SPAN_DEGREES * 16)
        painter.end()
