"""Invalid numbers that are the start of a valid one, or a valid one run on.

Owns telling "keep typing" apart from "that is wrong" for a number that
phonenumbers parsed but does not call valid. The dial pad reads the field on
every key, so "0412 345" must say it is too short, not that it is invalid:

- :func:`begins_valid_number`: more digits after these can give a valid number
  of the same country code ("0412 345", "02 9876", "+61 4");
- :func:`overruns_valid_number`: the digits start with a valid number and go on
  ("0412 345 6789");
- :func:`unfinished_international_number`, :func:`begins_international_prefix`:
  "+61", "0011 6", "001": too short for phonenumbers to read at all, but a
  call abroad begun.

phonenumbers has no prefix-matching API, so completions are tried against the
metadata of each number type (its pattern and possible lengths): the rest of
the type's example number, and runs of one digit. That can miss a rare
completion (then the number is called invalid, as before), but it never calls
digits "too short" unless a valid number really begins with them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumberDesc

from pbxdesk.phone.text import is_digit_string

_FILLERS = "0123456789"


def begins_valid_number(country_code: int, national: str) -> bool:
    """True when a valid number with ``country_code`` starts with the ``national`` digits.

    ``national`` is what follows the country code, or a national number as
    phonenumbers read it (a trunk prefix it left on is tried both ways).
    """
    for nsn in national_forms(country_code, national):
        for pattern, length, example in _types(country_code):
            need = length - len(nsn)
            if need <= 0:
                continue
            tails = {example[len(nsn) : length].ljust(need, "0")}
            tails.update(digit * need for digit in _FILLERS)
            if any(pattern.fullmatch(nsn + tail) for tail in tails):
                return True
    return False


def overruns_valid_number(country_code: int, national: str) -> bool:
    """True when the ``national`` digits are a valid number with ``country_code``, and more."""
    for nsn in national_forms(country_code, national):
        for pattern, length, _example in _types(country_code):
            if length < len(nsn) and pattern.fullmatch(nsn[:length]):
                return True
    return False


def unfinished_international_number(digits: str, region: str | None) -> int | None:
    """The country code of "+61", "+614" or "0011 61 4", too short to parse but on its way.

    ``digits`` is the input without separators. 0 when the country code is not
    complete yet ("+6", "0011"); None when the digits are no such beginning.
    """
    rest = _after_international_prefix(digits, region)
    if rest is None:
        return None
    # Country codes are prefix-free (E.164): at most one of 6, 61, 614 is one.
    for size in (1, 2, 3):
        code, national = int(rest[:size] or "0"), rest[size:]
        if phonenumbers.region_codes_for_country_code(code) and rest[:size] == str(code):
            return code if not national or begins_valid_number(code, national) else None
    if len(rest) < 3 and any(str(code).startswith(rest) for code in COUNTRY_CODE_TO_REGION_CODE):
        return 0
    return None


def begins_international_prefix(digits: str, region: str | None) -> bool:
    """True when ``digits`` are the start of ``region``'s international prefix ("001" of "0011")."""
    metadata = PhoneMetadata.metadata_for_region(region) if region else None
    if metadata is None:
        return False
    prefixes = (metadata.preferred_international_prefix, metadata.international_prefix)
    return any(
        prefix and is_digit_string(prefix) and prefix.startswith(digits) and prefix != digits
        for prefix in prefixes
    )


def national_forms(country_code: int, national: str) -> list[str]:
    """``national``, and it without a trunk prefix when it starts with one.

    phonenumbers leaves the trunk prefix on a number too short to be possible
    ("0412" stays "0412"), because the digits might be a short number; here they
    are read both ways.
    """
    forms = [national]
    for metadata in _metadata(country_code):
        stripped = _without_national_prefix(national, metadata)
        if stripped and stripped not in forms:
            forms.append(stripped)
    return forms


def _after_international_prefix(digits: str, region: str | None) -> str | None:
    """The digits after a leading "+" or ``region``'s international prefix, else None."""
    rest: str | None = None
    if digits.startswith("+"):
        rest = digits[1:]
    elif region is not None:
        metadata = PhoneMetadata.metadata_for_region(region)
        prefix = metadata.international_prefix if metadata else None
        match = re.match(f"(?:{prefix})", digits) if prefix else None
        rest = digits[match.end() :] if match else None
    return rest if rest is not None and (not rest or is_digit_string(rest)) else None


def _without_national_prefix(nsn: str, metadata: PhoneMetadata) -> str | None:
    """``nsn`` without the region's trunk prefix (and carrier code), as phonenumbers strips it."""
    prefix = metadata.national_prefix_for_parsing
    if not prefix:
        return None
    match = re.match(prefix, nsn)
    if match is None or match.end() == 0:
        return None
    rule = metadata.national_prefix_transform_rule
    if rule and match.lastindex is not None and match.group(match.lastindex) is not None:
        return re.sub(prefix, rule, nsn, count=1)
    return nsn[match.end() :]


def _metadata(country_code: int) -> Iterator[PhoneMetadata]:
    """Metadata of every region with ``country_code`` (+1: the US, Canada, …)."""
    for region in phonenumbers.region_codes_for_country_code(country_code):
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        if metadata is not None:
            yield metadata


@functools.lru_cache(maxsize=64)
def _types(country_code: int) -> tuple[tuple[re.Pattern[str], int, str], ...]:
    """(pattern, length, example) for each number type and possible length of the code.

    Cached, and without repeats: the dial pad asks on every key, and the 25
    regions of +1 share most of their patterns.
    """
    types: dict[tuple[str, int, str], None] = {}
    for metadata in _metadata(country_code):
        general = metadata.general_desc
        for desc in _descs(metadata):
            if not desc.national_number_pattern:
                continue
            lengths = desc.possible_length or (general.possible_length if general else ())
            for length in lengths or ():
                if length > 0:
                    types[(desc.national_number_pattern, length, desc.example_number or "")] = None
    return tuple((re.compile(pattern), length, example) for pattern, length, example in types)


def _descs(metadata: PhoneMetadata) -> Iterator[PhoneNumberDesc]:
    """The descriptions of the number types phonenumbers calls valid."""
    for desc in (
        metadata.fixed_line,
        metadata.mobile,
        metadata.toll_free,
        metadata.premium_rate,
        metadata.shared_cost,
        metadata.personal_number,
        metadata.voip,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
    ):
        if desc is not None:
            yield desc
