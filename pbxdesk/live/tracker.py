"""Which calls ring on my desk now: when a screen pop opens, changes and closes.

The relay passes events on in the order they arrived, and webhooks do not
always arrive in the order things happened, nor only once. The tracker
decides from the events alone, so a pop never hangs and never doubles:

- ``user_inbound`` for my extension opens a pop, unless the same leg is
  already shown (a webhook delivered twice), has already ended (its
  completion overtook it), or the event is old (replayed after a restart:
  that phone stopped ringing long ago);
- ``user_inbound_answered`` for my leg marks it answered (the pop stays while
  I talk, for the CRM and the history);
- ``user_inbound_completed`` for my leg closes it (answered elsewhere: my
  leg ends as missed; or the call ended); so does a queue / ring-group
  summary of the same call;
- a pop nobody answered closes after :attr:`CallTracker.ring_limit` seconds
  (a lost completion must not leave it up), an answered one after
  :attr:`CallTracker.talk_limit`.

A leg is named by :attr:`~pbxdesk.api.models.CallRow.key` (call id and
extension), which the ringing, answered and completed events share. No Qt here.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from pbxdesk.api.models import Direction
from pbxdesk.live.events import CallAnswered, CallCompleted, CallRinging, GroupCallSummary

STALE_SECONDS: Final = 120.0
"""A ringing event older than this (by the relay's clock) pops nothing: it is a replay."""
RING_LIMIT: Final = 180.0
TALK_LIMIT: Final = 4 * 3600.0
ENDED_KEPT: Final = 5000


@dataclass(slots=True)
class OpenLeg:
    key: str
    unique_call_id: str | None
    opened: float
    answered: bool = False
    answered_at: float | None = None


@dataclass(slots=True)
class CallTracker:
    """The legs ringing (or answered) on this desk; see the module docstring."""

    my_extension: str = ""
    """Whose inbound calls pop; "" trusts the relay (it sends a desk only its own)."""
    clock: Callable[[], float] = time.time
    stale_seconds: float = STALE_SECONDS
    ring_limit: float = RING_LIMIT
    talk_limit: float = TALK_LIMIT
    open: dict[str, OpenLeg] = field(default_factory=dict)
    _ended: collections.OrderedDict[str, None] = field(default_factory=collections.OrderedDict)

    def is_mine(self, event: CallRinging | CallAnswered | CallCompleted) -> bool:
        if event.direction is not Direction.INBOUND:
            return False
        extension = (event.extension or "").strip()
        return not self.my_extension or extension == self.my_extension.strip()

    def ringing(self, event: CallRinging) -> str | None:
        """The key of a pop to open for ``event``, or None (see the module docstring)."""
        if not self.is_mine(event):
            return None
        key = event.call.key
        if key in self.open or key in self._ended or self._is_stale(event.received_at):
            return None
        self.open[key] = OpenLeg(key, event.call.unique_call_id, self.clock())
        return key

    def answered(self, event: CallAnswered) -> str | None:
        """The key of the open pop that ``event`` answered (on my phone), or None."""
        leg = self.open.get(event.call.key) if self.is_mine(event) else None
        if leg is None or leg.answered:
            return None
        leg.answered, leg.answered_at = True, self.clock()
        return leg.key

    def completed(self, event: CallCompleted) -> str | None:
        """Remember the leg as over; the key of its pop to close, if one is open."""
        key = event.call.key
        self._remember_ended(key)
        return key if self.open.pop(key, None) is not None else None

    def group_ended(self, event: GroupCallSummary) -> list[str]:
        """Keys of the pops of the call a queue / ring group just finished."""
        call_id = event.call.unique_call_id
        if not call_id:
            return []
        keys = [key for key, leg in self.open.items() if leg.unique_call_id == call_id]
        for key in keys:
            del self.open[key]
            self._remember_ended(key)
        return keys

    def close(self, key: str) -> None:
        """The user closed the pop: it stays closed, even if the call rings on."""
        if self.open.pop(key, None) is not None:
            self._remember_ended(key)

    def expired(self) -> list[str]:
        """Keys of pops past their limit (closed here; the caller closes the windows)."""
        now = self.clock()
        keys = [key for key, leg in self.open.items()
                if (leg.answered and now - (leg.answered_at or leg.opened) > self.talk_limit)
                or (not leg.answered and now - leg.opened > self.ring_limit)]
        for key in keys:
            self.close(key)
        return keys

    def _is_stale(self, received_at: datetime | None) -> bool:
        if received_at is None:
            return False
        moment = received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC)
        return self.clock() - moment.timestamp() > self.stale_seconds

    def _remember_ended(self, key: str) -> None:
        self._ended[key] = None
        self._ended.move_to_end(key)
        while len(self._ended) > ENDED_KEPT:
            self._ended.popitem(last=False)
