"""The client's own request budget: a sliding window over wall-clock time.

One brand documents "100 queries per 15 minutes" per account, and the server may
not say so with a 429 before it starts refusing. :class:`RequestBudget` counts
every request the client sends (retries included) and refuses, without sending,
once the window is full. It runs on wall-clock time (an injectable clock) so the
app can :meth:`~RequestBudget.snapshot` it on exit and
:meth:`~RequestBudget.restore` it on start: a restart must not reset the count.

Background work (the history sync and its refreshes) sends inside
:func:`background_requests`; those requests never take the last
:attr:`~RequestBudget.reserve` requests of the window, which are kept for the
agent: the click-to-call POST and following what became of it.
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import math
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from pbxdesk.api.errors import BudgetExhaustedError

Clock = Callable[[], float]
"""Returns seconds since the epoch, like :func:`time.time`."""

DEFAULT_LIMIT = 100
DEFAULT_WINDOW = 15 * 60.0
CALL_RESERVE = 15
"""Requests background work leaves for calls: one POST and its 14 look-ups."""
_SNAPSHOT_VERSION = 1
_BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("pbxdesk_background",
                                                                  default=False)


@contextlib.contextmanager
def background_requests() -> Iterator[None]:
    """Requests sent inside (in this task) are background work: they leave the reserve."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


def in_background() -> bool:
    return _BACKGROUND.get()


def call_reserve(limit: int) -> int:
    """The reserve for a budget of ``limit``: :data:`CALL_RESERVE`, at most a fifth of it."""
    return max(1, min(CALL_RESERVE, limit // 5))


class RequestBudget:
    """At most ``limit`` requests in any ``window`` seconds.

    Attributes:
        limit: Requests allowed per window.
        window: Length of the sliding window in seconds.
        reserve: Requests of the window background work never takes (see the module).
    """

    def __init__(self, limit: int = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW,
                 clock: Clock = time.time, *, reserve: int = 0) -> None:
        if limit < 1 or not (window > 0) or math.isinf(window) or reserve < 0:
            raise ValueError("a request budget needs limit >= 1, a finite window > 0 and "
                             "reserve >= 0")
        self.limit = limit
        self.window = float(window)
        self.reserve = reserve
        self._clock = clock
        self._sent: list[float] = []  # send times, ascending

    def __repr__(self) -> str:
        return (f"RequestBudget(limit={self.limit}, window={self.window:g}, "
                f"reserve={self.reserve}, remaining={self.remaining()})")

    def _allowed(self, background: bool | None) -> int:
        """Requests the window holds for this sender (background: all but the reserve)."""
        if background is None:
            background = in_background()
        return max(0, self.limit - self.reserve) if background else self.limit

    def remaining(self, background: bool | None = None) -> int:
        """Requests that can be sent right now (by background work, if ``background``;
        None: as the calling task is)."""
        self._forget_old(self._now())
        return max(0, self._allowed(background) - len(self._sent))

    def used(self) -> int:
        """Requests counted in the current window."""
        self._forget_old(self._now())
        return len(self._sent)

    def wait_seconds(self, background: bool | None = None) -> float:
        """Seconds until the next request is allowed (0 when one is allowed now)."""
        now = self._now()
        self._forget_old(now)
        allowed = self._allowed(background)
        if len(self._sent) < allowed:
            return 0.0
        if allowed == 0:
            return self.window
        # The oldest request that must leave the window before one more fits.
        release = self._sent[len(self._sent) - allowed] + self.window
        return max(0.0, release - now)

    def next_available_at(self, background: bool | None = None) -> datetime:
        """When the next request is allowed (now, if one is), as an aware UTC datetime."""
        return datetime.fromtimestamp(self._now() + self.wait_seconds(background), UTC)

    def take(self) -> None:
        """Count one request, or raise :class:`BudgetExhaustedError` if none is left.

        In :func:`background_requests` the last :attr:`reserve` requests count as none.
        """
        now = self._now()
        self._forget_old(now)
        background = in_background()
        if len(self._sent) >= self._allowed(background):
            wait = self.wait_seconds(background)
            raise BudgetExhaustedError(datetime.fromtimestamp(now + wait, UTC), wait,
                                       self.limit, self.window,
                                       reserve=self.reserve if background else 0)
        bisect.insort(self._sent, now)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-serialisable record of the window, for :meth:`restore` after a restart."""
        self._forget_old(self._now())
        return {"version": _SNAPSHOT_VERSION, "limit": self.limit, "window": self.window,
                "sent": list(self._sent)}

    def restore(self, snapshot: Mapping[str, Any] | Any) -> None:
        """Merge the send times of an earlier :meth:`snapshot` into this budget.

        Tolerant of anything: a damaged or foreign value is ignored entry by entry,
        never raised on. A time in the future (the clock was set back) is counted
        as now, so it blocks at most one window.
        """
        if not isinstance(snapshot, Mapping) or snapshot.get("version") != _SNAPSHOT_VERSION:
            return
        sent = snapshot.get("sent")
        if not isinstance(sent, list):
            return
        now = self._now()
        for value in sent[-10 * self.limit:]:  # bound the work on a corrupted file
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            stamp = float(value)
            if math.isfinite(stamp) and stamp > now - self.window:
                bisect.insort(self._sent, min(stamp, now))
        # Keep at most `limit` of the newest: more cannot change any answer.
        del self._sent[: max(0, len(self._sent) - self.limit)]

    def _now(self) -> float:
        return float(self._clock())

    def _forget_old(self, now: float) -> None:
        cut = bisect.bisect_right(self._sent, now - self.window)
        if cut:
            del self._sent[:cut]
