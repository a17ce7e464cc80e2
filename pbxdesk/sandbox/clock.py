"""The sandbox's simulated clock: real time scaled by a speed factor, plus manual jumps.

Rings, talk times and live traffic are all measured on this clock, so a test can
run a two-minute call in a tenth of a second (speed 1000) or jump ahead with
:meth:`SimClock.advance`. Rate limiting deliberately does not use it: clients
budget their requests in real time.
"""

from __future__ import annotations

import threading
import time


class SimClock:
    """Simulated UTC time in epoch seconds; thread-safe."""

    def __init__(self, speed: float, start: float | None = None) -> None:
        self._lock = threading.Lock()
        self._speed = speed
        self._origin_sim = time.time() if start is None else start
        self._origin_real = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        with self._lock:
            return self._origin_sim + (time.monotonic() - self._origin_real) * self._speed

    def advance(self, seconds: float) -> float:
        """Jump ``seconds`` of simulated time ahead; returns the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._origin_sim += seconds
        return self.now()

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("clock speed must be more than 0")
        with self._lock:
            real = time.monotonic()
            self._origin_sim += (real - self._origin_real) * self._speed
            self._origin_real = real
            self._speed = speed

    def real_seconds(self, sim_seconds: float) -> float:
        """How long ``sim_seconds`` of simulated time take in real time."""
        return sim_seconds / self._speed
