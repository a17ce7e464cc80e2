"""What a crowded day read only at its two ends is estimated to lack.

The history here is made up, hour by hour: calls come at a steady rate within
each hour, every row of a "read" stretch is seen, and each full page of it is
noted as the scan notes one. Busy hours lie at both ends of the UTC day and a
quiet night in its middle, as for an account near UTC+11.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pbxdesk.api.scancrowd import ENDS, Crowded, plan_crowded
from pbxdesk.api.scanestimate import SeenTimes
from pbxdesk.api.scanmodel import HOUR, Mark, ServerTraits, midnight
from pbxdesk.api.scanplan import ScanPlan
from pbxdesk.api.scanprofile import rows_between

DAY = date(2026, 12, 7)
BUSY, QUIET = 300, 10
BUSY_HOURS = {22, 23, 0, 1, 2}   # UTC: the account's working day
PAGE = 100


def calls_per_hour(hour: int) -> int:
    return BUSY if hour in BUSY_HOURS else QUIET


def times_between(low: float, high: float) -> list[float]:
    """The made-up history's start times from ``low`` up to (not at) ``high``."""
    times: list[float] = []
    hour_start = low - low % HOUR
    while hour_start < high:
        count = calls_per_hour(int(hour_start // HOUR) % 24)
        times += [at for step in range(count)
                  if low <= (at := hour_start + (step + 0.5) * HOUR / count) < high]
        hour_start += HOUR
    return times


def true_rows(low: float, high: float) -> int:
    return len(times_between(low, high))


def read(plan: ScanPlan, low: float, high: float) -> None:
    """Every row from ``low`` to ``high`` read, in full pages newest first."""
    times = sorted(times_between(low, high), reverse=True)
    plan.seen_times.add(times)
    for start in range(0, len(times), PAGE):
        page = times[start:start + PAGE]
        if len(page) == PAGE:
            plan.density.note_rate(len(page), min(page), max(page))


def plan_of_days(days: int) -> ScanPlan:
    return ScanPlan("user", DAY - timedelta(days=days), DAY, limit=PAGE, max_offset=PAGE - 1,
                    traits=ServerTraits())


def missing_of_a_day_read_at_both_ends(plan: ScanPlan, bottom: float, top: float) -> int:
    """What the scan records for ``DAY`` once every row up to ``bottom`` and from
    ``top`` is read, and no query reaches further."""
    plan.crowded = crowded = Crowded(DAY, top=Mark(top, "top"), bottom=Mark(bottom, "bottom"),
                                     stage=ENDS)
    assert plan_crowded(plan, crowded) is None
    return plan.incomplete[DAY].missing


def test_a_quiet_middle_between_busy_ends_is_estimated_from_the_days_read_before() -> None:
    plan = plan_of_days(2)
    read(plan, midnight(DAY) - 2 * 86_400, midnight(DAY))  # two whole days before
    bottom, top = midnight(DAY) + 40 * 60, midnight(DAY) + 86_400 - 40 * 60
    read(plan, midnight(DAY), bottom)
    read(plan, top, midnight(DAY) + 86_400)
    truth = true_rows(bottom, top)
    missing = missing_of_a_day_read_at_both_ends(plan, bottom, top)
    # The busy ends' density over the whole middle would say about five times as many
    # (6,800). Thinly read quiet hours are pooled with their neighbours, which spreads
    # some of a busy hour into the quiet one next to it: a little too many.
    assert truth == 1290
    assert missing == pytest.approx(truth, rel=0.15)


def test_a_busier_day_than_those_read_before_is_scaled_to_its_ends() -> None:
    plan = plan_of_days(2)
    read(plan, midnight(DAY) - 2 * 86_400, midnight(DAY))
    bottom, top = midnight(DAY) + 20 * 60, midnight(DAY) + 86_400 - 20 * 60
    # The day itself: twice as busy as the days before (its ends read twice over).
    doubled = times_between(midnight(DAY), bottom) + times_between(top, midnight(DAY) + 86_400)
    plan.seen_times.add([at + 1.0 for at in doubled])
    read(plan, midnight(DAY), bottom)
    read(plan, top, midnight(DAY) + 86_400)
    missing = missing_of_a_day_read_at_both_ends(plan, bottom, top)
    assert missing == pytest.approx(2 * true_rows(bottom, top), rel=0.15)


def test_with_nothing_read_of_the_middles_hours_the_ends_density_is_the_guess() -> None:
    plan = plan_of_days(0)
    bottom, top = midnight(DAY) + 40 * 60, midnight(DAY) + 86_400 - 40 * 60
    read(plan, midnight(DAY), bottom)
    read(plan, top, midnight(DAY) + 86_400)
    missing = missing_of_a_day_read_at_both_ends(plan, bottom, top)
    assert missing == pytest.approx(BUSY * (top - bottom) / HOUR, rel=0.05)


def test_pages_whose_rows_are_not_all_known_teach_nothing() -> None:
    # A resumed scan knows the spans of its full pages, not every row it read in them.
    plan = plan_of_days(2)
    read(plan, midnight(DAY) - 2 * 86_400, midnight(DAY) + 86_400)
    assert rows_between(plan.density.rates, plan.seen_times, midnight(DAY) + HOUR,
                        midnight(DAY) + 2 * HOUR) == pytest.approx(BUSY, rel=0.05)
    assert rows_between(plan.density.rates, SeenTimes(), midnight(DAY) + HOUR,
                        midnight(DAY) + 2 * HOUR) is None


def read_the_ends_of_the_day(plan: ScanPlan) -> tuple[float, float]:
    """Every row of ``DAY`` up to 40 minutes past midnight and from 40 minutes before the
    next: the unread middle's bounds."""
    bottom, top = midnight(DAY) + 40 * 60, midnight(DAY) + 86_400 - 40 * 60
    read(plan, midnight(DAY), bottom)
    read(plan, top, midnight(DAY) + 86_400)
    return bottom, top


def test_a_day_left_before_its_hours_were_read_is_priced_again_at_the_scans_end() -> None:
    # The newest day closes first: nothing of its middle's hours is read yet, so its
    # estimate is the busy ends' density. The days read after it tell better.
    plan = plan_of_days(2)
    bottom, top = read_the_ends_of_the_day(plan)
    truth = true_rows(bottom, top)
    at_close = missing_of_a_day_read_at_both_ends(plan, bottom, top)
    assert at_close > 4 * truth
    read(plan, midnight(DAY) - 2 * 86_400, midnight(DAY))
    plan.reprice_incomplete()
    assert plan.incomplete[DAY].missing == pytest.approx(truth, rel=0.15)
    assert plan.gaps == {}  # priced once


def test_a_day_the_profile_still_cannot_tell_keeps_its_estimate() -> None:
    plan = plan_of_days(0)
    bottom, top = read_the_ends_of_the_day(plan)
    at_close = missing_of_a_day_read_at_both_ends(plan, bottom, top)
    plan.reprice_incomplete()
    assert plan.incomplete[DAY].missing == at_close


def test_only_the_unread_stretches_are_priced_again() -> None:
    # What the day lacks besides its gaps (calls without a name, say) stays as it was.
    plan = plan_of_days(2)
    bottom, top = read_the_ends_of_the_day(plan)
    at_close = missing_of_a_day_read_at_both_ends(plan, bottom, top)
    plan.record(DAY, 25, "some of its calls carry no name to select them by")
    read(plan, midnight(DAY) - 2 * 86_400, midnight(DAY))
    plan.reprice_incomplete()
    gap = rows_between(plan.density.rates, plan.seen_times, bottom, top)
    assert gap is not None
    assert at_close > 4 * gap
    assert plan.incomplete[DAY].missing == round(gap) + 25
