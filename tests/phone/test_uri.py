"""parse_uri and link detection: tel (RFC 3966), callto and sip."""

from __future__ import annotations

import pytest

from pbxdesk.phone import DialTarget, NotDialable, Reason, is_dial_uri, parse_uri
from pbxdesk.phone.uri import find_uri


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tel:+61412345678", True),
        ("  TEL:+61412345678", True),
        ("callto://+61412345678", True),
        ("sip:1002@pbx", True),
        ("sips:1002@pbx", True),
        ("telephone: 0412", False),
        ("http://example.com", False),
        ("0412 345 678", False),
        ("", False),
    ],
)
def test_is_dial_uri(text: str, expected: bool) -> None:
    assert is_dial_uri(text) is expected


def test_parse_uri_reads_every_parameter() -> None:
    result = parse_uri("tel:+61-2-9876-5432;isub=77;ext=12;foo=bar", "US")

    assert isinstance(result, DialTarget)
    assert result.e164 == "+61298765432"
    assert result.extension == "12"
    assert result.international == "+61 2 9876 5432 ext. 12"
    assert result.description == "+61 2 9876 5432 ext. 12 (Australia, landline)"


def test_parse_uri_decodes_percent_escapes_in_parameters() -> None:
    result = parse_uri("tel:9876%2D5432;phone-context=%2B61%2D2", None)

    assert isinstance(result, DialTarget)
    assert result.e164 == "+61298765432"


def test_local_tel_number_without_context_needs_a_country() -> None:
    without = parse_uri("tel:0412345678")
    with_country = parse_uri("tel:0412345678", "AU")

    assert isinstance(without, NotDialable)
    assert without.reason is Reason.NO_COUNTRY
    assert isinstance(with_country, DialTarget)
    assert with_country.e164 == "+61412345678"


def test_sip_user_part_is_the_number_and_the_host_is_ignored() -> None:
    result = parse_uri("sip:+442079460958@203.0.113.5:5060;transport=udp", "AU")

    assert isinstance(result, DialTarget)
    assert result.e164 == "+442079460958"
    assert result.display == "+44 20 7946 0958"


def test_max_extension_digits_is_honoured_for_links() -> None:
    default = parse_uri("sip:12345@pbx", "AU")
    shorter = parse_uri("sip:12345@pbx", "AU", max_extension_digits=4)

    assert isinstance(default, DialTarget)
    assert default.extension == "12345"
    assert isinstance(shorter, NotDialable)


@pytest.mark.parametrize("text", ["0412345678", "mailto:x@example.com", "", "tel"])
def test_parse_uri_refuses_what_is_not_a_link(text: str) -> None:
    result = parse_uri(text, "AU")

    assert isinstance(result, NotDialable)
    assert result.reason is Reason.NOT_A_NUMBER


def test_emergency_numbers_are_refused_in_links_too() -> None:
    result = parse_uri("tel:000", "AU")

    assert isinstance(result, NotDialable)
    assert result.reason is Reason.EMERGENCY
    assert "000" in result.message


def test_find_uri_in_text() -> None:
    assert find_uri("Join: sip:1002@pbx.example.com now") == "sip:1002@pbx.example.com"
    assert find_uri('<a href="tel:+61298765432">') == "tel:+61298765432"
    assert find_uri("hotel:5 stars") is None
    assert find_uri("no links here") is None
