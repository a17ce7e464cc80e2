"""A scan plan's state as JSON, and back: so a scan resumes after a crash.

The engine saves :func:`plan_to_json` with every page it stores; a restart
hands it to :func:`restore_plan`, which takes it only for the same kind, days,
names and ``since`` (anything else, damaged state included, is refused and
the scan starts afresh). What only helps the plan decide well (the start
times read, the previous page's keys) is not kept: a resumed scan re-learns
it, at the cost of a page or two.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from pbxdesk.api.scancrowd import Crowded
from pbxdesk.api.scanestimate import Density
from pbxdesk.api.scanmodel import IncompleteDay, Mark
from pbxdesk.api.scansweep import Segment

if TYPE_CHECKING:
    from pbxdesk.api.scanplan import ScanPlan

VERSION = 1
PHASES = ("range", "window", "done")


def plan_to_json(plan: ScanPlan) -> dict[str, Any]:
    def mark(value: Mark | None) -> Any:
        return None if value is None else value.to_json()

    def day(value: date | None) -> str | None:
        return None if value is None else value.isoformat()

    return {"version": VERSION, "kind": plan.kind, "first": plan.first.isoformat(),
            "last": plan.last.isoformat(), "names": list(plan.names), "since": plan.since,
            "phase": plan.phase, "cursor": day(plan.cursor), "above": mark(plan.above),
            "floor": mark(plan.floor), "floor_next": day(plan.floor_next),
            "crowded": plan.crowded.to_json() if plan.crowded else None,
            "segment": plan.segment.to_json() if plan.segment else None,
            "density": plan.density.to_json(), "sent": plan.sent,
            "incomplete": [found.to_json() for found in plan.incomplete.values()]}


def restore_plan(plan: ScanPlan, value: Any) -> bool:
    """Take over ``value`` (a :func:`plan_to_json`) if it is this plan's; else False."""
    if not isinstance(value, dict) or value.get("version") != VERSION or (
            value.get("kind"), value.get("first"), value.get("last"), value.get("names"),
            value.get("since")) != (plan.kind, plan.first.isoformat(), plan.last.isoformat(),
                                    list(plan.names), plan.since):
        return False
    try:
        phase = str(value["phase"])
        if phase not in PHASES:
            return False
        state = (phase, _day(value["cursor"]), Mark.from_json(value["above"]),
                 Mark.from_json(value["floor"]), _day(value["floor_next"]),
                 Crowded.from_json(value["crowded"]) if value["crowded"] else None,
                 Segment.from_json(value["segment"]) if value["segment"] else None,
                 Density.from_json(value["density"]), int(value.get("sent", 0)),
                 [IncompleteDay.from_json(found) for found in value["incomplete"]])
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    (plan.phase, plan.cursor, plan.above, plan.floor, plan.floor_next, plan.crowded,
     plan.segment, plan.density, plan.sent, days) = state
    plan.incomplete = {found.day: found for found in days if found is not None}
    return True


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)
