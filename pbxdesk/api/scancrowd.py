"""Reading a crowded day: one with more calls of a kind than a query hands over.

A crowded day goes through these stages (:attr:`Crowded.stage`):

* ``probe`` — when rows of the day are known from above but the server's day
  boundary is not, one page of the day shows that the day reaches them;
* ``look`` — when nothing of the day is known, its newest page: a day that
  was only predicted to be crowded often ends there, and otherwise the page
  shows how busy it is and who took its calls;
* ``groups`` — the rest in groups of names (users for user calls, the user
  selector takes a list; queues or ring groups for theirs), each expected to
  fit what one query hands over, read from the day's unread end; regrouped as
  the first groups show the day's real size; a group that overflows is halved;
* ``ends`` — the whole day from its unread end(s), when that is expected to be
  enough, or when the server ignores the selector (rows of other names come
  back). Whatever stays unread is recorded as an incomplete day with an
  estimate of how many calls it lacks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from pbxdesk.api.scanestimate import pack_cheapest, pack_names
from pbxdesk.api.scanmodel import DAY, Mark, midnight
from pbxdesk.api.scanreprice import Gap, unread_rows
from pbxdesk.api.scansweep import (
    COMPLETE,
    EXHAUSTED,
    FOREIGN,
    OVERFLOW,
    REVERSED,
    RowInfo,
    Segment,
    Sweep,
)

if TYPE_CHECKING:
    from pbxdesk.api.scanplan import ScanPlan

log = logging.getLogger("pbxdesk.api")
PROBE, LOOK, PART, ENDS = "probe", "look", "part", "ends"
FILL = 0.9
MARGIN = 1.06   # what a day may hold beyond what was expected, when a day like it is known
UNSURE = 1.3    # the same, when only a page's density is known
MAX_PROBES = 3
_ONE_DAY = timedelta(days=1)
_TOO_MANY = "it holds more calls than the API can page through"


@dataclass(slots=True)
class Crowded:
    """A crowded day being read; ``top`` / ``bottom`` mark rows of it already read
    (every row from ``top`` up, every row from ``bottom`` down)."""

    day: date
    top: Mark | None = None
    bottom: Mark | None = None
    stage: str = ""
    known_above: int = 0
    """Rows of the day already read above ``top`` when it was found crowded."""
    groups: list[tuple[str, ...]] = field(default_factory=list)
    probes: int = 0
    rest: float = 0.0
    """Rows of the day expected still to read when the groups were planned."""
    fetched: int = 0
    share_done: float = 0.0
    missing: float = 0.0
    reason: str = ""
    tried_groups: bool = False
    overflowed: list[str] = field(default_factory=list)
    """Names that alone had more calls on the day than both ends of a query reach."""
    shares: dict[str, float] = field(default_factory=dict)
    """Each name's share of the rows, as known before the day's groups were read."""
    carry: Sweep | None = None
    """A sweep of the whole day to go on with (the look page, or a group whose names
    the server ignored)."""
    reached_floor: bool = False
    """A query of the day held a row at or below the plan's floor: the day's start is
    below it, so nothing lies between the two (see :func:`reaches_floor`)."""
    gaps: list[Gap] = field(default_factory=list)
    """The unread stretches ``missing`` was estimated from, to price again once the scan
    ends (not saved: a resumed scan does not know the rows read around them)."""

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(),
                "top": self.top.to_json() if self.top else None,
                "bottom": self.bottom.to_json() if self.bottom else None,
                "stage": self.stage, "known_above": self.known_above,
                "groups": [list(group) for group in self.groups],
                "probes": self.probes, "rest": self.rest, "fetched": self.fetched,
                "share_done": self.share_done, "missing": self.missing,
                "reason": self.reason, "tried_groups": self.tried_groups,
                "shares": self.shares, "overflowed": self.overflowed,
                "carry": self.carry.to_json() if self.carry else None,
                "reached_floor": self.reached_floor}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Crowded:
        return cls(day=date.fromisoformat(value["day"]), top=Mark.from_json(value["top"]),
                   bottom=Mark.from_json(value["bottom"]), stage=str(value["stage"]),
                   known_above=int(value["known_above"]),
                   groups=[tuple(str(name) for name in group) for group in value["groups"]],
                   probes=int(value["probes"]), rest=float(value["rest"]),
                   fetched=int(value["fetched"]), share_done=float(value["share_done"]),
                   missing=float(value["missing"]), reason=str(value["reason"]),
                   tried_groups=bool(value["tried_groups"]),
                   shares={str(k): float(v) for k, v in dict(value["shares"]).items()},
                   overflowed=[str(name) for name in value["overflowed"]],
                   carry=Sweep.from_json(value["carry"]) if value["carry"] else None,
                   reached_floor=value.get("reached_floor") is True)


def plan_crowded(plan: ScanPlan, crowded: Crowded) -> Segment | None:
    """The next query for the crowded day, or None once it is read (or given up)."""
    to_date = day_query_to(plan, crowded.day)
    if not crowded.stage:
        crowded.stage = _first_stage(plan, crowded, to_date)
    if crowded.stage == PROBE:
        # The same query the day is read by: only that one shows whether it reaches the
        # known rows (with an exclusive to_date, [day, day] is empty whatever they are).
        crowded.probes += 1
        return plan.new_segment(PROBE, crowded.day, crowded.day, to_date,
                                [Sweep(newest=True, bound=crowded.top)], max_pages=1)
    if crowded.stage == LOOK:
        return plan.new_segment(LOOK, crowded.day, crowded.day, to_date, [Sweep(newest=True)],
                                max_pages=1)
    if crowded.stage == "plan":
        crowded.stage = _choose(plan, crowded)
    if crowded.stage == PART and crowded.groups:
        group = crowded.groups.pop(0)
        sweeps, then = _sweeps(plan, crowded, group)
        return plan.new_segment(PART, crowded.day, crowded.day, to_date, sweeps, then,
                                names=group)
    if crowded.stage == ENDS:
        crowded.stage = "closing"
        ends = _ends(plan, crowded)
        if ends is not None:
            return plan.new_segment(ENDS, crowded.day, crowded.day, to_date, *ends)
        crowded.gaps.clear()
        crowded.missing = _lacks(plan, crowded, crowded.bottom, crowded.top)
        crowded.reason = crowded.reason or _TOO_MANY
    close(plan, crowded)
    return None


def day_query_to(plan: ScanPlan, day: date) -> date:
    """The ``to_date`` of a query of ``day`` alone (``day`` itself while unknown)."""
    return day + _ONE_DAY if plan.traits.inclusive is False else day


def note_rows(plan: ScanPlan, crowded: Crowded, rows: Sequence[RowInfo]) -> None:
    """Rows of a query of the crowded day: do they show it reaches the plan's floor?"""
    floor = plan.floor
    if floor is not None and not crowded.reached_floor and any(
            row.key == floor.key or (row.at is not None and row.at <= floor.at)
            for row in rows):
        crowded.reached_floor = True


