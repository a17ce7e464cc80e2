"""find_number_in_text: the number to dial in copied text, and nothing leaked."""

from __future__ import annotations

import logging

import pytest

from pbxdesk.phone import DialTarget, NotDialable, Reason, find_number_in_text
from pbxdesk.phone.text import SCAN_LIMIT


def _e164(result: DialTarget | NotDialable) -> str | None:
    assert isinstance(result, DialTarget), result
    return result.e164


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("Call me on (02) 9876 5432 tomorrow", "AU", "+61298765432"),
        # An invalid figure before the number is skipped for the valid one.
        ("Ticket 12345678, call 0412 345 678", "AU", "+61412345678"),
        ("Reach me at +44 20 7946 0958 or 0412 345 678", "AU", "+442079460958"),
        ("Name: Jo\nPhone: 0412 345 678\nEmail: jo@example.com", "AU", "+61412345678"),
        ("Office (212) 555-1212, ask for Sam", "US", "+12125551212"),
        ("Bitte unter 030 123456 anrufen", "DE", "+4930123456"),
        ("<a href='tel:+61298765432'>Ring us</a>", "AU", "+61298765432"),
        ("  0412 345 678  ", "AU", "+61412345678"),
        ("1-800-FLOWERS", "US", "+18003569377"),  # no match in prose; the whole is a number
        ("Call ٠٤١٢ ٣٤٥ ٦٧٨ please", "AU", "+61412345678"),
    ],
)
def test_finds_the_number_in_free_text(text: str, region: str, e164: str) -> None:
    assert _e164(find_number_in_text(text, region)) == e164


@pytest.mark.parametrize(
    "text",
    [
        # phonenumbers alone reads "00 18813749 93544" here as a call to Japan.
        "Total 7458.00 18813749 93544.00",
        "7458.00\t18813749\t93544.00\n",
        "Order 18813749 for 7458.00 18813749 93544,50 EUR",
    ],
)
def test_figures_in_a_table_are_not_taken_for_phone_numbers(text: str) -> None:
    assert isinstance(find_number_in_text(text, "AU"), NotDialable)


def test_a_dial_link_in_text_wins_even_for_an_extension() -> None:
    result = find_number_in_text("Join the bridge: sip:1002@pbx.example.com (PIN 4711)", "AU")

    assert isinstance(result, DialTarget)
    assert (result.e164, result.extension) == (None, "1002")


def test_a_copied_extension_is_dialable() -> None:
    result = find_number_in_text("1002\n", "AU")

    assert isinstance(result, DialTarget)
    assert result.is_internal
    assert result.number_to_call == "1002"


def test_short_figures_in_prose_are_not_taken_for_extensions() -> None:
    result = find_number_in_text("See you in room 1204 at 10", "AU")

    assert isinstance(result, NotDialable)
    assert result.reason is Reason.NOT_A_NUMBER


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", Reason.EMPTY),
        ("\n\t \u200b", Reason.EMPTY),
        ("Lunch at noon?", Reason.NOT_A_NUMBER),
        # A pasted table: the first number-shaped figure is judged, not the whole.
        (
            "\n".join(f"{n}\t{n * 7}.00" for n in range(10**7, 10**7 + 400)),
            Reason.INVALID_FOR_COUNTRY,
        ),
        ("\n".join(f"{n}\t{n}" for n in range(400)), Reason.NOT_A_NUMBER),
        ("0412 345 678 901 234", Reason.TOO_LONG),
        ("000", Reason.EMERGENCY),
        # A number-shaped candidate that fails reports why.
        ("Call me on 9876 5432 tomorrow", Reason.INVALID_FOR_COUNTRY),
        ("Call me on (02) 9876 543 tomorrow", Reason.TOO_SHORT),  # a digit left out
        ("0412", Reason.TOO_SHORT),  # the start of a mobile number, not an extension
    ],
)
def test_reports_why_nothing_is_dialable(text: str, reason: Reason) -> None:
    result = find_number_in_text(text, "AU")

    assert isinstance(result, NotDialable), result
    assert result.reason is reason
    # Copied text is not being typed: it is missing digits, typing more will not help.
    assert "keep typing" not in result.message


def test_only_the_first_part_of_a_huge_text_is_scanned() -> None:
    filler = "lorem ipsum dolor sit amet " * 10_000
    near = find_number_in_text("Call 0412 345 678. " + filler, "AU")
    beyond = find_number_in_text(filler + " Call 0412 345 678.", "AU")

    assert _e164(near) == "+61412345678"
    assert isinstance(beyond, NotDialable)
    assert len(beyond.text) == SCAN_LIMIT


def test_text_never_reaches_logs_or_repr(caplog: pytest.LogCaptureFixture) -> None:
    secret = "hunter2-password-do-not-log"
    caplog.set_level(logging.DEBUG)

    result = find_number_in_text(f"{secret} 0412", "AU")

    assert isinstance(result, NotDialable)
    assert result.text.startswith(secret)  # kept for the caller …
    assert secret not in repr(result)  # … but not in a repr that may be logged
    assert secret not in str(result)
    assert all(secret not in record.getMessage() for record in caplog.records)


def test_every_number_in_a_text_is_listed_once_in_order() -> None:
    from pbxdesk.phone import MAX_NUMBERS_FOUND, find_numbers_in_text

    text = ("Jane: 0412 345 678 (mobile), office (02) 9876 5432, fax 02 9876 5432, "
            "after hours tel:+61-2-9876-5433; invoice 7458.00 and room 1204")
    found = find_numbers_in_text(text, "AU")

    assert [target.e164 for target in found] == ["+61412345678", "+61298765432",
                                                 "+61298765433"]
    assert find_numbers_in_text("Nothing to call here, room 1204, 2024.", "AU") == []
    many = ", ".join(f"04{index:02d} 345 678" for index in range(10, 30))
    assert len(find_numbers_in_text(many, "AU")) == MAX_NUMBERS_FOUND
