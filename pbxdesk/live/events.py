"""The relay's events as typed values: what pbxdesk shows and stores when a call moves.

:func:`parse_event` turns one SSE message (``id``, ``event``, ``data``) into:

- :class:`CallRinging` (``user_inbound`` / ``user_outbound``): an agent's
  phone rings (inbound) or an agent's call is being placed (outbound);
- :class:`CallAnswered` (``…_answered``);
- :class:`CallCompleted` (``…_completed``): :attr:`CallCompleted.history_row`
  is the call as the history API would list it (``user_inbound_answered`` /
  ``user_inbound_missed``…), ready for the call store;
- :class:`GroupCallSummary` (``queue_call`` / ``ring_group_call``): a
  :class:`~pbxdesk.api.models.GroupCall` for the store;
- :class:`VoicemailLeft` (``voicemail``) and :class:`CallRecorded`
  (``recording_inbound`` / ``recording_outbound``), with their links;
- :class:`CallbackShared` (``callback_record``): a desk of the team changed
  a callback (the relay's own event; :func:`pbxdesk.live.records.team_record`
  reads its ``fields``);
- :class:`UnknownEvent` for any other type, kept with all its fields.

Fields are read with the history parser (:func:`pbxdesk.api.parse.parse_row`),
so numbers as strings, ``"null"``, timestamps with or without milliseconds
read the same as in the history; every event keeps its raw ``fields``. Links
to recordings are kept only when they are ``http(s)`` URLs: a hand-over from
outside may be hostile, and these are opened in the default app on a click.
No Qt and no I/O here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pbxdesk.api.models import CallKind, Direction, GroupCall, UserCall
from pbxdesk.api.parse import e164, parse_row, read_timestamp

_CALL_TYPES = {
    "user_inbound": ("ringing", Direction.INBOUND),
    "user_inbound_answered": ("answered", Direction.INBOUND),
    "user_inbound_completed": ("completed", Direction.INBOUND),
    "user_outbound": ("ringing", Direction.OUTBOUND),
    "user_outbound_answered": ("answered", Direction.OUTBOUND),
    "user_outbound_completed": ("completed", Direction.OUTBOUND),
}
_GROUP_TYPES = {"queue_call": CallKind.QUEUE, "ring_group_call": CallKind.RING_GROUP}
_RECORDING_TYPES = {"recording_inbound": Direction.INBOUND,
                    "recording_outbound": Direction.OUTBOUND}
_LINK_FIELDS = ("audio_file", "call_recording_link", "recording_url", "recording_link")
_MAX_LINKS = 20


class UnreadableLiveEventError(ValueError):
    """An SSE message whose data is not a JSON object (the relay never sends one)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveEvent:
    """What every event has: the relay's id (resume after it), its type, when it arrived."""

    id: str
    type: str
    received_at: datetime | None
    fields: Mapping[str, Any]
    """The event's data as the relay sent it (webhook fields, normalised)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserCallEvent(LiveEvent):
    """A step of one agent's call leg; ``call`` holds its fields as a call row."""

    direction: Direction
    call: UserCall

    @property
    def extension(self) -> str | None:
        return self.call.user_number

    @property
    def other_party(self) -> str | None:
        """The caller for an inbound call, the number called for an outbound one (raw)."""
        return self.call.caller_id if self.direction is Direction.INBOUND \
            else self.call.dest_number

    @property
    def other_party_e164(self) -> str | None:
        return self.call.caller_e164 if self.direction is Direction.INBOUND \
            else self.call.dest_e164


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRinging(UserCallEvent):
    """``user_inbound`` / ``user_outbound``: the leg has started ringing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAnswered(UserCallEvent):
    """``user_inbound_answered`` / ``user_outbound_answered``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallCompleted(UserCallEvent):
    """``user_inbound_completed`` / ``user_outbound_completed``: the leg is over."""

    history_row: UserCall
    """The call as ``get-user-calls`` lists it: ``type`` ``user_<direction>_answered``
    or ``…_missed``; its :attr:`~pbxdesk.api.models.CallRow.key` matches the
    synced row's, so a later sync finds it."""

    @property
    def answered(self) -> bool:
        return self.history_row.type is not None and self.history_row.type.endswith("answered")


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupCallSummary(LiveEvent):
    """``queue_call`` / ``ring_group_call``: a queue's or ring group's call has ended."""

    call: GroupCall


