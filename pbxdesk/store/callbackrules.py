"""The callbacks worklist's values and the rules kept in Python: attempts and records.

* A *leg* is one stored row of an inbound call nobody answered. The legs of
  one call (a queue's row and each agent it rang) are one :class:`Attempt`:
  they share the PBX's ``unique_call_id`` or, when a row has none, overlap in
  time for the same caller (nobody makes two calls at once).
* A :class:`CallbackRecord` is one change an agent made (state, snooze, note,
  claim) with its time and who made it (desk and agent). Per number and field
  the last writer wins (:func:`newest`): records from several desks merge in
  any order to the same result.
* :class:`ItemState` and :class:`ItemRow` are an item as stored. The rules
  that decide an item's state run in SQL over many callers at once
  (:mod:`pbxdesk.store.callbackitems` states them).

No Qt, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Final, NamedTuple

WITHHELD: Final = ""
"""The number of the one item that gathers withheld and anonymous callers."""
OVERLAP_SLACK_US: Final = 2_000_000
"""Rows of one call may disagree on its times by a second or so (whole-second clocks)."""


class ItemState(IntEnum):
    """An item's state as stored (snoozing is decided when read, against the clock)."""

    OPEN = 0
    TRIED = 1
    REACHED = 2
    DONE = 3
    NOT_NEEDED = 4

    @property
    def waiting(self) -> bool:
        """Still to call back (Open or Tried)."""
        return self in (ItemState.OPEN, ItemState.TRIED)


class Field(StrEnum):
    """What a record changes."""

    STATE = "state"    # value: a StateValue
    SNOOZE = "snooze"  # value: microseconds since the epoch until which to hide, "" none
    NOTE = "note"      # value: the note ("" none)
    CLAIM = "claim"    # value: "calling" while an agent calls back, "" released


class StateValue(StrEnum):
    DONE = "done"
    NOT_NEEDED = "not_needed"
    OPEN = "open"      # undoes a manual Done / Not needed


CLAIM_CALLING: Final = "calling"


@dataclass(frozen=True, slots=True)
class CallbackRecord:
    """One change to one caller's item, as kept and as exchanged between desks."""

    number: str
    field: str
    value: str
    at_us: int
    desk: str
    agent: str

    def order(self) -> tuple[int, str]:
        """Last-writer-wins order: time, then desk (one desk writes one record a moment)."""
        return (self.at_us, self.desk)


def newest(records: Iterable[CallbackRecord]) -> dict[tuple[str, str], CallbackRecord]:
    """The winning record per (number, field): the latest, ties broken by desk."""
    winners: dict[tuple[str, str], CallbackRecord] = {}
    for record in records:
        key = (record.number, record.field)
        held = winners.get(key)
        if held is None or record.order() > held.order():
            winners[key] = record
    return winners


@dataclass(slots=True)
class Attempt:
    """One call from a caller that nobody answered (its legs merged).

    A leg read from ``calls`` is an Attempt of its own, without an ``id``,
    until :func:`merge_legs` folds it into the caller's attempts.
    """

    id: int | None
    number: str
    raw_number: str
    caller_name: str
    call_ref: str | None
    start_us: int
    end_us: int
    via: str
    via_kind: int
    wait_s: int

    def same_call(self, leg: Attempt) -> bool:
        if self.call_ref and leg.call_ref:
            return self.call_ref == leg.call_ref
        return (self.start_us <= leg.end_us + OVERLAP_SLACK_US
                and leg.start_us <= self.end_us + OVERLAP_SLACK_US)

    def absorb(self, leg: Attempt) -> bool:
        """Take in another leg of this call; True when anything changed."""
        before = (self.start_us, self.end_us, self.via, self.via_kind, self.wait_s,
                  self.call_ref, self.caller_name)
        self.start_us = min(self.start_us, leg.start_us)
        self.end_us = max(self.end_us, leg.end_us)
        if leg.via_kind and not self.via_kind:  # the queue says more than "direct"
            self.via, self.via_kind = leg.via, leg.via_kind
        self.wait_s = max(self.wait_s, leg.wait_s)
        self.call_ref = self.call_ref or leg.call_ref
        self.caller_name = self.caller_name or leg.caller_name
        return before != (self.start_us, self.end_us, self.via, self.via_kind, self.wait_s,
                          self.call_ref, self.caller_name)


def merge_legs(attempts: list[Attempt], legs: Iterable[Attempt]) -> list[Attempt]:
    """Fold ``legs`` into one caller's ``attempts`` (changed in place).

    Returns the attempts that are new or changed (to be written). Reading the
    same leg twice changes nothing, so a row may be read again safely.
    """
    changed: list[Attempt] = []
    for leg in sorted(legs, key=lambda item: (item.start_us, -item.via_kind)):
        match = next((attempt for attempt in attempts if attempt.same_call(leg)), None)
        if match is None:
            match = Attempt(None, leg.number, leg.raw_number, leg.caller_name, leg.call_ref,
                            leg.start_us, leg.end_us, leg.via, leg.via_kind, leg.wait_s)
            attempts.append(match)
            changed.append(match)
        elif match.absorb(leg) and all(match is not other for other in changed):
            changed.append(match)
    return changed


class ItemRow(NamedTuple):
    """One worklist item, as stored (the columns of ``callback_items``).

    A named tuple: a worklist of thousands is read on every change, and tuples
    are what SQLite hands back (a dataclass per row took five times as long).
    Times are microseconds since the epoch, -1 for none.
    """

    number: str
    raw_number: str
    caller_name: str
    state: ItemState
    attempts: int
    first_us: int
    last_us: int
    via: str
    wait_s: int
    tries: int
    last_try_us: int
    last_try_by: str
    closed_us: int
    closed_by: str
    closed_direction: int
    snooze_until_us: int
    note: str
    claim_us: int
    claim_by: str
    claim_desk: str


ITEM_COLUMNS: Final = (
    "number", "raw_number", "caller_name", "state", "attempts", "first_us", "last_us", "via",
    "wait_s", "tries", "last_try_us", "last_try_by", "closed_us", "closed_by",
    "closed_direction", "snooze_until_us", "note", "claim_us", "claim_by", "claim_desk")
