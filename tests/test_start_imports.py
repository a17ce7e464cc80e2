"""What the start path imports: a start without --demo imports neither the sandbox nor
its web stack, nor the keyring until a key is read from it; the window paints the stored
calls before the HTTP client, the sync, the dial pad, Insights (Qt Charts), Callbacks and
the screen pops are loaded, and the session's preload brings them."""

from __future__ import annotations

import json
import subprocess
import sys

# A fresh interpreter: this test process has long imported whatever other tests needed.
_SCRIPT = """
import json
import sys

def loaded(*prefixes):
    return sorted(name for name in sys.modules
                  if any(name == p or name.startswith(p + ".") for p in prefixes))

import pbxdesk.app
found = {"demo": loaded("pbxdesk.sandbox", "starlette", "uvicorn", "keyring"),
         "session": loaded(*SESSION)}
from pbxdesk.session import preload
preload()
found["preloaded"] = loaded(*SESSION)
from pbxdesk.demo import DemoPbx
pbx = DemoPbx(calls=50, live_traffic=False)
found["with demo"] = ["pbxdesk.sandbox" in sys.modules, "starlette" in sys.modules]
pbx.sandbox.close()
print(json.dumps(found))
"""

# Loaded after the first paint (or when first used), never on the way to it.
_AFTER_FIRST_PAINT = ("httpx", "httpcore", "h11", "anyio", "httpx_sse",
                      "pbxdesk.api.client", "pbxdesk.sync.engine", "pbxdesk.services.sync",
                      "pbxdesk.services.calls", "pbxdesk.services.callbacks",
                      "pbxdesk.live.client", "pbxdesk.ui.dialpad", "pbxdesk.ui.insights",
                      "pbxdesk.ui.callbacks", "pbxdesk.ui.screenpop", "PySide6.QtCharts")
# What preload() brings, on a worker thread once the stored calls have painted.
_PRELOADED = ("httpx", "httpcore", "h11", "pbxdesk.api.client", "pbxdesk.sync.engine",
              "pbxdesk.services.sync", "pbxdesk.services.calls", "pbxdesk.ui.dialpad")


def test_the_start_path_leaves_the_demo_keyring_and_session_modules_unloaded() -> None:
    script = f"SESSION = {_AFTER_FIRST_PAINT!r}\n" + _SCRIPT
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=False)
    assert (result.returncode, result.stderr) == (0, "")
    found = json.loads(result.stdout)
    assert found["demo"] == []
    assert found["session"] == []
    preloaded = set(found["preloaded"])
    assert set(_PRELOADED) <= preloaded
    # The Insights tab and Qt Charts wait for the tab to be shown, even then.
    assert not {"pbxdesk.ui.insights", "PySide6.QtCharts"} & preloaded
    # The demo brings the sandbox when it is asked for.
    assert found["with demo"] == [True, True]
