"""The inline result of "Test connection": icon, title, what happened, what to do.

While a test runs it shows a busy bar and "Testing…". The outcome is told in
words (the title) as well as by icon and colour, so it reads without colour
vision and to a screen reader.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QStyle,
    QWidget,
)

from pbxdesk.services.connection import ConnectionVerdict, VerdictKind

# (background, text and border colour, icon) per outcome.
_OK = ("#e9f6ec", "#1d6b32", QStyle.StandardPixmap.SP_DialogApplyButton)
_WAIT = ("#fff4d6", "#6f5200", QStyle.StandardPixmap.SP_MessageBoxWarning)
_FAIL = ("#fde7e7", "#8e1f1f", QStyle.StandardPixmap.SP_MessageBoxCritical)
_BUSY = ("#eef2f7", "#2b4a6e", QStyle.StandardPixmap.SP_BrowserReload)
_LOOKS = {VerdictKind.OK: _OK, VerdictKind.RATE_LIMITED: _WAIT, VerdictKind.SERVER: _WAIT}


class VerdictPanel(QFrame):
    """Shows the latest connection test; hidden until the first one starts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictPanel")
        self.setAccessibleName("Connection test result")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.verdict: ConnectionVerdict | None = None
        self._icon = QLabel(self)
        self._icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(self)
        self.title.setObjectName("verdictTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.detail = QLabel(self)
        self.remedy = QLabel(self)
        for label in (self.title, self.detail, self.remedy):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # an indeterminate "working" bar
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setAccessibleName("Testing the connection")
        layout = QGridLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setHorizontalSpacing(10)
        layout.addWidget(self._icon, 0, 0, 3, 1)
        layout.addWidget(self.title, 0, 1)
        layout.addWidget(self.detail, 1, 1)
        layout.addWidget(self.remedy, 2, 1)
        layout.addWidget(self.busy, 3, 1)
        layout.setColumnStretch(1, 1)
        self.hide()

    def show_testing(self, host: str) -> None:
        self.verdict = None
        self._paint(_BUSY)
        self.title.setText("Testing…")
        self.detail.setText(f"Asking the PBX at {host} for one call." if host else
                            "Asking the PBX for one call.")
        self.remedy.hide()
        self.busy.show()
        self.setAccessibleDescription("Testing the connection")
        self.show()

    def show_verdict(self, verdict: ConnectionVerdict) -> None:
        self.verdict = verdict
        self._paint(_LOOKS.get(verdict.kind, _FAIL))
        self.title.setText(verdict.title)
        self.detail.setText(verdict.detail)
        self.remedy.setText(verdict.remedy)
        self.remedy.setVisible(bool(verdict.remedy))
        self.busy.hide()
        self.setAccessibleDescription(f"{verdict.title}. {verdict.detail} {verdict.remedy}")
        self.show()

    def clear(self) -> None:
        self.verdict = None
        self.hide()

    def _paint(self, look: tuple[str, str, QStyle.StandardPixmap]) -> None:
        background, foreground, icon = look
        self.setStyleSheet(
            f"#verdictPanel {{ background: {background}; border: 1px solid {foreground}; "
            f"border-radius: 6px; }} #verdictPanel QLabel {{ color: {foreground}; }}")
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_LargeIconSize)
        self._icon.setPixmap(self.style().standardIcon(icon).pixmap(size, size))
