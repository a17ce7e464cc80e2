"""Importing pbxdesk.phone stays light: the geocoder's data loads only for a country name."""

from __future__ import annotations

import subprocess
import sys

# A fresh interpreter: this test process has long imported whatever other tests needed.
_SCRIPT = """
import sys
import pbxdesk.phone
print("phonenumbers.geodata" in sys.modules)
print(pbxdesk.phone.country_name("AU"))
print("phonenumbers.geodata" in sys.modules)
"""

# What a second launch with a link does: check the number, hand it over, show nothing.
_TARGET_SCRIPT = """
import sys
from pbxdesk.phone import DialTarget, parse_dial_input
target = parse_dial_input("+61 412 345 678", "AU")
assert isinstance(target, DialTarget), target
print(target.e164, target.display, repr(target), target == target, hash(target) == hash(target))
print("phonenumbers.geodata" in sys.modules)
print(target.description)
print("phonenumbers.geodata" in sys.modules)
"""


def _run(script: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=False)
    assert (result.returncode, result.stderr) == (0, "")
    return result.stdout.splitlines()


def test_geodata_loads_on_the_first_country_name_not_on_import() -> None:
    # The last line shows the module name is the one that really carries the data.
    assert _run(_SCRIPT) == ["False", "Australia", "True"]


def test_a_parsed_number_loads_geodata_only_when_described() -> None:
    lines = _run(_TARGET_SCRIPT)

    assert lines[0].startswith("+61412345678 0412 345 678 DialTarget(")
    assert lines[0].endswith(" True True")
    assert lines[1:] == ["False", "+61 412 345 678 (Australia, mobile)", "True"]
