"""How many rows a history scan expects where it has not looked yet.

The API pages at most ``reach`` rows from each end of a query, so a scan
chooses its date windows (and, for a crowded day, its groups of names) by
what it expects them to hold: :class:`Density` counts the rows seen per
server day and per name, remembers which days are complete, and predicts a
day from the same weekday a week later when that is known (call volumes
follow the week), else from the complete days or the density the last page
showed. :func:`pack_names` groups names so each group is expected to fit.
No I/O here.
"""

from __future__ import annotations

import bisect
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pbxdesk.api.scanmodel import DAY

_WEEK = timedelta(days=7)
_RATES_KEPT = 50
"""Full pages :meth:`Density.rate_between` looks at (and a saved state keeps)."""
SPANS_KEPT = 5_000
"""Full pages kept for the hour-of-day profile: every one of a scan (a million calls are
a few hundred pages of each kind), bounded against one that never ends."""
_NEAR = 2 * 3600.0


@dataclass(slots=True)
class Density:
    """Rows seen so far, per server day and per name.

    Attributes:
        day_rows: rows counted per server day (each row once).
        complete: days every row of which has been seen.
        names: rows counted per name (user extension or group name; "" for none).
        recent_rate: rows per second the last full page showed (None before one).
        newest_day: the day of the newest row (often still running: not a model).
        oldest_day: the day of the oldest row (days before it model nothing).
        trend: how the last window read compared with what was expected of it.
        rates: the full pages read, as ``(oldest, newest, rows per second)``: the last
            :data:`SPANS_KEPT` (a saved state keeps the last ``_RATES_KEPT``).
    """

    day_rows: Counter[date] = field(default_factory=Counter)
    complete: set[date] = field(default_factory=set)
    names: Counter[str] = field(default_factory=Counter)
    recent_rate: float | None = None
    newest_day: date | None = None
    oldest_day: date | None = None
    trend: float = 1.0
    rates: list[tuple[float, float, float]] = field(default_factory=list)

    def count(self, days: Iterable[date], names: Iterable[str]) -> None:
        for day in days:
            self.day_rows[day] += 1
            if self.newest_day is None or day > self.newest_day:
                self.newest_day = day
            if self.oldest_day is None or day < self.oldest_day:
                self.oldest_day = day
        self.names.update(names)

    def note_rate(self, rows: int, oldest: float, newest: float) -> None:
        """A full page of ``rows`` ran from ``oldest`` to ``newest`` (epoch seconds)."""
        if rows > 1 and newest > oldest:
            self.recent_rate = rows / (newest - oldest)
            self.rates.append((oldest, newest, self.recent_rate))
            del self.rates[:-SPANS_KEPT]

    def rate_between(self, low: float, high: float) -> float | None:
        """Rows per second around ``low``..``high``: the busiest full page read next to
        it (the unread middle of a day is its busy part, more often than not)."""
        near = [rate for oldest, newest, rate in self.rates[-_RATES_KEPT:]
                if newest >= low - _NEAR and oldest <= high + _NEAR]
        return max(near) if near else self.recent_rate

    def mark_complete(self, first: date, last: date) -> None:
        day = first
        while day <= last:
            self.complete.add(day)
            day += timedelta(days=1)

    def expected(self, day: date) -> float:
        """Rows expected on ``day`` (every name), corrected by how the last read window
        compared with what was expected of it (:meth:`observed`)."""
        if day in self.complete:
            return float(self.day_rows[day])
        return max(self._modelled(day) * self.trend, float(self.day_rows[day]))

    def _modelled(self, day: date) -> float:
        week_later = day + _WEEK
        if week_later in self.complete and self._whole(week_later):
            return float(self.day_rows[week_later])
        whole = [d for d in self.complete if self._whole(d)]
        alike = [self.day_rows[d] for d in whole if d.weekday() == day.weekday()]
        if alike:
            return sum(alike) / len(alike)
        newest = self.day_rows[self.newest_day] if self.newest_day is not None else 0
        if whole:
            # No such weekday seen yet: the busiest day is the safe guess (a window
            # planned too small costs a short page; one too big, a re-read middle), the
            # newest day included (still running, so a whole one holds at least as many).
            return float(max(max(self.day_rows[d] for d in whole), newest))
        # Nothing to model it on but the newest day and the density of the last full page.
        if self.recent_rate is not None:
            return max(self.recent_rate * DAY, float(newest))
        return float(newest)

    def observed(self, expected: float, found: float) -> None:
        """A window expected to hold ``expected`` rows held ``found``: the days below it
        are expected to differ alike (where an account's history begins, say)."""
        if expected > 0:
            self.trend = min(2.0, max(0.02, found / expected))

    def sure(self, day: date) -> bool:
        """Whether :meth:`expected` rests on a day like it (else on a page's density)."""
        whole = [d for d in self.complete if self._whole(d)]
        return (day in self.complete or day + _WEEK in whole
                or any(d.weekday() == day.weekday() for d in whole))

    def _whole(self, day: date) -> bool:
        """A complete day that can model others: not the newest (still running) or later,
        nor one before the oldest row (before the account's history began)."""
        return (self.newest_day is not None and day < self.newest_day
                and self.oldest_day is not None and day >= self.oldest_day)

    def shares(self, names: Iterable[str]) -> dict[str, float]:
        """Each name's share of the rows seen (an even split where nothing was seen)."""
        wanted = list(dict.fromkeys(names))
        seen = {name: self.names[name] for name in wanted}
        total = sum(seen.values())
        if not wanted:
            return {}
        if total == 0:
            return dict.fromkeys(wanted, 1.0 / len(wanted))
        # A name never seen still gets a little, so it lands in some group.
        floor = 0.5 / len(wanted) / max(1, total)
        return {name: max(count / total, floor) for name, count in seen.items()}

    def to_json(self) -> dict[str, Any]:
        return {"day_rows": {d.isoformat(): n for d, n in self.day_rows.items()},
                "complete": sorted(d.isoformat() for d in self.complete),
                "recent_rate": self.recent_rate, "trend": self.trend,
                "rates": [list(rate) for rate in self.rates[-_RATES_KEPT:]],
                "names": dict(self.names)}

    @classmethod
    def from_json(cls, value: Any) -> Density:
        density = cls()
        if not isinstance(value, dict):
            return density
        try:
            for day, count in dict(value.get("day_rows") or {}).items():
                density.day_rows[date.fromisoformat(day)] = int(count)
            density.complete = {date.fromisoformat(d) for d in value.get("complete") or []}
            rate = value.get("recent_rate")
            density.recent_rate = float(rate) if isinstance(rate, int | float) else None
            density.rates = [(float(a), float(b), float(c))
                             for a, b, c in value.get("rates") or []]
            trend = value.get("trend", 1.0)
            density.trend = float(trend) if isinstance(trend, int | float) else 1.0
        except (TypeError, ValueError):
            return cls()
        try:
            # Who took the calls read (how a crowded day is split); not in older states.
            density.names.update({str(name): int(count) for name, count
                                  in dict(value.get("names") or {}).items()})
        except (TypeError, ValueError):
            density.names.clear()
        if density.day_rows:
            density.newest_day = max(density.day_rows)
            density.oldest_day = min(density.day_rows)
        return density


