"""The fields of a click-to-call request, checked before anything is sent.

``call-to-number`` takes the agent's extension, the destination (E.164 with
``+`` is what the API accepts) and optionally a caller ID owned by the account.
What people type is parsed by :mod:`pbxdesk.phone` in the UI; this module only
makes sure that what reaches the wire is well-formed, and says why when it is
not (an :class:`~pbxdesk.api.errors.InvalidInputError`, which costs no request).
"""

from __future__ import annotations

import re

from pbxdesk.api.errors import InvalidInputError
from pbxdesk.logs import redact
from pbxdesk.phone import DialTarget, parse_dial_input

# Visual separators people paste with numbers: spaces, dashes, dots, brackets.
_SEPARATORS = re.compile(r"[\s\-.()\u00a0\u2010-\u2015]")
_E164 = re.compile(r"\+[1-9][0-9]{5,14}")
_MAX_EXTENSION = 10
# Longer digit strings are external numbers (matches pbxdesk.phone's default).
_MAX_DIALLED_EXTENSION = 6


def call_fields(user_number: str, number_to_call: str, caller_id: str | None,
                default_region: str | None) -> dict[str, str]:
    """The form fields of ``call-to-number``.

    Raises:
        InvalidInputError: a value that cannot be sent as it is.
    """
    fields = {"user_number": extension(user_number),
              "number_to_call": destination(number_to_call, default_region)}
    if caller_id is not None and caller_id.strip():
        fields["caller_id"] = caller_number(caller_id)
    return fields


def extension(user_number: str) -> str:
    """The agent's extension: a short digit string such as ``1010``."""
    text = _compact(user_number)
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_EXTENSION):
        raise InvalidInputError(
            f"Your extension must be a short number like 1010 (got {_show(user_number)}). "
            "Check it in Settings. Nothing was sent.")
    return text


def destination(number: str, default_region: str | None) -> str:
    """The number to call: E.164 with ``+``, or an internal extension as is.

    The numbering rules (international prefixes per country, trunk prefixes,
    extensions, emergency numbers) are :mod:`pbxdesk.phone`'s; this only refuses
    what it cannot turn into one of those two forms. A short digit string is an
    extension here, never a national number: a number reaches the client as E.164.
    """
    compact = _compact(number)
    if _E164.fullmatch(compact):
        return compact
    # Digits alone are sent as the extension they name: the caller has decided (and
    # asked the agent when "131234" is an extension and an Australian 13 number too).
    chosen = (compact,) if compact.isascii() and compact.isdigit() else ()
    parsed = parse_dial_input(number, default_region, extensions=chosen,
                              max_extension_digits=_MAX_DIALLED_EXTENSION)
    if isinstance(parsed, DialTarget):
        return parsed.number_to_call
    raise InvalidInputError(
        f"{_show(number)} is not a number that can be dialled: {parsed.message} Use the "
        "international form, like +61 2 9876 5432, or an extension. Nothing was sent.")


def caller_number(caller_id: str) -> str:
    """A caller ID as the account lists its numbers: digits, optionally with ``+``."""
    text = _compact(caller_id)
    digits = text[1:] if text.startswith("+") else text
    if not (digits.isascii() and digits.isdigit() and 3 <= len(digits) <= 15):
        raise InvalidInputError(
            f"The caller ID must be one of the account's phone numbers (got {_show(caller_id)}). "
            "Nothing was sent.")
    return text


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text or "")


def _show(text: str) -> str:
    # redact(): a key pasted into the wrong field must not be quoted back.
    text = redact(" ".join((text or "").split()))
    if not text:
        return "nothing"
    return repr(text if len(text) <= 40 else text[:39] + "…")
