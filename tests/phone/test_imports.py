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


def test_geodata_loads_on_the_first_country_name_not_on_import() -> None:
    result = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                            timeout=60, check=False)

    assert (result.returncode, result.stderr) == (0, "")
    # The last line shows the module name is the one that really carries the data.
    assert result.stdout.splitlines() == ["False", "Australia", "True"]