@dataclass(frozen=True, slots=True, kw_only=True)
class VoicemailLeft(LiveEvent):
    """``voicemail``: a caller left a message."""

    caller_id: str | None
    caller_name: str | None
    caller_e164: str | None
    extension: str | None
    recorded_at: datetime | None
    links: tuple[str, ...]
    """The recording's ``http(s)`` links (``audio_file``), first the one to open."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRecorded(LiveEvent):
    """``recording_inbound`` / ``recording_outbound``: a call's recording is ready."""

    direction: Direction
    call: UserCall
    links: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackShared(LiveEvent):
    """``callback_record``: a desk of the team (this one too) changed a callback."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownEvent(LiveEvent):
    """A type this version does not know: keep it and show it plainly."""


def parse_event(event_id: str, event_name: str, data: str,
                region: str | None = None) -> LiveEvent:
    """One SSE message from the relay as a typed event.

    Args:
        region: The default country for numbers without a country code (E.164 forms).

    Raises:
        UnreadableLiveEventError: ``data`` is not a JSON object.
    """
    try:
        fields = json.loads(data)
    except (ValueError, RecursionError):
        raise UnreadableLiveEventError("the event's data is not JSON") from None
    if not isinstance(fields, dict):
        raise UnreadableLiveEventError("the event's data is not a JSON object")
    kind = str(fields.get("type") or event_name or "unknown")
    base: dict[str, Any] = {"id": event_id, "type": kind,
                            "received_at": read_timestamp(fields.get("received_at")),
                            "fields": fields}
    row_fields = {key: value for key, value in fields.items()
                  if key not in ("type", "received_at")}
    if kind in _CALL_TYPES:
        return _user_call_event(base, row_fields, kind, region)
    if kind in _GROUP_TYPES:
        call = parse_row(row_fields, _GROUP_TYPES[kind], region)
        if isinstance(call, GroupCall):
            return GroupCallSummary(**base, call=call)
    elif kind == "voicemail":
        caller = _text(fields.get("caller_id")) or _text(fields.get("callerid"))
        return VoicemailLeft(
            **base, caller_id=caller, caller_name=_text(fields.get("caller_name")),
            caller_e164=e164(caller, region), extension=_text(fields.get("user_number")),
            recorded_at=read_timestamp(fields.get("recorded_at")), links=_links(fields))
    elif kind == "callback_record":
        return CallbackShared(**base)
    elif kind in _RECORDING_TYPES:
        call = parse_row(row_fields, CallKind.USER, region) or _blank_call()
        if isinstance(call, UserCall):
            return CallRecorded(**base, direction=_RECORDING_TYPES[kind], call=call,
                                links=_links(fields))
    return UnknownEvent(**base)


def _user_call_event(base: dict[str, Any], row_fields: dict[str, Any], kind: str,
                     region: str | None) -> LiveEvent:
    stage, direction = _CALL_TYPES[kind]
    parsed = parse_row({**row_fields, "type": kind}, CallKind.USER, region)
    call = parsed if isinstance(parsed, UserCall) else _blank_call(kind)
    if stage == "ringing":
        return CallRinging(**base, direction=direction, call=call)
    if stage == "answered":
        return CallAnswered(**base, direction=direction, call=call)
    connected = call.connected_at is not None or (call.conversation_duration or 0) > 0
    outcome = "answered" if connected else "missed"
    row = parse_row({**row_fields, "type": f"user_{direction.value}_{outcome}"},
                    CallKind.USER, region)
    history_row = row if isinstance(row, UserCall) else call
    return CallCompleted(**base, direction=direction, call=call, history_row=history_row)


def _blank_call(kind: str | None = None) -> UserCall:
    """A call row with nothing known (an event without an id or a start time)."""
    return UserCall(unique_call_id=None, caller_id=None, caller_name=None, dest_number=None,
                    user_name=None, user_number=None, call_start_at=None, connected_at=None,
                    call_duration=None, conversation_duration=None, type=kind)


def _links(fields: Mapping[str, Any]) -> tuple[str, ...]:
    links: list[str] = []
    for name in _LINK_FIELDS:
        value = fields.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and _is_web_link(item.strip()) and item.strip() not in links:
                links.append(item.strip())
    return tuple(links[:_MAX_LINKS])


def _is_web_link(text: str) -> bool:
    if len(text) > 2000 or any(ch.isspace() or ord(ch) < 32 for ch in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None
