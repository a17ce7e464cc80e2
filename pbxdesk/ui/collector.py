"""Python's cyclic garbage collection, run on the GUI thread only.

Left automatic, a collection runs on whichever thread happens to allocate when
a threshold is crossed: the sync's writer thread, the demo PBX's server thread,
an ``asyncio.to_thread`` worker. If the garbage it finds holds Qt objects (a
closed dialog in a reference cycle, a finished request's timer), Qt destroys
them on that thread, which warns "Timers cannot be stopped from another thread"
at best and crashes at worst. So automatic collection is switched off while the
app runs, and a timer on the GUI thread collects instead: the young generation
when it has filled up as Python would collect it, everything once a minute.
"""

from __future__ import annotations

import gc
from typing import Final

from PySide6.QtCore import QObject, QTimer, Slot

CHECK_MS: Final = 1000
FULL_EVERY_CHECKS: Final = 60


class GuiThreadCollector(QObject):
    """Switches automatic garbage collection off and collects on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = max(1, gc.get_threshold()[0])
        self._checks = 0
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Collect once more, then give collection back to Python as it was."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self._checks += 1
        if self._checks >= FULL_EVERY_CHECKS:
            self._checks = 0
            gc.collect()
        elif gc.get_count()[0] >= self._threshold:
            gc.collect(1)
