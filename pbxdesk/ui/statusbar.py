"""The main window's status bar: sync progress, last synced, request budget.

It only displays what the sync service reports; the Cancel button is an
intent the window passes on.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QLocale, QSize, Qt, QTime, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QProgressBar,
    QSizePolicy,
    QStatusBar,
    QToolButton,
    QWidget,
)

from pbxdesk.api.models import CallKind

if TYPE_CHECKING:  # the sync engine loads after the first paint
    from pbxdesk.sync.engine import SyncResult

_MESSAGE_GAP = 12
"""Pixels kept between a passing message and the first permanent label (its margins)."""

KIND_LABELS = {CallKind.USER: "user calls", CallKind.QUEUE: "queue calls",
               CallKind.RING_GROUP: "ring group calls"}


class ElidingLabel(QLabel):
    """A one-line label that shortens its text with "…" to the room it gets.

    A plain QLabel asks for its whole text's width: a long sync message ("Syncing has
    used the 85 of …") made the window at least 1,260 px wide. The whole text is
    :meth:`text` and, while shortened, the tooltip.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._tooltip = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def text(self) -> str:  # the whole text, not the shown one
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text
        self._elide()

    def clear(self) -> None:
        self.setText("")

    def setToolTip(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._tooltip = text
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                              self.contentsRect().width())
        super().setText(shown)
        super().setToolTip(self._tooltip or (self._full if shown != self._full else ""))


class SyncStatusBar(QStatusBar):
    """Shows what the sync is doing and how much of the request budget is left.

    Signals:
        sig_cancel_requested(): the user pressed Cancel next to the progress.
    """

    sig_cancel_requested = Signal()
    """The user asked to stop the running sync."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._locale = QLocale()
        self.progress_label = ElidingLabel(self)
        self.progress_label.setAccessibleName("Sync progress")
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # indeterminate: the total is unknown until the end
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName("Sync running")
        self.cancel = QToolButton(self)
        self.cancel.setText("Cancel")
        self.cancel.setToolTip("Stop the running sync (what was fetched is kept)")
        self.cancel.setAccessibleName("Cancel sync")
        self.synced_label = QLabel(self)
        self.synced_label.setAccessibleName("Last synced")
        self.budget_label = QLabel(self)
        self.budget_label.setAccessibleName("API request budget")
        self.budget_label.setToolTip(
            "Requests left in the PBX's rate-limit window. pbxdesk never sends more.")
        self.live_label = QLabel(self)
        self.live_label.setObjectName("liveStatus")
        self.live_label.setAccessibleName("Live calls")
        self.live_label.setTextFormat(Qt.TextFormat.PlainText)
        self.addWidget(self.progress_label, 1)
        self.addWidget(self.busy)
        self.addWidget(self.cancel)
        self.addPermanentWidget(self.synced_label)
        self.addPermanentWidget(self.budget_label)
        self.addPermanentWidget(self.live_label)
        self.cancel.clicked.connect(self.sig_cancel_requested)
        self.busy.hide()
        self.cancel.hide()
        self.set_last_synced(None)

    def showMessage(self, text: str, timeout: int | None = 0) -> None:  # noqa: N802 - Qt's name
        """A passing message, shortened with "…" to the room left of the permanent labels.

        QStatusBar cuts a long one off mid-word where "Last synced" begins ("… tried
        twice, (02Last synced"): at 960 px most callback notices are that long.
        """
        room = min((label.geometry().left() for label in self._permanent_labels()
                    if label.isVisible()), default=self.width()) - _MESSAGE_GAP
        shown = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, max(room, 0))
        super().showMessage(shown, timeout or 0)

    def _permanent_labels(self) -> tuple[QLabel, ...]:
        return (self.synced_label, self.budget_label, self.live_label)

    @Slot()
    def on_sync_started(self) -> None:
        self.progress_label.setText("Syncing…")
        self.progress_label.setToolTip("")  # the last failure's whole text no longer applies
        self.busy.show()
        self.cancel.show()

    @Slot(str, int)
    def on_sync_progressed(self, kind: str, rows: int) -> None:
        label = KIND_LABELS.get(CallKind(kind), kind)
        self.progress_label.setText(f"Syncing {label}… {self._locale.toString(rows)} fetched")

    @Slot(object)
    def on_sync_finished(self, result: SyncResult) -> None:
        self._stop_busy()
        new = self._locale.toString(result.inserted)
        calls = "new call" if result.inserted == 1 else "new calls"
        self.progress_label.setText(f"Sync complete: {new} {calls}")
        self.set_last_synced(result.finished_at)

    @Slot(str)
    def on_sync_failed(self, text: str) -> None:
        self._stop_busy()
        first_sentence = text.split(". ")[0].rstrip(".")
        self.progress_label.setText(f"Sync stopped: {first_sentence}.")
        self.progress_label.setToolTip(text)

    def set_connected(self, connected: bool) -> None:
        """Start afresh for a new account; without one, say nothing about syncs."""
        self._stop_busy()
        self.progress_label.clear()
        self.progress_label.setToolTip("")
        self.set_last_synced(None)
        self.budget_label.clear()
        self.synced_label.setVisible(connected)
        self.budget_label.setVisible(connected)
        self.live_label.setVisible(connected)

    def set_live_status(self, text: str, tooltip: str) -> None:
        """Live calls: "Live", "Live: reconnecting…" or "Live: off", and why."""
        self.live_label.setText(text)
        self.live_label.setToolTip(tooltip)

    def set_last_synced(self, when: datetime | None) -> None:
        if when is None:
            self.synced_label.setText("Not synced yet")
            return
        local = when.astimezone()
        short = QLocale.FormatType.ShortFormat
        stamp = self._locale.toString(QTime(local.hour, local.minute, local.second), short)
        if local.date() != datetime.now().astimezone().date():
            day = QDate(local.year, local.month, local.day)
            stamp = f"{self._locale.toString(day, short)} {stamp}"
        self.synced_label.setText(f"Last synced {stamp}")

    @Slot(int, int, object)
    def on_budget_changed(self, remaining: int, limit: int, next_at: datetime | None) -> None:
        text = f"API budget {remaining}/{limit}"
        if next_at is not None and remaining == 0:
            local = next_at.astimezone()
            # The locale's clock, as "Last synced" beside it ("3:41 pm", not "15:41").
            at = self._locale.toString(QTime(local.hour, local.minute),
                                       QLocale.FormatType.ShortFormat)
            text += f" — next request at {at}"
        self.budget_label.setText(text)
        self.budget_label.setTextFormat(Qt.TextFormat.PlainText)

    def _stop_busy(self) -> None:
        self.busy.hide()
        self.cancel.hide()
