"""``--screenshot FILE.png``: save a picture of the main window once it shows data.

Waits for the first sync to finish (or fail: a screenshot of the error is still
useful), lets the views re-read the store and paint, saves the window as PNG and
reports the exit code: 0 saved, 1 not saved (with the reason in the log and on
stderr). Works offscreen.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QMainWindow

from pbxdesk.services.sync import SyncService
from pbxdesk.ui.posted import deliver_posted_events

log = logging.getLogger("pbxdesk.ui")
PAINT_DELAY_MS = 400
BUSY_POLL_MS = 100
TIMEOUT_MS = 180_000


class ScreenshotTaker(QObject):
    """Saves ``window`` to ``path`` at the right moment.

    Signals:
        sig_done(int): finished; 0 when the PNG was written.
    """

    sig_done = Signal(int)
    """The exit code: 0 when the picture was saved."""

    def __init__(self, window: QMainWindow, path: Path, parent: QObject | None = None, *,
                 busy: Callable[[], bool] = lambda: False) -> None:
        """``busy``: True while the shown view is still computing (the picture waits)."""
        super().__init__(parent)
        self._window = window
        self._busy = busy
        self._path = path
        self._taken = False
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._on_timeout)

    def wait_for(self, sync: SyncService) -> None:
        """Shoot after ``sync``'s first sync ends (or the timeout)."""
        sync.sig_sync_finished.connect(self._on_sync_ended)
        sync.sig_sync_failed.connect(self._on_sync_ended)
        self._timeout.start(TIMEOUT_MS)

    def take_now(self) -> None:
        QTimer.singleShot(PAINT_DELAY_MS, self._shoot)

    @Slot()
    def _on_sync_ended(self) -> None:
        # The views re-read the store on a short coalescing timer; give them and
        # the paint events a moment before grabbing.
        self.take_now()

    @Slot()
    def _on_timeout(self) -> None:
        log.warning("The first sync did not finish in %d s; taking the screenshot anyway",
                    TIMEOUT_MS // 1000)
        self._shoot()

    @Slot()
    def _shoot(self) -> None:
        if self._taken:
            return
        if self._busy() and self._timeout.isActive():
            QTimer.singleShot(BUSY_POLL_MS, self._shoot)  # e.g. Insights still counting
            return
        self._taken = True
        self._timeout.stop()
        deliver_posted_events()
        pixmap = self._window.grab()
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            saved = pixmap.save(str(self._path), "PNG")
        except OSError as error:
            saved = False
            log.error("Cannot write %s: %s", self._path, error)
        if saved:
            log.info("Screenshot saved to %s", self._path)
            print(f"Screenshot saved to {self._path}")
        else:
            print(f"pbxdesk: could not save the screenshot to {self._path}", file=sys.stderr)
        self.sig_done.emit(0 if saved else 1)
