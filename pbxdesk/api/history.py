"""Paging through every call of a date range: :class:`HistoryScan`.

The API pages with ``offset`` (at most 9999) and ``limit`` (at most 10000), so
one date range reaches at most 19,999 rows. A scan therefore walks a *window*
of dates with offsets up to the cap and, when the window holds more, narrows it
past the oldest row seen (newest-first order; the mirror image for
oldest-first) and walks again:

1. Request ``offset`` 0, ``limit``, ``limit`` × 2 … (the last one clamped to the
   cap) in ``[lower, upper]``. A page with fewer rows than asked ends the scan.
2. Otherwise let *D* be the UTC day of the oldest row seen in the window and set
   ``upper = D + margin``. The margin covers what is unknown about the API's
   dates (their time zone, and whether ``to_date`` is inclusive); the rows this
   re-fetches are dropped by key. If that does not shrink the window, more calls
   lie around *D* than the offsets can reach: the scan records the day in
   :attr:`ScanReport.incomplete_days`, logs it, moves ``upper`` back to *D* (a
   day further if it already was there) and goes on. Every narrowing moves a
   bound by at least a day, so a scan always ends.

New calls arriving while a scan runs land at the front of a newest-first list:
they shift later offsets, which repeats rows but never skips one, and every
row's :attr:`~pbxdesk.api.models.CallRow.key` is yielded once. So every call that
existed when the scan started is yielded exactly once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pbxdesk.api.models import AnyCall, CallKind, HistoryQuery, Page, SortOrder
from pbxdesk.api.parse import filter_users
from pbxdesk.logs import api_log

Fetch = Callable[[CallKind, HistoryQuery], Awaitable[Page[AnyCall]]]
_ONE_DAY = timedelta(days=1)


@dataclass(slots=True)
class ScanReport:
    """What a :class:`HistoryScan` did so far.

    Attributes:
        requests: Pages fetched.
        rows: Rows yielded (each key once).
        duplicates: Rows fetched again and left out (window overlap, live traffic).
        rejected: Rows the parser could not read.
        filtered: User rows of other extensions, dropped by the local filter.
        narrowings: Times the date window was narrowed.
        incomplete_days: UTC days around which the API could not reach every call.
        pending: The date window still being scanned, as ``(from_date, to_date)``;
            None once the scan has finished. Rescan it to resume after an error.
        finished: The scan reached the end of the range.
    """

    requests: int = 0
    rows: int = 0
    duplicates: int = 0
    rejected: int = 0
    filtered: int = 0
    narrowings: int = 0
    incomplete_days: list[date] = field(default_factory=list)
    pending: tuple[date, date] | None = None
    finished: bool = False

    @property
    def complete(self) -> bool:
        """Finished, and no day held more calls than the API could reach."""
        return self.finished and not self.incomplete_days


class HistoryScan:
    """An async iterator of pages covering a date range; see the module docstring.

    ``fetch`` must return pages *without* the local user filter: the scan narrows
    by the oldest row the server sent and filters user rows itself. Each yielded
    :class:`~pbxdesk.api.models.Page` holds only rows not yielded before
    (``duplicates`` counts the rest) and may hold none. Errors from the
    client (e.g. a spent request budget) end the iteration by raising; then
    :attr:`report` says which window was pending.

    Attributes:
        report: Counters and the outcome, updated as pages are yielded.
    """

    def __init__(self, fetch: Fetch, kind: CallKind, from_date: date, to_date: date, *,
                 names: tuple[str, ...] = (), sort: SortOrder = SortOrder.NEWEST_FIRST,
                 page_size: int = HistoryQuery.MAX_LIMIT,
                 max_offset: int = HistoryQuery.MAX_OFFSET, margin_days: int = 2) -> None:
        if page_size < 1 or max_offset < 0 or margin_days < 0:
            raise ValueError("page_size must be >= 1, max_offset and margin_days >= 0")
        self.kind = kind
        self.report = ScanReport()
        self._fetch = fetch
        self._range = (from_date, to_date)
        self._names = names
        self._sort = sort
        self._limit = page_size
        self._max_offset = max_offset
        self._margin = timedelta(days=margin_days)
        self._seen: set[str] = set()
        self._pages = self._run()

    def __aiter__(self) -> HistoryScan:
        return self

    async def __anext__(self) -> Page[AnyCall]:
        return await anext(self._pages)

    async def aclose(self) -> None:
        """Stop early (an ``async for`` that breaks should call this)."""
        await self._pages.aclose()

    async def _run(self) -> AsyncGenerator[Page[AnyCall], None]:
        lower, upper = self._range
        descending = self._sort is SortOrder.NEWEST_FIRST
        while lower <= upper:
            self.report.pending = (lower, upper)
            frontier: datetime | None = None
            offset = 0
            while True:
                page = await self._fetch(self.kind, HistoryQuery(
                    from_date=lower, to_date=upper, sort=self._sort, offset=offset,
                    limit=self._limit, names=self._names))
                self.report.requests += 1
                descending = self._order_of(page, descending)
                frontier = _frontier(page, frontier, descending)
                fresh = self._dedupe(filter_users(page, self._names))
                if page.received < self._limit:
                    self._finish()
                    yield fresh
                    return
                if offset >= self._max_offset:
                    break  # this window reaches no deeper: narrow it
                yield fresh
                offset = min(offset + self._limit, self._max_offset)
            if frontier is None:
                # Full pages without a single start time: nothing to narrow by.
                day = upper if descending else lower
                self._mark_incomplete(day, "its rows carry no start times")
                self._finish()
                yield dataclasses.replace(fresh, incomplete=True)
                return
            lower, upper, lossy = self._narrow(lower, upper, frontier.date(), descending)
            yield dataclasses.replace(fresh, incomplete=lossy)
        self._finish()

    def _narrow(self, lower: date, upper: date, day: date,
                descending: bool) -> tuple[date, date, bool]:
        """The next window past ``day`` (the frontier's UTC day), and whether rows may be lost."""
        self.report.narrowings += 1
        if descending:
            target = day + self._margin
            if target < upper:
                return lower, target, False
            self._mark_incomplete(day, "it holds more calls than the API can page through")
            return lower, min(upper - _ONE_DAY, day), True
        target = day - self._margin
        if target > lower:
            return target, upper, False
        self._mark_incomplete(day, "it holds more calls than the API can page through")
        return max(lower + _ONE_DAY, day), upper, True

    def _dedupe(self, page: Page[AnyCall]) -> Page[AnyCall]:
        fresh: list[AnyCall] = []
        for row in page.rows:
            key = row.key
            if key not in self._seen:
                self._seen.add(key)
                fresh.append(row)
        duplicates = len(page.rows) - len(fresh)
        self.report.rows += len(fresh)
        self.report.duplicates += duplicates
        self.report.rejected += page.rejected
        self.report.filtered += page.filtered
        return dataclasses.replace(page, rows=tuple(fresh),
                                   duplicates=page.duplicates + duplicates)

    def _order_of(self, page: Page[AnyCall], descending: bool) -> bool:
        """The order the server really used (it may ignore ``sort_by``)."""
        starts = [row.call_start_at for row in page.rows if row.call_start_at is not None]
        if len(starts) < 2 or starts[0] == starts[-1]:
            return descending
        observed = starts[0] > starts[-1]
        if observed != descending:
            api_log.warning("The PBX sent %s rows %s first although %s was asked; paging by "
                            "the order it used", self.kind.endpoint,
                            "newest" if observed else "oldest", self._sort.value)
        return observed

    def _mark_incomplete(self, day: date, why: str) -> None:
        if day not in self.report.incomplete_days:
            self.report.incomplete_days.append(day)
        api_log.warning("Some %s rows around %s may be missing: %s (offset cap %d, page size %d)",
                        self.kind.endpoint, day.isoformat(), why, self._max_offset, self._limit)

    def _finish(self) -> None:
        self.report.finished = True
        self.report.pending = None


def _frontier(page: Page[AnyCall], current: datetime | None,
              descending: bool) -> datetime | None:
    """The oldest (newest, for ascending pages) start time seen in the window so far."""
    starts = [row.call_start_at for row in page.rows if row.call_start_at is not None]
    if current is not None:
        starts.append(current)
    if not starts:
        return None
    return min(starts) if descending else max(starts)
