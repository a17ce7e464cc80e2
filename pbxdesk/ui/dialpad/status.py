"""The dial pad's status box: the current call in a line or two, with a spinner or an icon.

A spinner while the call is being placed or followed; otherwise an icon that
matches the words (tick, warning, error, information), so the state never
rests on colour alone. Hidden until there is something to say.
:class:`RefusalWatch` keeps a refused call's reason there only while it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle, QVBoxLayout, QWidget

from pbxdesk.services.calls import CallState
from pbxdesk.ui.dialpad.spinner import Spinner

ICON_SIZE: Final = 18
INFO: Final = QStyle.StandardPixmap.SP_MessageBoxInformation
_WARNING: Final = QStyle.StandardPixmap.SP_MessageBoxWarning
_CRITICAL: Final = QStyle.StandardPixmap.SP_MessageBoxCritical
REFUSAL_CHECK_MS: Final = 1000
"""How often a refusal shown is checked again."""
# An unanswered or busy call did not reach anyone: it must not look like a neutral note.
_STATE_ICONS: Final = {
    CallState.CONNECTED: QStyle.StandardPixmap.SP_DialogApplyButton,
    CallState.NOT_ANSWERED: _WARNING,
    CallState.BUSY: _WARNING,
    CallState.MAY_HAVE_PLACED: _WARNING,
    CallState.FAILED: _CRITICAL,
    CallState.ERROR: _CRITICAL,
}


def set_icon(label: QLabel, which: QStyle.StandardPixmap) -> None:
    """Show one of the style's standard icons in ``label``."""
    label.setPixmap(label.style().standardIcon(which).pixmap(ICON_SIZE, ICON_SIZE))


class CallStatus(QFrame):
    """What is happening with the call: a title (the number) and a line of text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callStatus")
        self.spinner = Spinner(self, size=ICON_SIZE)
        self.icon_label = QLabel(self)
        self.icon_label.setFixedSize(ICON_SIZE, ICON_SIZE)
        self.title_label = QLabel(self)
        title_font = QFont(self.title_label.font())
        title_font.setWeight(QFont.Weight.DemiBold)
        self.title_label.setFont(title_font)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label = QLabel(self)
        self.text_label.setObjectName("callStatusText")
        self.text_label.setAccessibleName("Call status")
        self.text_label.setWordWrap(True)
        # Plain text: error messages quote the server, which must not be read as HTML.
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        row.setSpacing(8)
        icons = QVBoxLayout()
        icons.addWidget(self.spinner)
        icons.addWidget(self.icon_label)
        icons.addStretch(1)
        row.addLayout(icons)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.title_label)
        texts.addWidget(self.text_label)
        row.addLayout(texts, 1)
        self.hide()  # until there is a call to talk about

    def show_status(self, title: str, text: str, state: CallState | None) -> None:
        """Show ``text`` under ``title``; ``state`` None is a notice (a refused request)."""
        self.show()
        self.title_label.setText(title)
        self.title_label.setVisible(bool(title))
        self.text_label.setText(text)
        # A "may have been placed" warning is not progress: it gets its icon, not the spinner.
        if state is not None and state.pending and state is not CallState.MAY_HAVE_PLACED:
            self.spinner.start()
            self.icon_label.hide()
            return
        self.spinner.stop()
        set_icon(self.icon_label, _STATE_ICONS.get(state, INFO) if state is not None else INFO)
        self.icon_label.show()


class RefusalWatch(QObject):
    """Shows why a call was refused, and checks it every second: the words follow
    ("try again in 41 s") and go when it no longer holds (the wait is over, an extension
    was set), giving the status back (``restore``)."""

    def __init__(self, status: CallStatus, check: Callable[[], str | None],
                 restore: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._status = status
        self._check = check
        self._restore = restore
        self.shown: str | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(REFUSAL_CHECK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def show(self, reason: str) -> None:
        self.shown = reason
        self._status.show_status("", reason, None)
        self._timer.start()

    def stop(self) -> None:
        """Forget the refusal (something newer is shown)."""
        self.shown = None
        self._timer.stop()

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self.shown is None:
            self._timer.stop()
            return
        now = self._check()
        if now == self.shown:
            return
        if now is not None:
            self.show(now)
            return
        self.stop()
        self._restore()
