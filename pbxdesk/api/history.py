"""Paging through every call of a date range: :class:`HistoryScan`.

One date range of the API reaches at most 19,999 rows (offset cap 9,999, page
size 10,000). The scan sends what its :class:`~pbxdesk.api.scanplan.ScanPlan`
asks for (which requests, and why, is explained there) and hands each answer
back to it: date windows sized from the density seen, both ends of a query
(``oldest_first``), a crowded day split by the names the selector takes.
Every page boundary is checked (the page at offset 9,999 must begin with the
last row of the page before); rows that moved under the scan are read again,
never skipped. What the API cannot hand over is reported per day
(:attr:`ScanReport.incomplete`) with an estimate of how many calls it lacks.

Reading an answer (keys, start times, which rows are new) happens in a worker
thread, like parsing it, so the event loop (the Qt GUI thread under qasync)
only waits. New calls arriving during a scan shift later offsets: that repeats
rows but never skips one, and each row's key is yielded once, so every call
that existed when the scan started (and was not deleted during it) is
yielded exactly once. A scan can be resumed after a crash from
:meth:`HistoryScan.checkpoint`; the rows of its first pages are then known
again (a row read before the stop and again after it is yielded twice only
when it lies further on).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pbxdesk.api.errors import BadRequestError
from pbxdesk.api.models import AnyCall, CallKind, HistoryQuery, Page, SortOrder
from pbxdesk.api.scanmodel import IncompleteDay, PageRequest, ServerTraits, epoch_seconds
from pbxdesk.api.scanplan import ScanPlan
from pbxdesk.api.scansweep import RowInfo

Fetch = Callable[[CallKind, HistoryQuery], Awaitable[Page[AnyCall]]]
# Keys remembered to drop repeated rows; repeats come from neighbouring pages, so
# the oldest are forgotten past this (a million keys would cost ~100 MB).
_SEEN_LIMIT = 300_000


@dataclass(slots=True)
class ScanReport:
    """What a :class:`HistoryScan` did so far.

    Attributes:
        requests: Pages fetched.
        rows: Rows yielded (each key once).
        duplicates: Rows fetched again and left out (overlaps, live traffic).
        rejected: Rows the parser could not read.
        filtered: User rows of other extensions, dropped by the local filter.
        incomplete: Days whose calls the API could not all hand over.
        finished: The scan reached the end of the range.
    """

    requests: int = 0
    rows: int = 0
    duplicates: int = 0
    rejected: int = 0
    filtered: int = 0
    incomplete: list[IncompleteDay] = field(default_factory=list)
    finished: bool = False

    @property
    def incomplete_days(self) -> list[date]:
        return [day.day for day in self.incomplete]

    @property
    def complete(self) -> bool:
        """Finished, and every day handed over every call."""
        return self.finished and not self.incomplete


class HistoryScan:
    """An async iterator of pages covering server days ``from_date``..``to_date``.

    ``fetch`` must return pages *without* the local user filter: the scan
    reasons about every row the server sent and filters itself. Each yielded
    :class:`~pbxdesk.api.models.Page` holds only rows not yielded before and
    may hold none. Errors from the client (e.g. a spent request budget) end the
    iteration by raising; :meth:`checkpoint` then still says where to resume. With
    ``since``, rows that started earlier are not wanted: the scan stops at them.

    Attributes:
        report: Counters and the outcome, updated as pages are yielded.
        traits: What is known about the server (shared between scans; updated).
    """

    def __init__(self, fetch: Fetch, kind: CallKind, from_date: date, to_date: date, *,
                 names: Iterable[str] = (), known_names: Iterable[str] = (),
                 selector: bool = True, traits: ServerTraits | None = None,
                 page_size: int = HistoryQuery.MAX_LIMIT,
                 max_offset: int = HistoryQuery.MAX_OFFSET, since: datetime | None = None,
                 resume: Any = None) -> None:
        if page_size < 2 or max_offset < 0:
            raise ValueError("page_size must be >= 2 and max_offset >= 0")
        self.kind = kind
        self.report = ScanReport()
        self.traits = traits if traits is not None else ServerTraits()
        self._fetch = fetch
        self._names = tuple(name.strip() for name in names if name.strip())
        self._limit = page_size
        self._plan = ScanPlan(kind.value, from_date, to_date, names=self._names,
                              selector=selector, limit=page_size, max_offset=max_offset,
                              traits=self.traits, known_names=known_names,
                              since=None if since is None else epoch_seconds(since))
        self.resumed = resume is not None and self._plan.restore(resume)
        self._checkpoint = self._plan.to_json()
        # Resumed: the rows of the scan's first pages are known (read again, they
        # are repeats, not news for the plan's density).
        self._seen: set[str] = self._plan.evidence.read_keys() if self.resumed else set()
        self._pages = self._run()

    def __aiter__(self) -> HistoryScan:
        return self

    async def __anext__(self) -> Page[AnyCall]:
        return await anext(self._pages)

    async def aclose(self) -> None:
        """Stop early (an ``async for`` that breaks should call this)."""
        await self._pages.aclose()

    def checkpoint(self) -> dict[str, Any]:
        """The plan's state after the page yielded last (JSON): pass it as ``resume``."""
        return self._checkpoint

    async def _run(self) -> AsyncGenerator[Page[AnyCall], None]:
        while (request := self._plan.next_request()) is not None:
            query = HistoryQuery(
                from_date=request.from_date, to_date=request.to_date,
                sort=SortOrder.NEWEST_FIRST if request.newest_first else SortOrder.OLDEST_FIRST,
                offset=request.offset, limit=self._limit, names=request.names)
            try:
                page = await self._fetch(self.kind, query)
            except BadRequestError:
                if request.newest_first:
                    raise
                # Refused outright: this server pages newest first only.
                self.report.requests += 1
                self._plan.refuse_oldest_first()
                self._checkpoint = self._plan.to_json()
                continue
            self.report.requests += 1
            yield await asyncio.to_thread(self._absorb, request, page)
        # Every listed day's estimate is fitted again from all that was read: off the
        # event loop, like reading an answer.
        await asyncio.to_thread(self._finish)

    def _absorb(self, request: PageRequest, page: Page[AnyCall]) -> Page[AnyCall]:
        """Read one answer (in a worker thread): what is new, and what the plan makes of it."""
        infos = [_info(row) for row in page.rows]
        seen = self._seen
        fresh_infos: list[RowInfo] = []
        fresh: list[AnyCall] = []
        for row, info in zip(page.rows, infos, strict=True):
            if info.key not in seen:
                fresh_infos.append(info)
                fresh.append(row)
        self._plan.absorb(request, infos, page.received, seen, fresh_infos)
        if len(seen) > _SEEN_LIMIT:
            seen.clear()
        seen.update(info.key for info in infos)
        wanted = set(self._names)
        kept = [row for row in fresh
                if not wanted or row.kind is not CallKind.USER or row.user_number in wanted]
        report = self.report
        report.rows += len(kept)
        report.duplicates += len(page.rows) - len(fresh)
        report.rejected += page.rejected
        report.filtered += len(fresh) - len(kept)
        report.incomplete = list(self._plan.incomplete.values())
        self._checkpoint = self._plan.to_json()
        return dataclasses.replace(page, rows=tuple(kept),
                                   duplicates=page.duplicates + len(page.rows) - len(fresh),
                                   filtered=page.filtered + len(fresh) - len(kept))

    def _finish(self) -> None:
        self._plan.reprice_incomplete()
        self.report.finished = True
        self.report.incomplete = sorted(self._plan.incomplete.values(), key=lambda d: d.day)
        self._checkpoint = self._plan.to_json()


def _info(row: AnyCall) -> RowInfo:
    start = row.call_start_at
    name = row.user_number if row.kind is CallKind.USER else row.group_name
    return RowInfo(None if start is None else epoch_seconds(start), row.key, name)
