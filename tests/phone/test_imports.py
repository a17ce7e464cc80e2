"""pbxdesk.phone stays light: no country name or message ever loads the geocoder's data."""

from __future__ import annotations

import subprocess
import sys

# A fresh interpreter: this test process has long imported whatever other tests needed.
# What the dial pad and a second launch do: read numbers, name their countries, say why
# a number is wrong ("Too short for Australia (+61)"), and what "1900 …" costs.
_SCRIPT = """
import sys
from pbxdesk.phone import DialTarget, country_name, parse_dial_input
target = parse_dial_input("+61 412 345 678", "AU")
assert isinstance(target, DialTarget), target
print(target.description)
print(country_name("AU"), country_name("gb"), repr(country_name("ZZ")))
print(parse_dial_input("0412 345", "AU"))
print(parse_dial_input("0412345678", "US"))
print(parse_dial_input("1900 123 456", "AU").description)
print("phonenumbers.geodata" in sys.modules)
"""


def test_country_names_and_messages_never_load_geodata() -> None:
    result = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                            timeout=60, check=False)

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "+61 412 345 678 (Australia, mobile)",
        "Australia United Kingdom ''",
        "Too short for Australia (+61): keep typing.",
        "That isn't a valid number for United States (+1).",
        "+61 1900 123 456 (Australia, premium rate)",
        "False",
    ]


_WARM_UP_SCRIPT = """
import sys
from pbxdesk.phone import warm_up
from pbxdesk.phone.partial import _types
warm_up("AU")
print(" ".join(name for name in sys.modules if name.startswith("phonenumbers.data.region_")))
print(_types.cache_info().currsize > 0, "phonenumbers.geodata" in sys.modules)
warm_up("nowhere")
warm_up(None)
"""


def test_warm_up_loads_what_the_first_number_typed_needs() -> None:
    # Australia's +61 is shared with Christmas Island and the Cocos Islands: the
    # "keep typing" check reads all three, and that is the first keystroke's cost.
    result = subprocess.run([sys.executable, "-c", _WARM_UP_SCRIPT], capture_output=True,
                            text=True, timeout=60, check=False)

    assert (result.returncode, result.stderr) == (0, "")
    loaded, cached = result.stdout.splitlines()
    assert {"phonenumbers.data.region_AU", "phonenumbers.data.region_CC",
            "phonenumbers.data.region_CX"} <= set(loaded.split())
    assert cached == "True False"
