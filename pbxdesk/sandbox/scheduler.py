"""Things that happen later in simulated time: rings ending, calls hanging up, arrivals.

Callbacks run in order of their simulated time, each told the exact time it was
due (so a row's timestamps do not depend on thread timing). They run on a
background thread that sleeps until the next one is due, and also whenever
someone asks for the current state (:meth:`Scheduler.run_due`), so a request
that arrives just after a call ended already sees its row. Everything runs
under the sandbox's lock.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable

from pbxdesk.logs import sandbox_log
from pbxdesk.sandbox.clock import SimClock

Callback = Callable[[float], None]
# The thread wakes at least this often (real seconds), so clock changes are noticed.
_MAX_SLEEP = 0.5


class Scheduler:
    """A heap of (simulated time, callback) and the thread that works it off."""

    def __init__(self, clock: SimClock, lock: threading.RLock) -> None:
        self._clock = clock
        self._wake = threading.Condition(lock)
        self._heap: list[tuple[float, int, Callback]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._closed = False

    def schedule(self, at: float, callback: Callback) -> None:
        """Run ``callback(at)`` once the simulated clock reaches ``at``."""
        with self._wake:
            if self._closed:
                return
            heapq.heappush(self._heap, (at, next(self._order), callback))
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="sandbox-scheduler",
                                                daemon=True)
                self._thread.start()
            self._wake.notify()

    def run_due(self) -> None:
        """Run every callback whose time has come (and those they schedule in the past)."""
        with self._wake:
            while self._heap and self._heap[0][0] <= self._clock.now():
                at, _, callback = heapq.heappop(self._heap)
                try:
                    callback(at)
                except Exception:  # one broken event must not stop the simulation
                    sandbox_log.exception("Sandbox event at %s failed", at)

    def pending(self) -> int:
        with self._wake:
            return len(self._heap)

    def clear(self) -> None:
        with self._wake:
            self._heap.clear()

    def poke(self) -> None:
        """Wake the thread: the clock jumped or the speed changed."""
        with self._wake:
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._heap.clear()
            self._wake.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _work(self) -> None:
        with self._wake:
            while not self._closed:
                self.run_due()
                if self._heap:
                    delay = self._clock.real_seconds(self._heap[0][0] - self._clock.now())
                    self._wake.wait(min(max(delay, 0.0), _MAX_SLEEP))
                else:
                    self._wake.wait()
