"""The generated country-name table matches the installed phonenumbers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import phonenumbers

from pbxdesk.phone import country_name
from pbxdesk.phone.countries import COUNTRY_NAMES

_GENERATOR = Path(__file__).resolve().parents[2] / "scripts" / "gen_country_names.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_country_names", _GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_the_table_is_what_the_generator_makes_from_phonenumbers() -> None:
    # Fails after a phonenumbers upgrade that adds or renames a region: rerun the script.
    generator = _generator()

    assert generator.english_names() == COUNTRY_NAMES
    assert generator.TABLE.read_text(encoding="utf-8") == generator.render(COUNTRY_NAMES)


def test_every_supported_region_has_a_name() -> None:
    assert set(COUNTRY_NAMES) == set(phonenumbers.SUPPORTED_REGIONS)
    assert all(name and name == name.strip() for name in COUNTRY_NAMES.values())


def test_country_name_reads_codes_loosely() -> None:
    assert country_name("AU") == "Australia"
    assert country_name(" nz ") == "New Zealand"
    assert country_name("CI") == "Côte d'Ivoire"
    assert country_name("XK") == "Kosovo"
    assert country_name("ZZ") == country_name("") == country_name(None) == ""
