"""Click-to-call, simulated: what happens after a ``call-to-number`` POST.

The PBX rings every SIP device of the user at once; after the script's ring
time one answers (or all time out: ``not_answered``, no history row). Then it
dials the destination, which answers (``connected``, later ``ended`` with a
``user_outbound_answered`` row) or not (``not_answered`` with a
``user_outbound_missed`` row). Webhooks follow the same steps:
``user_outbound`` when the destination is dialled, ``user_outbound_answered``,
``user_outbound_completed``.

Each call follows the next :class:`~pbxdesk.sandbox.config.CallScript` queued
with :meth:`ClickToCall.script_next`, else the default script.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pbxdesk.sandbox.account import Account
from pbxdesk.sandbox.clock import SimClock
from pbxdesk.sandbox.config import CallScript
from pbxdesk.sandbox.generator import IdSequence
from pbxdesk.sandbox.params import CallRequest
from pbxdesk.sandbox.rows import CallRows, UserRow, event_fields
from pbxdesk.sandbox.scheduler import Scheduler
from pbxdesk.sandbox.webhooks import WebhookSender


class CallState(StrEnum):
    RINGING_DEVICES = "ringing_devices"
    RINGING_DESTINATION = "ringing_destination"
    CONNECTED = "connected"
    ENDED = "ended"
    NOT_ANSWERED = "not_answered"


@dataclass(frozen=True, slots=True)
class PlacedCall:
    """One ``call-to-number`` POST the sandbox accepted, and how far the call got."""

    index: int
    fields: Mapping[str, str]
    """The body's fields as received."""
    encoding: str
    """``json``, ``multipart`` or ``urlencoded``."""
    received_at: datetime
    user_number: str
    destination: str
    caller_id: str
    script: CallScript
    state: CallState
    ringing_devices: tuple[str, ...]
    answered_device: str | None = None
    unique_call_id: str | None = None
    ended_at: datetime | None = None
    not_answered_by: str | None = None
    """``devices`` or ``destination`` when the state is ``not_answered``."""

    @property
    def finished(self) -> bool:
        return self.state in {CallState.ENDED, CallState.NOT_ANSWERED}

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index, "fields": dict(self.fields), "encoding": self.encoding,
            "received_at": self.received_at.isoformat(), "user_number": self.user_number,
            "destination": self.destination, "caller_id": self.caller_id,
            "script": dataclasses.asdict(self.script), "state": self.state.value,
            "ringing_devices": list(self.ringing_devices),
            "answered_device": self.answered_device, "unique_call_id": self.unique_call_id,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "not_answered_by": self.not_answered_by,
        }


class ClickToCall:
    """Places simulated calls and moves them along on the scheduler."""

    def __init__(self, *, account: Account, clock: SimClock, scheduler: Scheduler,
                 webhooks: WebhookSender, ids: IdSequence, store: Callable[[CallRows], None],
                 default_script: CallScript, device_timeout: float,
                 destination_timeout: float) -> None:
        self.account = account
        self._clock = clock
        self._scheduler = scheduler
        self._webhooks = webhooks
        self._ids = ids
        self._store = store
        self._default = default_script
        self._device_timeout = device_timeout
        self._destination_timeout = destination_timeout
        self._scripts: collections.deque[CallScript] = collections.deque()
        self._calls: list[PlacedCall] = []

    def script_next(self, script: CallScript) -> None:
        self._scripts.append(script)

    def placed(self) -> list[PlacedCall]:
        return list(self._calls)

    def reset(self, account: Account | None = None) -> None:
        self._scripts.clear()
        self._calls.clear()
        if account is not None:
            self.account = account

    def place(self, request: CallRequest, fields: Mapping[str, str], encoding: str) -> PlacedCall:
        at = float(int(self._clock.now()))  # the API's timestamps are whole seconds
        script = self._scripts.popleft() if self._scripts else self._default
        call = PlacedCall(
            index=len(self._calls), fields=dict(fields), encoding=encoding,
            received_at=_utc(at), user_number=request.user.extension,
            destination=request.destination, caller_id=request.caller_id, script=script,
            state=CallState.RINGING_DEVICES,
            ringing_devices=tuple(d.name for d in request.user.devices))
        self._calls.append(call)
        if script.device_answers:
            self._scheduler.schedule(at + script.device_ring_seconds,
                                     lambda t: self._device_answered(call.index, at, t))
        else:
            self._scheduler.schedule(at + self._device_timeout,
                                     lambda t: self._devices_timed_out(call.index, t))
        return call

    def _device_answered(self, index: int, start: float, now: float) -> None:
        call = self._calls[index]
        devices = call.ringing_devices
        device = devices[min(call.script.answering_device, len(devices) - 1)] if devices else None
        call = self._update(index, state=CallState.RINGING_DESTINATION, answered_device=device,
                            unique_call_id=self._ids())
        self._webhooks.send("user_outbound", event_fields(self._row(call, start, now, None)))
        script = call.script
        if script.destination_answers:
            self._scheduler.schedule(now + script.destination_ring_seconds,
                                     lambda t: self._connected(index, start, t))
        else:
            self._scheduler.schedule(now + self._destination_timeout,
                                     lambda t: self._finished(index, start, None, t))

    def _devices_timed_out(self, index: int, now: float) -> None:
        self._update(index, state=CallState.NOT_ANSWERED, ended_at=_utc(now),
                     not_answered_by="devices")

    def _connected(self, index: int, start: float, now: float) -> None:
        call = self._update(index, state=CallState.CONNECTED)
        self._webhooks.send("user_outbound_answered",
                            event_fields(self._row(call, start, now, now)))
        self._scheduler.schedule(now + call.script.talk_seconds,
                                 lambda t: self._finished(index, start, now, t))

    def _finished(self, index: int, start: float, connected: float | None, now: float) -> None:
        if connected is None:
            call = self._update(index, state=CallState.NOT_ANSWERED, ended_at=_utc(now),
                                not_answered_by="destination")
        else:
            call = self._update(index, state=CallState.ENDED, ended_at=_utc(now))
        row = self._row(call, start, now, connected)
        self._store(CallRows([row], []))
        self._webhooks.send("user_outbound_completed", event_fields(row))

    def _row(self, call: PlacedCall, start: float, now: float,
             connected: float | None) -> UserRow:
        """The call's history row as of ``now``."""
        user = self.account.user(call.user_number)
        answered = connected is not None
        return UserRow(
            start_ms=int(start) * 1000, unique_call_id=call.unique_call_id or "",
            type="user_outbound_answered" if answered else "user_outbound_missed",
            caller_id=call.caller_id, caller_name=self.account.name,
            dest_number=call.destination, user_name=user.name if user else None,
            user_number=call.user_number,
            connected_ms=round(connected * 1000) if connected is not None else None,
            call_duration=round(now - start),
            conversation_duration=round(now - connected) if connected is not None else 0,
            quirk=0)

    def _update(self, index: int, **changes: Any) -> PlacedCall:
        call = dataclasses.replace(self._calls[index], **changes)
        self._calls[index] = call
        return call


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
