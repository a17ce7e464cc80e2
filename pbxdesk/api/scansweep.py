"""Paging one query from one end, with every page boundary checked: :class:`Sweep`.

A query (dates, names, sort order) is read at offsets 0, ``limit - 1``,
``2 (limit - 1)`` … up to the offset cap, so each page begins with the last
row of the page before it (with 10,000-row pages and the cap at 9,999: the
pages at 0 and 9,999, one row of overlap). When the next page begins with a
row the last page did not hold, rows moved under the sweep (calls deleted on
the PBX): the sweep starts again from offset 0 rather than skip what moved.

A :class:`Segment` is one query read from its newest end, its oldest end, or
both: the two ends meet when the second sweep reaches a row the first one
already holds. A sweep may also have to start inside a known region (its
``bound``: the first row must be one already seen, so nothing between is
lost) and may stop where a known region begins (its ``stop``). No I/O here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from pbxdesk.api.scanmodel import Mark, PageRequest

EXHAUSTED = "exhausted"  # a page came back short: nothing more this way
MET = "met"              # reached rows known from elsewhere
CAPPED = "capped"        # read at the deepest offset, and more rows follow
GAP = "gap"              # the first row is outside the known region it had to touch
MOVED = "moved"          # rows kept moving under the sweep; it gave up restarting
REVERSED = "reversed"    # asked oldest first, answered newest first
FOREIGN = "foreign"      # rows of names not asked for came back: the selector is ignored
COMPLETE = "complete"    # (a segment) every row of the query was read
OVERFLOW = "overflow"    # (a segment) the ends did not meet: rows in between are unread

MAX_RESTARTS = 3


class RowInfo(NamedTuple):
    """What a sweep needs of a row: start time (epoch seconds), key and name.

    A tuple of plain values: the garbage collector stops tracking it at once, so a
    page of them costs no time in the collections that run while a sync does.
    """

    at: float | None
    key: str
    name: str | None

    def mark(self) -> Mark:
        return Mark(self.at if self.at is not None else 0.0, self.key, self.name)


@dataclass(slots=True)
class Sweep:
    """One pass through a query from one end. See the module docstring."""

    newest: bool
    bound: Mark | None = None
    stop: Mark | None = None
    offset: int = 0
    last: Mark | None = None
    frontier: Mark | None = None
    first: Mark | None = None
    pages: int = 0
    restarts: int = 0
    outcome: str | None = None
    short: bool = False
    previous_keys: frozenset[str] = field(default_factory=frozenset)

    def absorb(self, rows: Sequence[RowInfo], received: int, *, limit: int, max_offset: int,
               seen: Collection[str], strict_names: Collection[str] = ()) -> None:
        """Take one page (``received`` rows sent, ``rows`` those that could be read)."""
        timed = [row for row in rows if row.at is not None]
        if not self.newest and len(timed) >= 2 and timed[0].at > timed[-1].at:  # type: ignore[operator]
            self.outcome = REVERSED
            return
        foreign = bool(strict_names) and any(row.name not in strict_names for row in rows)
        if self.pages == 0:
            if self.bound is not None and not self._touches_bound(rows, seen):
                self.outcome = GAP
                return
            self.first = timed[0].mark() if timed else None
        elif rows and not self._continues(rows[0]):
            self._restart()
            return
        self.pages += 1
        self.short = received < limit
        self.previous_keys = frozenset(row.key for row in rows)
        if timed:
            self.frontier = self.last = timed[-1].mark()
        if foreign:
            # Still a page of the same dates (the names were ignored): whoever reads the
            # query without names can go on from here.
            self.outcome = FOREIGN
            if not self.short and self.offset < max_offset:
                self.offset = min(self.offset + limit - 1, max_offset)
        elif self.stop is not None and self._meets(rows, self.stop):
            self.outcome = MET
        elif received < limit:
            self.outcome = EXHAUSTED
        elif self.offset >= max_offset:
            self.outcome = CAPPED
        else:
            self.offset = min(self.offset + limit - 1, max_offset)

    def _beyond(self, at: float, mark: Mark) -> bool:
        """``at`` lies further along this sweep than ``mark``."""
        return at < mark.at if self.newest else at > mark.at

    def _touches_bound(self, rows: Sequence[RowInfo], seen: Collection[str]) -> bool:
        assert self.bound is not None
        if not rows:
            return False
        first = rows[0]
        if first.key == self.bound.key:
            return True
        # A row read before is not enough: rows below the bound may have been read by
        # another sweep (a window's oldest end) with unread ones between them and it.
        if first.at is None:
            return first.key in seen
        return self._beyond(self.bound.at, first.mark()) or (
            first.at == self.bound.at and first.key in seen)

    def _continues(self, first: RowInfo) -> bool:
        if first.key in self.previous_keys or (self.last and first.key == self.last.key):
            return True
        # Started before the last row: rows were added in front, nothing skipped.
        return (self.last is not None and first.at is not None
                and self._beyond(self.last.at, first.mark()))

    def _meets(self, rows: Sequence[RowInfo], stop: Mark) -> bool:
        return any(row.key == stop.key or (row.at is not None and self._beyond(row.at, stop))
                   for row in rows)

    def _restart(self) -> None:
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            self.outcome = MOVED
            return
        self.offset, self.pages, self.last, self.frontier = 0, 0, None, None
        self.previous_keys = frozenset()

    def to_json(self) -> dict[str, Any]:
        return {"newest": self.newest, "offset": self.offset, "pages": self.pages,
                "restarts": self.restarts, "outcome": self.outcome, "short": self.short,
                **{name: None if mark is None else mark.to_json()
                   for name, mark in (("bound", self.bound), ("stop", self.stop),
                                      ("last", self.last), ("frontier", self.frontier),
                                      ("first", self.first))}}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Sweep:
        sweep = cls(newest=bool(value["newest"]), offset=int(value["offset"]),
                    pages=int(value["pages"]), restarts=int(value["restarts"]),
                    outcome=value["outcome"] if isinstance(value["outcome"], str) else None,
                    short=bool(value["short"]))
        for name in ("bound", "stop", "last", "frontier", "first"):
            setattr(sweep, name, Mark.from_json(value.get(name)))
        return sweep


@dataclass(slots=True)
class Segment:
    """One query (dates and names) read from one end or both.

    ``then`` lists the sweeps still to run after the current one (True for
    newest first); each starts where the one before it stopped.
    """

    role: str
    first_day: date
    last_day: date
    from_date: date
    to_date: date
    names: tuple[str, ...] = ()
    strict: bool = False
    sweeps: list[Sweep] = field(default_factory=list)
    then: list[bool] = field(default_factory=list)
    max_pages: int | None = None

    @property
    def current(self) -> Sweep:
        return self.sweeps[-1]

    def request(self) -> PageRequest:
        sweep = self.current
        return PageRequest(self.from_date, self.to_date, sweep.newest, sweep.offset, self.names)

    def advance(self) -> str | None:
        """After a page: None while there is more to read, else the segment's outcome."""
        sweep = self.current
        if sweep.outcome is None:
            if self.max_pages is not None and sweep.pages >= self.max_pages:
                return COMPLETE
            return None
        if sweep.outcome in (EXHAUSTED, MET):
            return COMPLETE
        if sweep.outcome in (CAPPED, REVERSED):
            if self.then:
                self._start(self.then.pop(0))
                return None
            return OVERFLOW if sweep.outcome == CAPPED or len(self.sweeps) > 1 else REVERSED
        return sweep.outcome

    def _start(self, newest: bool) -> None:
        done = [sweep for sweep in self.sweeps if sweep.outcome == CAPPED]
        stop = done[-1].frontier if done and done[-1].newest != newest else None
        self.sweeps.append(Sweep(newest=newest, stop=stop))

    def frontier(self, newest: bool) -> Mark | None:
        """How far the sweeps from one end got (None if no such sweep read a row)."""
        for sweep in reversed(self.sweeps):
            if sweep.newest == newest and sweep.outcome != REVERSED and sweep.frontier:
                return sweep.frontier
        return None

    def lowest(self) -> Mark | None:
        """The oldest row this segment read (its bottom, once it is complete)."""
        marks = [sweep.first for sweep in self.sweeps if not sweep.newest and sweep.first]
        marks += [sweep.frontier for sweep in self.sweeps if sweep.newest and sweep.frontier]
        return min(marks, key=lambda mark: mark.at) if marks else None

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "first_day": self.first_day.isoformat(),
                "last_day": self.last_day.isoformat(), "from": self.from_date.isoformat(),
                "to": self.to_date.isoformat(), "names": list(self.names),
                "strict": self.strict, "sweeps": [sweep.to_json() for sweep in self.sweeps],
                "then": list(self.then), "max_pages": self.max_pages}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Segment:
        return cls(role=str(value["role"]), first_day=date.fromisoformat(value["first_day"]),
                   last_day=date.fromisoformat(value["last_day"]),
                   from_date=date.fromisoformat(value["from"]),
                   to_date=date.fromisoformat(value["to"]),
                   names=tuple(str(name) for name in value["names"]),
                   strict=bool(value["strict"]),
                   sweeps=[Sweep.from_json(sweep) for sweep in value["sweeps"]],
                   then=[bool(flag) for flag in value["then"]],
                   max_pages=(int(value["max_pages"]) if value["max_pages"] is not None
                              else None))
