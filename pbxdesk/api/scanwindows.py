"""Cutting the days still to read into date windows that cost the fewest pages.

A query read from its ends hands over ``limit`` rows a page: at most ``reach``
(offset cap + page size) from one end, twice that less one from both. So a
window expected to hold 9,500 rows costs one page and one of 10,500 two; the
days still to read are cut (by dynamic programming over the days, with a
margin on what each is expected to hold, larger where the expectation rests
on a page's density alone) into the windows that need the fewest pages in
all, and the first of them is read next. A day no window can hold counts as
what reading it by groups of names costs. No I/O here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta

from pbxdesk.api.scanestimate import Density

MARGIN = 1.06  # how far a window's rows may exceed what was expected from days like them
UNSURE = 1.3   # the same, when they were expected from a page's density alone
_ONE_DAY = timedelta(days=1)
Pages = Callable[[float, bool], "int | None"]
"""Pages a window of so many rows costs (the flag: it reaches the lowest day)."""


def reachable(limit: int, reach: int, *, both_ends: bool) -> list[int]:
    """Rows one query hands over in 1, 2, … pages."""
    most = [limit, reach]
    if both_ends:
        most += [reach + limit - 1, 2 * reach - 1]
    return most


def pages_for(rows: float, most: list[int]) -> int | None:
    """Pages for ``rows`` rows, given what 1, 2, … pages hand over (None: too many)."""
    for pages, limit in enumerate(most, start=1):
        if rows <= limit:
            return pages
    return None


def window_bottom(density: Density, top_day: date, lowest: date, limit: int,
                  pages: Pages) -> date | None:
    """The lowest day of the first window of the cheapest cut of ``lowest``..``top_day``.

    None when ``top_day`` alone is expected to hold more than a query hands over.
    """
    days: list[float] = []
    day = top_day
    while day >= lowest:
        days.append(density.expected(day) * (MARGIN if density.sure(day) else UNSURE))
        day -= _ONE_DAY
    if not days:
        return top_day
    count = len(days)
    best: list[float] = [0.0] * (count + 1)
    cut: list[int] = [count] * (count + 1)
    for start in range(count - 1, -1, -1):
        best[start], total = float("inf"), 0.0
        for end in range(start + 1, count + 1):
            total += days[end - 1]
            cost = pages(total, end == count)
            if cost is None:
                if end == start + 1:  # a crowded day on its own
                    best[start] = math.ceil(total / limit) + 1 + best[end]
                    cut[start] = end
                break
            # Ties go to the longer window: fewer windows, fewer short pages.
            if cost + best[end] <= best[start]:
                best[start], cut[start] = cost + best[end], end
    if pages(days[0], count == 1) is None:
        return None
    return top_day - _ONE_DAY * (cut[0] - 1)