def reaches_floor(plan: ScanPlan, crowded: Crowded) -> bool:
    """Whether the crowded day's query begins at or below the plan's floor.

    Where the server's day begins is only estimated: a floor estimated to lie in the
    day may lie in the day before, and then the rows between it and the day's start
    are in neither. Shown by a row of the day at or below the floor, or by what is
    known of the cut once ``to_date`` is known to be inclusive or not (the day then
    begins by ``to_date``'s midnight + ``cut_high`` - a day).
    """
    floor = plan.floor
    if floor is None or crowded.reached_floor:
        return True
    if plan.traits.inclusive is None:
        return False  # [day, day] may be empty: the cut says nothing of where it begins
    to_date = day_query_to(plan, crowded.day)
    return midnight(to_date) + plan.traits.cut_high - DAY <= floor.at


def _first_stage(plan: ScanPlan, crowded: Crowded, to_date: date) -> str:
    if crowded.top is not None:
        # Unless what is known of the server's dates says so, make sure the day's
        # query reaches the known rows (else rows between would be lost). Its cut lies
        # after to_date's midnight (UTC) plus cut_low.
        reaches = midnight(to_date) + plan.traits.cut_low > crowded.top.at
        return "plan" if reaches or crowded.probes >= MAX_PROBES else PROBE
    return "plan" if crowded.bottom is not None else LOOK


