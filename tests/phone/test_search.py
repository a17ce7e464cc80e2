"""search_digits finds stored numbers, checked against a real SQLite table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from pbxdesk.phone import search_digits

STORED = ["61412345678", "61298765432", "442079460958", "12125551212", "1002", "1010"]


@pytest.fixture
def calls() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE calls (number TEXT)")
    db.executemany("INSERT INTO calls VALUES (?)", [(n,) for n in STORED])
    yield db
    db.close()


def _find(db: sqlite3.Connection, text: str, region: str) -> set[str]:
    """What a store would do: any candidate inside a stored number."""
    found: set[str] = set()
    for digits in search_digits(text, region):
        rows = db.execute("SELECT number FROM calls WHERE instr(number, ?) > 0", (digits,))
        found.update(row[0] for row in rows)
    return found


@pytest.mark.parametrize(
    "typed",
    [
        "0412 345 678",
        "+61412345678",
        "412345678",
        "+61 412 345 678",
        "0011 61 412 345 678",
        "٠٤١٢ ٣٤٥ ٦٧٨",
        "(04) 1234-5678",
    ],
)
def test_every_format_of_a_number_finds_it(calls: sqlite3.Connection, typed: str) -> None:
    assert _find(calls, typed, "AU") == {"61412345678"}


def test_the_national_significant_number_leads_the_list() -> None:
    assert search_digits("0412 345 678", "AU")[0] == "412345678"
    assert search_digits("+61412345678", "AU")[0] == "412345678"
    assert search_digits("412345678", "AU") == ["412345678"]


@pytest.mark.parametrize(
    ("typed", "region", "expected"),
    [
        ("(212) 555-1212", "US", {"12125551212"}),
        ("1 212 555 1212", "US", {"12125551212"}),
        ("020 7946 0958", "GB", {"442079460958"}),
        ("+44 20 7946 0958", "AU", {"442079460958"}),
        ("(02) 9876 5432", "AU", {"61298765432"}),
        ("1002", "US", {"1002"}),  # an extension is not trunk-stripped to "002"
        ("0412 345", "AU", {"61412345678"}),  # a partial number still narrows
        ("+6141", "AU", {"61412345678"}),
    ],
)
def test_search_in_other_countries_and_partial_input(
    calls: sqlite3.Connection, typed: str, region: str, expected: set[str]
) -> None:
    assert _find(calls, typed, region) == expected


@pytest.mark.parametrize("typed", ["", "John Smith", "   ", "+"])
def test_text_without_digits_searches_nothing(typed: str) -> None:
    assert search_digits(typed, "AU") == []


def test_without_a_country_the_digits_are_searched_as_typed() -> None:
    assert search_digits("0412 345 678", None) == ["0412345678"]
    assert search_digits("+61 412 345 678", None) == ["412345678", "61412345678"]
