"""The default country: settings validation and the first-run guess."""

from __future__ import annotations

import sys
from pathlib import Path

import phonenumbers
import pytest

from pbxdesk.phone import (
    FALLBACK_REGION,
    default_region_from_locale,
    normalize_region,
    region_from_locale_name,
)
from pbxdesk.phone.region import region_from_timezone
from tests.resources.helpers import require_file

ZONE_TAB = """\
# tzdata zone.tab excerpt
AU\t-3352+15113\tAustralia/Sydney\tNew South Wales
GB\t+513030-0000731\tEurope/London
NZ\t-3652+17446\tPacific/Auckland\tmost of New Zealand
"""


@pytest.mark.parametrize(
    ("name", "region"),
    [
        ("en_AU.UTF-8", "AU"),
        ("en_GB", "GB"),
        ("de_DE@euro", "DE"),
        ("pt-BR", "BR"),
        ("zh_Hant_TW.UTF-8", "TW"),
        ("en_NZ:en_GB:en", "NZ"),
        ("hi_IN.utf8", "IN"),
        ("C", None),
        ("C.UTF-8", None),
        ("POSIX", None),
        ("en", None),
        ("en_UK", None),  # not an ISO 3166 code: no guess beats a wrong one
        ("", None),
        (None, None),
    ],
)
def test_region_from_locale_name(name: str | None, region: str | None) -> None:
    assert region_from_locale_name(name) == region


@pytest.mark.parametrize(
    ("environ", "region"),
    [
        ({"LANG": "en_AU.UTF-8"}, "AU"),
        ({"LC_ALL": "de_DE.UTF-8", "LANG": "en_US.UTF-8"}, "DE"),  # LC_ALL wins
        ({"LC_TELEPHONE": "en_NZ.UTF-8", "LANG": "en_US.UTF-8"}, "NZ"),
        ({"LC_ALL": "C.UTF-8", "LANG": "en_GB.UTF-8"}, "GB"),  # C names no country
        ({"LANGUAGE": "en_IN:en"}, "IN"),
        ({}, FALLBACK_REGION),
        ({"LANG": "C"}, FALLBACK_REGION),
    ],
)
def test_default_region_from_locale(environ: dict[str, str], region: str) -> None:
    assert default_region_from_locale(environ) == region


def test_region_from_timezone() -> None:
    assert region_from_timezone("Australia/Sydney", ZONE_TAB) == "AU"
    assert region_from_timezone(":Pacific/Auckland", ZONE_TAB) == "NZ"
    assert region_from_timezone("Etc/UTC", ZONE_TAB) is None
    assert region_from_timezone(None, ZONE_TAB) is None
    assert region_from_timezone("Australia/Sydney", "garbage\tline") is None


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no zone.tab")
def test_the_time_zone_is_used_when_the_locale_names_no_country() -> None:
    require_file(Path("/usr/share/zoneinfo/zone.tab"), "tzdata")
    assert default_region_from_locale({"LANG": "C.UTF-8", "TZ": "Australia/Sydney"}) == "AU"
    assert default_region_from_locale({"LANG": "en_GB.UTF-8", "TZ": "Australia/Sydney"}) == "GB"


def test_the_real_environment_gives_a_supported_region() -> None:
    assert default_region_from_locale() in phonenumbers.SUPPORTED_REGIONS


@pytest.mark.parametrize(
    ("value", "region"),
    [
        ("AU", "AU"),
        (" au ", "AU"),
        ("gb", "GB"),
        ("XX", None),
        ("001", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_region(value: str | None, region: str | None) -> None:
    assert normalize_region(value) == region