def _choose(plan: ScanPlan, crowded: Crowded) -> str:
    """After what is known of the day: read it whole from one end, or in groups."""
    density = plan.density
    known = density.day_rows[crowded.day]
    margin = MARGIN if density.sure(crowded.day) else UNSURE
    if crowded.top is not None and crowded.bottom is not None:
        crowded.rest = _between(plan, crowded.bottom, crowded.top,
                                density.expected(crowded.day) - known)
    elif crowded.top is not None or crowded.bottom is not None:
        # Read from one end up to the cap: as much again is the least to expect below.
        crowded.rest = max(density.expected(crowded.day) - known, float(known), 1.0)
    else:
        crowded.rest = max(density.expected(crowded.day) - known, 1.0)
    if crowded.top is not None and crowded.bottom is None and plan.oldest_usable and \
            crowded.rest * margin <= plan.reach:
        return ENDS
    names = plan.all_names()
    if not plan.selector_usable or len(names) < 2 or crowded.tried_groups:
        crowded.reason = crowded.reason or _why_not_split(plan, names)
        return ENDS
    sweeps, _ = _sweeps(plan, crowded)
    # Rows a group reads again: its share of what is known on the side it starts from.
    starts_known = crowded.top if sweeps[0].newest else crowded.bottom
    again = 0.0 if starts_known is None else known / (2 if crowded.top and crowded.bottom
                                                      else 1)
    both = crowded.top is None and crowded.bottom is None and plan.oldest_usable
    # Taken once: the groups' own rows would tilt them towards the names read first.
    crowded.shares = shares = density.shares(names)
    expected = {name: share * (crowded.rest * margin + again) for name, share in shares.items()}
    groups = pack_cheapest(
        expected, [round(FILL * most) for most in plan.reachable(both_ends=both)],
        lambda rows: plan.pages_for(rows, both_ends=both))
    if len(groups) < 2:
        if crowded.carry is not None or crowded.top is None or crowded.bottom is None:
            return ENDS  # one group of every name is the whole day: no selector needed
        # Both ends of the day are read already: the rest only in groups, so two.
        groups = pack_names(expected, sum(expected.values()) / 2)
    crowded.tried_groups = True
    crowded.groups = groups
    return PART


def _why_not_split(plan: ScanPlan, names: list[str]) -> str:
    """Why the day cannot be read in groups of names (for the incomplete-days list)."""
    who = "user" if plan.kind == "user" else "queue" if plan.kind == "queue" else "ring group"
    if not plan.selector:
        return f"no {who} selector is set in Settings to split it by"
    if plan.traits.selectors.get(plan.kind) is False:
        return f"the PBX ignores the {who} selector, so it cannot be split by {who}"
    if len(names) < 2:
        return f"its calls are all of one {who}"
    return _TOO_MANY


def _sweeps(plan: ScanPlan, crowded: Crowded,
            group: tuple[str, ...] = ()) -> tuple[list[Sweep], list[bool]]:
    """How a group is read: from the end of the day not read yet.

    When nothing of the day is known, from both ends. Otherwise a group is
    planned to fit one end, and one that does not is halved; a single name
    that does not fit is read from the other end too (reading the known part
    of the day again is then the only way).
    """
    one_name = len(group) == 1 and plan.oldest_usable
    if crowded.top is not None and crowded.bottom is None and plan.oldest_usable:
        return [Sweep(newest=False, stop=crowded.top)], [True] if one_name else []
    if crowded.top is None and crowded.bottom is None:
        return [Sweep(newest=True)], [False] if plan.oldest_usable else []
    return [Sweep(newest=True, stop=crowded.bottom)], [False] if one_name else []


