"""Phone numbers for the sandbox: making valid ones and reading what clients dial.

Every external number the sandbox invents passes ``phonenumbers.is_valid_number``;
on the wire numbers are E.164 digits without the ``+`` (``61412345678``), as
the real API sends them.
"""

from __future__ import annotations

import random
import zoneinfo
from datetime import UTC, tzinfo

import phonenumbers
import phonenumbers.timezone
from phonenumbers import PhoneNumber, PhoneNumberType

# Regions foreign callers come from (the account's own region is left out).
FOREIGN_REGIONS = ("GB", "NZ", "US", "IN", "SG", "PH", "DE", "IE", "CN")
# Characters people type between digits; stripped before parsing.
_SEPARATORS = str.maketrans("", "", " -().\u00a0/")


def wire_digits(number: PhoneNumber) -> str:
    """The API's form of a number: international digits without ``+``."""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def random_number(rng: random.Random, region: str, kind: int) -> str:
    """A random valid number of ``kind`` (a ``PhoneNumberType``) in ``region``, as wire digits.

    Starts from the region's example number for that kind and redraws all but
    its leading digits until ``phonenumbers`` calls the result valid; the
    example itself is the fallback so this always returns a valid number.
    """
    example = (phonenumbers.example_number_for_type(region, kind)
               or phonenumbers.example_number(region))
    if example is None:
        raise ValueError(f"phonenumbers has no example number for region {region!r}")
    national = str(example.national_number)
    # Some regions (US, CA, ...) cannot tell mobiles from landlines by number.
    accepted = {kind, PhoneNumberType.FIXED_LINE_OR_MOBILE}
    for keep in (1, 1, 1, 2, 2, 3, 4, 4, 5):
        for _ in range(8):
            width = len(national) - keep
            tail = f"{rng.randrange(10**width):0{width}d}"
            candidate = PhoneNumber(country_code=example.country_code,
                                    national_number=int(national[:keep] + tail))
            if phonenumbers.number_type(candidate) in accepted and \
                    phonenumbers.is_valid_number(candidate):
                return wire_digits(candidate)
    return wire_digits(example)


def random_caller(rng: random.Random, region: str, foreign_share: float) -> str:
    """A caller's number: mostly local mobiles and landlines, some from abroad."""
    if rng.random() < foreign_share:
        region = rng.choice([r for r in FOREIGN_REGIONS if r != region])
    kind = PhoneNumberType.MOBILE if rng.random() < 0.55 else PhoneNumberType.FIXED_LINE
    return random_number(rng, region, kind)


def business_number(rng: random.Random, region: str) -> str:
    """A number a business would publish (1300-style shared cost, else a landline)."""
    if phonenumbers.example_number_for_type(region, PhoneNumberType.SHARED_COST) is not None:
        return random_number(rng, region, PhoneNumberType.SHARED_COST)
    return random_number(rng, region, PhoneNumberType.FIXED_LINE)


def is_valid_wire_number(digits: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse("+" + digits, None))
    except phonenumbers.NumberParseException:
        return False


def parse_dial_target(text: str, extensions: frozenset[str]) -> str | None:
    """What a click-to-call ``number_to_call`` means, or None if it is not dialable.

    Accepts what the docs say the PBX accepts: an internal extension of the
    account, E.164 with ``+``, or international digits without ``+``, with
    spaces and dashes ignored. National forms (``0412 345 678``) and ``00``
    prefixes are refused on purpose: a client must normalise before it sends.
    Returns an extension as is, anything else as wire digits.
    """
    cleaned = text.strip().translate(_SEPARATORS)
    if cleaned in extensions:
        return cleaned
    digits = cleaned[1:] if cleaned.startswith("+") else cleaned
    if not digits.isdigit() or not digits.isascii() or digits.startswith("0"):
        return None
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    return wire_digits(number) if phonenumbers.is_valid_number(number) else None


def zone_for_region(region: str) -> tzinfo:
    """The main time zone of ``region`` (the first phonenumbers lists), else UTC.

    UTC too where the system has no tz database (Windows without ``tzdata``).
    """
    example = (phonenumbers.example_number_for_type(region, PhoneNumberType.FIXED_LINE)
               or phonenumbers.example_number(region))
    names = phonenumbers.timezone.time_zones_for_number(example) if example else ()
    for name in names:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
    return UTC
