"""A start without --demo imports neither the sandbox nor its web stack, nor the keyring
until a key is read from it."""

from __future__ import annotations

import subprocess
import sys

# A fresh interpreter: this test process has long imported whatever other tests needed.
_SCRIPT = """
import sys
import pbxdesk.app
heavy = ("pbxdesk.sandbox", "starlette", "uvicorn", "keyring")
print(sorted(name for name in sys.modules if name.split(".")[0] in heavy
             or name.startswith("pbxdesk.sandbox")))
from pbxdesk.demo import DemoPbx
pbx = DemoPbx(calls=50, live_traffic=False)
print("pbxdesk.sandbox" in sys.modules, "starlette" in sys.modules)
pbx.sandbox.close()
"""


def test_the_start_path_leaves_the_demo_and_keyring_unloaded() -> None:
    result = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                            timeout=120, check=False)
    assert (result.returncode, result.stderr) == (0, "")
    # The demo brings them when it is asked for.
    assert result.stdout.splitlines() == ["[]", "True True"]
