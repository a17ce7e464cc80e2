"""What the history tab says about one call: its label, the number to call back.

Qt-free rules shared by the table model, the row actions and the CSV export:

* :func:`status_of` — the readable "Inbound, missed" text, a glyph, and whether
  the row must stand out (missed and abandoned calls). Every ``type`` /
  ``status`` value is put in words (:mod:`.wording`), unknown ones too; the raw
  value stays with it for the tooltip.
* :func:`other_party` — the number on the far end of a call (for an outbound
  call the destination, otherwise the caller), raw as the API sent it.
* :func:`dialable` / :func:`copy_text` — whether that number can be called
  back, and the text "Copy number" puts on the clipboard (+E.164 where known).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pbxdesk.api.models import AnyCall, Direction, GroupCall, Outcome, UserCall
from pbxdesk.phone import (
    MAX_EXTENSION_DIGITS,
    MIN_EXTENSION_DIGITS,
    format_for_display,
    normalize_api_number,
)
from pbxdesk.ui.history.wording import status_words, type_words

STANDS_OUT: Final = frozenset({Outcome.MISSED, Outcome.ABANDONED})
"""Outcomes an agent must not overlook: shown bold, in red, with a cross. Not for an
outbound call: "Outbound, missed" is someone the agent rang who did not pick up, not a
caller waiting for a call back, and in red it drowned the calls that are."""

OUTCOME_TEXT: Final = {
    Outcome.ANSWERED: "answered", Outcome.MISSED: "missed", Outcome.ABANDONED: "abandoned",
    Outcome.BUSY: "busy", Outcome.FAILED: "failed", Outcome.UNKNOWN: "",
}
# Glyphs from the basic Unicode blocks every desktop font has (DejaVu, Segoe UI, SF).
OUTCOME_GLYPH: Final = {
    Outcome.ANSWERED: "✓", Outcome.MISSED: "✗", Outcome.ABANDONED: "✗",
    Outcome.BUSY: "⊘", Outcome.FAILED: "!", Outcome.UNKNOWN: "•",
}
DIRECTION_TEXT: Final = {
    Direction.INBOUND: "Inbound", Direction.OUTBOUND: "Outbound",
    Direction.INTERNAL: "Internal", Direction.UNKNOWN: "",
}


@dataclass(frozen=True, slots=True)
class Status:
    """How a call's type or status is shown."""

    glyph: str
    text: str
    """In words ("Inbound, missed", "No answer", "Callback requested"); "" when nothing
    was sent."""
    raw: str
    """The API's ``type`` (user calls) or ``status`` (group calls), "" when absent."""
    outcome: Outcome
    stands_out: bool

    @property
    def display(self) -> str:
        return f"{self.glyph} {self.text}" if self.text else self.glyph

    @property
    def spoken(self) -> str:
        """For screen readers, which do not read the glyph usefully."""
        return self.text or "Unknown outcome"


def status_of(call: AnyCall) -> Status:
    outcome = call.outcome
    glyph = OUTCOME_GLYPH[outcome]
    stands_out = outcome in STANDS_OUT
    if isinstance(call, UserCall):
        raw = call.type or ""
        # "Outbound, missed" is someone the agent rang, not a caller waiting.
        stands_out = stands_out and call.direction is not Direction.OUTBOUND
        return Status(glyph, type_words(raw), raw, outcome, stands_out)
    raw = call.status or ""
    return Status(glyph, status_words(raw), raw, outcome, stands_out)


def other_party(call: AnyCall) -> str | None:
    """The far end's number as the API sent it, or None when there is none."""
    if isinstance(call, GroupCall):
        return call.caller_id or None
    direction = call.direction
    if direction is Direction.OUTBOUND:
        return call.dest_number or None
    if direction is Direction.INBOUND:
        return call.caller_id or None
    # Internal or unknown: whoever is not this row's user.
    if call.caller_id and call.caller_id == call.user_number:
        return call.dest_number or None
    return call.caller_id or call.dest_number or None


def other_party_e164(call: AnyCall, region: str | None) -> str | None:
    number = other_party(call)
    if number is None:
        return None
    if number == call.caller_id and call.caller_e164:
        return call.caller_e164
    if number == call.dest_number and call.dest_e164:
        return call.dest_e164
    return normalize_api_number(number, region)


def is_extension(raw: str) -> bool:
    digits = raw.strip()
    return digits.isascii() and digits.isdigit() and (
        MIN_EXTENSION_DIGITS <= len(digits) <= MAX_EXTENSION_DIGITS)


def dialable(call: AnyCall, region: str | None) -> str | None:
    """The raw number "Call back" sends, or None when the far end cannot be dialled
    (withheld, "anonymous", junk)."""
    number = other_party(call)
    if number is None:
        return None
    if is_extension(number) or other_party_e164(call, region) is not None:
        return number
    return None


def copy_text(call: AnyCall, region: str | None) -> str | None:
    """What "Copy number" copies: +E.164 where known, else the number as shown;
    None when the far end sent no digits at all ("anonymous")."""
    e164 = other_party_e164(call, region)
    if e164 is not None:
        return e164
    number = other_party(call)
    if number is None or not any(ch.isdigit() for ch in number):
        return None
    return format_for_display(number, region)