def _ends(plan: ScanPlan, crowded: Crowded) -> tuple[list[Sweep], list[bool]] | None:
    """The whole day (every name) from both ends, starting where nothing is read yet;
    parts already read are read again only where there is no other way. None when
    both ends were read as deep as a query reaches already."""
    first, crowded.carry = crowded.carry, None
    if first is not None and first.offset > 0 and (first.newest or plan.oldest_usable):
        first.outcome = None  # go on where the look page (or an ignored selector) left off
    elif crowded.top is not None and crowded.bottom is not None:
        return None
    elif crowded.top is not None and plan.oldest_usable:
        first = Sweep(newest=False, stop=crowded.top)
    else:
        first = Sweep(newest=True, stop=crowded.bottom)
    if first.newest:
        return [first], [False] if plan.oldest_usable else []
    # From the top again only if what is known up there is less than one end reaches.
    return [first], [True] if crowded.known_above < plan.reach else []


def finish_crowded_segment(plan: ScanPlan, crowded: Crowded, segment: Segment,
                           outcome: str) -> None:
    """A query of the crowded day is read (or could not be)."""
    if segment.role == PROBE:
        _finish_probe(plan, crowded, segment, outcome)
    elif segment.role == LOOK:
        if segment.current.outcome == EXHAUSTED:
            crowded.stage = "closing"  # it was not crowded after all
        else:
            crowded.top = segment.frontier(newest=True)
            crowded.carry = segment.current
            crowded.stage = "plan"
    elif segment.role == ENDS:
        _finish_ends(plan, crowded, segment, outcome)
    else:
        _finish_group(plan, crowded, segment, outcome)


def _finish_probe(plan: ScanPlan, crowded: Crowded, segment: Segment, outcome: str) -> None:
    assert crowded.top is not None
    if outcome == COMPLETE and segment.current.outcome == EXHAUSTED:
        crowded.stage = "closing"  # the day's rows fitted on that one page
        return
    if outcome == "gap" and segment.to_date == segment.from_date and \
            plan.traits.inclusive is False:
        # Asked for [day, day] before to_date was known to be exclusive (this answer may
        # have shown it): empty whatever the day holds, so it says nothing of where the
        # day ends. Probe again with the day's real query.
        crowded.stage = ""
        return
    if outcome == "gap":
        # The day ends before the known rows: they lie in a later day of the server.
        crowded.day = min(max(plan.traits.server_day(crowded.top.at),
                              crowded.day + _ONE_DAY), plan.last)
        crowded.stage, crowded.reached_floor = "", False
        return
    crowded.stage = "plan"


def _finish_ends(plan: ScanPlan, crowded: Crowded, segment: Segment, outcome: str) -> None:
    if outcome == COMPLETE:
        return
    if outcome == REVERSED:
        crowded.stage = "plan"  # no oldest end after all: choose again
        return
    low = _nearest([segment.frontier(newest=False), crowded.bottom], max)
    high = _nearest([segment.frontier(newest=True), crowded.top], min)
    if crowded.top is None:
        crowded.top = segment.frontier(newest=True)
    if crowded.bottom is None:
        crowded.bottom = segment.frontier(newest=False)
    if plan.selector_usable and not crowded.tried_groups and len(plan.all_names()) >= 2:
        # The day was larger than it looked: the middle in groups after all.
        crowded.stage = "plan"
        return
    crowded.gaps.clear()
    crowded.missing = _lacks(plan, crowded, low, high)
    crowded.reason = crowded.reason or _TOO_MANY


def _finish_group(plan: ScanPlan, crowded: Crowded, segment: Segment, outcome: str) -> None:
    shares = crowded.shares
    share = sum(shares.get(name, 0.0) for name in segment.names)
    if outcome == COMPLETE:
        crowded.share_done += share
        _regroup(plan, crowded, shares)
    elif outcome == FOREIGN:
        plan.traits.selectors[plan.kind] = False
        log.warning("The PBX ignored the %s selector (rows of other names came back); "
                    "crowded days are read from both ends instead", plan.kind)
        crowded.groups, crowded.share_done = [], 0.0
        crowded.reason = _why_not_split(plan, plan.all_names())
        if segment.current.short:
            crowded.stage = "closing"  # that answer held the whole day
            return
        crowded.carry = segment.current if segment.current.pages == 1 else None
        crowded.stage = ENDS
        return
    elif outcome == REVERSED:
        crowded.groups, crowded.tried_groups = [], False  # no oldest end: plan again
        crowded.stage = "plan"
        return
    elif outcome == OVERFLOW and len(segment.names) > 1:
        half = len(segment.names) // 2
        crowded.groups[:0] = [segment.names[:half], segment.names[half:]]
    else:
        # What this group could not reach lies between where its sweeps stopped (or
        # the known parts of the day), at its share of the day's density.
        day_start = Mark(midnight(crowded.day) - plan.traits.zone_shift, "")
        low = _nearest([segment.frontier(newest=False), crowded.bottom, day_start], max)
        high = _nearest([segment.frontier(newest=True), crowded.top], min)
        crowded.missing += _lacks(plan, crowded, low, high, share)
        if outcome == OVERFLOW:
            crowded.overflowed.extend(segment.names)
            names = crowded.overflowed
            crowded.reason = (f"{names[0]} alone had more calls than the API can page through"
                              if len(names) == 1 else f"{', '.join(names)} each had more "
                              "calls than the API can page through")
        else:
            crowded.reason = "rows kept moving while it was read"
    if not crowded.groups:
        crowded.stage = "closing"


