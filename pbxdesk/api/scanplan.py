"""Which request a history scan sends next: :class:`ScanPlan`.

The API hands over at most ``reach`` rows (offset cap + page size, 19,999)
from each end of one query, and its dates are whole days. The plan reads a
range so that requests stay close to one per ``limit`` rows:

1. **The range**: newest first up to the cap, then from its oldest end (which
   shows where the history begins). If they meet, done.
2. **The walk**: the rest in day windows from the newest down, cut to cost the
   fewest pages by what each day is expected to hold
   (:mod:`pbxdesk.api.scanwindows`), each read from both ends. The first
   window must begin among rows already read: where its first row falls shows
   where the server's ``to_date`` cuts (inclusive or not, and roughly its time
   zone); once that is known, windows tile the days without overlap. A window
   that overflows leaves a middle, read by narrowing to the day of the last
   row reached.
3. **A crowded day**, expected (or found) to hold more than a query reaches,
   is read by :mod:`pbxdesk.api.scancrowd`: in groups of names, or from both
   ends; what stays unread is an :class:`IncompleteDay` with an estimate.

The plan never calls anything: :meth:`ScanPlan.next_request` says what to send
and :meth:`ScanPlan.absorb` takes the answer. Its state is JSON
(:mod:`pbxdesk.api.scanstate`), so a scan can resume after the app was killed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from pbxdesk.api.scancrowd import (
    ENDS,
    PART,
    Crowded,
    finish_crowded_segment,
    note_rows,
    plan_crowded,
)
from pbxdesk.api.scanestimate import Density, SeenTimes
from pbxdesk.api.scanevidence import Evidence
from pbxdesk.api.scanlearn import learn_from_answer
from pbxdesk.api.scanmodel import IncompleteDay, Mark, PageRequest, ServerTraits
from pbxdesk.api.scanreprice import Gap, reprice_incomplete
from pbxdesk.api.scanstate import plan_to_json, restore_plan
from pbxdesk.api.scansweep import (
    CAPPED,
    COMPLETE,
    GAP,
    MOVED,
    REVERSED,
    RowInfo,
    Segment,
    Sweep,
)
from pbxdesk.api.scanwindows import pages_for, reachable, window_bottom

log = logging.getLogger("pbxdesk.api")
_ONE_DAY = timedelta(days=1)
RANGE, WINDOW, DONE = "range", "window", "done"
FILL = 0.9  # a day expected to fill more of what one query hands over is crowded


class ScanPlan:
    """The state of one scan of one call kind over server days ``first``..``last``.

    Args:
        kind: the call kind's value (for the selector traits and messages).
        names: restrict the scan to these names (empty: everything).
        selector: whether a name selector can be sent for this kind at all.
        limit, max_offset: the page size and the offset cap.
        traits: what is known about the server; updated as answers come in.
        known_names: names known from elsewhere (earlier syncs), for splitting days.
        since: rows that started before this (epoch seconds) are not wanted: the scan
            stops once it reaches them (a refresh reads the newest rows only).
    """

    def __init__(self, kind: str, first: date, last: date, *, names: tuple[str, ...] = (),
                 selector: bool = True, limit: int, max_offset: int, traits: ServerTraits,
                 known_names: Iterable[str] = (), since: float | None = None) -> None:
        self.kind = kind
        self.since = since
        self.first, self.last = first, last
        self.names = names
        self.selector = selector
        self.limit, self.max_offset = limit, max_offset
        self.reach = max_offset + limit
        self.traits = traits
        self.known_names = [name for name in known_names if name]
        self.phase = RANGE if first <= last else DONE
        self.segment: Segment | None = None
        self.cursor: date | None = None
        self.above: Mark | None = None
        self.floor: Mark | None = None
        self.floor_next: date | None = None
        self.crowded: Crowded | None = None
        self.density = Density()
        self.incomplete: dict[date, IncompleteDay] = {}
        self.gaps: dict[date, list[Gap]] = {}  # of the incomplete days, until re-priced
        self.sent = 0
        # Evidence, not state: every start time read, and how many rows the current
        # segment's newest-first sweeps read. Only the last pages' rows are saved.
        self.seen_times = SeenTimes()
        self.segment_rows = 0
        self.evidence = Evidence()

    # -- what to send ------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.phase == DONE

    def next_request(self) -> PageRequest | None:
        """The request to send next, or None when the scan is over."""
        while self.segment is None:
            if self.phase == DONE:
                return None
            self.segment = self._plan()
            self.segment_rows = 0
        self.sent += 1
        if self.sent > self._most_requests():
            self._give_up()
            return None
        return self.segment.request()

    def _most_requests(self) -> int:
        """A bound no sane plan reaches: what reading every day in groups would cost."""
        days = (self.last - self.first).days + 1
        return 50 + 12 * days + 2 * (sum(self.density.day_rows.values()) // self.limit)

    def _give_up(self) -> None:
        """A last resort against a server whose answers never add up: stop, and say which
        days are left unread rather than ask for ever."""
        log.error("Stopped reading %s calls after %d requests: the PBX's answers do not add "
                  "up (see the log above)", self.kind, self.sent - 1)
        low = self.first
        high = self.cursor if self.cursor is not None and self.phase == WINDOW else self.last
        day = low
        while day <= high:
            if day not in self.density.complete:
                self.record(day, 0, "the PBX's answers for it did not add up")
            day += _ONE_DAY
        self.segment, self.crowded, self.phase = None, None, DONE

    def _plan(self) -> Segment | None:
        if self.crowded is not None:
            return plan_crowded(self, self.crowded)
        if self.phase == RANGE:
            return self.new_segment(RANGE, self.first, self.last, self.traits.query_to(self.last),
                                    [Sweep(newest=True, stop=self._since_mark())])
        assert self.cursor is not None
        if self.cursor < self.first:
            self.phase = DONE
            return None
        return self._plan_window(self.cursor)

    def new_segment(self, role: str, first: date, last: date, to_date: date, sweeps: list[Sweep],
                 then: Sequence[bool] = (), names: tuple[str, ...] | None = None,
                 max_pages: int | None = None) -> Segment:
        strict = names is not None
        return Segment(role, first, last, first, to_date, self.names if names is None else names,
                       strict, sweeps, list(then), max_pages)

    def _since_mark(self) -> Mark | None:
        return None if self.since is None else Mark(self.since, "")

    @property
    def oldest_usable(self) -> bool:
        return self.traits.oldest_first is not False

    @property
    def capacity(self) -> int:
        """Rows one query hands over from both ends (from one, without oldest_first)."""
        return 2 * self.reach - 1 if self.oldest_usable else self.reach

    def _plan_window(self, top_day: date) -> Segment | None:
        floor_day = None if self.floor is None else self.traits.server_day(self.floor.at)
        low = self._window_bottom(top_day, floor_day)
        if low is None or self._much_known_above(top_day):
            # Crowded, or so much of the day is read already that reading the rest of it
            # from its bottom beats reading it again from its top.
            self.crowded = self._crowd(top_day)
            return None
        to_date = top_day + _ONE_DAY if self.traits.inclusive is False else top_day
        # Below the floor the rows are known (or not wanted): the window that reaches
        # it stops there, and is read from its top only.
        floored = floor_day is not None and low <= floor_day
        then = [False] if self.oldest_usable and not floored else []
        stop = self.floor if floored else None
        return self.new_segment(WINDOW, low, top_day, to_date,
                                [Sweep(newest=True, bound=self.above, stop=stop)], then)

    def _window_bottom(self, top_day: date, floor_day: date | None) -> date | None:
        """The lowest day of the next window (None: ``top_day`` is a crowded day)."""
        lowest = self.first if floor_day is None else max(self.first, floor_day)
        return window_bottom(self.density, top_day, lowest, self.limit,
                             lambda rows, last: self.pages_for(
                                 rows, both_ends=floor_day is None or not last))

    def pages_for(self, rows: float, *, both_ends: bool) -> int | None:
        """Pages one query needs for ``rows`` rows read from its ends (None: too many)."""
        return pages_for(rows, self.reachable(both_ends=both_ends))

    def reachable(self, *, both_ends: bool) -> list[int]:
        """Rows one query hands over in 1, 2, … pages."""
        return reachable(self.limit, self.reach, both_ends=both_ends and self.oldest_usable)

    def _much_known_above(self, day: date) -> bool:
        return (self.above is not None and self.traits.server_day(self.above.at) == day
                and self.density.day_rows[day] >= self.limit // 2)

    def _crowd(self, day: date) -> Crowded:
        def on(mark: Mark | None) -> Mark | None:
            return mark if mark is not None and self.traits.server_day(mark.at) == day else None
        top = on(self.above)
        return Crowded(day, top=top, bottom=on(self.floor),
                       known_above=self.density.day_rows[day] if top is not None else 0)

    # -- taking an answer ----------------------------------------------------------------

    def absorb(self, request: PageRequest, rows: Sequence[RowInfo], received: int,
               seen: Collection[str], fresh: Sequence[RowInfo]) -> None:
        """Take the answer to the request :meth:`next_request` gave.

        Args:
            rows: the rows that could be read, in the server's order.
            received: how many rows the server sent (read or not).
            seen: keys read before this answer.
            fresh: the rows of ``rows`` not read before.
        """
        segment = self.segment
        assert segment is not None
        self.density.count([self.traits.server_day(row.at) for row in fresh if row.at],
                           [row.name or "" for row in fresh])
        if request.newest_first:
            self.segment_rows += len(rows)
        learn_from_answer(self.traits, self.density, self.seen_times, segment, request,
                          rows, seen, self.limit)
        self.seen_times.add(row.at for row in fresh if row.at is not None)
        sweep = segment.current
        sweep.absorb(rows, received, limit=self.limit, max_offset=self.max_offset, seen=seen,
                     strict_names=set(segment.names) if segment.strict else ())
        if self.crowded is not None and segment.role not in (RANGE, WINDOW):
            note_rows(self, self.crowded, rows)
            if segment.role in (PART, ENDS):
                self.crowded.fetched += len(fresh)
        if sweep.outcome == REVERSED:
            self._no_oldest_first()
        if segment.role == RANGE and sweep.outcome == CAPPED and sweep.newest:
            self._maybe_read_range_bottom(segment)
        outcome = segment.advance()
        if outcome is not None:
            self.segment = None
            self._finish(segment, outcome)
        self.evidence.add(rows)

    def _no_oldest_first(self) -> None:
        if self.traits.oldest_first is not False:
            log.warning("The PBX does not page %s calls oldest first (it answered newest "
                        "first); reading from the newest end only", self.kind)
        self.traits.oldest_first = False

    def _maybe_read_range_bottom(self, segment: Segment) -> None:
        """The range's newest end is read to the cap: read its oldest end too. It shows
        where the history begins (no window is planned below it) in full pages."""
        top = segment.current.frontier
        newest = segment.current.first
        if top is None or newest is None or not self.oldest_usable:
            return
        span = newest.at - top.at
        if span > 0:
            self.density.recent_rate = self.segment_rows / span
        segment.then.append(False)

    # -- what a finished segment means -----------------------------------------------------

    def _finish(self, segment: Segment, outcome: str) -> None:
        if segment.role == RANGE:
            self._finish_range(segment, outcome)
        elif segment.role == WINDOW:
            self._finish_window(segment, outcome)
        else:
            assert self.crowded is not None
            finish_crowded_segment(self, self.crowded, segment, outcome)

    def _finish_range(self, segment: Segment, outcome: str) -> None:
        if outcome == COMPLETE:
            self.density.mark_complete(self.first, self.last)
            self.phase = DONE
            return
        top = segment.frontier(newest=True)
        if outcome == MOVED or top is None:
            # Rows without start times (nothing to narrow by), or rows that kept moving.
            self.record(self.last, 0, "its rows could not be paged through")
            self.phase = DONE
            return
        self.phase = WINDOW
        self._continue_below(segment, top, segment.frontier(newest=False), self.first)
        since = self._since_mark()
        if since is not None and (self.floor is None or self.floor.at < since.at):
            # Nothing older is wanted: every window stops there, and so does the walk.
            self.floor, self.floor_next = since, self.first - _ONE_DAY

    def _continue_below(self, segment: Segment, top: Mark, bottom: Mark | None,
                        bottom_day: date) -> None:
        """Rows from ``top`` up are read (and up to ``bottom`` from ``bottom_day``): walk on."""
        self.above = top
        top_day = min(segment.last_day, self.traits.server_day(top.at))
        # The days between the ends reached and the segment's ends are whole: they
        # are what the coming windows are predicted from.
        self.density.mark_complete(top_day + _ONE_DAY, segment.last_day)
        if bottom is not None:
            self.floor, self.floor_next = bottom, bottom_day - _ONE_DAY
            self.density.mark_complete(segment.first_day,
                                       self.traits.server_day(bottom.at) - _ONE_DAY)
        self.cursor = max(segment.first_day, top_day)
        if segment.role == WINDOW and self.cursor == segment.last_day:
            # The window's top (or only) day alone holds more than one end reaches.
            self.crowded = self._crowd(self.cursor)

    def _finish_window(self, segment: Segment, outcome: str) -> None:
        if outcome == GAP:
            if segment.last_day <= self.last:
                self.cursor = segment.last_day + _ONE_DAY  # the cut lies higher: widen
                return
            self.record(segment.last_day, 0, "rows moved while it was read")
            outcome = COMPLETE
        if outcome == MOVED:
            self.record(segment.last_day, 0, "rows kept moving while it was read")
            outcome = COMPLETE
        if outcome == COMPLETE:
            self._after_window(segment)
            return
        top = segment.frontier(newest=True)
        if top is None:
            self.record(segment.last_day, 0, "its rows carry no start times")
            self._after_window(segment)
            return
        self._continue_below(segment, top, segment.frontier(newest=False), segment.first_day)

    def _after_window(self, segment: Segment) -> None:
        """The window is read: go on below it."""
        days = [segment.first_day + _ONE_DAY * n
                for n in range((segment.last_day - segment.first_day).days + 1)]
        expected = sum(self.density.expected(day) for day in days)
        self.density.mark_complete(segment.first_day, segment.last_day)
        self.density.observed(expected, sum(self.density.day_rows[day] for day in days))
        if self.floor is not None and any(
                sweep.newest and sweep.outcome == "met" and sweep.stop == self.floor
                for sweep in segment.sweeps):
            self.cursor = self._below_floor()
            self.floor, self.floor_next, self.above = None, None, None
            return
        if self.traits.inclusive is None:
            # Whether to_date is inclusive is still unknown: overlap a day, and let the
            # next window's first row show that nothing lies between.
            if segment.first_day <= self.first:
                self.phase = DONE
                return
            self.above = segment.lowest() or self.above
            self.cursor = segment.first_day
            return
        self.above = None
        self.cursor = segment.first_day - _ONE_DAY

    # -- for the crowded days (pbxdesk.api.scancrowd) ---------------------------------------

    @property
    def selector_usable(self) -> bool:
        return self.selector and self.traits.selectors.get(self.kind) is not False

    def all_names(self) -> list[str]:
        """Every name a crowded day may hold calls of (the scan's own, if it has any)."""
        if self.names:
            return list(self.names)
        names = dict.fromkeys(self.known_names)
        names.update(dict.fromkeys(name for name in self.density.names if name))
        return list(names)

    def left_crowded_day(self, day: date, *, reached_floor: bool) -> None:
        """The crowded ``day`` is done: walk on below it (past the floor, if the day's
        query was shown to reach down to it; else the day below, down to the floor)."""
        self.crowded = None
        self.density.mark_complete(day, day)
        self.above = None
        if (self.floor is not None and reached_floor
                and self.traits.server_day(self.floor.at) >= day):
            self.cursor, self.floor, self.floor_next = self._below_floor(), None, None
        else:
            self.cursor = day - _ONE_DAY

    def _below_floor(self) -> date:
        """Where the walk goes on past the floor: the day under the one its window began
        on; while it is unknown whether to_date is inclusive, that day itself (a window
        ending there may end a day early): read again rather than skipped."""
        assert self.floor_next is not None
        if self.traits.inclusive is None and self.floor_next >= self.first:
            return self.floor_next + _ONE_DAY
        return self.floor_next

    def record(self, day: date, missing: int, reason: str, gaps: Iterable[Gap] = ()) -> None:
        """``day`` lacks about ``missing`` rows more, estimated from ``gaps`` (if any)."""
        self.gaps.setdefault(day, []).extend(gaps)
        earlier = self.incomplete.get(day)
        total = missing + (earlier.missing if earlier else 0)
        self.incomplete[day] = IncompleteDay(day, total, reason)
        log.warning("Some %s calls of %s could not be fetched (about %s): %s", self.kind,
                    day.isoformat(), total or "an unknown number", reason)

    def reprice_incomplete(self) -> None:
        """The scan is over: estimate what each incomplete day lacks from all it read."""
        reprice_incomplete(self)

    # -- resuming ---------------------------------------------------------------------------

    def refuse_oldest_first(self) -> None:
        """The server refused ``sort_by=oldest_first`` (a 400): the current sweep ends."""
        segment = self.segment
        assert segment is not None
        segment.current.outcome = REVERSED
        self._no_oldest_first()
        outcome = segment.advance()
        if outcome is not None:
            self.segment = None
            self._finish(segment, outcome)

    def to_json(self) -> dict[str, Any]:
        """The state after the last answer (resume with :meth:`restore`)."""
        return plan_to_json(self)

    def restore(self, value: Any) -> bool:
        """Continue from a :meth:`to_json` of a plan for the same kind, days and names.

        Returns False (and changes nothing) for anything else, damaged state included.
        """
        return restore_plan(self, value)
