"""A non-modal banner at the top of the main window for known problems.

It shows one message at a time (the newest), with its fix as a button ("Open
settings", "Retry") and a close button. It never takes focus or blocks work.
Severity is told by an icon and a text prefix as well as colour, so it reads
without colour vision.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolButton,
    QWidget,
)

from pbxdesk.services.messages import Message, Remedy, Severity

_STYLES = {
    Severity.INFO: ("#e8f1fb", "#2b5d8e", QStyle.StandardPixmap.SP_MessageBoxInformation, ""),
    Severity.WARNING: ("#fff4d6", "#7a5a00", QStyle.StandardPixmap.SP_MessageBoxWarning,
                       "Warning: "),
    Severity.ERROR: ("#fde7e7", "#8e1f1f", QStyle.StandardPixmap.SP_MessageBoxCritical,
                     "Problem: "),
}


class Banner(QFrame):
    """Shows the current :class:`Message`; hidden when there is none.

    Signals:
        sig_remedy_requested(str): the user pressed the fix button (a :class:`Remedy` value).
    """

    sig_remedy_requested = Signal(str)
    """The user asked for the message's remedy (a Remedy value)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAccessibleName("Message banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._message: Message | None = None
        self._icon = QLabel(self)
        self._text = QLabel(self)
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._action = QPushButton(self)
        self._action.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._close = QToolButton(self)
        self._close.setText("✕")
        self._close.setToolTip("Dismiss")
        self._close.setAccessibleName("Dismiss message")
        self._close.setAutoRaise(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        layout.addWidget(self._action)
        layout.addWidget(self._close)
        self._action.clicked.connect(self._on_action_clicked)
        self._close.clicked.connect(self.dismiss)
        self.hide()

    @property
    def message(self) -> Message | None:
        return self._message

    def text(self) -> str:
        return self._text.text()

    def action_text(self) -> str:
        return self._action.text() if self._action.isVisible() else ""

    @Slot(object)
    def show_message(self, message: Message) -> None:
        self._message = message
        background, foreground, icon, prefix = _STYLES[message.severity]
        self.setStyleSheet(
            f"#banner {{ background: {background}; border: 1px solid {foreground}; "
            f"border-radius: 4px; }} #banner QLabel {{ color: {foreground}; }}")
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self._icon.setPixmap(self.style().standardIcon(icon).pixmap(size, size))
        self._text.setText(prefix + message.text)
        self._action.setVisible(message.remedy is not Remedy.NONE)
        self._action.setText(message.remedy.value)
        self._action.setAccessibleName(message.remedy.value)
        self.setAccessibleDescription(message.text)
        self.show()

    @Slot(str)
    def clear_source(self, source: str) -> None:
        if self._message is not None and self._message.source == source:
            self.dismiss()

    @Slot()
    def dismiss(self) -> None:
        self._message = None
        self.hide()

    @Slot()
    def _on_action_clicked(self) -> None:
        if self._message is not None:
            self.sig_remedy_requested.emit(self._message.remedy.value)