def _regroup(plan: ScanPlan, crowded: Crowded, shares: dict[str, float]) -> None:
    """The groups read so far show the day's real size: plan the rest with it."""
    if crowded.share_done < 0.05 or not crowded.groups:
        return
    rest = crowded.fetched / crowded.share_done
    both = crowded.top is None and crowded.bottom is None and plan.oldest_usable
    names = [name for group in crowded.groups for name in group]
    crowded.groups = pack_cheapest(
        {name: shares.get(name, 0.0) * rest * MARGIN for name in names},
        [round(FILL * most) for most in plan.reachable(both_ends=both)],
        lambda rows: plan.pages_for(rows, both_ends=both))


def _nearest(marks: list[Mark | None], pick: Callable[..., Mark]) -> Mark | None:
    """The mark nearest the unread middle (``max`` from below, ``min`` from above)."""
    known = [mark for mark in marks if mark is not None]
    return pick(known, key=lambda mark: mark.at) if known else None


def _between(plan: ScanPlan, low: Mark | None, high: Mark | None, fallback: float) -> float:
    """About how many rows lie between two marks, at the busiest density read next to
    them: for planning what to read, where too many costs a request and too few a
    group that overflows (:func:`_unread` is the better guess of what a day lacks)."""
    if low is None or high is None or high.at <= low.at:
        return fallback
    rate = plan.density.rate_between(low.at, high.at)
    return fallback if rate is None else (high.at - low.at) * rate


def _unread(plan: ScanPlan, low: Mark | None, high: Mark | None, fallback: float) -> float:
    """About how many rows lie between two marks never read (what a day lacks): by the
    hours of the day the scan read elsewhere, else as :func:`_between`. The middle of a
    day can be its night, which the ends' density would take for as busy as they are."""
    if low is not None and high is not None:
        rows = unread_rows(plan, low.at, high.at)
        if rows is not None:
            return rows
    return _between(plan, low, high, fallback)


def _lacks(plan: ScanPlan, crowded: Crowded, low: Mark | None, high: Mark | None,
           share: float = 1.0) -> float:
    """What the day lacks between two marks, of names holding ``share`` of its rows.

    A stretch no name was read in is kept to be priced again once the scan ends. One
    that some names' query left is not: its share is of the day as a whole, not of
    those hours, and the profile of every name's hours says little of one name's.
    """
    estimate = max(1.0, _unread(plan, low, high, crowded.rest) * share)
    if share == 1.0 and low is not None and high is not None and high.at > low.at:
        crowded.gaps.append(Gap(low.at, high.at, estimate))
    return estimate


def close(plan: ScanPlan, crowded: Crowded) -> None:
    """The crowded day is done: record what it lacks, and walk on below it."""
    if crowded.share_done > 0 and plan.density.names.get("", 0):
        nameless = plan.density.names[""] / max(1, sum(plan.density.names.values()))
        crowded.missing += nameless * crowded.rest
        crowded.reason = crowded.reason or "some of its calls carry no name to select them by"
    if crowded.missing > 0:
        plan.record(crowded.day, round(crowded.missing), crowded.reason or _TOO_MANY,
                    crowded.gaps)
    plan.left_crowded_day(crowded.day, reached_floor=reaches_floor(plan, crowded))
