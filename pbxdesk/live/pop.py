"""What a screen pop and a voicemail note show, made from relay events. No Qt here.

:class:`PopInfo` is one ringing call on my phone: the caller's number (raw,
E.164 and formatted for this country), the name (the event's, else the
newest the history knows), the queue or ring group it came through when the
event says, and the caller's :class:`~pbxdesk.live.caller.CallerSummary`
once read. :class:`VoicemailNote` is a message left for me, with the link
to listen to it (``http``/``https`` only: the event parser keeps no other).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from pbxdesk.live.caller import CallerSummary
from pbxdesk.live.crm import is_web_link
from pbxdesk.live.events import CallRinging, VoicemailLeft
from pbxdesk.phone.display import format_for_display

# Where webhooks name the queue or ring group a user's leg came through (guesses:
# the documented fields of the summaries, and the relay's normalised names).
_GROUP_FIELDS: Final = ("queue_name", "ring_group_name", "group_name", "queue",
                        "ring_group")
_MAX_TEXT: Final = 120


@dataclass(frozen=True, slots=True)
class PopInfo:
    """One call ringing on my phone, as the pop shows it."""

    key: str
    unique_call_id: str | None
    raw_number: str | None
    e164: str | None
    display: str
    """The number as this country writes it; "Unknown number" when none was sent."""
    name: str | None
    name_from_history: bool
    group: str | None
    extension: str | None
    ringing_since: datetime | None
    summary: CallerSummary | None = None
    """None until the history was read."""
    answered: bool = False

    def with_summary(self, summary: CallerSummary) -> PopInfo:
        name, from_history = self.name, self.name_from_history
        if not name and summary.name:
            name, from_history = summary.name, True
        return dataclasses.replace(self, summary=summary, name=name,
                                   name_from_history=from_history)

    def answered_now(self) -> PopInfo:
        return dataclasses.replace(self, answered=True)


def pop_for(event: CallRinging, key: str, region: str | None) -> PopInfo:
    call = event.call
    raw = _clean(call.caller_id)
    return PopInfo(key=key, unique_call_id=call.unique_call_id, raw_number=raw,
                   e164=call.caller_e164, display=_display(raw, region),
                   name=_clean(call.caller_name), name_from_history=False,
                   group=group_of(event.fields), extension=_clean(call.user_number),
                   ringing_since=call.call_start_at or event.received_at)


@dataclass(frozen=True, slots=True)
class VoicemailNote:
    """A voicemail left for me."""

    event_id: str
    raw_number: str | None
    e164: str | None
    display: str
    name: str | None
    recorded_at: datetime | None
    link: str | None
    """The recording to open on Listen (``http``/``https``), or None."""

    def with_name(self, name: str | None) -> VoicemailNote:
        return self if self.name or not name else dataclasses.replace(self, name=name)


def note_for(event: VoicemailLeft, region: str | None) -> VoicemailNote:
    raw = _clean(event.caller_id)
    link = next((link for link in event.links if is_web_link(link)), None)
    return VoicemailNote(event_id=event.id, raw_number=raw, e164=event.caller_e164,
                         display=_display(raw, region), name=_clean(event.caller_name),
                         recorded_at=event.recorded_at or event.received_at, link=link)


def group_of(fields: Mapping[str, Any]) -> str | None:
    for name in _GROUP_FIELDS:
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            return _clean(value)
    return None


def _display(raw: str | None, region: str | None) -> str:
    if not raw:
        return "Unknown number"
    return format_for_display(raw, region) or raw


def _clean(value: object) -> str | None:
    """One line of printable text, bounded (webhook values are not to be trusted)."""
    if not isinstance(value, str):
        return None
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    return (text[:_MAX_TEXT] + "…" if len(text) > _MAX_TEXT else text) or None
