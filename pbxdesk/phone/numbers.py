"""One number as typed: an extension, a phone number, or the reason it is neither.

Owns the decision every entry point shares, for text already cleaned by
:func:`pbxdesk.phone.text.clean` that should be a number as a whole:

- digits only, :data:`MIN_EXTENSION_DIGITS` up to ``max_extension_digits`` long →
  an internal extension (dialled as is, never turned into E.164) when the
  account knows it or when they are no valid number of the default country;
  a valid number otherwise, or both when a known extension is also a valid
  number (:mod:`pbxdesk.phone.extensions` has the whole rule);
- an emergency number → not dialable. Click-to-call makes the PBX place the call
  with no one watching the handset ring, from an extension whose emergency
  location may not be set, so pbxdesk never starts one; the agent is told to use
  a phone. This covers the default country's emergency numbers from
  phonenumbers' short-number data, plus 112 and 911, which every mobile phone
  treats as emergency numbers in any country (3GPP TS 22.101, 10.1.1). The
  check runs before the extension rule, so a PBX extension that equals one of
  them (100 in India, 111 in New Zealand) cannot be click-called either: the
  safe side of a rare clash;
- anything else → phonenumbers decides (national and international prefixes,
  trunk prefixes, vanity letters, "ext." suffixes) and must call it valid. A
  number that is not says why; one that a valid number begins with (the agent
  is still typing) says "keep typing" (:mod:`pbxdesk.phone.partial`).
"""

from __future__ import annotations

from collections.abc import Collection

import phonenumbers
from phonenumbers import (
    NumberParseException,
    ValidationResult,
    shortnumberinfo,
)

from pbxdesk.phone.display import country_name, describe
from pbxdesk.phone.extensions import read_extension
from pbxdesk.phone.partial import (
    begins_international_prefix,
    begins_valid_number,
    overruns_valid_number,
    unfinished_international_number,
)
from pbxdesk.phone.region import normalize_region
from pbxdesk.phone.results import MIN_EXTENSION_DIGITS, DialResult, NotDialable, Reason
from pbxdesk.phone.text import compact, is_digit_string

_ALWAYS_EMERGENCY = frozenset({"112", "911"})
# phonenumbers refuses longer input outright; checking first gives our own message.
_PARSE_LIMIT = 250

_EMPTY = "Enter a phone number or an extension."
_NOT_A_NUMBER = "That doesn't look like a phone number."
_NO_COUNTRY = "Start the number with + and its country code, or choose your country in Settings."
_UNKNOWN_COUNTRY_CODE = "That number starts with a country code that doesn't exist."
_TOO_SHORT_EXTENSION = "That's too short for a phone number or an extension."


def parse_number_text(
    text: str,
    default_region: str | None,
    max_extension_digits: int,
    *,
    extension: str | None = None,
    typed: bool = False,
    extensions: Collection[str] = (),
) -> DialResult:
    """The target ``text`` names as a whole, or why it names none.

    Args:
        text: cleaned input.
        default_region: the country of numbers typed without ``+``.
        max_extension_digits: longest internal extension; below
            :data:`MIN_EXTENSION_DIGITS` turns extension detection off.
        extension: an extension found outside ``text`` (an RFC 3966 ``;ext=``).
        typed: ``text`` is being typed (the dial box): a number too short to
            be valid, but on its way to one, says "keep typing".
        extensions: the account's known extensions (see
            :mod:`pbxdesk.phone.extensions` for how digits alone are read).
    """
    region = normalize_region(default_region)
    stripped = text.strip()
    if not stripped:
        return NotDialable(Reason.EMPTY, _EMPTY, text)
    digits = compact(stripped)
    if is_digit_string(digits):
        if is_emergency_number(digits, region):
            return NotDialable(Reason.EMERGENCY, emergency_message(digits), text)
        as_extension = read_extension(digits, region, max_extension_digits, extensions)
        if as_extension is not None:
            return as_extension
        if len(digits) < MIN_EXTENSION_DIGITS:
            return NotDialable(Reason.TOO_SHORT, _TOO_SHORT_EXTENSION, text)
        if begins_international_prefix(digits, region):
            return _too_short("", text, typed=typed)
    if not any(ch.isalnum() for ch in stripped):
        return NotDialable(Reason.NOT_A_NUMBER, _NOT_A_NUMBER, text)
    if len(stripped) > _PARSE_LIMIT:
        return NotDialable(Reason.TOO_LONG, "That's far too long for a phone number.", text)
    try:
        number = phonenumbers.parse(stripped, region)
    except NumberParseException as error:
        return _parse_error(error, stripped, region, text, typed=typed)
    if extension:
        number.extension = extension
    if phonenumbers.is_valid_number(number):
        return describe(number, region)
    return _invalid(number, region, text, typed=typed)


