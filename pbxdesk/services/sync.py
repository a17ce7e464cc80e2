"""The sync service: runs :class:`~pbxdesk.sync.engine.SyncEngine` for the UI.

It owns the refresh timer, makes sure only one sync runs at a time (a refresh
asked for while one runs sends nothing; F5 within :data:`QUIET_SECONDS` after
the last refresh asked for by hand sends nothing either, but one refresh
follows when those seconds end), turns results and known failures into
signals, and waits out a rate limit (the PBX's 429 or its own spent request
budget) instead of failing repeatedly: it says when syncing resumes and
resumes then by itself. Days the PBX could not hand over whole are kept in
the store and shown by the history tabs (``sig_incomplete_changed``), not in
a banner. Windows never call the engine directly.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Final

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from pbxdesk.api.errors import PbxError, RateLimitedError
from pbxdesk.api.models import CallKind
from pbxdesk.services.messages import Message, MessageBridge, Remedy, Severity
from pbxdesk.services.waits import (
    TimeText,
    local_short_time,
    rate_limit_reason,
    resume_time,
    wait_seconds,
)
from pbxdesk.store import StoreError
from pbxdesk.sync.engine import ALL_KINDS, SyncEngine, SyncProgress, SyncResult
from pbxdesk.tasks import TaskKeeper

log = logging.getLogger("pbxdesk.sync")
SOURCE = "sync"
QUIET_SECONDS: Final = 10.0
"""After a sync, a refresh asked for within this many seconds sends nothing."""
Job = Callable[[Callable[[SyncProgress], None]], Awaitable[SyncResult]]


class SyncService(QObject):
    """Keeps the store in step with the PBX, in the background.

    Signals:
        sig_sync_started(): a sync began.
        sig_sync_progressed(str, int): kind and rows stored so far.
        sig_sync_finished(object): a :class:`SyncResult`.
        sig_sync_failed(str): a known failure (its message is also posted).
        sig_calls_changed(): stored calls changed; views should re-read.
        sig_budget_changed(int, int, object): remaining, limit, next-allowed datetime or None.
        sig_incomplete_changed(): the store's list of incomplete days may have changed.
        sig_refresh_skipped(str): a refresh was not started; the text says why.
    """

    sig_sync_started = Signal()
    """A sync began."""
    sig_sync_progressed = Signal(str, int)
    """Kind (CallKind value) and rows stored for it so far."""
    sig_sync_finished = Signal(object)
    """A sync completed (a SyncResult)."""
    sig_sync_failed = Signal(str)
    """A sync stopped on a known failure; the text says what to do."""
    sig_calls_changed = Signal()
    """Stored calls changed; views should re-read."""
    sig_budget_changed = Signal(int, int, object)
    """Remaining requests, the limit, and when the next is allowed (datetime or None)."""
    sig_incomplete_changed = Signal()
    """A sync finished: the days it could not fetch whole may have changed."""
    sig_refresh_skipped = Signal(str)
    """A refresh was asked for too soon after the last one; the text says so."""

    def __init__(self, engine: SyncEngine, messages: MessageBridge, tasks: TaskKeeper,
                 *, refresh_minutes: float = 5,
                 time_text: TimeText = local_short_time,
                 monotonic: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._monotonic = monotonic
        self._quiet_until = 0.0
        self.engine = engine
        self._messages = messages
        self._tasks = tasks
        self._time_text = time_text
        self._task: asyncio.Task[SyncResult | None] | None = None
        self.last_synced: datetime | None = self._last_success()
        self.last_result: SyncResult | None = None
        self._refresh = QTimer(self)
        self._refresh.timeout.connect(self._on_refresh_timer_timeout)
        self._resume = QTimer(self)
        self._resume.setSingleShot(True)
        # Precise: a coarse timer may fire up to 5 % early, into the same refusal.
        self._resume.setTimerType(Qt.TimerType.PreciseTimer)
        self._resume.timeout.connect(self._on_resume_timer_timeout)
        # F5 in the quiet seconds is not forgotten: one refresh when they end.
        self._deferred = QTimer(self)
        self._deferred.setSingleShot(True)
        self._deferred.timeout.connect(self._on_deferred_timer_timeout)
        self.set_refresh_minutes(refresh_minutes)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def set_refresh_minutes(self, minutes: float) -> None:
        """0 turns the automatic refresh off."""
        if minutes > 0:
            self._refresh.start(max(1, round(minutes * 60_000)))
        else:
            self._refresh.stop()

    def refresh_interval_ms(self) -> int:
        return self._refresh.interval() if self._refresh.isActive() else 0

    def start_sync(self) -> asyncio.Task[SyncResult | None] | None:
        """Start a sync unless one runs (then that one is returned)."""
        return self._start(by_hand=False)

    def refresh_by_hand(self) -> asyncio.Task[SyncResult | None] | None:
        """F5 / Refresh: as :meth:`start_sync`, except seconds after the last refresh asked
        for by hand, when nothing is sent, ``sig_refresh_skipped`` says so and None is
        returned (pressing F5 again and again must not spend the request budget)."""
        return self._start(by_hand=True)

    def _start(self, *, by_hand: bool) -> asyncio.Task[SyncResult | None] | None:
        if self.running:
            return self._task
        quiet_seconds = self._quiet_until - self._monotonic()
        if by_hand and quiet_seconds > 0:
            if not self._deferred.isActive():
                self._deferred.start(max(1, math.ceil(quiet_seconds * 1000)))
            left = max(1, math.ceil(self._deferred.remainingTime() / 1000))
            self.sig_refresh_skipped.emit(
                f"Already up to date: synced a few seconds ago. Checking again in {left} s.")
            return None
        self._deferred.stop()
        self._task = self._tasks.spawn(
            self._run(lambda progress: self.engine.sync(ALL_KINDS, progress), by_hand=by_hand),
            name="sync")
        return self._task

    def start_backfill(self, start: datetime, end: datetime,
                       kinds: Iterable[CallKind]) -> asyncio.Task[SyncResult | None] | None:
        """Fetch an older period a filter asks for, if any of it is missing."""
        kinds = tuple(kinds)
        if not any(self.engine.missing(kind, start, end) for kind in kinds):
            return None
        if self.running:
            return None  # the next refresh will not cover it; the view asks again later
        self._task = self._tasks.spawn(
            self._run(lambda progress: self.engine.backfill(start, end, kinds, progress)),
            name="backfill")
        return self._task

    def cancel(self) -> None:
        if self.running and self._task is not None:
            self._task.cancel()

    async def _run(self, job: Job, *, by_hand: bool = False) -> SyncResult | None:
        self.sig_sync_started.emit()
        self._emit_budget()
        try:
            result = await job(self._on_engine_progressed)
        except asyncio.CancelledError:
            self.sig_sync_failed.emit(
                "Cancelled. What was fetched is kept; Refresh (F5) fetches the rest.")
            self.sig_calls_changed.emit()
            raise
        except RateLimitedError as error:  # the PBX's 429, or the own budget spent
            self._wait_out(error)
            return None
        except (PbxError, StoreError) as error:
            self._report(error)
            return None
        finally:
            self._emit_budget()
            self.sig_incomplete_changed.emit()
        self.last_result = result
        self.last_synced = result.finished_at
        if by_hand:
            self._quiet_until = self._monotonic() + QUIET_SECONDS
        self._resume.stop()  # a sync started by hand got through first
        self._messages.clear(SOURCE)
        self.sig_calls_changed.emit()
        self.sig_sync_finished.emit(result)
        return result

    def _on_engine_progressed(self, progress: SyncProgress) -> None:
        self.sig_sync_progressed.emit(progress.kind.value, progress.rows)
        self.sig_calls_changed.emit()
        self._emit_budget()

    def _wait_out(self, error: RateLimitedError) -> None:
        """Resume when the limit allows and say when; nothing to retry before then."""
        resume_at = resume_time(error, datetime.now(UTC))
        self._resume.start(int(wait_seconds(error) * 1000) + 500)
        reason = rate_limit_reason(error, self.engine.client.budget)
        text = f"{reason}; syncing resumes at {self._time_text(resume_at)}."
        self._messages.post(Message(text, Severity.WARNING, Remedy.NONE, source=SOURCE))
        self.sig_sync_failed.emit(text)
        self.sig_calls_changed.emit()

    def _report(self, error: PbxError | StoreError) -> None:
        remedy = Remedy.RETRY
        if isinstance(error, PbxError) and error.hint == Remedy.OPEN_SETTINGS.value:
            remedy = Remedy.OPEN_SETTINGS  # wrong key, IP not allowed, TLS, odd answers
        self._messages.post(Message(str(error), Severity.ERROR, remedy, source=SOURCE))
        self.sig_sync_failed.emit(str(error))
        self.sig_calls_changed.emit()

    def _emit_budget(self) -> None:
        budget = self.engine.client.budget
        remaining = budget.remaining()
        next_at = None if remaining else budget.next_available_at()
        self.sig_budget_changed.emit(remaining, budget.limit, next_at)

    def _last_success(self) -> datetime | None:
        try:
            stamps = [self.engine.store.sync.last_success(kind) for kind in ALL_KINDS]
        except StoreError:
            return None
        known = [stamp for stamp in stamps if stamp is not None]
        return min(known) if known else None

    def next_refresh_at(self) -> datetime | None:
        timer = self._resume if self._resume.isActive() else self._refresh
        if not timer.isActive():
            return None
        return datetime.fromtimestamp(datetime.now(UTC).timestamp()
                                      + timer.remainingTime() / 1000, UTC)

    @Slot()
    def _on_refresh_timer_timeout(self) -> None:
        if self._resume.isActive():
            return  # a rate limit is being waited out: the resume timer starts the sync
        self.start_sync()

    @Slot()
    def _on_resume_timer_timeout(self) -> None:
        self.start_sync()

    @Slot()
    def _on_deferred_timer_timeout(self) -> None:
        self.refresh_by_hand()

    async def shutdown(self) -> None:
        """Stop timers, cancel a running sync and close the engine."""
        self._refresh.stop()
        self._resume.stop()
        self._deferred.stop()
        if self.running and self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.engine.close()
