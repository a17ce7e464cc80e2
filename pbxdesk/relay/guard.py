"""Slowing down guessing: too many failed authentications from one address get 429.

Each address may fail ``limit`` times within ``window_seconds``; after that
every request from it is answered 429 with ``Retry-After`` (without looking at
its credentials) until the oldest failure leaves the window. Addresses are the
peer address uvicorn reports (behind a reverse proxy, the forwarded one; see
docs/relay.md). The table is bounded, so a flood of addresses cannot grow it
without end. Used from one event loop: no locking.
"""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable


class AuthGuard:
    """Counts failed authentications per address in a sliding window."""

    def __init__(self, limit: int = 10, window_seconds: float = 60.0, *,
                 max_addresses: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("the limit must be 1 or more failures in a window of more than 0 s")
        self._limit = limit
        self._window = window_seconds
        self._max_addresses = max_addresses
        self._clock = clock
        self._failures: collections.OrderedDict[str, collections.deque[float]] = (
            collections.OrderedDict())

    def retry_after(self, address: str) -> int | None:
        """Whole seconds until ``address`` may try again, or None when it may now."""
        failures = self._failures.get(address)
        if failures is None:
            return None
        now = self._clock()
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        if len(failures) < self._limit:
            return None
        return max(1, math.ceil(failures[0] + self._window - now))

    def failed(self, address: str) -> bool:
        """Count one failure; True when this one blocks the address (log it once)."""
        failures = self._failures.get(address)
        if failures is None:
            if len(self._failures) >= self._max_addresses:
                self._failures.popitem(last=False)
            failures = self._failures[address] = collections.deque(maxlen=self._limit)
        else:
            self._failures.move_to_end(address)
        failures.append(self._clock())
        return len(failures) == self._limit and self.retry_after(address) is not None
