"""Running the self-test: Qt first, then a throw-away profile, then the loop-bound steps.

The event loop runs the way :func:`pbxdesk.app.run` runs it (qasync through
``asyncio.Runner``), so a bundle that passes here starts the app the same way.
The QApplication is destroyed before the diagnostics are checked, so what Qt
says while shutting down counts too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import qasync
from PySide6 import QtCore
from PySide6.QtWidgets import QApplication

from pbxdesk import APP_ID, APP_NAME, __version__
from pbxdesk.logs import setup_logging
from pbxdesk.paths import AppPaths
from pbxdesk.selftest.diagnostics import Diagnostics
from pbxdesk.selftest.exercise import Exercise
from pbxdesk.selftest.report import Findings, SelfTestError, describe, step


def run_self_test() -> int:
    """Run every step and print the one-line outcome; 0 when all passed, else 1."""
    started = time.perf_counter()
    # A self-test never needs a display; an explicit choice (xcb under Xvfb, say) wins.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    diagnostics = Diagnostics()
    findings = Findings()
    try:
        with diagnostics.installed():
            _run(findings, diagnostics)
        with step("diagnostics"):
            diagnostics.check()
    except SelfTestError as failure:
        print(failure, file=sys.stderr, flush=True)
        return 1
    except Exception as error:  # a bug in the self-test itself still gets its one line
        print(SelfTestError("self-test", describe(error)), file=sys.stderr, flush=True)
        return 1
    print(findings.summary(__version__, time.perf_counter() - started), flush=True)
    return 0


def _run(findings: Findings, diagnostics: Diagnostics) -> None:
    created = QApplication.instance() is None
    with step("qt"):
        app = _application()
        findings.platform = app.platformName()
        findings.qt_version = QtCore.qVersion()
    try:
        with step("profile"):
            temp_dir = tempfile.TemporaryDirectory(prefix="pbxdesk-selftest-")
        try:
            with step("profile"):
                paths = AppPaths.under(Path(temp_dir.name))
                paths.ensure()
                # The app's own log set-up, into the throw-away profile. It replaces
                # the pbxdesk logger's handlers, so the collector is added after it.
                setup_logging(paths.log_file)
                diagnostics.watch(logging.getLogger("pbxdesk"))
            with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
                runner.run(_exercise(Exercise(paths, findings)))
        finally:
            # Back to the in-memory log only: the log file closes before its folder goes.
            setup_logging(None)
            diagnostics.watch(logging.getLogger("pbxdesk"))
            with contextlib.suppress(OSError):
                temp_dir.cleanup()
    finally:
        if created:
            app.shutdown()


def _application() -> QApplication:
    existing = QApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        raise RuntimeError("a QCoreApplication without widgets already exists")
    app = existing or QApplication(sys.argv[:1] or [APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setQuitOnLastWindowClosed(False)
    return app


async def _exercise(exercise: Exercise) -> None:
    """The steps, then the shutdown whatever happened; the first failure wins."""
    failure: SelfTestError | None = None
    try:
        await exercise.run()
    except SelfTestError as error:
        failure = error
    try:
        with step("shutdown"):
            await exercise.shutdown()
    except SelfTestError as error:
        failure = failure or error
    if failure is not None:
        raise failure
