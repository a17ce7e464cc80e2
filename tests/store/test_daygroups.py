"""Calls per week and per month over a long range, each figure worked out by hand.

Sydney local time: UTC+11 until Sunday 7 April 2024 03:00 (clocks go back to
02:00, so 02:30 happens twice), then UTC+10. The range is Friday 1 March to
Saturday 31 August 2024 (184 days: shown by week), so its first and last weeks
are partial, and the week of Monday 1 April holds both the month's edge's
next morning and the day the clocks change.
"""

from __future__ import annotations

from datetime import date

import pytest

from pbxdesk.store import CallStore
from pbxdesk.store import insights as ins
from pbxdesk.store.daygroups import (
    Grain,
    PeriodCounts,
    calls_per_period,
    grain_for,
    grouped,
)
from tests.store.test_insights import figures, sydney_days, user_call

CALLS = [
    user_call("2024-02-29T12:00:00", "user_inbound_answered", wait=1),  # Thu 29 Feb 23:00: before
    user_call("2024-02-29T22:00:00", "user_inbound_answered", wait=1),  # Fri 1 Mar 09:00
    user_call("2024-03-31T12:30:00", "user_inbound_missed"),            # Sun 31 Mar 23:30
    user_call("2024-03-31T13:30:00", "user_inbound_answered", wait=1),  # Mon 1 Apr 00:30
    user_call("2024-04-06T15:30:00", "user_inbound_missed"),            # Sun 7 Apr 02:30 AEDT
    user_call("2024-04-06T16:30:00", "user_inbound_answered", wait=1),  # Sun 7 Apr 02:30 AEST
    user_call("2024-04-07T13:30:00", "user_outbound_answered", wait=1),  # Sun 7 Apr 23:30
    user_call("2024-04-07T14:10:00", "user_inbound_missed"),            # Mon 8 Apr 00:10
    user_call("2024-08-31T00:00:00", "user_inbound_answered", wait=1),  # Sat 31 Aug 10:00
    user_call("2024-08-31T22:00:00", "user_inbound_answered", wait=1),  # Sun 1 Sep 08:00: after
]
RANGE = sydney_days(date(2024, 3, 1), date(2024, 8, 31))


def test_the_grain_follows_the_ranges_length() -> None:
    assert [grain_for(days) for days in (1, 120, 121, 366, 731, 732, 2000)] == [
        Grain.DAY, Grain.DAY, Grain.WEEK, Grain.WEEK, Grain.WEEK, Grain.MONTH, Grain.MONTH]


def test_weeks_add_up_the_days_across_a_month_edge_and_a_clock_change(
        call_store: CallStore) -> None:
    call_store.upsert(CALLS)
    result = figures(call_store, calls_per_period, RANGE)
    assert result.grain is Grain.WEEK
    assert len(result.days.days) == 184
    weeks = {item.start: item for item in result.periods}
    assert len(weeks) == 27  # the weeks of 26 Feb ... 26 Aug
    assert [item.start.weekday() for item in result.periods] == [0] * 27
    assert weeks[date(2024, 2, 26)] == PeriodCounts(  # only Fri 1 – Sun 3 March
        date(2024, 2, 26), date(2024, 3, 1), date(2024, 3, 3),
        ins.Counts(answered=1, incoming=1))
    assert weeks[date(2024, 3, 25)].counts == ins.Counts(missed=1, incoming=1)
    assert (weeks[date(2024, 3, 25)].first, weeks[date(2024, 3, 25)].last) == (
        date(2024, 3, 25), date(2024, 3, 31))
    # 1 April 00:30, both 02:30s of 7 April and its 23:30 (outbound: not incoming).
    assert weeks[date(2024, 4, 1)].counts == ins.Counts(answered=3, missed=1, incoming=3)
    assert weeks[date(2024, 4, 1)].counts.missed_rate == pytest.approx(1 / 3)
    assert weeks[date(2024, 4, 8)].counts == ins.Counts(missed=1, incoming=1)
    assert weeks[date(2024, 8, 26)] == PeriodCounts(  # Mon 26 – Sat 31 August
        date(2024, 8, 26), date(2024, 8, 26), date(2024, 8, 31),
        ins.Counts(answered=1, incoming=1))
    assert sum(item.counts.calls for item in result.periods) == result.total.calls == 8
    _each_period_is_its_days(result.days, result.periods)


def test_months_add_up_the_days(call_store: CallStore) -> None:
    call_store.upsert(CALLS)
    days = figures(call_store, ins.calls_per_day, RANGE)
    months = grouped(days, Grain.MONTH)
    assert [(item.start, item.counts.calls, item.counts.answered, item.counts.missed)
            for item in months.periods] == [
        (date(2024, 3, 1), 2, 1, 1), (date(2024, 4, 1), 5, 3, 2), (date(2024, 5, 1), 0, 0, 0),
        (date(2024, 6, 1), 0, 0, 0), (date(2024, 7, 1), 0, 0, 0), (date(2024, 8, 1), 1, 1, 0)]
    assert (months.periods[1].first, months.periods[1].last) == (
        date(2024, 4, 1), date(2024, 4, 30))
    _each_period_is_its_days(days, months.periods)


def test_more_than_two_years_are_months_that_add_up(call_store: CallStore) -> None:
    call_store.upsert(CALLS)
    result = figures(call_store, calls_per_period,
                     sydney_days(date(2022, 8, 15), date(2024, 9, 30)))
    assert result.grain is Grain.MONTH
    assert len(result.periods) == 26  # Aug 2022 … Sep 2024
    assert result.periods[0] == PeriodCounts(date(2022, 8, 1), date(2022, 8, 15),
                                             date(2022, 8, 31), ins.Counts())
    # Feb 2024 (29 Feb 23:00 local) … Sep 2024 (1 Sep 08:00)
    assert [item.counts.calls for item in result.periods[-8:]] == [1, 2, 5, 0, 0, 0, 1, 1]
    assert result.total.calls == 10
    _each_period_is_its_days(result.days, result.periods)


def test_a_short_range_is_a_bar_a_day(call_store: CallStore) -> None:
    call_store.upsert(CALLS)
    result = figures(call_store, calls_per_period,
                     sydney_days(date(2024, 4, 1), date(2024, 4, 8)))
    assert result.grain is Grain.DAY
    assert [(item.first, item.counts.calls) for item in result.periods] == [
        (date(2024, 4, 1), 1), *((date(2024, 4, day), 0) for day in range(2, 7)),
        (date(2024, 4, 7), 3), (date(2024, 4, 8), 1)]


def _each_period_is_its_days(days: ins.Days, periods: tuple[PeriodCounts, ...]) -> None:
    """Every day in exactly one period, and each period's counts the sum of its days'."""
    covered = [item.day for item in days.days]
    assert [day for period in periods for day in covered
            if period.first <= day <= period.last] == covered
    for period in periods:
        inside = [item.counts for item in days.days if period.first <= item.day <= period.last]
        for name in ("answered", "missed", "abandoned", "other", "incoming", "live"):
            assert getattr(period.counts, name) == sum(getattr(c, name) for c in inside)
