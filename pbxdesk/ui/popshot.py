"""``--demo --screenshot-pop FILE.png``: save a picture of the first screen pop, then quit.

Waits for the first call pop (the demo's simulated callers ring "me" about
once a minute, the first within seconds), gives it a moment to read the
caller's history and paint, saves the card as PNG and reports the exit code:
0 saved; 1 not saved, or no pop within :data:`TIMEOUT_MS` (the reason on
stderr and in the log). Works offscreen.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from pbxdesk.ui.posted import deliver_posted_events
from pbxdesk.ui.screenpop import CallCard, PopCard, PopStack

log = logging.getLogger("pbxdesk.ui")
TIMEOUT_MS: Final = 90_000
PAINT_DELAY_MS: Final = 600


class PopScreenshotTaker(QObject):
    """Saves the first call pop of ``pops`` to ``path``.

    Signals:
        sig_done(int): finished; 0 when the PNG was written.
    """

    sig_done = Signal(int)
    """The exit code: 0 when the picture was saved."""

    def __init__(self, pops: PopStack, path: Path, *, timeout_ms: int = TIMEOUT_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pops = pops
        self._path = path
        self._card: CallCard | None = None
        self._finished = False
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(timeout_ms)
        self._timeout.timeout.connect(self._on_timeout)

    def start(self) -> None:
        self._pops.sig_card_shown.connect(self._on_pops_card_shown)
        self._timeout.start()

    @Slot(object)
    def _on_pops_card_shown(self, card: PopCard) -> None:
        if self._card is None and isinstance(card, CallCard):
            self._card = card
            QTimer.singleShot(PAINT_DELAY_MS, self._shoot)

    @Slot()
    def _on_timeout(self) -> None:
        reason = (f"no screen pop came within {self._timeout.interval() // 1000} s (is the "
                  "demo's relay running? see the log)")
        log.error("Pop screenshot not taken: %s", reason)
        print(f"pbxdesk: {reason}", file=sys.stderr)
        self._finish(1)

    @Slot()
    def _shoot(self) -> None:
        card = self._card
        if self._finished or card is None:
            return
        deliver_posted_events()
        saved = False
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            saved = card.grab().save(str(self._path), "PNG")
        except (OSError, RuntimeError) as error:  # RuntimeError: the card closed meanwhile
            log.error("Cannot write %s: %s", self._path, error)
        if saved:
            log.info("Screen pop saved to %s", self._path)
            print(f"Screen pop saved to {self._path}")
        else:
            print(f"pbxdesk: could not save the screen pop to {self._path}", file=sys.stderr)
        self._finish(0 if saved else 1)

    def _finish(self, code: int) -> None:
        if not self._finished:
            self._finished = True
            self._timeout.stop()
            self.sig_done.emit(code)
