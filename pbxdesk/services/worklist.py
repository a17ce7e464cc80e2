"""One reading of the callbacks worklist, made ready on the worker thread for the GUI.

A :class:`Worklist` holds every item by number, each item's state at the
moment it was read (snoozing depends on the clock), and the items in the
default order (what to call back first: waiting oldest first, withheld last,
then snoozed, then closed). Built off the GUI thread by :func:`build`, so the
view only filters a ready list. :func:`refreshed` makes the next reading from
the last one and the items an update changed, instead of reading them all.
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
    """

    items: tuple[ItemRow, ...] = ()
    now_us: int = 0
    desk: str = ""
    by_number: Mapping[str, ItemRow] = field(default_factory=dict, compare=False)
    states: Mapping[str, ShownState] = field(default_factory=dict, compare=False)

    def waiting(self, now_us: int | None = None) -> list[ItemRow]:
        """Open and Tried items not snoozed at ``now_us`` (default: when read), oldest first."""
        if now_us is None or now_us == self.now_us:
            found = [item for item in self.items if self.states[item.number].waiting]
        else:
            found = [item for item in self.items if shown_state(item, now_us).waiting]
        return sorted(found, key=lambda item: item.first_us)


def build(by_number: Mapping[str, ItemRow], now_us: int, desk: str) -> Worklist:
    """A reading of these items at ``now_us``: states and the default order worked out."""
    states = {number: shown_state(item, now_us) for number, item in by_number.items()}
    ordered = sorted(by_number.values(), key=lambda item: (
        STATE_RANK[states[item.number]], item.number == WITHHELD, item.first_us, item.number))
    return Worklist(tuple(ordered), now_us, desk, by_number, states)


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
