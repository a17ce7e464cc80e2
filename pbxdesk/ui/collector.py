"""Python's cyclic garbage collection, run on the GUI thread only, while it is cheap.

Left automatic, a collection runs on whichever thread happens to allocate when
a threshold is crossed: the sync's writer thread, the demo PBX's server thread,
an ``asyncio.to_thread`` worker. If the garbage it finds holds Qt objects (a
closed dialog in a reference cycle, a finished request's timer), Qt destroys
them on that thread, which warns "Timers cannot be stopped from another thread"
at best and crashes at worst. So automatic collection is switched off while the
app runs, and a timer on the GUI thread collects instead, checking 50 times a
second while the app is busy (ten times when it is not: an idle app should not
wake often), generation by generation as Python would (the young one when it has
filled up, an older one when the younger has been collected often enough,
everything at most once a minute).

The GUI thread waits for a collection, and a collection walks every object of
the generations it collects, alive or not: 2–6 µs each for a sync's rows (a
stored row is a tuple of 23 values, each visited). Measured during a first
sync of 145,000 rows (2026-12-07), collecting whenever a threshold was passed
froze the window 8–28 ms at half of the young collections (4,000–20,000 young
objects: a 10,000-row page being parsed, checked or stored at that moment) and
25–37 ms at nearly every middle one (10,000–25,000 objects: pages promoted by
the young collections that had found them alive). So a collection waits for a
moment when it is cheap:

- the young generation only while it holds few objects (:data:`YOUNG_MAX`, by
  ``gc.get_count()``, which costs nothing): the page's objects die by reference
  counting a moment later, and do not reach an older generation either. More
  than half of the checks during that sync found such a moment; one waits at
  most :data:`WAIT_MAX_S`, then collects whatever the size (once at the start
  of that sync: 35,000–80,000 objects, 35–88 ms, rows and caches that live on
  and grew for 5 s without a quiet moment; nothing cheaper walks them).
- an older generation while the young ones have not been waited for during
  :data:`BUSY_S` (no sync is on), or when counting its objects
  (``gc.get_objects``, about 50 ns each, once a second at most) finds at most
  :data:`OLDER_MAX` objects to walk; at the latest after :data:`OLDER_WAIT_MAX_S`.

Garbage therefore waits a few seconds longer, during a sync only, but every
generation is still collected, here. What exists when the window is up is
frozen (``gc.freeze``): it lives as long as the app (modules, classes, the
window), and a full collection then walks only what came after.
"""

from __future__ import annotations

import gc
import time
from typing import Final

from PySide6.QtCore import QObject, QTimer, Slot

CHECK_MS: Final = 20
"""Between checks while busy (a collection waited during the last :data:`BUSY_S`)."""
IDLE_CHECK_MS: Final = 100
FULL_EVERY_S: Final = 60.0
YOUNG_MAX: Final = 1500
"""Young objects (``gc.get_count()[0]``) above which a collection waits: about 5 ms."""
OLDER_MAX: Final = 3000
"""Objects an older generation's collection may walk while the app is busy."""
WAIT_MAX_S: Final = 5.0
BUSY_S: Final = 5.0
PROBE_EVERY_S: Final = 1.0
OLDER_WAIT_MAX_S: Final = 300.0


class GuiThreadCollector(QObject):
    """Switches automatic garbage collection off and collects on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        now = time.monotonic()
        self._last_full = now
        self._young_due = 0.0    # when the young generation first waited (0: not waiting)
        self._last_wait = -BUSY_S
        self._older_due = [0.0, 0.0, 0.0]  # per generation, when it first waited (0: not)
        self._last_probe = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(IDLE_CHECK_MS)
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
        now = time.monotonic()
        self.check(now)
        # Cheap moments come and go quickly during a sync: look for them more often then.
        self._timer.setInterval(CHECK_MS if self.busy(now) else IDLE_CHECK_MS)

    def busy(self, now: float) -> bool:
        """True while a collection waited for a cheap moment during the last BUSY_S."""
        return now - self._last_wait < BUSY_S

    def check(self, now: float) -> int | None:
        """Collect the generation that is due, if it is cheap now; which one, or None."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] < max(1, thresholds[0]):
            return None
        if counts[0] > YOUNG_MAX:
            self._last_wait = now
            self._young_due = self._young_due or now
            if now - self._young_due < WAIT_MAX_S:
                return None
        self._young_due = 0.0
        # The oldest generation whose count passed its threshold, as Python chooses;
        # all of them at most once a minute (Python waits for a quarter of the heap
        # to be new, which it cannot know here).
        generation = 0
        while generation < 2 and counts[generation + 1] >= max(1, thresholds[generation + 1]):
            generation += 1
        if generation == 2 and now - self._last_full < FULL_EVERY_S:
            generation = 1
        if generation > 0 and self.busy(now):
            generation = self._cheap_while_busy(generation, now)
        if generation == 2:
            self._last_full = now
        for younger in range(generation + 1):
            self._older_due[younger] = 0.0
        gc.collect(generation)
        return generation

    def _cheap_while_busy(self, generation: int, now: float) -> int:
        """The oldest generation up to ``generation`` that may be collected during a sync."""
        for older in range(generation, 0, -1):
            self._older_due[older] = self._older_due[older] or now
            if now - self._older_due[older] >= OLDER_WAIT_MAX_S:
                return older
        if now - self._last_probe < PROBE_EVERY_S:
            return 0
        self._last_probe = now
        walked, cheap = 0, 0
        for older in range(generation + 1):
            walked += len(gc.get_objects(older))
            if walked > OLDER_MAX:
                break
            cheap = older
        return cheap
