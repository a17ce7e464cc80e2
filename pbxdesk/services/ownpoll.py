"""Without a relay: a quick look at my own calls every minute while the window is active.

The sync refreshes every history every few minutes; a missed call would wait
that long to show. :class:`OwnCallsPoller` asks the user-calls endpoint for
the agent's own newest calls (one request, the same query the click-to-call
tracker uses) every :attr:`interval` seconds, but only while the app is the
active one, only when no sync runs, and only within its share of the request
budget: its own requests stay under :data:`BUDGET_SHARE` of the window's limit,
and it never takes from the last :data:`KEEP_FREE` of the budget, which the
sync and click-to-call need more. The rows it fetches are stored like a sync's
(confirming any live rows), and ``sig_calls_changed`` tells the views and the
missed-call count. While live calls run, the relay tells all this at once:
the poller is switched off. No widgets here.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication

from pbxdesk.api.errors import PbxError
from pbxdesk.api.models import UserCall
from pbxdesk.services.calltrack import poll_query
from pbxdesk.store import CallStore, StoreError
from pbxdesk.tasks import TaskKeeper

if TYPE_CHECKING:  # the client comes with the session, after the window's first paint
    from pbxdesk.api.client import PbxClient

log = logging.getLogger("pbxdesk.sync")

BUDGET_SHARE: Final = 0.25
"""The poller's own requests stay under this share of the budget's limit per window."""
KEEP_FREE: Final = 0.5
"""The poller never sends when less than this share of the budget is left."""


def app_is_active() -> bool:
    return QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive


class OwnCallsPoller(QObject):
    """Polls my own calls on a timer (see the module docstring).

    Signals:
        sig_calls_changed(): a poll stored new or changed calls.

    Attributes:
        polls: how many requests it has sent (for tests and the benchmark).
    """

    sig_calls_changed = Signal()
    """A poll stored calls; views and the missed-call count should look again."""

    def __init__(self, client: PbxClient, store: CallStore, tasks: TaskKeeper, *,
                 my_extension: str, interval_seconds: float = 60,
                 is_active: Callable[[], bool] = app_is_active,
                 sync_running: Callable[[], bool] = lambda: False,
                 clock: Callable[[], float] = time.time,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._store = store
        self._tasks = tasks
        self.my_extension = my_extension.strip()
        self._is_active = is_active
        self._sync_running = sync_running
        self._clock = clock
        self._enabled = True
        self._sent: list[float] = []
        self._last_poll = 0.0
        self._task: asyncio.Task[None] | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="own-calls")
        self.polls = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.interval = 0.0
        self.set_interval(interval_seconds)
        QGuiApplication.instance().applicationStateChanged.connect(  # type: ignore[union-attr]
            self._on_application_state_changed)

    def set_interval(self, seconds: float) -> None:
        """Seconds between polls; 0 turns polling off."""
        self.interval = max(0.0, float(seconds))
        if self.interval and self._enabled:
            self._timer.start(max(1, round(self.interval * 1000)))
        else:
            self._timer.stop()

    def set_enabled(self, enabled: bool) -> None:
        """Off while live calls run (the relay tells at once what a poll would find)."""
        if enabled == self._enabled:
            return
        self._enabled = enabled
        self.set_interval(self.interval)

    @property
    def enabled(self) -> bool:
        return self._enabled and self.interval > 0

    def may_poll(self) -> str | None:
        """Why a poll would not be sent now, or None when it would."""
        if not self.enabled:
            return "off"
        if not self.my_extension:
            return "no extension set"
        if not self._is_active():
            return "the window is not active"
        if self._sync_running():
            return "a sync is running"
        if self._task is not None and not self._task.done():
            return "a poll is running"
        budget = self._client.budget
        now = self._clock()
        del self._sent[:bisect.bisect_right(self._sent, now - budget.window)]
        if len(self._sent) >= max(1, int(budget.limit * BUDGET_SHARE)):
            return "its share of the request budget is used"
        if budget.remaining() <= budget.limit * KEEP_FREE:
            return "the request budget is kept for the sync and calls"
        return None

    def poll_now(self) -> asyncio.Task[None] | None:
        """Poll at once if allowed; the task, or None when skipped."""
        reason = self.may_poll()
        if reason is not None:
            log.debug("Own-calls poll skipped: %s", reason)
            return None
        self._task = self._tasks.spawn(self._poll(), name="own-calls-poll")
        return self._task

    async def _poll(self) -> None:
        now = self._clock()
        self._sent.append(now)
        self._last_poll = now
        self.polls += 1
        query = poll_query(self.my_extension, datetime.now(UTC),
                           filtered=self._client.settings.user_filter_param is not None)
        try:
            page = await self._client.get_user_calls(query)
        except PbxError as error:
            log.info("Own-calls poll failed (%s); the next one tries again",
                     type(error).__name__)
            return
        rows = [row for row in page.rows
                if isinstance(row, UserCall) and (row.user_number or "").strip()
                == self.my_extension]
        if not rows:
            return
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._worker, self._store.upsert, rows)
        except StoreError as error:
            log.warning("Own-calls poll: could not store the calls: %s", error)
            return
        if result.inserted or result.updated:
            self.sig_calls_changed.emit()

    async def shutdown(self) -> None:
        self._timer.stop()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            await asyncio.get_running_loop().run_in_executor(self._worker,
                                                             self._store.release_thread)
        finally:
            self._worker.shutdown(wait=False)

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.poll_now()

    @Slot(Qt.ApplicationState)
    def _on_application_state_changed(self, state: Qt.ApplicationState) -> None:
        # Back at the window after a while: look at once rather than at the next tick.
        if (state == Qt.ApplicationState.ApplicationActive and self.enabled
                and self._clock() - self._last_poll >= self.interval):
            self.poll_now()
