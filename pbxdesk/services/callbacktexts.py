"""What the callbacks worklist says: an item's state as the agent sees it, and its words.

An item is stored Open, Tried, Reached, Done or Not needed
(:class:`~pbxdesk.store.callbackrules.ItemState`); whether it is *snoozed*
depends on the clock, so :func:`shown_state` decides that when it is read.
The texts take the moment formatter as an argument (the UI passes the
locale's), so this module stays Qt-free and testable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from pbxdesk.store.callbackrules import WITHHELD, ItemRow, ItemState

MomentText = Callable[[datetime], str]
"""Formats an aware datetime for the user ("2:14 pm", "Mon 2:14 pm")."""
NumberText = Callable[[str], str]
"""Formats a caller's number as the API sent it ("0412 345 678")."""

CLAIM_FRESH: Final = timedelta(minutes=15)
"""How long "Ana is calling back" stays true without a result."""
_TIMES: Final = {1: "once", 2: "twice"}
TRAY_NAMES: Final = 3
"""Callers named in a notification; the rest are counted."""


class ShownState(StrEnum):
    """An item's state for the agent, snoozing included."""

    OPEN = "Open"
    TRIED = "Tried"
    SNOOZED = "Snoozed"
    REACHED = "Reached"
    DONE = "Done"
    NOT_NEEDED = "Not needed"

    @property
    def waiting(self) -> bool:
        return self in (ShownState.OPEN, ShownState.TRIED)


_SHOWN: Final = {ItemState.OPEN: ShownState.OPEN, ItemState.TRIED: ShownState.TRIED,
                 ItemState.REACHED: ShownState.REACHED, ItemState.DONE: ShownState.DONE,
                 ItemState.NOT_NEEDED: ShownState.NOT_NEEDED}


def moment(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def shown_state(item: ItemRow, now_us: int) -> ShownState:
    if item.state.waiting and item.snooze_until_us > now_us:
        return ShownState.SNOOZED
    return _SHOWN[item.state]


def times(count: int) -> str:
    """"once", "twice", "3 times"."""
    return _TIMES.get(count, f"{count} times")


def duration_text(seconds: float) -> str:
    """A waiting time: "under a minute", "25 min", "3 h 10 min", "2 days 4 h"."""
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    unit = "day" if days == 1 else "days"
    return f"{days} {unit} {hours} h" if hours else f"{days} {unit}"


def ago_text(seconds: float) -> str:
    """"just now", "2 min ago", "3 h ago"."""
    return "just now" if seconds < 60 else f"{duration_text(seconds)} ago"


def caller_text(item: ItemRow, number_text: NumberText) -> str:
    """The caller as one phrase: "0412 345 678 (Jane Citizen)", or "Withheld number"."""
    if item.number == WITHHELD:
        return "Withheld or anonymous callers"
    shown = number_text(item.raw_number)
    return f"{shown} ({item.caller_name})" if item.caller_name else shown


def who(name: str, desk: str, my_desk: str) -> str:
    if desk and desk == my_desk:
        return "You"
    return name or "Someone"


def claim_text(item: ItemRow, now_us: int, my_desk: str, moment_text: MomentText) -> str:
    """"Ana is calling back (2 min ago)", or "" when nobody claimed the item lately."""
    if item.claim_us < 0 or not item.state.waiting:
        return ""
    agent = who(item.claim_by, item.claim_desk, my_desk)
    age = (now_us - item.claim_us) / 1_000_000
    if age <= CLAIM_FRESH.total_seconds():
        verb = "are" if agent == "You" else "is"
        return f"{agent} {verb} calling back ({ago_text(age)})"
    return f"{agent} called back at {moment_text(moment(item.claim_us))}"


def status_text(item: ItemRow, now_us: int, my_desk: str, moment_text: MomentText) -> str:
    """One line on where the item stands, e.g. "Reached: Ana called back at 2:14 pm"."""
    state = shown_state(item, now_us)
    closed_at = moment_text(moment(item.closed_us)) if item.closed_us >= 0 else ""
    if state is ShownState.REACHED:
        agent = item.closed_by or "someone"
        if item.closed_direction == 2:
            return f"Reached: {agent} called back at {closed_at}"
        return f"Reached: they got through to {agent} at {closed_at}"
    if state is ShownState.DONE:
        return f"Done: marked by {item.closed_by or 'someone'} at {closed_at}"
    if state is ShownState.NOT_NEEDED:
        reason = f": {item.note}" if item.note else ""
        return f"Not needed{reason} ({item.closed_by or 'someone'}, {closed_at})"
    parts = []
    claim = claim_text(item, now_us, my_desk, moment_text)
    if claim:
        parts.append(claim)
    if state is ShownState.SNOOZED:
        parts.append(f"Snoozed until {moment_text(moment(item.snooze_until_us))}")
    if item.tries:
        by = f" by {item.last_try_by}" if item.last_try_by else ""
        parts.append(f"Called back {times(item.tries)}, no answer (last{by} at "
                     f"{moment_text(moment(item.last_try_us))})")
    if not parts:
        parts.append("Not called back yet")
    return "; ".join(parts)


def notification_text(waiting: Sequence[ItemRow], number_text: NumberText) -> tuple[str, str]:
    """Title and text for the tray: "3 callbacks waiting" / "0412 345 678 (Jane) tried twice …"."""
    count = len(waiting)
    title = "1 callback waiting" if count == 1 else f"{count} callbacks waiting"
    named = [f"{caller_text(item, number_text)} tried {times(item.attempts)}"
             for item in waiting[:TRAY_NAMES]]
    rest = count - len(named)
    text = ", ".join(named) + (f" and {rest} more" if rest > 0 else "")
    return title, text


def tray_line(count: int) -> str:
    """The tray's tooltip and menu words for ``count`` waiting callbacks."""
    if count <= 0:
        return "No callbacks waiting"
    return "1 callback waiting" if count == 1 else f"{count} callbacks waiting"


LATER_TODAY: Final = timedelta(hours=3)
MORNING_HOUR: Final = 9


def snooze_times(now: datetime) -> tuple[datetime, datetime]:
    """"Later today" and "Tomorrow morning" for a local, aware ``now``.

    Later today is three hours on, at the next quarter hour; tomorrow morning is
    9:00 the next day (the next working-day question is the agent's).
    """
    exact = now + LATER_TODAY
    later = exact.replace(second=0, microsecond=0)
    if later < exact:
        later += timedelta(minutes=1)
    later += timedelta(minutes=-later.minute % 15)  # up to the quarter hour
    tomorrow = (now + timedelta(days=1)).replace(hour=MORNING_HOUR, minute=0, second=0,
                                                 microsecond=0)
    return later, tomorrow
