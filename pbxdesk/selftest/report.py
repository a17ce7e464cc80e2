"""The self-test's vocabulary: steps, their failures and the summary line.

Every step runs inside :func:`step`, which turns any exception into a
:class:`SelfTestError` naming the step, and which honours the test-only
:data:`FAIL_ENV` switch. No Qt here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from pbxdesk.logs import redact

FAIL_ENV = "PBXDESK_SELFTEST_FAIL"
"""Names a step to fail on purpose. Only the tests set it: see :func:`forced_failure`."""
STEPS = ("qt", "profile", "sandbox", "sync", "window", "insights", "dial", "call", "keyring",
         "shutdown", "diagnostics")
"""Every step, in the order they run (``diagnostics`` checks what the others left)."""


class SelfTestError(Exception):
    """A step went wrong; ``str()`` is the one line the user sees."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"pbxdesk self-test FAILED at {step}: {reason}")
        self.step = step
        self.reason = reason


@dataclass(slots=True)
class Findings:
    """What the steps found, for the summary line."""

    platform: str = ""
    qt_version: str = ""
    calls: int = 0
    sync_seconds: float = 0.0
    dialled: str = ""
    keyring: str = ""

    def summary(self, version: str, seconds: float) -> str:
        """The line printed when every step passed."""
        return (f"pbxdesk {version} self-test OK: qt {self.platform} {self.qt_version}, "
                f"synced {self.calls:,} calls in {self.sync_seconds:.1f} s, "
                f"dial {self.dialled}, call placed, keyring: {self.keyring} — {seconds:.1f} s")


def forced_failure(name: str) -> bool:
    """True when the tests asked step ``name`` to fail (``PBXDESK_SELFTEST_FAIL=name``)."""
    return os.environ.get(FAIL_ENV, "").strip() == name


@contextlib.contextmanager
def step(name: str, *, forced_here: bool = True) -> Iterator[None]:
    """Run one step; any exception in it becomes its :class:`SelfTestError`.

    When the tests force this step to fail, it fails after doing its work, so
    whatever it opened is still closed by the shutdown.

    Args:
        forced_here: False for a step that fails for real under the switch
            (``sync`` uses a wrong API key) and checks :func:`forced_failure` itself.
    """
    try:
        yield
    except SelfTestError:
        raise
    except Exception as error:
        raise SelfTestError(name, describe(error)) from error
    if forced_here and forced_failure(name):
        raise SelfTestError(name, f"forced by {FAIL_ENV}={name}")


def describe(error: BaseException) -> str:
    """One line naming ``error``; registered secrets are masked."""
    text = " ".join(str(error).split())
    return redact(f"{type(error).__name__}: {text}" if text else type(error).__name__)
