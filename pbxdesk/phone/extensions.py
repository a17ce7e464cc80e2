"""Digits alone: an internal extension, a phone number of the default country, or both.

Owns the one rule every entry point (dial box, clipboard, links, command line)
uses for a string of digits of extension length:

1. digits that are one of the account's known extensions (its users'
   ``user_number``, passed in by the caller) are that extension. When they are
   also a valid number of the default country, both readings are plausible:
   the extension comes first and :attr:`DialTarget.alternative` holds the
   number, so the caller asks instead of guessing;
2. otherwise, digits that make a valid number of the default country are that
   number: Australia's six-digit "13 12 34", and the short national numbers of
   the Faroe Islands, Greenland, Andorra, New Caledonia, Tonga, Samoa …;
3. otherwise they are an extension (before any sync nothing is known, and an
   extension the history has not shown yet must still be dialable), unless
   they begin with a trunk or international prefix that starts with 0
   (:func:`begins_with_dialling_prefix`): then they are a number on its way.

The longest-extension length (``max_digits``) is a guard, not the rule: longer
digit strings are never an extension, known or not, so a user row holding a
whole phone number cannot turn that number into an "extension".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumber

from pbxdesk.phone.display import describe, describe_extension
from pbxdesk.phone.partial import begins_valid_number
from pbxdesk.phone.results import MIN_EXTENSION_DIGITS, DialTarget

# Typing the first digits of a longer known extension: name it when it is the only one.
_ONE_LONGER = "or keep typing for extension {}"
_SEVERAL_LONGER = "or keep typing for a longer extension"
_NUMBER_ON_ITS_WAY = "or keep typing for a phone number"


def read_extension(digits: str, region: str | None, max_digits: int,
                   known: Collection[str]) -> DialTarget | None:
    """The extension ``digits`` name (perhaps also a number), or None to read them as a number.

    Args:
        digits: ASCII digits only, not an emergency number.
        region: the default country (normalised), or None.
        max_digits: the longest extension; longer digits are never one.
        known: the account's known extensions; empty before the first sync.
    """
    if not MIN_EXTENSION_DIGITS <= len(digits) <= max_digits:
        return None
    number = valid_national_number(digits, region)
    if digits in known:
        extension = describe_extension(digits)
        if number is None:
            return extension
        return dataclasses.replace(extension, alternative=describe(number, region))
    if number is not None or begins_with_dialling_prefix(digits, region):
        return None
    return describe_extension(digits)


def valid_national_number(digits: str, region: str | None) -> PhoneNumber | None:
    """``digits`` as a valid number of ``region`` (dialled nationally), or None."""
    if region is None:
        return None
    try:
        number = phonenumbers.parse(digits, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def keep_typing_hint(digits: str, region: str | None, known: Collection[str]) -> str:
    """How the extension ``digits`` may go on as the agent types; "" when it cannot.

    "or keep typing for extension 1002" when a longer known extension starts with
    the digits ("10" on the way to "1002"), "or keep typing for a phone number"
    when an extension the account does not know starts a valid number ("13 12"
    on the way to "13 12 34"). A known extension that merely starts some number
    gets no hint: nearly every short one does.
    """
    longer = sorted(ext for ext in known if len(ext) > len(digits) and ext.startswith(digits))
    if len(longer) == 1:
        return _ONE_LONGER.format(longer[0])
    if longer:
        return _SEVERAL_LONGER
    if digits in known or region is None:
        return ""
    code = phonenumbers.country_code_for_region(region)
    return _NUMBER_ON_ITS_WAY if code and begins_valid_number(code, digits) else ""


def begins_with_dialling_prefix(digits: str, region: str | None) -> bool:
    """True when ``digits`` of extension length are the start of a number, not an extension.

    Only a leading 0 counts, in a country whose trunk prefix (0 in Australia, the
    UK, Germany, New Zealand; 06 in Hungary) or international prefix (00, 011,
    0011) starts with 0: all but a handful. There "0412", "02 9876", "06 12"
    (Rome: Italy keeps the 0 in its numbers) and "011 44" are numbers being
    typed, and dialling them as an extension would ring the wrong phone. PBXs
    keep 0 for the operator or an outside line, so extensions seldom begin with
    it. The other trunk prefixes, 1 (the US, Canada) and 8 (Russia and its
    neighbours), begin everyday extensions (1002, 800), so there a digit string
    of extension length stays an extension, and "1 212 5" is read as a number
    once it is longer than an extension can be. Without a default country any
    prefix is possible, and a leading 0 is read as one.
    """
    if not digits.startswith("0"):
        return False
    metadata = PhoneMetadata.metadata_for_region(region) if region else None
    if metadata is None:
        return True
    international = metadata.international_prefix or ""
    if any(
        prefix.startswith("0")
        for prefix in (
            metadata.national_prefix or "",
            metadata.preferred_international_prefix or "",
            international,
        )
    ):
        return True
    # A pattern such as Chile's "(?:0|1(?:1[0-69]|…))0".
    return bool(international) and re.match(f"(?:{international})", digits) is not None
