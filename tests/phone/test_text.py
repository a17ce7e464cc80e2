"""Input clean-up: what every parser sees before phonenumbers does."""

from __future__ import annotations

import pytest

from pbxdesk.phone.text import SCAN_LIMIT, clean, compact, looks_like_number


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("0412 345 678", "0412 345 678"),
        ("０４１２", "0412"),  # full-width
        ("＋６１", "+61"),
        ("٠٤١٢", "0412"),  # Arabic-Indic
        ("۰۴۱۲", "0412"),  # Extended Arabic-Indic
        ("०४१२", "0412"),  # Devanagari
        ("๐๔๑๒", "0412"),  # Thai
        ("\u200f+61\u200e 4", "+61 4"),  # bidi marks dropped
        ("04\u200b12", "0412"),  # zero-width space dropped
        ("04\ud80012", "0412"),  # lone surrogate dropped
        ("04\x0012\x1b34\x7f", "04 12 34 "),  # controls become spaces …
        ("04\t12\r\n34", "04\t12\r\n34"),  # … but cell and line breaks stay
        ("04\u00a012\u200312", "04 12 12"),  # any space becomes a space
        ("", ""),
    ],
)
def test_clean(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned


def test_clean_caps_the_length_even_when_normalising_grows_the_text() -> None:
    assert len(clean("1" * (SCAN_LIMIT * 3))) == SCAN_LIMIT
    assert len(clean("\ufdfa" * SCAN_LIMIT)) == SCAN_LIMIT  # one character, 18 in NFKC


def test_compact_removes_visual_separators() -> None:
    assert compact(" (02) 9876-5432 / 1.2 \u2013 3 ") == "0298765432123"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0412 345 678", True),
        ("+61 2 9876 5432 ext. 12", True),
        ("1-800-FLOWERS", True),
        ("Call me on 0412 345 678", False),
        ("FLOWERS", False),
        ("", False),
    ],
)
def test_looks_like_number(text: str, expected: bool) -> None:
    assert looks_like_number(text) is expected
