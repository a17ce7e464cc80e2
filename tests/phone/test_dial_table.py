"""parse_dial_input over a table of what agents type and paste.

Each row: the input, the default country, and what must come out:
``"+61412345678"`` (an E.164 number), ``"+61298765432 x123"`` (a number with an
extension the agent keys in after connecting), ``"ext 1002"`` (an internal
extension) or a :class:`Reason`.
"""

from __future__ import annotations

import pytest

from pbxdesk.phone import DialTarget, NotDialable, Reason, parse_dial_input

R = Reason
CASES: list[tuple[str, str | None, str | Reason]] = [
    # Plain national numbers with trunk prefixes, per country.
    ("0412 345 678", "AU", "+61412345678"),
    ("0412-345-678", "AU", "+61412345678"),
    ("0412.345.678", "AU", "+61412345678"),
    ("(02) 9876 5432", "AU", "+61298765432"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("07400 123456", "GB", "+447400123456"),
    ("(212) 555-1212", "US", "+12125551212"),
    ("1 212 555 1212", "US", "+12125551212"),
    ("030 123456", "DE", "+4930123456"),
    ("0151 23456789", "DE", "+4915123456789"),
    ("021 123 4567", "NZ", "+64211234567"),
    ("03 234 5678", "NZ", "+6432345678"),
    ("098765 43210", "IN", "+919876543210"),
    ("98765 43210", "IN", "+919876543210"),
    ("412 345 678", "AU", "+61412345678"),  # trunk prefix left off
    # International forms: +, 00, 011, 0011 and the region's own prefix.
    ("+61 412 345 678", "US", "+61412345678"),
    ("+61412345678", None, "+61412345678"),
    ("+44 (0)20 7946 0958", "AU", "+442079460958"),
    ("00 44 20 7946 0958", "DE", "+442079460958"),
    ("011 44 20 7946 0958", "US", "+442079460958"),
    ("0011 61 412 345 678", "AU", "+61412345678"),
    ("00 61 412 345 678", "GB", "+61412345678"),
    ("+1 416 555 0123", "AU", "+14165550123"),
    ("+800 1234 5678", "AU", "+80012345678"),
    # Unicode digits, full-width forms, invisible marks, odd spaces and dashes.
    ("０４１２ ３４５ ６７８", "AU", "+61412345678"),
    ("＋６１ ４１２ ３４５ ６７８", "US", "+61412345678"),
    ("٠٤١٢٣٤٥٦٧٨", "AU", "+61412345678"),  # Arabic-Indic
    ("۰۴۱۲۳۴۵۶۷۸", "AU", "+61412345678"),  # Extended Arabic-Indic (Persian)
    ("०९८७६५ ४३२१०", "IN", "+919876543210"),  # Devanagari
    ("\u200f+61 412 345 678\u200e", "AU", "+61412345678"),  # RTL/LTR marks
    ("\u202a0412\u00a0345\u2011678\u202c", "AU", "+61412345678"),  # NBSP, hyphen, embedding
    ("0412\u200b345\u200b678", "AU", "+61412345678"),  # zero-width spaces
    ("\t0412 345 678\n", "AU", "+61412345678"),
    # Vanity numbers.
    ("1-800-FLOWERS", "US", "+18003569377"),
    ("1-800-flowers", "US", "+18003569377"),
    ("1300 FLOWER", "AU", "+611300356937"),
    # Links: tel (RFC 3966), callto, sip.
    ("tel:+61412345678", "AU", "+61412345678"),
    ("TEL:+61-2-9876-5432", "US", "+61298765432"),
    ("tel:+61-2-9876-5432;ext=123", "AU", "+61298765432 x123"),
    ("tel:+61.2.(9876).5432;isub=1234", "AU", "+61298765432"),
    ("tel:9876-5432;phone-context=+61-2", "US", "+61298765432"),
    ("tel:%2B61%20412%20345%20678", "AU", "+61412345678"),
    ("tel:0412345678", "AU", "+61412345678"),
    ("tel:+61 412 345 678", "US", "+61412345678"),  # spaces where %20 belongs
    ("sip:+61 412 345 678@host", "US", "+61412345678"),
    ("tel:+61412345678 is my mobile", "US", "+61412345678"),
    ("tel:1002;phone-context=pbx.example.com", "AU", "ext 1002"),
    ("callto:+442079460958", "AU", "+442079460958"),
    ("callto://+442079460958", "AU", "+442079460958"),
    ("sip:+61412345678@sip.example.com;user=phone", "AU", "+61412345678"),
    ("sips:+61412345678:secret@host?subject=hi", "AU", "+61412345678"),
    ("sip:1002@pbx", "AU", "ext 1002"),
    ("sip:alice@example.com", "AU", R.NOT_A_NUMBER),
    ("tel:", "AU", R.EMPTY),
    # Extensions on external numbers; internal extensions.
    ("+61 2 9876 5432 ext. 55", "AU", "+61298765432 x55"),
    ("(02) 9876 5432 x 12", "AU", "+61298765432 x12"),
    ("1002", "AU", "ext 1002"),
    ("10", "GB", "ext 10"),
    ("1-002", "US", "ext 1002"),
    ("123456", "DE", "ext 123456"),
    ("٢٠٠١", "AU", "ext 2001"),
    ("1002", None, "ext 1002"),
    ("201", "AU", "ext 201"),
    ("1002", "US", "ext 1002"),  # the US trunk prefix 1 begins everyday extensions
    # NANP has no sign that six digits are a number being typed: the PBX decides.
    ("212 555", "US", "ext 212555"),
    # A leading 0 is a trunk or international prefix, never an extension: each of
    # these is a number on its way (the dial pad reads the field on every key).
    ("04", "AU", R.TOO_SHORT),
    ("0412", "AU", R.TOO_SHORT),
    ("0412 34", "AU", R.TOO_SHORT),
    ("0412 345", "AU", R.TOO_SHORT),
    ("0412 345 67", "AU", R.TOO_SHORT),
    ("02 9876", "AU", R.TOO_SHORT),
    ("(02) 9876 543", "AU", R.TOO_SHORT),
    ("0207", "GB", R.TOO_SHORT),
    ("06 12", "IT", R.TOO_SHORT),  # Italy keeps the 0 in its numbers
    ("0011 44", "AU", R.TOO_SHORT),
    ("011 44 20", "US", R.TOO_SHORT),
    ("0412", None, R.NO_COUNTRY),
    # Longer than an extension, a number starting with the US trunk prefix.
    ("1 212 555", "US", R.TOO_SHORT),
    ("212 555 0", "US", R.TOO_SHORT),
    ("1 212 555 0100", "US", "+12125550100"),
    # Numbers inside text.
    ("Call me on (02) 9876 5432 tomorrow", "AU", "+61298765432"),
    ("Mobile: 0412 345 678.", "AU", "+61412345678"),
    ("ring +44 20 7946 0958 after 5", "AU", "+442079460958"),
    ("Call 0412 345 678 now", "AU", "+61412345678"),
    # Emergency numbers are never click-called.
    ("000", "AU", R.EMERGENCY),
    ("112", "AU", R.EMERGENCY),
    ("911", "US", R.EMERGENCY),
    ("911", "AU", R.EMERGENCY),
    ("999", "GB", R.EMERGENCY),
    ("9-1-1", "US", R.EMERGENCY),
    ("111", "NZ", R.EMERGENCY),
    # Not dialable, each for its own reason.
    ("", "AU", R.EMPTY),
    ("   ", "AU", R.EMPTY),
    ("\u200e\u200f", "AU", R.EMPTY),
    ("5", "AU", R.TOO_SHORT),
    ("+61412", "AU", R.TOO_SHORT),
    ("+614", "AU", R.TOO_SHORT),
    ("+61", "AU", R.TOO_SHORT),
    ("+44 20 7946", "AU", R.TOO_SHORT),
    ("+61 412 345 678 999 999", "AU", R.TOO_LONG),
    ("0412 345 678 901 234", "AU", R.TOO_LONG),
    ("0412 345 6789", "AU", R.TOO_LONG),  # a valid mobile number and one digit more
    ("1" * 300, "AU", R.TOO_LONG),
    ("9876 5432", "AU", R.INVALID_FOR_COUNTRY),
    ("+1 999 555 1234", "GB", R.INVALID_FOR_COUNTRY),
    ("1-800-FLOWERS", "AU", R.TOO_LONG),  # 1800 356 937 is an Australian number, and 7 more
    ("+999 1234 5678", "AU", R.UNKNOWN_COUNTRY_CODE),
    ("00 999 1234 5678", "GB", R.UNKNOWN_COUNTRY_CODE),
    ("0412 345 678", None, R.NO_COUNTRY),
    ("0412 345 678", "XX", R.NO_COUNTRY),
    ("hello world", "AU", R.NOT_A_NUMBER),
    ("---", "AU", R.NOT_A_NUMBER),
    ("+", "AU", R.NOT_A_NUMBER),
    ("https://example.com/contact", "AU", R.NOT_A_NUMBER),
    ("Call me tomorrow", "AU", R.NOT_A_NUMBER),
]


def _case_id(case: tuple[str, str | None, str | Reason]) -> str:
    text, region, expected = case
    shown = expected.name if isinstance(expected, Reason) else expected
    return f"{text[:30]!r}-{region}-{shown}"


@pytest.mark.parametrize(("text", "region", "expected"), CASES, ids=[_case_id(c) for c in CASES])
def test_parse_dial_input(text: str, region: str | None, expected: str | Reason) -> None:
    result = parse_dial_input(text, region)

    if isinstance(expected, Reason):
        assert isinstance(result, NotDialable), result
        assert result.reason is expected, result.message
        assert result.message.endswith("."), "a sentence the UI can show as is"
        assert result.text == text
    elif expected.startswith("ext "):
        assert isinstance(result, DialTarget), result
        assert result.e164 is None
        assert result.extension == expected.removeprefix("ext ")
        assert result.is_internal
        assert result.number_to_call == result.extension
    else:
        e164, _, extension = expected.partition(" x")
        assert isinstance(result, DialTarget), result
        assert (result.e164, result.extension) == (e164, extension or None)
        assert result.number_to_call == e164
        assert not result.is_internal


def test_the_table_covers_enough_inputs() -> None:
    assert len(CASES) >= 60
    assert {c[2] for c in CASES if isinstance(c[2], Reason)} == set(Reason)
