"""Calls per day grouped into weeks or months over a long range, for the Insights chart.

Seven hundred daily bars are two pixels each on a wide screen and cost the GUI
thread a frame to lay out, so past :data:`WEEKS_AFTER_DAYS` days the chart and its
table show weeks (Monday to Sunday), past :data:`MONTHS_AFTER_DAYS` calendar months.
Each period adds up the same per-day figures (:func:`pbxdesk.store.insights.calls_per_day`),
so the periods sum exactly to the days; the first and last period hold only the
range's days. Computed beside the days, off the GUI thread. No Qt here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Final

from pbxdesk.store.insights import Counts, DayCounts, Days, InsightsQuery, calls_per_day

WEEKS_AFTER_DAYS: Final = 120
"""Ranges longer than this many days are shown by week (about four months)."""
MONTHS_AFTER_DAYS: Final = 731
"""Ranges longer than this many days (two years) are shown by calendar month."""


class Grain(Enum):
    """How many days one bar holds."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class PeriodCounts:
    """One bar: the period that starts on ``start`` (a Monday, the 1st of a month or the
    day itself), of which ``first``–``last`` lie in the range."""

    start: date
    first: date
    last: date
    counts: Counts


@dataclass(frozen=True, slots=True)
class GroupedDays:
    """The days of a range and the bars they are shown as."""

    days: Days
    grain: Grain
    periods: tuple[PeriodCounts, ...]

    @property
    def total(self) -> Counts:
        return self.days.total


def grain_for(day_count: int) -> Grain:
    if day_count > MONTHS_AFTER_DAYS:
        return Grain.MONTH
    if day_count > WEEKS_AFTER_DAYS:
        return Grain.WEEK
    return Grain.DAY


def period_start(day: date, grain: Grain) -> date:
    if grain is Grain.WEEK:
        return day - timedelta(days=day.weekday())
    if grain is Grain.MONTH:
        return day.replace(day=1)
    return day


def add_counts(items: Sequence[Counts]) -> Counts:
    return Counts(sum(c.answered for c in items), sum(c.missed for c in items),
                  sum(c.abandoned for c in items), sum(c.other for c in items),
                  sum(c.incoming for c in items), sum(c.live for c in items))


def group_days(days: Sequence[DayCounts], grain: Grain) -> tuple[PeriodCounts, ...]:
    """``days`` (in order, consecutive) as periods of ``grain``."""
    periods: list[PeriodCounts] = []
    run: list[DayCounts] = []
    for item in days:
        if run and period_start(item.day, grain) != period_start(run[0].day, grain):
            periods.append(_period(run, grain))
            run = []
        run.append(item)
    if run:
        periods.append(_period(run, grain))
    return tuple(periods)


def _period(run: Sequence[DayCounts], grain: Grain) -> PeriodCounts:
    counts = run[0].counts if len(run) == 1 else add_counts([item.counts for item in run])
    return PeriodCounts(period_start(run[0].day, grain), run[0].day, run[-1].day, counts)


def grouped(days: Days, grain: Grain | None = None) -> GroupedDays:
    """``days`` with its bars (``grain`` by default from the range's length)."""
    chosen = grain if grain is not None else grain_for(len(days.days))
    return GroupedDays(days, chosen, group_days(days.days, chosen))


def calls_per_period(conn: sqlite3.Connection, query: InsightsQuery) -> GroupedDays:
    """Calls of the scope per local day, and the bars the chart shows them as."""
    return grouped(calls_per_day(conn, query))
