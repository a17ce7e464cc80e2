"""One reading of the callbacks worklist, made ready on the worker thread for the GUI.

A :class:`Worklist` holds every item by number, each item's state at the
moment it was read (snoozing depends on the clock), and the items in the
default order (what to call back first: waiting oldest first, withheld last,
then snoozed, then closed), and what the GUI thread asks of every reading
(the callers waiting, oldest first; when the next snooze ends). Built off the
GUI thread by :func:`build`, so neither the view nor the tray walks the items.
:func:`refreshed` makes the next reading from the last one and the items an
update changed, instead of reading them all.
No Qt here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from pbxdesk.services.callbacktexts import ShownState, shown_state
from pbxdesk.store.callbackrules import WITHHELD, ItemRow

# The default order: to call back first, then snoozed, then closed.
STATE_RANK: Final = {ShownState.OPEN: 0, ShownState.TRIED: 0, ShownState.SNOOZED: 1,
                     ShownState.REACHED: 2, ShownState.DONE: 2, ShownState.NOT_NEEDED: 2}


@dataclass(frozen=True, slots=True)
class Worklist:
    """One reading of the worklist.

    Attributes:
        items: every item, in the default order at ``now_us``.
        now_us: when it was read (microseconds since the epoch).
        desk: this desk's id (to say "You" for its claims).
        by_number: the items by caller.
        states: each caller's state at ``now_us``.
        waiting_then: the items waiting at ``now_us`` (Open or Tried, not
            snoozed), oldest first.
        wake_us: when the first snooze of a waiting item ends after ``now_us``
            (-1: none), when the states change by the clock alone.
    """

    items: tuple[ItemRow, ...] = ()
    now_us: int = 0
    desk: str = ""
    by_number: Mapping[str, ItemRow] = field(default_factory=dict, compare=False)
    states: Mapping[str, ShownState] = field(default_factory=dict, compare=False)
    waiting_then: tuple[ItemRow, ...] = field(default=(), compare=False)
    wake_us: int = field(default=-1, compare=False)

    def waiting(self, now_us: int | None = None) -> list[ItemRow]:
        """Open and Tried items not snoozed at ``now_us`` (default: when read), oldest first.

        At the reading's own time this is ready made; at another it walks every item
        (not on the GUI thread with thousands of them).
        """
        if now_us is None or now_us == self.now_us:
            return list(self.waiting_then)
        found = [item for item in self.items if shown_state(item, now_us).waiting]
        return sorted(found, key=lambda item: item.first_us)


@dataclass(frozen=True, slots=True)
class Published:
    """A reading as the service hands it to the GUI thread, with the news in it.

    Attributes:
        worklist: the reading.
        arrived: callers newly waiting since the last announcement, to tell the
            agent about (the new ones first, then the others waiting); empty
            when there is nothing new.
    """

    worklist: Worklist
    arrived: tuple[ItemRow, ...] = ()


def build(by_number: Mapping[str, ItemRow], now_us: int, desk: str) -> Worklist:
    """A reading of these items at ``now_us``: states and the default order worked out."""
    states = {number: shown_state(item, now_us) for number, item in by_number.items()}
    ordered = sorted(by_number.values(), key=lambda item: (
        STATE_RANK[states[item.number]], item.number == WITHHELD, item.first_us, item.number))
    waiting = sorted((item for item in ordered if states[item.number].waiting),
                     key=lambda item: item.first_us)
    wakes = [item.snooze_until_us for item in by_number.values()
             if item.state.waiting and item.snooze_until_us > now_us]
    return Worklist(tuple(ordered), now_us, desk, by_number, states, tuple(waiting),
                    min(wakes, default=-1))


def refreshed(last: Worklist, changed: Iterable[str], found: Iterable[ItemRow],
              now_us: int) -> Worklist:
    """The next reading: ``last`` with the items of ``changed`` replaced by ``found``.

    A caller in ``changed`` but not in ``found`` has no item any more.
    """
    by_number = dict(last.by_number)
    for number in changed:
        by_number.pop(number, None)
    by_number.update((item.number, item) for item in found)
    return build(by_number, now_us, last.desk)
