"""Bringing the local store up to date with the PBX: :class:`SyncEngine`.

What is stored is tracked per call kind as UTC time ranges in the store's
:class:`~pbxdesk.store.SyncLedger`. A sync asks for whatever part of the wanted
period is *not* covered:

* first run: the whole window (the last ``sync_days`` days);
* afterwards: the gap since the last sync, which is the incremental refresh.
  Calls only appear in the history once they have ended, so a call that was in
  progress at the last sync lands *before* the covered end; each gap is widened
  by :data:`LOOKBACK` to pick those up (the rows it fetches again are matched
  by key, so they update instead of duplicating);
* on demand: an older period a filter asks for (:meth:`SyncEngine.backfill`).

A period is recorded as covered only when its scan finished; an interrupted
scan (cancelled, budget spent, network down, app killed) leaves what it stored
in place and is simply asked for again next time. Each page is written in one
transaction on a dedicated writer thread, so the GUI thread never parses or
writes, and a kill mid-sync leaves the store consistent. No Qt here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pbxdesk.api.client import PbxClient
from pbxdesk.api.models import AnyCall, CallKind
from pbxdesk.store import CallStore
from pbxdesk.store.writer import UpsertResult

log = logging.getLogger("pbxdesk.sync")

LOOKBACK = timedelta(hours=6)
"""How far before the covered end an incremental refresh starts again."""
BUDGET_KEY = "api.request_budget"
_ONE_DAY = timedelta(days=1)
ALL_KINDS: tuple[CallKind, ...] = (CallKind.USER, CallKind.QUEUE, CallKind.RING_GROUP)
Clock = Callable[[], float]


@dataclass(slots=True)
class KindResult:
    """What a sync did for one call kind."""

    kind: CallKind
    requests: int = 0
    stored: UpsertResult = field(default_factory=UpsertResult)
    rejected: int = 0
    incomplete_days: list[date] = field(default_factory=list)
    periods: int = 0


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """Reported after every stored page."""

    kind: CallKind
    rows: int
    """Rows stored for this kind so far in this sync."""
    requests: int
    """Requests sent for this kind so far in this sync."""


@dataclass(slots=True)
class SyncResult:
    """What one call of :meth:`SyncEngine.sync` or :meth:`SyncEngine.backfill` did."""

    started_at: datetime
    finished_at: datetime | None = None
    kinds: dict[CallKind, KindResult] = field(default_factory=dict)

    @property
    def inserted(self) -> int:
        return sum(result.stored.inserted for result in self.kinds.values())

    @property
    def updated(self) -> int:
        return sum(result.stored.updated for result in self.kinds.values())

    @property
    def requests(self) -> int:
        return sum(result.requests for result in self.kinds.values())

    @property
    def incomplete_days(self) -> list[date]:
        return sorted({day for result in self.kinds.values() for day in result.incomplete_days})


class SyncEngine:
    """Fetches what the store lacks and writes it, page by page.

    Args:
        client: the API client (its budget is the app's one budget).
        store: the call store; written only from this engine's writer thread.
        sync_days: how many days back the synced window reaches.
        clock: seconds since the epoch (tests move time).
    """

    def __init__(self, client: PbxClient, store: CallStore, *, sync_days: int = 30,
                 clock: Clock = time.time) -> None:
        self.client = client
        self.store = store
        self.sync_days = sync_days
        self._clock = clock
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pbxdesk-store-writer")
        self._closed = False
        self.restore_budget()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def window_start(self) -> datetime:
        today = self.now().replace(hour=0, minute=0, second=0, microsecond=0)
        return today - timedelta(days=self.sync_days)

    async def sync(self, kinds: Iterable[CallKind] = ALL_KINDS,
                   progress: Callable[[SyncProgress], None] | None = None) -> SyncResult:
        """Fill every gap of the synced window (the first sync or a refresh)."""
        return await self._fill(kinds, self.window_start(), None, progress)

    async def backfill(self, start: datetime, end: datetime,
                       kinds: Iterable[CallKind] = ALL_KINDS,
                       progress: Callable[[SyncProgress], None] | None = None) -> SyncResult:
        """Fetch whatever part of ``[start, end)`` is not stored yet (a filter's range)."""
        return await self._fill(kinds, start, end, progress)

    def missing(self, kind: CallKind, start: datetime, end: datetime) -> list[tuple[datetime,
                                                                                     datetime]]:
        """The parts of ``[start, end)`` not covered for ``kind`` (capped at now)."""
        return self.store.sync.gaps(kind, start, min(end, self.now()))

    async def _fill(self, kinds: Iterable[CallKind], start: datetime, end: datetime | None,
                    progress: Callable[[SyncProgress], None] | None) -> SyncResult:
        result = SyncResult(started_at=self.now())
        try:
            for kind in kinds:
                kind_result = result.kinds.setdefault(kind, KindResult(kind))
                upper = self.now() if end is None else min(end, self.now())
                for gap_start, gap_end in self.store.sync.gaps(kind, start, upper):
                    await self._fetch_period(kind, gap_start, gap_end, kind_result, progress)
                    kind_result.periods += 1
                if end is None:
                    await self._run_in_writer(self.store.sync.mark_success, kind,
                                              result.started_at)
        finally:
            self.save_budget()
        result.finished_at = self.now()
        log.info("Sync finished: %d new, %d updated, %d requests", result.inserted,
                 result.updated, result.requests)
        return result

    async def _fetch_period(self, kind: CallKind, start: datetime, end: datetime,
                            result: KindResult,
                            progress: Callable[[SyncProgress], None] | None) -> None:
        # The API filters on dates whose time zone is unknown (up to 14 hours either
        # side of UTC) and whose to_date may be exclusive: a day of margin each side.
        # LOOKBACK picks up calls that ended after the last sync.
        from_date = (start - LOOKBACK).date() - _ONE_DAY
        to_date = end.date() + _ONE_DAY
        scan = self.client.iter_history(kind, from_date, to_date)
        try:
            async for page in scan:
                if page.rows:
                    stored = await self._write(page.rows)
                    result.stored = result.stored + stored
                result.rejected += page.rejected
                result.requests = scan.report.requests
                if progress is not None:
                    progress(SyncProgress(kind, _stored_rows(result.stored), result.requests))
        finally:
            await scan.aclose()
            result.requests = scan.report.requests
        result.incomplete_days.extend(scan.report.incomplete_days)
        # Only a finished scan makes the period "stored"; otherwise it is asked for again.
        await self._run_in_writer(self.store.sync.add_range, kind, start, end)

    async def _write(self, rows: tuple[AnyCall, ...]) -> UpsertResult:
        result: UpsertResult = await self._run_in_writer(self.store.upsert, rows)
        return result

    async def _run_in_writer(self, function: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, function, *args)

    def restore_budget(self) -> None:
        """Carry the request budget over from the last run (a restart must not reset it)."""
        try:
            snapshot = self.store.values.get(BUDGET_KEY)
        except Exception as exc:  # the budget is a courtesy; never fail start-up on it
            log.warning("Could not read the saved request budget: %s", exc)
            return
        if snapshot is not None:
            self.client.budget.restore(snapshot)

    def save_budget(self) -> None:
        try:
            self.store.values.set(BUDGET_KEY, self.client.budget.snapshot())
        except Exception as exc:
            log.warning("Could not save the request budget: %s", exc)

    def close(self) -> None:
        """Stop the writer thread (after releasing its connection) and save the budget."""
        if self._closed:
            return
        self._closed = True
        self.save_budget()
        self._writer.submit(self.store.release_thread).result(timeout=10)
        self._writer.shutdown(wait=True)


def _stored_rows(result: UpsertResult) -> int:
    return result.inserted + result.updated + result.unchanged
