"""What the incomplete days lack, estimated again once the scan has read all it will.

A crowded day's unread middle is priced when the day closes (:mod:`pbxdesk.api.scancrowd`),
by the hours of the day the scan has read in full so far
(:func:`~pbxdesk.api.scanprofile.rows_between`). The newest day closes first, before
any of its middle's hours were read on another day: its estimate then falls back to
the busy ends' density, which for an account far from UTC can be several times too
many. So each unread stretch (a :class:`Gap`) is kept, and once the scan ends every one
is priced again from everything read by then; where the profile still cannot tell, the
estimate made when the day closed stands. No I/O here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pbxdesk.api.scanmodel import IncompleteDay
from pbxdesk.api.scanprofile import rows_between

if TYPE_CHECKING:
    from pbxdesk.api.scanplan import ScanPlan

log = logging.getLogger("pbxdesk.api")
MOST_DAYS = 60
"""Days priced again at most (newest first: they closed with the least read around them).
Each costs a profile fit, about 3 ms at a million calls, in a worker thread."""


def unread_rows(plan: ScanPlan, low: float, high: float) -> float | None:
    """About how many rows lie between ``low`` and ``high`` (epoch seconds), never read:
    by the hours of the day the plan read in full; None when that cannot tell."""
    return rows_between(plan.density.rates, plan.seen_times, low, high)


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch of a day no row of which was read (epoch seconds ``low`` to ``high``),
    estimated to hold about ``estimate`` rows when the day was left."""

    low: float
    high: float
    estimate: float

    def priced_again(self, plan: ScanPlan) -> float:
        """What it lacks by everything the plan read (its old estimate where that cannot
        tell)."""
        rows = unread_rows(plan, self.low, self.high)
        return self.estimate if rows is None else max(1.0, rows)


def reprice_incomplete(plan: ScanPlan) -> None:
    """Estimate every listed day's unread stretches again (once: they are then dropped).

    A day's other parts (calls without a name to select them by) keep their estimate,
    and so do the days past :data:`MOST_DAYS`.
    Stretches of days closed before a scan was resumed were not kept: the rows read
    around them are not known again, so their estimates stand.
    """
    for day, gaps in sorted(plan.gaps.items(), reverse=True)[:MOST_DAYS]:
        listed = plan.incomplete.get(day)
        if listed is None:
            continue
        change = sum(gap.priced_again(plan) - gap.estimate for gap in gaps)
        missing = max(1, round(listed.missing + change))
        if missing != listed.missing:
            log.info("The %s calls of %s that could not be fetched are now estimated at "
                     "about %s (%s when the day was left)", plan.kind, day.isoformat(),
                     missing, listed.missing)
            plan.incomplete[day] = IncompleteDay(day, missing, listed.reason)
    plan.gaps.clear()
