"""Showing numbers: display formats, country names, number types, as-you-type.

Owns turning a parsed ``PhoneNumber`` into a :class:`DialTarget`, formatting the
numbers the API sends (digits without ``+``, or extensions) and the dial pad's
as-you-type formatting. Built on phonenumbers; no numbering rules of our own.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

from pbxdesk.phone.countries import COUNTRY_NAMES
from pbxdesk.phone.region import normalize_region
from pbxdesk.phone.results import MAX_EXTENSION_DIGITS, PREMIUM_RATE, DialTarget
from pbxdesk.phone.text import clean, compact, is_digit_string

# Longest digit string the dial pad formats: E.164 allows 15 digits; an
# international prefix and an extension add a few. Beyond that it is not a number.
_AS_YOU_TYPE_MAX = 24

_TYPE_TEXT = {
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline or mobile",
    PhoneNumberType.TOLL_FREE: "toll-free",
    PhoneNumberType.PREMIUM_RATE: PREMIUM_RATE,
    PhoneNumberType.SHARED_COST: "shared cost",
    PhoneNumberType.VOIP: "VoIP",
    PhoneNumberType.PERSONAL_NUMBER: "personal number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "company number",
    PhoneNumberType.VOICEMAIL: "voicemail",
}


def country_name(region_code: str | None) -> str:
    """The English name of an ISO 3166 region code ("AU" → "Australia"), or ""."""
    return COUNTRY_NAMES.get((region_code or "").strip().upper(), "")


def number_type_text(number: PhoneNumber) -> str:
    """The kind of a valid number in words ("mobile", "toll-free" …); "" when unknown."""
    return _TYPE_TEXT.get(phonenumbers.number_type(number), "")


def describe(number: PhoneNumber, default_region: str | None) -> DialTarget:
    """The :class:`DialTarget` for a valid ``number`` (its extension included)."""
    return DialTarget(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        extension=number.extension or None,
        display=_display_format(number, default_region),
        international=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        region=phonenumbers.region_code_for_number(number),
        number_type=number_type_text(number),
    )


def describe_extension(digits: str) -> DialTarget:
    """The :class:`DialTarget` for an internal PBX extension such as ``1002``."""
    return DialTarget(
        e164=None,
        extension=digits,
        display=digits,
        international=digits,
        region=None,
        number_type="extension",
    )


def normalize_api_number(raw: str | None, default_region: str | None = None) -> str | None:
    """E.164 for a number as the API sends it, or None for extensions and junk.

    The API sends international numbers as digits without ``+`` (``61300000000``);
    a value that does not parse that way is tried as a national number of
    ``default_region``.
    """
    number = _parse_api_number(raw, default_region)
    if number is None:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def format_for_display(raw_api_number: str | None, default_region: str | None) -> str:
    """A number as the API sends it, formatted for a table cell; never raises.

    National format for the default country, international for others;
    extensions, withheld numbers and anything unparsable come back unchanged.
    """
    if raw_api_number is None:
        return ""
    number = _parse_api_number(raw_api_number, default_region)
    if number is None:
        return raw_api_number
    return _display_format(number, default_region)


def format_as_you_type(text: str, region: str | None) -> str:
    """The dial pad's text re-formatted as the user types; never raises.

    Only text made of digits, an optional leading ``+`` and separators is
    formatted (``0412345`` → ``0412 345`` for AU); anything else (letters, an
    extension suffix, ``*``/``#`` codes) is returned unchanged so the formatter
    never fights the user.
    """
    cleaned = clean(text).strip()
    digits = compact(cleaned)
    plus = digits.startswith("+")
    body = digits[1:] if plus else digits
    if not is_digit_string(body) or len(body) > _AS_YOU_TYPE_MAX:
        return text if cleaned else ""
    formatter = phonenumbers.AsYouTypeFormatter(
        normalize_region(region) or phonenumbers.UNKNOWN_REGION
    )
    formatted = formatter.input_digit("+") if plus else ""
    for digit in body:
        formatted = formatter.input_digit(digit)
    return formatted


def _display_format(number: PhoneNumber, default_region: str | None) -> str:
    region = normalize_region(default_region)
    # Same calling code, not same region: from the US a Canadian number is dialled
    # nationally ("(416) 555-…"), and from GB a Jersey one ("01534 …").
    if region and phonenumbers.country_code_for_region(region) == number.country_code:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def _parse_api_number(raw: str | None, default_region: str | None) -> PhoneNumber | None:
    """A valid number for an API value, or None for extensions and junk."""
    if raw is None:
        return None
    digits = raw.strip()
    if digits.startswith("+"):
        digits = digits[1:]
    if not is_digit_string(digits) or len(digits) <= MAX_EXTENSION_DIGITS:
        return None
    region = normalize_region(default_region)
    candidates: list[tuple[str, str | None]] = [("+" + digits, None)]
    if region:
        candidates.append((digits, region))
    for text, candidate_region in candidates:
        try:
            number = phonenumbers.parse(text, candidate_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    return None
