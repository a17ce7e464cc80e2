"""The PBX's ``type`` and ``status`` values in words: "No answer", "Inbound, voicemail".

The API sends machine words (``noanswer``, ``user_inbound_voicemail``); an agent
reads words. Known parts have their own wording; a value never seen before is
still made readable ("callback_requested" → "Callback requested"), never hidden,
and the table's tooltip and the CSV's API flavour keep it exactly as sent. No Qt.
"""

from __future__ import annotations

import re
from typing import Final

USER_PREFIX: Final = "user"
"""``type`` values start with it ("user_inbound_missed"); it says nothing to an agent."""

DIRECTION_WORDS: Final = {
    "inbound": "Inbound", "outbound": "Outbound", "internal": "Internal",
    "callback": "Callback", "transfer": "Transfer", "forwarded": "Forwarded",
}
OUTCOME_WORDS: Final = {
    "answered": "answered", "missed": "missed", "abandoned": "abandoned", "busy": "busy",
    "failed": "failed", "voicemail": "voicemail", "completed": "completed",
    "noanswer": "no answer", "no_answer": "no answer", "unanswered": "not answered",
    "timeout": "timed out", "no_agents": "no agents available", "exited": "caller left",
    "cancelled": "cancelled", "canceled": "cancelled", "rejected": "rejected",
    "transferred": "transferred", "callback_requested": "callback requested",
}
_SEPARATORS: Final = re.compile(r"[_\-\s]+")


def plain_words(raw: str) -> str:
    """Any machine word readable: "callback_requested" → "Callback requested"."""
    text = _SEPARATORS.sub(" ", raw).strip()
    return text[:1].upper() + text[1:].lower() if text else ""


def _outcome_words(token: str) -> str:
    known = OUTCOME_WORDS.get(token)
    return known if known is not None else plain_words(token).lower()


def status_words(raw: str | None) -> str:
    """A queue or ring-group ``status`` in words ("noanswer" → "No answer"); "" for none."""
    token = (raw or "").strip().lower()
    if not token:
        return ""
    words = _outcome_words(token)
    return words[:1].upper() + words[1:]


def type_words(raw: str | None) -> str:
    """A user call's ``type`` in words ("user_inbound_voicemail" → "Inbound, voicemail").

    The first part after ``user_`` is the direction, the rest the outcome; a value
    that does not follow that shape is made readable word by word.
    """
    token = (raw or "").strip().lower()
    if not token:
        return ""
    parts = token.split("_")
    if parts[0] == USER_PREFIX:
        parts = parts[1:]
    if not parts or parts[0] not in DIRECTION_WORDS:
        return plain_words(token)
    direction = DIRECTION_WORDS[parts[0]]
    rest = "_".join(parts[1:])
    return f"{direction}, {_outcome_words(rest)}" if rest else direction
