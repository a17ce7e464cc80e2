"""Property tests: no input string raises, and valid numbers round-trip."""

from __future__ import annotations

import phonenumbers
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from pbxdesk.phone import (
    MIN_EXTENSION_DIGITS,
    DialTarget,
    NotDialable,
    country_name,
    find_number_in_text,
    format_as_you_type,
    format_for_display,
    normalize_api_number,
    parse_dial_input,
    parse_uri,
    region_from_locale_name,
    search_digits,
)
from pbxdesk.phone.text import SCAN_LIMIT

# phonenumbers loads a country's metadata on first use, which can take longer
# than Hypothesis' default deadline; how fast things are is benchmarked instead.
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

REGIONS = (
    st.sampled_from(["AU", "GB", "US", "DE", "NZ", "IN", "CA", "au", "", "XX", "001"]) | st.none()
)
_DIGIT_SETS = ["0123456789", "０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९"]
_SEPARATORS = [" ", "-", ".", "(", ")", "/", "\u00a0", "\u2011", "\u2013", "\u200e", "\u200b", ""]


@st.composite
def phoneish(draw: st.DrawFn) -> str:
    """Strings built from the pieces people paste: prefixes, groups, links, suffixes."""
    digits = draw(st.sampled_from(_DIGIT_SETS))
    groups = draw(
        st.lists(st.text(alphabet=digits, min_size=1, max_size=5), min_size=1, max_size=6)
    )
    separators = draw(
        st.lists(st.sampled_from(_SEPARATORS), min_size=len(groups), max_size=len(groups))
    )
    body = "".join(g + s for g, s in zip(groups, separators, strict=True))
    prefix = draw(
        st.sampled_from(
            [
                "",
                "+",
                "00",
                "011",
                "0011",
                "0",
                "+0",
                "＋",
                "tel:",
                "TEL:+",
                "sip:",
                "sips:+",
                "callto://",
                "tel:%2B",
                "(0",
                "Call me on ",
                "\u202b",
            ]
        )
    )
    suffix = draw(
        st.sampled_from(
            [
                "",
                ";ext=12",
                ";isub=9",
                ";phone-context=+61",
                ";phone-context=example.com",
                "@pbx.example.com",
                "@host;user=phone?x=y",
                " ext. 5",
                " x7",
                "#",
                "*",
                "%20",
                "%",
                "%zz",
                " tomorrow",
                "FLOWERS",
                ";",
                "@",
                ":pw@h",
                "\n0412 345 678",
            ]
        )
    )
    return prefix + body + suffix


def _assert_well_formed(result: DialTarget | NotDialable, text: str) -> None:
    if isinstance(result, NotDialable):
        assert result.message
        assert len(result.text) <= SCAN_LIMIT
        return
    if result.e164 is None:
        assert result.extension is not None
        assert result.extension.isascii()
        assert result.extension.isdigit()
        assert len(result.extension) >= MIN_EXTENSION_DIGITS
    else:
        number = phonenumbers.parse(result.e164)
        assert phonenumbers.is_valid_number(number)
        assert phonenumbers.format_number(number, PhoneNumberFormat.E164) == result.e164


def _exercise(text: str, region: str | None) -> None:
    for parse in (parse_dial_input, find_number_in_text, parse_uri):
        _assert_well_formed(parse(text, region), text)
    digits = search_digits(text, region)
    assert all(d.isascii() and d.isdigit() for d in digits)
    assert isinstance(format_for_display(text, region), str)
    assert isinstance(format_as_you_type(text, region), str)
    api = normalize_api_number(text, region)
    if api is not None:
        assert phonenumbers.is_valid_number(phonenumbers.parse(api))
    assert isinstance(country_name(text), str)
    region_from_locale_name(text)


@PROPERTY
@given(st.text(), REGIONS)
def test_no_text_raises(text: str, region: str | None) -> None:
    _exercise(text, region)


@PROPERTY
@given(phoneish(), REGIONS)
def test_no_phone_like_text_raises(text: str, region: str | None) -> None:
    _exercise(text, region)


@PROPERTY
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("\ud800\udfff\x00\u202e")))
def test_no_text_with_surrogates_or_controls_raises(text: str) -> None:
    _exercise(text, "AU")


_TYPES = [
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.VOIP,
]


@PROPERTY
@given(st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)), st.sampled_from(_TYPES), REGIONS)
def test_valid_numbers_round_trip(region: str, kind: int, default: str | None) -> None:
    example = phonenumbers.example_number_for_type(region, kind)
    assume(example is not None)
    assert example is not None
    e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
    national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)

    # Written nationally in its own country, or as E.164 from anywhere.
    home = parse_dial_input(national, region)
    anywhere = parse_dial_input(e164, default)

    national_digits = "".join(ch for ch in national if ch.isdigit())
    if len(national_digits) > 6:  # shorter ones are read as extensions, by design
        assert isinstance(home, DialTarget), (national, region, home)
        assert home.e164 == e164
        # What we show is read back as the same number.
        shown = parse_dial_input(home.display, region)
        assert isinstance(shown, DialTarget)
        assert shown.e164 == e164
    assert isinstance(anywhere, DialTarget), (e164, anywhere)
    assert anywhere.e164 == e164
    again = parse_dial_input(anywhere.international, default)
    assert isinstance(again, DialTarget)
    assert again.e164 == e164
    # The API's form (digits without "+") comes back as the same number too.
    assert normalize_api_number(e164[1:], default) == e164
