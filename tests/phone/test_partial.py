"""Numbers on their way: never an extension, "keep typing" rather than "invalid"."""

from __future__ import annotations

import pytest

from pbxdesk.phone import DialTarget, NotDialable, Reason, parse_dial_input, parse_uri
from pbxdesk.phone.partial import (
    begins_international_prefix,
    begins_valid_number,
    overruns_valid_number,
    unfinished_international_number,
)


@pytest.mark.parametrize(
    ("region", "number"),
    [
        ("AU", "0412 345 678"),
        ("AU", "(02) 9876 5432"),
        ("AU", "+61 412 345 678"),
        ("AU", "0011 44 20 7946 0958"),
        ("GB", "020 7946 0958"),
        ("GB", "07400 123456"),
        ("NZ", "021 123 4567"),
        ("US", "011 44 20 7946 0958"),
        ("US", "+1 212 555 0100"),
        ("IT", "06 1234 5678"),
    ],
)
def test_every_key_on_the_way_to_a_number_is_too_short_never_an_extension(
    region: str, number: str
) -> None:
    """What the dial pad shows after each key of a number typed out in full."""
    # From the second digit: one digit is too short even for an extension.
    typed = [
        number[:end]
        for end in range(len(number))
        if number[end - 1].isdigit() and sum(ch.isdigit() for ch in number[:end]) >= 2
    ]
    for text in typed:
        result = parse_dial_input(text, region)
        if isinstance(result, DialTarget):  # "+61 412 345 67…" is never an extension
            assert result.e164 is not None, (text, result)
            continue
        assert result.reason is Reason.TOO_SHORT, (text, result.message)
        assert result.message.endswith(": keep typing."), (text, result.message)
    final = parse_dial_input(number, region)
    assert isinstance(final, DialTarget)
    assert final.e164 is not None


@pytest.mark.parametrize(
    ("text", "region", "message"),
    [
        ("0412 34", "AU", "Too short for Australia (+61): keep typing."),
        ("0412 345 67", "AU", "Too short for Australia (+61): keep typing."),
        ("0207", "GB", "Too short for United Kingdom (+44): keep typing."),
        ("+614", "AU", "Too short for Australia (+61): keep typing."),
        ("212 555 0", "US", "Too short for United States (+1): keep typing."),
        ("001", "AU", "Too short for a phone number: keep typing."),
        ("0412 345 6789", "AU", "That number is too long for Australia (+61)."),
        ("9876 5432", "AU", "That isn't a valid number for Australia (+61)."),
        ("+619", "AU", "That number is too short."),  # no Australian number starts with 9
    ],
)
def test_messages_say_what_to_do(text: str, region: str, message: str) -> None:
    result = parse_dial_input(text, region)

    assert isinstance(result, NotDialable)
    assert result.message == message


def test_a_link_is_not_being_typed() -> None:
    result = parse_uri("tel:0412345", "AU")

    assert isinstance(result, NotDialable)
    assert result.reason is Reason.TOO_SHORT
    assert result.message == "That number is too short for Australia (+61)."


@pytest.mark.parametrize(
    ("text", "region", "extension"),
    [
        ("1002", "AU", True),
        ("1002", "US", True),  # the US trunk prefix 1 begins everyday extensions
        ("800", "RU", True),  # so does Russia's 8
        ("0800", "RU", True),  # neither Russia's trunk nor its international prefix is 0…
        ("0412", "AU", False),
        ("0207", "GB", False),
        ("06 12", "IT", False),  # Italy keeps the 0 in its numbers; abroad it dials 00
        ("0100", "US", False),  # 0 begins the US international prefix 011
        ("0412", None, False),  # no country: 0 begins nearly every country's prefixes
        ("0412", "XX", False),
    ],
)
def test_a_leading_zero_is_a_prefix_where_the_country_dials_one(
    text: str, region: str | None, extension: bool
) -> None:
    result = parse_dial_input(text, region)

    is_extension = isinstance(result, DialTarget) and result.is_internal
    assert is_extension is extension, result


@pytest.mark.parametrize(
    ("code", "national", "begins"),
    [
        (61, "4", True),
        (61, "0412", True),  # a trunk prefix phonenumbers left on is tried both ways
        (61, "29876", True),
        (61, "412345678", False),  # complete: no longer Australian number starts so
        (61, "98765432", False),
        (1, "212555", True),
        (1, "1212555", True),  # the NANP trunk prefix 1
        (1, "999555", False),  # no area code 999
        (44, "2079", True),
        (800, "1234", True),  # non-geographic
        (999, "1234", False),  # no such country code
    ],
)
def test_begins_valid_number(code: int, national: str, begins: bool) -> None:
    assert begins_valid_number(code, national) is begins


@pytest.mark.parametrize(
    ("code", "national", "overruns"),
    [
        (61, "4123456789", True),
        (61, "04123456789", True),
        (61, "412345678", False),  # exactly valid
        (61, "41234567", False),  # too short
        (61, "9876543210", False),  # no valid number inside
    ],
)
def test_overruns_valid_number(code: int, national: str, overruns: bool) -> None:
    assert overruns_valid_number(code, national) is overruns


@pytest.mark.parametrize(
    ("digits", "region", "code"),
    [
        ("+6", "AU", 0),  # a country code still being typed
        ("+61", "US", 61),
        ("+614", "US", 61),
        ("+61 4".replace(" ", ""), None, 61),
        ("0011", "AU", 0),
        ("00116", "AU", 0),
        ("0011614", "AU", 61),
        ("011", "US", 0),
        ("0011614", "US", None),  # the US prefix is 011: "0011…" is no call abroad there
        ("+619", "AU", None),  # no Australian number starts with 9
        ("+0", "AU", None),  # no country code starts with 0
        ("0412", "AU", None),
        ("+61abc", "AU", None),
    ],
)
def test_unfinished_international_number(digits: str, region: str | None, code: int | None) -> None:
    assert unfinished_international_number(digits, region) == code


@pytest.mark.parametrize(
    ("digits", "region", "begins"),
    [
        ("00", "AU", True),
        ("001", "AU", True),
        ("0011", "AU", False),  # the whole prefix
        ("01", "US", True),
        ("02", "US", False),
        ("00", None, False),
    ],
)
def test_begins_international_prefix(digits: str, region: str | None, begins: bool) -> None:
    assert begins_international_prefix(digits, region) is begins
