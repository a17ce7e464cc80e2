"""Python's cyclic garbage collection, run on the GUI thread only.

Left automatic, a collection runs on whichever thread happens to allocate when
a threshold is crossed: the sync's writer thread, the demo PBX's server thread,
an ``asyncio.to_thread`` worker. If the garbage it finds holds Qt objects (a
closed dialog in a reference cycle, a finished request's timer), Qt destroys
them on that thread, which warns "Timers cannot be stopped from another thread"
at best and crashes at worst. So automatic collection is switched off while the
app runs, and a timer on the GUI thread collects instead, generation by
generation as Python would (the young one when it has filled up, an older one
when the younger has been collected often enough, everything at most once a
minute), a tenth of a second apart.

The GUI thread waits for a collection, so each must be short: checked once a
second, the young generation had grown by a whole sync page of parsed rows and
a collection of it froze the window for 50–80 ms; ten checks a second keep
each one to a few milliseconds. What exists when the window is up is frozen
(``gc.freeze``): it lives as long as the app, and a full collection then
walks only what came after.
"""

from __future__ import annotations

import gc
import time
from typing import Final

from PySide6.QtCore import QObject, QTimer, Slot

CHECK_MS: Final = 100
FULL_EVERY_S: Final = 60.0


class GuiThreadCollector(QObject):
    """Switches automatic garbage collection off and collects on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._last_full = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        gc.freeze()
        self._timer.start()

    def stop(self) -> None:
        """Collect once more, then give collection back to Python as it was."""
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    @Slot()
    def _on_timer_timeout(self) -> None:
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] < max(1, thresholds[0]):
            return
        # The oldest generation whose count passed its threshold, as Python chooses;
        # all of them at most once a minute (a full collection walks every object
        # made since the start, 90 ms during a sync: Python waits for a quarter of
        # the heap to be new, which it cannot know here).
        generation = 0
        while generation < 2 and counts[generation + 1] >= max(1, thresholds[generation + 1]):
            generation += 1
        now = time.monotonic()
        if generation == 2 and now - self._last_full < FULL_EVERY_S:
            generation = 1
        if generation == 2:
            self._last_full = now
        gc.collect(generation)
