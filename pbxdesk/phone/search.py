"""Digit strings for finding a number in the call store, however it was typed.

The API stores international numbers as digits without ``+`` (``61412345678``)
and extensions as short digit strings. A search box gets "0412 345 678",
"+61 412 345 678", "412345678" or "1002". :func:`search_digits` returns the
digit strings to look for *inside* stored numbers (``LIKE '%' || ? || '%'``,
any of them): the national significant number when the text parses, else the
digits without an international or trunk prefix (both from phonenumbers'
metadata for the default country), plus the digits as typed.

Inputs no longer than an extension are searched as typed only: stripping a
trunk prefix from a four-digit string ("1002" in the US, whose trunk prefix is
1) would turn an extension search into a search for "002".
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata

from pbxdesk.phone.region import normalize_region
from pbxdesk.phone.results import MAX_EXTENSION_DIGITS
from pbxdesk.phone.text import ascii_digits, clean

# phonenumbers refuses longer input; a search box never needs more.
_PARSE_LIMIT = 250


def search_digits(
    text: str,
    default_region: str | None,
    *,
    max_extension_digits: int = MAX_EXTENSION_DIGITS,
) -> list[str]:
    """Digit strings, best first, any of which found inside a stored number matches.

    "0412 345 678", "+61412345678" and "412345678" (default AU) all give a list
    led by ``412345678``, which is inside the stored ``61412345678``. Text with
    no digits gives ``[]``. Never raises.
    """
    cleaned = clean(text).strip()
    digits = ascii_digits(cleaned)
    if not digits:
        return []
    if len(digits) <= max_extension_digits and not cleaned.startswith("+"):
        return [digits]
    region = normalize_region(default_region)
    candidates = [
        _national_significant_number(cleaned, region),
        _without_prefixes(cleaned, digits, region),
        digits,
    ]
    return list(dict.fromkeys(c for c in candidates if c))


def _national_significant_number(text: str, region: str | None) -> str | None:
    """The national significant number of ``text`` if it parses as a possible number."""
    if len(text) > _PARSE_LIMIT:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    # A partial "+6141" parses as +61 "41": searching "41" would match everything.
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.national_significant_number(number)


def _without_prefixes(text: str, digits: str, region: str | None) -> str:
    """``digits`` without a leading international prefix or trunk prefix.

    After ``+`` or an international prefix the country code stays: "+6141" → "6141"
    is what stored numbers start with.
    """
    if text.startswith("+") or region is None:
        return digits
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return digits
    if metadata.international_prefix:
        prefix = re.match(f"(?:{metadata.international_prefix})", digits)
        if prefix and prefix.end() < len(digits):
            return digits[prefix.end() :]
    trunk = phonenumbers.ndd_prefix_for_region(region, True)
    if trunk and digits.startswith(trunk) and len(digits) > len(trunk):
        return digits[len(trunk) :]
    return digits
