"""How many calls lie in a stretch of history never read: from the hours of the day.

A crowded day read from both ends leaves its middle unread, and that middle
can be most of the day. The density read next to it says little about it:
for an account far from UTC, the ends of a UTC day may be its busy midday and
the middle its night (or the other way round). Calls follow the hours of the
account's day, so :func:`rows_between` learns that profile from every part of
the history the scan read in full (each full page of every name covers the
time between its oldest and newest row), and scales it to the level of the
days at hand.

The model: the rows of a covered hour are ``level[day] * shape[hour of day]``
per second, fitted by alternating the two (each the rows over the other's
weight: a Poisson fit of the two factors). A day is the 24 hours from the
quietest hour seen, not the UTC day, so a day's level changes where the
account's working day does (at night) rather than in its middle. An hour
with few rows is pooled with its neighbours. Where an hour of the stretch or
its day was never covered, there is nothing to learn from: None.
No I/O here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable

from pbxdesk.api.scanestimate import SeenTimes
from pbxdesk.api.scanmodel import HOUR

_HOURS = 24
MOST_ROUNDS = 200
SETTLED = 1e-3
"""How little the fit's hour shares may still move between rounds when it stops."""
LEARN_AROUND = 7 * 86_400
"""How far from the stretch estimated the profile is learnt (a week either side: every
weekday's hours, and a fit of two weeks' cells stays within a few milliseconds)."""
MIN_ROWS = 50
"""Rows read in full below which the profile is too thin to trust."""
POOL_BELOW = 30
"""An hour of the day with fewer rows than this takes in its neighbours (1:2:1)."""

Cells = dict[int, float]  # epoch hour -> seconds covered (or rows read in them)


def rows_between(rates: Iterable[tuple[float, float, float]], seen: SeenTimes,
                 low: float, high: float) -> float | None:
    """About how many rows lie between ``low`` and ``high`` (epoch seconds), by the
    profile of the hours of the day; None when what was read cannot tell.

    Args:
        rates: full pages of every name, as ``(oldest, newest, rows per second)``.
        seen: the start time of every row read.
    """
    if high <= low:
        return None
    cover, rows = _cells(_covered(rates, seen, low - LEARN_AROUND, high + LEARN_AROUND), seen)
    if sum(rows.values()) < MIN_ROWS:
        return None
    start = _quietest_hour(cover, rows)
    shape, level = _fit(cover, rows, start)
    total = 0.0
    moment = low
    while moment < high:
        cell = math.floor(moment / HOUR)
        end = min(high, (cell + 1) * HOUR)
        hour_shape = shape.get(cell % _HOURS)
        day_level = level.get((cell - start) // _HOURS)
        if hour_shape is None or day_level is None:
            return None
        total += hour_shape * day_level * (end - moment)
        moment = end
    return total


def _covered(rates: Iterable[tuple[float, float, float]], seen: SeenTimes,
             earliest: float, latest: float) -> list[tuple[float, float]]:
    """The stretches every row of which was read, merged, within ``earliest`` to
    ``latest``.

    A page counts only if the rows seen within it are at least as many as it held:
    a resumed scan knows its pages' spans but not every row it read in them.
    """
    # Pages far off are left out before their rows are counted: a scan keeps them all.
    spans = sorted((oldest, newest) for oldest, newest, rate in rates
                   if earliest < newest and oldest < latest and newest > oldest
                   and seen.count_between(oldest, newest) >= round(rate * (newest - oldest)))
    merged: list[tuple[float, float]] = []
    for oldest, newest in ((max(oldest, earliest), min(newest, latest))
                           for oldest, newest in spans):
        if merged and oldest <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], newest))
        else:
            merged.append((oldest, newest))
    return merged