def is_emergency_number(digits: str, region: str | None) -> bool:
    """True for 112, 911 and the emergency numbers of ``region``."""
    if digits in _ALWAYS_EMERGENCY:
        return True
    return region is not None and shortnumberinfo.is_emergency_number(digits, region)


def emergency_message(digits: str) -> str:
    return f"{digits} is an emergency number. pbxdesk never calls emergency numbers: use a phone."


def _parse_error(
    error: NumberParseException, stripped: str, region: str | None, text: str, *, typed: bool
) -> NotDialable:
    kind = error.error_type
    if kind == NumberParseException.INVALID_COUNTRY_CODE:
        if region is None and not stripped.startswith("+"):
            return NotDialable(Reason.NO_COUNTRY, _NO_COUNTRY, text)
        return NotDialable(Reason.UNKNOWN_COUNTRY_CODE, _UNKNOWN_COUNTRY_CODE, text)
    if kind in (
        NumberParseException.TOO_SHORT_AFTER_IDD,
        NumberParseException.TOO_SHORT_NSN,
        NumberParseException.NOT_A_NUMBER,
    ):
        # phonenumbers refuses "+61" and "0011 61 4" outright: numbers on their way.
        code = unfinished_international_number(compact(stripped), region)
        if code is not None:
            return _too_short(_where(code, region) if code else "", text, typed=typed)
    if kind in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
        return NotDialable(Reason.TOO_SHORT, "That number is too short.", text)
    if kind == NumberParseException.TOO_LONG:
        return NotDialable(Reason.TOO_LONG, "That number is too long.", text)
    return NotDialable(Reason.NOT_A_NUMBER, _NOT_A_NUMBER, text)


def _invalid(
    number: phonenumbers.PhoneNumber, region: str | None, text: str, *, typed: bool
) -> NotDialable:
    """Why a parsed ``number`` is not valid, naming where it was read as being."""
    where = _where(number.country_code or 0, region)
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == ValidationResult.INVALID_COUNTRY_CODE:
        return NotDialable(Reason.UNKNOWN_COUNTRY_CODE, _UNKNOWN_COUNTRY_CODE, text)
    # phonenumbers checks lengths per country, not per kind of number: in
    # Australia "0412 345" has as many digits as a 13 number, yet it is the start
    # of a mobile number, and "0412 345 6789" a mobile number and one digit more.
    code, national = number.country_code or 0, phonenumbers.national_significant_number(number)
    if begins_valid_number(code, national):
        return _too_short(where, text, typed=typed)
    if overruns_valid_number(code, national):
        return NotDialable(Reason.TOO_LONG, f"That number is too long {where}.", text)
    # "Local only" means dialable without an area code from inside the area, which
    # a hosted PBX is not: for our purpose that is too short.
    if possible in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        return NotDialable(Reason.TOO_SHORT, f"That number is too short {where}.", text)
    if possible == ValidationResult.TOO_LONG:
        return NotDialable(Reason.TOO_LONG, f"That number is too long {where}.", text)
    if possible == ValidationResult.INVALID_LENGTH:
        message = f"That number has the wrong number of digits {where}."
        return NotDialable(Reason.INVALID_FOR_COUNTRY, message, text)
    return NotDialable(Reason.INVALID_FOR_COUNTRY, f"That isn't a valid number {where}.", text)


def _too_short(where: str, text: str, *, typed: bool) -> NotDialable:
    """Too short, where a number (of the country ``where`` names) starts this way.

    Typed into the dial box or the command line, the agent is on the way to it;
    copied or linked text is simply missing digits.
    """
    if typed:
        message = f"Too short {where or 'for a phone number'}: keep typing."
    else:
        message = f"That number is too short {where}." if where else "That number is too short."
    return NotDialable(Reason.TOO_SHORT, message, text)


def _where(country_code: int, region: str | None) -> str:
    """Where a number was read: "for Australia (+61)", or "for country code +1".

    A code shared by several countries (+1, +7, +44 with the Channel Islands, +61
    with Christmas Island) names the default country when it has that code.
    """
    regions = phonenumbers.region_codes_for_country_code(country_code)
    if region in regions:
        name = country_name(region)
    else:
        name = country_name(regions[0]) if len(regions) == 1 else ""
    return f"for {name} (+{country_code})" if name else f"for country code +{country_code}"