class SeenTimes:
    """The start times of every row read, to find the next one after a given time.

    Kept page by page (each sorted), as a scan reads at most a few hundred pages.
    """

    def __init__(self) -> None:
        self._pages: list[array[float]] = []

    def add(self, times: Iterable[float]) -> None:
        page = array("d", sorted(times))
        if page:
            self._pages.append(page)

    def next_after(self, moment: float) -> float | None:
        """The earliest time read that is later than ``moment``."""
        best: float | None = None
        for page in self._pages:
            index = bisect.bisect_right(page, moment)
            if index < len(page) and (best is None or page[index] < best):
                best = page[index]
        return best

    def count_between(self, low: float, high: float, *, closed: bool = True) -> int:
        """How many rows read start at ``low`` or later, and before ``high`` (at
        ``high`` too when ``closed``)."""
        right = bisect.bisect_right if closed else bisect.bisect_left
        return sum(right(page, high) - bisect.bisect_left(page, low) for page in self._pages
                   if page[0] <= high and page[-1] >= low)


def pack_cheapest(expected: dict[str, float], capacities: Iterable[int],
                  pages: Callable[[float], int | None]) -> list[tuple[str, ...]]:
    """The grouping of names expected to cost the fewest pages (then the fewest groups).

    Names are packed to each of ``capacities`` in turn; ``pages`` says what a group
    of so many rows costs (None: more than one query hands over).
    """
    options: list[tuple[float, int, list[tuple[str, ...]]]] = []
    for capacity in capacities:
        groups = pack_names(expected, capacity)
        cost = 0.0
        for group in groups:
            needed = pages(sum(expected[name] for name in group))
            cost += needed if needed is not None else _OVERFLOW_COST
        options.append((cost, len(groups), groups))
    return min(options, key=lambda option: option[:2])[2] if options else []


_OVERFLOW_COST = 1000.0


def pack_names(expected: dict[str, float], capacity: float) -> list[tuple[str, ...]]:
    """Groups of names, each expected to hold at most ``capacity`` rows (largest first).

    A name expected to hold more than ``capacity`` alone is a group of its own;
    the scan finds out when it overflows. Every name lands in exactly one group.
    """
    groups: list[list[str]] = []
    totals: list[float] = []
    for name, rows in sorted(expected.items(), key=lambda item: (-item[1], item[0])):
        for index, total in enumerate(totals):
            if total + rows <= capacity:
                groups[index].append(name)
                totals[index] += rows
                break
        else:
            groups.append([name])
            totals.append(rows)
    return [tuple(sorted(members)) for members in groups]
