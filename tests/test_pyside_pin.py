"""Guards the PySide6 pin: 6.12.0 on Python 3.11 aborts after many disconnects.

Each ``SignalInstance.disconnect()`` there loses one reference to ``True``;
after enough of them (qasync's loop close and pytest-qt's ``waitSignal`` both
disconnect) the interpreter aborts with "Fatal Python error: bool_dealloc".
The loop runs in a subprocess because the failure is
an interpreter abort (exit 134), which would take the test runner down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
from PySide6.QtCore import QCoreApplication, QObject, Signal

class Emitter(QObject):
    fired = Signal(int)

app = QCoreApplication([])
emitter = Emitter()
seen = []
def slot(value):
    seen.append(value)
for i in range(10_000):
    emitter.fired.connect(slot)
    emitter.fired.emit(i)
    emitter.fired.disconnect(slot)
assert len(seen) == 10_000, len(seen)
print("ok")
"""


def test_ten_thousand_connect_disconnect_cycles_exit_cleanly() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_addons_and_essentials_are_the_same_release() -> None:
    # Qt Charts (Addons) links against the Qt libraries Essentials ships: a mismatch
    # fails to load, or loads and crashes.
    from importlib.metadata import version

    from PySide6 import QtCharts, QtCore

    assert version("PySide6-Addons") == version("PySide6-Essentials")
    assert QtCharts.QChart is not None
    assert QtCore.qVersion().startswith(".".join(version("PySide6-Essentials").split(".")[:2]))
