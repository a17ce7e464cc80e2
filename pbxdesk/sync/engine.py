"""Bringing the local store up to date with the PBX: :class:`SyncEngine`.

What is stored is tracked per call kind as UTC time ranges in the store's
:class:`~pbxdesk.store.SyncLedger`. A sync asks for whatever part of the wanted
period is *not* covered:

* first run: the whole window (the last ``sync_days`` days);
* afterwards: the gap since the last sync, which is the incremental refresh.
  Calls only appear in the history once they have ended, so a call that was in
  progress at the last sync lands *before* the covered end; each gap is widened
  by :data:`LOOKBACK` to pick those up (the rows it fetches again are matched
  by key, so they update instead of duplicating), and the scan stops at rows
  older than that, so a refresh costs one request per kind however busy the
  account is;
* on demand: an older period a filter asks for (:meth:`SyncEngine.backfill`).

A period is recorded as covered only when its scan finished. The scan's state
is saved with every page it stores (:class:`~pbxdesk.store.bookkeeping.SyncCheckpoints`),
so an interrupted scan (app killed, budget spent, network down) resumes where
it stopped. Days whose calls the API could not all hand over are kept in the
store's incomplete-days list, with an estimate of how many calls they lack,
and tried again as the request budget allows. Every request of the engine is
background work: it leaves the budget's reserve to click-to-call.

Each page is written in one transaction on a dedicated writer thread while
the next page is being fetched, so the GUI thread neither parses nor writes,
and a kill mid-sync leaves the store consistent. No Qt here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pbxdesk.api.budget import background_requests
from pbxdesk.api.client import PbxClient
from pbxdesk.api.history import ScanReport
from pbxdesk.api.models import AnyCall, CallKind
from pbxdesk.api.scanmodel import IncompleteDay
from pbxdesk.store import CallStore
from pbxdesk.store.writer import UpsertResult
from pbxdesk.sync.retries import due_for_retry

log = logging.getLogger("pbxdesk.sync")

LOOKBACK = timedelta(hours=6)
"""How far before the covered end an incremental refresh starts again."""
BUDGET_KEY = "api.request_budget"
TRAITS_KEY = "sync.server_traits"
_ONE_DAY = timedelta(days=1)
ALL_KINDS: tuple[CallKind, ...] = (CallKind.USER, CallKind.QUEUE, CallKind.RING_GROUP)
Clock = Callable[[], float]
Progress = Callable[["SyncProgress"], None]


@dataclass(slots=True)
class KindResult:
    """What a sync did for one call kind."""

    kind: CallKind
    requests: int = 0
    stored: UpsertResult = field(default_factory=UpsertResult)
    rejected: int = 0
    incomplete: list[IncompleteDay] = field(default_factory=list)
    periods: int = 0

    @property
    def incomplete_days(self) -> list[date]:
        return [day.day for day in self.incomplete]


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
                   progress: Progress | None = None) -> SyncResult:
        """Fill every gap of the synced window (the first sync or a refresh), then try
        incomplete days again as the budget allows."""
        return await self._fill(kinds, self.window_start(), None, progress)

    async def backfill(self, start: datetime, end: datetime,
                       kinds: Iterable[CallKind] = ALL_KINDS,
                       progress: Progress | None = None) -> SyncResult:
        """Fetch whatever part of ``[start, end)`` is not stored yet (a filter's range)."""
        return await self._fill(kinds, start, end, progress)

    def missing(self, kind: CallKind, start: datetime, end: datetime) -> list[tuple[datetime,
                                                                                     datetime]]:
        """The parts of ``[start, end)`` not covered for ``kind`` (capped at now)."""
        return self.store.sync.gaps(kind, start, min(end, self.now()))

    async def _fill(self, kinds: Iterable[CallKind], start: datetime, end: datetime | None,
                    progress: Progress | None) -> SyncResult:
        kinds = tuple(kinds)
        result = SyncResult(started_at=self.now())
        try:
            with background_requests():
                for kind in kinds:
                    kind_result = result.kinds.setdefault(kind, KindResult(kind))
                    upper = self.now() if end is None else min(end, self.now())
                    await self._resume_scans(kind, start, upper, kind_result, progress)
                    gaps = await self._run_in_writer(self.store.sync.gaps, kind, start, upper)
                    for gap_start, gap_end in gaps:
                        await self._fetch_period(kind, gap_start, gap_end, kind_result,
                                                 progress)
                    if end is None:
                        await self._run_in_writer(self.store.sync.mark_success, kind,
                                                  result.started_at)
                if end is None:
                    await self._retry_incomplete(kinds, result, progress)
        finally:
            await self._save_learnt()
        result.finished_at = self.now()
        log.info("Sync finished: %d new, %d updated, %d requests", result.inserted,
                 result.updated, result.requests)
        return result

    async def _resume_scans(self, kind: CallKind, start: datetime, end: datetime,
                            result: KindResult, progress: Progress | None) -> None:
        """Finish scans a crash (or a spent budget) interrupted, where they stopped."""
        saved = await self._run_in_writer(self.store.sync.checkpoints.of, kind)
        for checkpoint in saved:
            if checkpoint.end <= start or checkpoint.start >= end:
                continue  # another period's (a backfill's): resumed when it is asked for
            if checkpoint.state is None:
                await self._run_in_writer(self.store.sync.checkpoints.drop, kind,
                                          checkpoint.start)
                continue
            log.info("Resuming the %s scan of %s–%s where it stopped", kind.value,
                     checkpoint.start.isoformat(), checkpoint.end.isoformat())
            await self._fetch_period(kind, checkpoint.start, checkpoint.end, result, progress,
                                     resume=checkpoint.state)

    async def _fetch_period(self, kind: CallKind, start: datetime, end: datetime,
                            result: KindResult, progress: Progress | None, *,
                            resume: Any = None) -> None:
        # The API filters on dates whose time zone is unknown (up to 14 hours either
        # side of UTC): a day of margin each side. The scan stops at rows older than
        # the period (less LOOKBACK, for calls that ended after the last sync).
        from_date = (start - LOOKBACK).date() - _ONE_DAY
        to_date = end.date() + _ONE_DAY
        since = start - LOOKBACK
        report = await self._scan(kind, from_date, to_date, result, progress,
                                  since=since, resume=resume, period=(start, end))
        if not report.finished:
            return
        result.periods += 1
        result.incomplete.extend(report.incomplete)
        # Only a finished scan makes the period "stored"; otherwise it is asked for again.
        # Its days are whole where it read from their very beginning: from the second
        # day after ``since`` (whatever the server's time zone) on.
        await self._run_in_writer(self._period_done, kind, start, end,
                                  since.date() + 2 * _ONE_DAY, to_date, report.incomplete)

    def _period_done(self, kind: CallKind, start: datetime, end: datetime, first: date,
                     last: date, incomplete: list[IncompleteDay]) -> None:
        """(writer thread) The period is read: record it, and which of its days lack calls
        (the listed days from ``first`` to ``last`` not among them are whole now)."""
        ledger = self.store.sync
        ledger.incomplete.update(kind, first, last,
                                 [(day.day, day.missing, day.reason) for day in incomplete],
                                 self.now())
        ledger.add_range(kind, start, end)
        ledger.checkpoints.drop(kind, start)

    async def _scan(self, kind: CallKind, from_date: date, to_date: date, result: KindResult,
                    progress: Progress | None, *, since: datetime | None = None,
                    resume: Any = None,
                    period: tuple[datetime, datetime] | None = None) -> ScanReport:
        """Read server days ``from_date``..``to_date`` into the store, page by page.

        Each page is written (with the scan's state, when ``period`` names what to
        resume) on the writer thread while the next one is fetched.
        """
        known_names = await self._run_in_writer(self._known_names, kind)
        scan = self.client.iter_history(kind, from_date, to_date, known_names=known_names,
                                        since=since, resume=resume)
        requests_before = result.requests
        writing: asyncio.Future[UpsertResult] | None = None

        async def written() -> None:
            nonlocal writing
            if writing is None:
                return
            stored, writing = await writing, None
            result.stored = result.stored + stored
            if progress is not None:
                progress(SyncProgress(kind, _stored_rows(result.stored), result.requests))

        try:
            async for page in scan:
                await written()
                result.rejected += page.rejected
                result.requests = requests_before + scan.report.requests
                writing = asyncio.ensure_future(self._run_in_writer(
                    self._store_page, kind, page.rows, period, scan.checkpoint(),
                    self.client.budget.snapshot(), self.client.traits.to_json()))
            await written()
        finally:
            try:
                if writing is not None:  # fetched rows are kept, whatever happened
                    result.stored = result.stored + await asyncio.shield(writing)
            finally:
                await scan.aclose()
                result.requests = requests_before + scan.report.requests
        return scan.report

    def _store_page(self, kind: CallKind, rows: tuple[AnyCall, ...],
                    period: tuple[datetime, datetime] | None, state: Any,
                    budget: dict[str, Any], traits: dict[str, Any]) -> UpsertResult:
        """(writer thread) One page, then where the scan stands after it, the requests
        sent so far and what the answers showed of the server: a process killed mid-sync
        must not forget them (after a restart the budget would allow more than the PBX
        does, and its 429 would hit the calls; the scan would learn the server's dates
        again, page by page)."""
        stored = self.store.upsert(rows) if rows else UpsertResult()
        if period is not None:
            self.store.sync.checkpoints.save(kind, period[0], period[1], state, self.now())
        try:
            self.store.values.set(BUDGET_KEY, budget)
            self.store.values.set(TRAITS_KEY, traits)
        except Exception as exc:  # both are a courtesy, as in save_budget
            log.warning("Could not save the request budget or what was learnt of the PBX: "
                        "%s", exc)
        return stored

    def _known_names(self, kind: CallKind) -> list[str]:
        """(writer thread) Names of earlier syncs, for splitting a crowded day."""
        if kind is CallKind.USER:
            return [user.number for user in self.store.users() if user.number]
        return [group.name for group in self.store.groups(kind)]

    async def _retry_incomplete(self, kinds: tuple[CallKind, ...], result: SyncResult,
                                progress: Progress | None) -> None:
        """Read again the days that lacked calls, while the budget has room to spare."""
        listed = await self._run_in_writer(self.store.sync.incomplete.of, None)
        for entry in due_for_retry(listed, kinds, self.now(), self.window_start().date(),
                                   self.client.budget):
            kind_result = result.kinds.setdefault(entry.kind, KindResult(entry.kind))
            log.info("Trying %s calls of %s again (about %d were missing)", entry.kind.value,
                     entry.day.isoformat(), entry.missing)
            # The server may have changed: its selector is given another chance (if it is
            # still ignored, the first page shows it, and serves the day from its end).
            self.client.traits.selectors.pop(entry.kind.value, None)
            report = await self._scan(entry.kind, entry.day, entry.day, kind_result, progress)
            if report.finished:
                kind_result.incomplete.extend(report.incomplete)
                await self._run_in_writer(self._retried, entry.kind, entry.day,
                                          report.incomplete)

    def _retried(self, kind: CallKind, day: date, incomplete: list[IncompleteDay]) -> None:
        """(writer thread) A day was read again: still incomplete, or whole now."""
        self.store.sync.incomplete.update(
            kind, day, day, [(found.day, found.missing, found.reason) for found in incomplete],
            self.now(), retried=True)

    async def _run_in_writer(self, function: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, function, *args)

    def restore_budget(self) -> None:
        """Carry the request budget (and what is known of the server) over from the last
        run (a restart must not reset the count)."""
        try:
            snapshot = self.store.values.get(BUDGET_KEY)
            traits = self.store.values.get(TRAITS_KEY)
        except Exception as exc:  # the budget is a courtesy; never fail start-up on it
            log.warning("Could not read the saved request budget: %s", exc)
            return
        if snapshot is not None:
            self.client.budget.restore(snapshot)
        self.client.traits.restore(traits)

    async def _save_learnt(self) -> None:
        """The budget and the server's traits, saved by the writer thread: on the event
        loop's (the GUI's) a write would wait for any other writer's transaction."""
        with contextlib.suppress(RuntimeError):  # the writer is shut down: close() saves
            await self._run_in_writer(self._save_budget_and_traits)

    def _save_budget_and_traits(self) -> None:
        self.save_budget()
        self.save_traits()

    def save_budget(self) -> None:
        try:
            self.store.values.set(BUDGET_KEY, self.client.budget.snapshot())
        except Exception as exc:
            log.warning("Could not save the request budget: %s", exc)

    def save_traits(self) -> None:
        try:
            self.store.values.set(TRAITS_KEY, self.client.traits.to_json())
        except Exception as exc:
            log.warning("Could not save what was learnt about the PBX: %s", exc)

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
