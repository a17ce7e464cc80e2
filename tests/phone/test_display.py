"""Display formats, API numbers, country names and as-you-type formatting."""

from __future__ import annotations

import pytest

from pbxdesk.phone import (
    DialTarget,
    country_name,
    format_as_you_type,
    format_for_display,
    normalize_api_number,
    parse_dial_input,
)


@pytest.mark.parametrize(
    ("raw", "region", "shown"),
    [
        ("61412345678", "AU", "0412 345 678"),  # the default country: national
        ("61298765432", "AU", "(02) 9876 5432"),
        ("61412345678", "GB", "+61 412 345 678"),  # another country: international
        ("442079460958", "AU", "+44 20 7946 0958"),
        ("442079460958", "GB", "020 7946 0958"),
        ("12125551212", "US", "(212) 555-1212"),
        ("14165550123", "US", "(416) 555-0123"),  # Canada shares +1: dialled nationally
        ("+61412345678", "AU", "0412 345 678"),
        ("0412345678", "AU", "0412 345 678"),  # a national value, read in the default country
        (" 61412345678 ", "AU", "0412 345 678"),
        ("1002", "AU", "1002"),  # extensions unchanged
        ("10", "AU", "10"),
        ("anonymous", "AU", "anonymous"),
        ("", "AU", ""),
        ("99999999999", "AU", "99999999999"),  # not a valid number: unchanged
        ("61412345678", None, "+61 412 345 678"),
        ("61412345678", "nonsense", "+61 412 345 678"),
    ],
)
def test_format_for_display(raw: str, region: str | None, shown: str) -> None:
    assert format_for_display(raw, region) == shown


def test_format_for_display_of_a_missing_number_is_empty() -> None:
    assert format_for_display(None, "AU") == ""


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("61412345678", None, "+61412345678"),
        ("+442079460958", "AU", "+442079460958"),
        ("0412345678", "AU", "+61412345678"),
        ("1002", "AU", None),
        ("123456", "AU", None),
        ("abc", "AU", None),
        ("٦١٤١٢٣٤٥٦٧٨", "AU", None),  # the API sends ASCII digits; anything else is junk
        (None, "AU", None),
    ],
)
def test_normalize_api_number(raw: str | None, region: str | None, e164: str | None) -> None:
    assert normalize_api_number(raw, region) == e164


def test_dial_target_display_is_national_at_home_and_international_abroad() -> None:
    home = parse_dial_input("+61 412 345 678", "AU")
    abroad = parse_dial_input("+61 412 345 678", "US")

    assert isinstance(home, DialTarget)
    assert isinstance(abroad, DialTarget)
    assert home.display == "0412 345 678"
    assert abroad.display == "+61 412 345 678"
    assert home.international == abroad.international == "+61 412 345 678"
    assert home.region == "AU"
    assert home.region_name == "Australia"
    assert home.number_type == "mobile"
    assert home.description == "+61 412 345 678 (Australia, mobile)"


def test_non_geographic_numbers_are_described_as_international() -> None:
    result = parse_dial_input("+800 1234 5678", "AU")

    assert isinstance(result, DialTarget)
    assert result.region == "001"
    assert result.description == "+800 1234 5678 (International, toll-free)"


def test_an_extension_is_described_as_one() -> None:
    result = parse_dial_input("1002", "AU")

    assert isinstance(result, DialTarget)
    assert (result.display, result.number_type, result.description) == (
        "1002",
        "extension",
        "Extension 1002",
    )
    assert result.region is None


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("AU", "Australia"),
        ("gb", "United Kingdom"),
        ("DE", "Germany"),
        ("NZ", "New Zealand"),
        ("IN", "India"),
        ("US", "United States"),
        ("001", ""),
        ("XX", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_country_name(code: str | None, name: str) -> None:
    assert country_name(code) == name


@pytest.mark.parametrize(
    ("typed", "region", "shown"),
    [
        ("0412345", "AU", "0412 345"),
        ("0412345678", "AU", "0412 345 678"),
        ("+61412345678", "US", "+61 412 345 678"),
        ("+614", "US", "+61 4"),
        ("2125551212", "US", "(212) 555-1212"),
        ("02079460958", "GB", "020 7946 0958"),
        ("0412 34-5", "AU", "0412 345"),  # the user's own separators are redone
        ("２１２５５５１２１２", "US", "(212) 555-1212"),
        ("1002", "AU", "1002"),
        ("0412345", None, "0412345"),
        ("", "AU", ""),
        ("  ", "AU", ""),
        # Not a plain number: left exactly as typed.
        ("1800FLOWERS", "US", "1800FLOWERS"),
        ("0412 ext 5", "AU", "0412 ext 5"),
        ("*97", "AU", "*97"),
        ("+", "AU", "+"),
        ("1" * 40, "AU", "1" * 40),
    ],
)
def test_format_as_you_type(typed: str, region: str | None, shown: str) -> None:
    assert format_as_you_type(typed, region) == shown


def test_as_you_type_output_is_read_back_as_the_same_number() -> None:
    shown = format_as_you_type("0298765432", "AU")
    result = parse_dial_input(shown, "AU")

    assert isinstance(result, DialTarget)
    assert result.e164 == "+61298765432"
