"""A scan plan's state as JSON, and back: so a scan resumes after a crash.

The engine saves :func:`plan_to_json` with every page it stores; a restart
hands it to :func:`restore_plan`, which takes it only for the same kind, days,
names and ``since`` (anything else, damaged state included, is refused and
the scan starts afresh). What only helps the plan decide well is kept for
the scan's first pages (:mod:`pbxdesk.api.scanevidence`): their keys and
start times, so a scan resumed there neither counts those rows twice nor
learns the server's dates again. A state saved before the evidence was kept (or with
damaged evidence) is taken without it: nothing is lost, but the resumed scan
may send a page or two more.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from pbxdesk.api.scancrowd import Crowded
from pbxdesk.api.scanestimate import Density
from pbxdesk.api.scanevidence import Evidence
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
            "incomplete": [found.to_json() for found in plan.incomplete.values()],
            # A finished scan is not resumed: no evidence to carry.
            "segment_rows": plan.segment_rows,
            "evidence": [] if plan.finished else plan.evidence.to_json()}


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
    _restore_evidence(plan, value)
    return True


def _restore_evidence(plan: ScanPlan, value: dict[str, Any]) -> None:
    """What the first pages showed (missing or damaged: nothing, as before it was kept)."""
    evidence = Evidence.from_json(value.get("evidence"))
    plan.evidence = evidence
    for times in evidence.times():
        plan.seen_times.add(times)
    rows = value.get("segment_rows")
    plan.segment_rows = rows if isinstance(rows, int) and not isinstance(rows, bool) and \
        rows >= 0 else 0
    segment = plan.segment
    if segment is not None and segment.current.pages > 0:
        # The page read last was this sweep's: its next page must begin among its rows.
        segment.current.previous_keys = evidence.last_keys()


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)
