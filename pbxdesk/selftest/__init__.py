"""``pbxdesk --self-test``: prove that this installation works, from source or frozen.

One run exercises every layer a packaged build can break: the Qt platform
plugin, the sandbox PBX (uvicorn, starlette, SQLite), a real sync over loopback
HTTP through :class:`~pbxdesk.session.Session`, the main window with the
session attached, number parsing (phonenumbers' metadata), a simulated
click-to-call and the keyring lookup. Everything happens offscreen in a
throw-away profile; the keyring is only asked which backend it has.

The outcome is one line: the summary on stdout and exit 0, or
``pbxdesk self-test FAILED at <step>: <reason>`` on stderr and exit 1.

Modules:

- ``runner``: :func:`run_self_test`, the steps' bookkeeping and the summary line;
- ``exercise``: the steps that run inside the event loop, and the shutdown;
- ``diagnostics``: collects Qt messages, log records and Python warnings so
  nothing but the one line reaches the terminal, and fails the run on any that
  is not known to be harmless.

Importing this package loads no Qt; :func:`run_self_test` does.
"""

from __future__ import annotations


def run_self_test() -> int:
    """Run the self-test; the process exit code (0 passed, 1 failed)."""
    from pbxdesk.selftest.runner import run_self_test as run

    return run()


__all__ = ["run_self_test"]
