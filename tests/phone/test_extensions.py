"""Digits alone: a known extension, a number of the default country, or both.

The account's extensions decide, not the number of digits: "13 12 34" in
Australia is a business number unless the account has an extension 131234, and
then the agent is asked.
"""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from pbxdesk.demo import DEMO_COUNTRY, DemoPbx
from pbxdesk.phone import (
    DialTarget,
    NotDialable,
    Reason,
    find_number_in_text,
    keep_typing_hint,
    parse_dial_input,
    parse_uri,
)

DEMO_USERS_EXTENSIONS = frozenset({"1004", "1006", "1008", "1009", "1012", "1015", "1019",
                                   "1021", "1022", "1024", "202", "203"})


def dialled(result: object) -> str:
    """What the PBX is asked to dial: "+61131234", or "ext 1002"."""
    assert isinstance(result, DialTarget), result
    return result.e164 or f"ext {result.extension}"


@pytest.mark.parametrize("typed", ["13 12 34", "131234", "131 234", "13-12-34", "13 1234"])
@pytest.mark.parametrize("known", [frozenset(), DEMO_USERS_EXTENSIONS])
def test_australian_13_numbers_dial_as_numbers(typed: str, known: frozenset[str]) -> None:
    result = parse_dial_input(typed, "AU", extensions=known)

    assert dialled(result) == "+61131234"
    assert isinstance(result, DialTarget)
    assert result.alternative is None
    assert result.display == "13 12 34"


@pytest.mark.parametrize(("typed", "e164"), [
    ("13 11 11", "+61131111"), ("1300 123 456", "+611300123456"),
    ("1800 123 456", "+611800123456"), ("13 22 11", "+61132211")])
def test_links_and_the_clipboard_read_13_numbers_alike(typed: str, e164: str) -> None:
    assert dialled(parse_uri(f"tel:{typed.replace(' ', '-')}", "AU")) == e164
    assert dialled(find_number_in_text(typed, "AU")) == e164
    assert dialled(find_number_in_text(f"Call us on {typed} today", "AU")) == e164


def _examples() -> list[tuple[str, str, str]]:
    """(region, national format, E.164) of every region's example numbers of three types."""
    rows = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE,
                     PhoneNumberType.TOLL_FREE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            rows.append((region,
                         phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL),
                         phonenumbers.format_number(example, PhoneNumberFormat.E164)))
    return rows


EXAMPLES = _examples()


def test_the_example_table_covers_the_short_numbering_plans() -> None:
    # The table reaches the countries whose national numbers are extension-short.
    regions = {region for region, national, _e164 in EXAMPLES
               if len([ch for ch in national if ch.isdigit()]) <= 6}
    assert {"FO", "GL", "AD", "NC", "SR", "TO", "WS"} <= regions
    assert len(EXAMPLES) > 600  # 673 with phonenumbers 9.0


def test_every_regions_example_numbers_dial_as_numbers_in_national_format() -> None:
    wrong = []
    for region, national, e164 in EXAMPLES:
        result = parse_dial_input(national, region)
        if not (isinstance(result, DialTarget) and result.e164 == e164):
            wrong.append((region, national, e164, result))
    assert wrong == []


@pytest.mark.parametrize("known", [frozenset(), DEMO_USERS_EXTENSIONS])
def test_the_demos_extensions_dial_as_extensions(known: frozenset[str]) -> None:
    demo = DemoPbx(calls=10, live_traffic=False)
    try:
        account = demo.sandbox.account
        assert account.extensions == DEMO_USERS_EXTENSIONS  # the table above is the demo's
        for extension in sorted(account.extensions):
            result = parse_dial_input(extension, DEMO_COUNTRY, extensions=known)
            assert dialled(result) == f"ext {extension}"
            assert isinstance(result, DialTarget)
            assert result.alternative is None
    finally:
        demo.sandbox.close()


def test_a_known_extension_that_is_also_a_number_offers_both_extension_first() -> None:
    result = parse_dial_input("13 12 34", "AU", extensions={"131234", "1002"})

    assert isinstance(result, DialTarget)
    assert (result.is_internal, result.extension) == (True, "131234")
    assert result.alternative is not None
    assert (result.alternative.e164, result.alternative.display) == ("+61131234", "13 12 34")
    assert result.without_alternative() == DialTarget(
        e164=None, extension="131234", display="131234", international="131234",
        region=None, number_type="extension")
    # Links and copied text meet the same question.
    linked = parse_uri("tel:131234", "AU", extensions={"131234"})
    copied = find_number_in_text("131234", "AU", extensions={"131234"})
    assert isinstance(linked, DialTarget)
    assert linked.alternative is not None
    assert isinstance(copied, DialTarget)
    assert copied.alternative is not None


@pytest.mark.parametrize(("typed", "region", "expected"), [
    ("1002", "AU", "ext 1002"),   # no valid number: an extension, known or not
    ("202", "AU", "ext 202"),
    ("1312", "AU", "ext 1312"),   # 13 12 … is on its way, but not a number yet
    ("0412", "AU", Reason.TOO_SHORT),  # a 0 prefix: a number being typed
    ("302010", "FO", "+298302010"),  # a Faroese number, not extension 302010
    ("1234567", "AU", Reason.INVALID_FOR_COUNTRY),  # beyond the guard: never an extension
])
def test_digits_the_account_does_not_know(typed: str, region: str,
                                          expected: str | Reason) -> None:
    result = parse_dial_input(typed, region, extensions=DEMO_USERS_EXTENSIONS)
    if isinstance(expected, Reason):
        assert isinstance(result, NotDialable)
        assert result.reason is expected
    else:
        assert dialled(result) == expected


def test_the_longest_extension_length_is_a_guard_even_for_known_extensions() -> None:
    known = {"61412345678", "131234", "12345"}
    assert dialled(parse_dial_input("61412345678", "AU", extensions=known)) != "ext 61412345678"
    # A shorter guard keeps a known six-digit extension out too: then it is the number.
    assert dialled(parse_dial_input("131234", "AU", extensions=known,
                                    max_extension_digits=5)) == "+61131234"
    assert dialled(parse_dial_input("12345", "AU", extensions=known,
                                    max_extension_digits=5)) == "ext 12345"


def test_emergency_numbers_stay_refused_even_as_known_extensions() -> None:
    result = parse_dial_input("000", "AU", extensions={"000", "112"})
    assert isinstance(result, NotDialable)
    assert result.reason is Reason.EMERGENCY


@pytest.mark.parametrize(("digits", "known", "hint"), [
    ("10", {"10", "1002"}, "or keep typing for extension 1002"),
    ("10", {"10", "1002", "1003"}, "or keep typing for a longer extension"),
    ("100", {"10", "1002"}, "or keep typing for extension 1002"),
    ("1002", {"10", "1002"}, ""),
    ("1312", set(), "or keep typing for a phone number"),
    ("13123", {"1002"}, "or keep typing for a phone number"),
    ("1002", set(), ""),
    ("202", {"202"}, ""),  # known: no hint just because some number starts 202
])
def test_keep_typing_hints(digits: str, known: set[str], hint: str) -> None:
    assert keep_typing_hint(digits, "AU", known) == hint