def _cells(spans: list[tuple[float, float]], seen: SeenTimes) -> tuple[Cells, Cells]:
    """Seconds covered and rows read, per epoch hour."""
    cover: Cells = defaultdict(float)
    rows: Cells = defaultdict(float)
    for oldest, newest in spans:
        moment = oldest
        while moment < newest:
            cell = math.floor(moment / HOUR)
            end = min(newest, (cell + 1) * HOUR)
            cover[cell] += end - moment
            # Half-open pieces, the last one closed: each row counted once.
            rows[cell] += seen.count_between(moment, end, closed=end == newest)
            moment = end
    return cover, rows


def _quietest_hour(cover: Cells, rows: Cells) -> int:
    """The hour of the day (UTC) around which the fewest rows per second were read."""
    per_hour = _by_hour(cover)
    rows_per_hour = _by_hour(rows)
    rate = {hour: rows_per_hour[hour] / seconds for hour, seconds in per_hour.items()
            if seconds > 0}
    windows = [(sum(rate[(hour + step) % _HOURS] for step in (-1, 0, 1)), hour)
               for hour in range(_HOURS)
               if all((hour + step) % _HOURS in rate for step in (-1, 0, 1))]
    return min(windows)[1] if windows else 0


def _fit(cover: Cells, rows: Cells, start: int) -> tuple[dict[int, float], dict[int, float]]:
    """``shape`` per hour of the day and ``level`` per day (counted from ``start``),
    fitted until neither moves by more than :data:`SETTLED` (or :data:`MOST_ROUNDS`)."""
    cells = [((cell - start) // _HOURS, _hour(cell), seconds) for cell, seconds in cover.items()]
    day_rows: dict[int, float] = defaultdict(float)
    hour_rows: dict[int, float] = defaultdict(float)
    for cell, count in rows.items():
        day_rows[(cell - start) // _HOURS] += count
        hour_rows[_hour(cell)] += count
    shape = dict.fromkeys((hour for _, hour, _ in cells), 1.0)
    level = dict.fromkeys((day for day, _, _ in cells), 1.0)
    for _ in range(MOST_ROUNDS):
        day_weight = dict.fromkeys(level, 0.0)
        for day, hour, seconds in cells:
            day_weight[day] += shape[hour] * seconds
        level = _ratios(day_rows, day_weight)
        hour_weight = dict.fromkeys(shape, 0.0)
        for day, hour, seconds in cells:
            hour_weight[hour] += level[day] * seconds
        shape, before = _ratios(hour_rows, hour_weight), shape
        if all(abs(shape[hour] - old) <= SETTLED * max(shape[hour], old)
               for hour, old in before.items()):
            break
    return _pooled(shape, rows, cover, lambda cell: level[(cell - start) // _HOURS]), level


def _ratios(found: dict[int, float], weights: dict[int, float]) -> dict[int, float]:
    """Per group: its rows over its weighted seconds (0 where nothing was expected)."""
    return {key: found.get(key, 0.0) / weight if weight > 0 else 0.0
            for key, weight in weights.items()}


def _pooled(shape: dict[int, float], rows: Cells, cover: Cells,
            level: Callable[[int], float]) -> dict[int, float]:
    """The shape, with each thinly read hour pooled with its neighbours (where read)."""
    rows_per_hour = _by_hour(rows)
    weights: dict[int, float] = defaultdict(float)
    for cell, seconds in cover.items():
        weights[_hour(cell)] += level(cell) * seconds
    pooled = dict(shape)
    for hour in shape:
        if rows_per_hour.get(hour, 0.0) >= POOL_BELOW:
            continue
        near = [((hour + step) % _HOURS, 1 if step else 2) for step in (-1, 0, 1)]
        found = sum(share * rows_per_hour.get(other, 0.0) for other, share in near)
        weight_sum = sum(share * weights.get(other, 0.0) for other, share in near)
        if weight_sum > 0:
            pooled[hour] = found / weight_sum
    return pooled


def _hour(cell: int) -> int:
    return cell % _HOURS


def _by_hour(cells: Cells) -> dict[int, float]:
    totals: dict[int, float] = defaultdict(float)
    for cell, value in cells.items():
        totals[cell % _HOURS] += value
    return totals
