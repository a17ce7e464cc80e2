"""The PBX's webhook triggers: the path names portals use and the event ``type`` of each.

Integrations in the wild configure one URL per trigger in the portal, so a
body may not name its own event; the relay then takes the type from the
trigger in the URL (``POST /hooks/{account}/{trigger}``). The sandbox uses the
same table to post like a portal set up that way. See ``docs/pbx-api.md``,
Webhooks. No I/O here.
"""

from __future__ import annotations

import re

TRIGGER_TYPES: dict[str, str] = {
    "user-inbound-call": "user_inbound",
    "user-inbound-call-answered": "user_inbound_answered",
    "user-inbound-call-completion": "user_inbound_completed",
    "user-outbound-call": "user_outbound",
    "user-outbound-call-answered": "user_outbound_answered",
    "user-outbound-call-completion": "user_outbound_completed",
    "queue-call-summary": "queue_call",
    "ring-group-call-summary": "ring_group_call",
    "voicemail": "voicemail",
    "inbound-call-recording": "recording_inbound",
    "outbound-call-recording": "recording_outbound",
}
"""Trigger path → event type, for every trigger the portal offers."""

TYPE_TRIGGERS: dict[str, str] = {kind: trigger for trigger, kind in TRIGGER_TYPES.items()}
"""Event type → trigger path."""

_TRIGGER_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def is_trigger_name(text: str) -> bool:
    """True for a path segment that may name a trigger (known or not)."""
    return _TRIGGER_NAME.fullmatch(text) is not None


def type_of_trigger(trigger: str) -> str:
    """The event type a trigger path stands for; an unknown trigger names its own type."""
    return TRIGGER_TYPES.get(trigger, trigger.replace("-", "_"))


def trigger_of_type(event_type: str) -> str:
    """The trigger path for an event type; an unknown type becomes its own path."""
    return TYPE_TRIGGERS.get(event_type, event_type.replace("_", "-"))
