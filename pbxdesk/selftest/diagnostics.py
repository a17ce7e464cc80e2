"""Keeping the self-test's output to one line, and failing on what that hides.

Anything besides the one line means something is off with the installation: a
missing Qt plugin or font, a library warning, an error logged by a service.
:class:`Diagnostics` catches all of it for the length of the run:

- a Qt message handler (Qt then prints nothing itself);
- a logging handler for WARNING and above on the root logger and, once
  :func:`pbxdesk.logs.setup_logging` has configured it, on ``pbxdesk`` (so the
  logging module's last-resort handler never writes to stderr);
- Python warnings, recorded instead of printed.

:meth:`Diagnostics.check` fails the run on the first of them that is not known
to be harmless.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from pbxdesk.logs import redact
from pbxdesk.selftest.report import SelfTestError

HARMLESS_QT_MESSAGES = (
    # The offscreen plugin says this for every top-level window it shows.
    "This plugin does not support propagateSizeHints",
)
_QT_PROBLEMS = {QtMsgType.QtWarningMsg: "warning", QtMsgType.QtCriticalMsg: "critical",
                QtMsgType.QtFatalMsg: "fatal"}


class _Collector(logging.Handler):
    """Keeps WARNING-and-above records (redacted) instead of printing them."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(logging.WARNING)
        self._problems = problems

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = redact(" ".join(record.getMessage().split()))
            self._problems.append(f"{record.levelname} from {record.name}: {message}")
        except Exception:  # a log handler must never raise into the caller
            self.handleError(record)


class Diagnostics:
    """Collects what would otherwise reach the terminal during the self-test."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        """One line per unexpected Qt message, log record or Python warning."""
        self._collector = _Collector(self.problems)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Collect for the duration of the block; restore the previous handlers after."""
        root = logging.getLogger()
        previous = qInstallMessageHandler(self._on_qt_message)
        root.addHandler(self._collector)
        try:
            with warnings.catch_warnings(record=True) as caught:
                yield
            self.problems.extend(f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
                                 for w in caught)
        finally:
            for logger in (root, logging.getLogger("pbxdesk")):
                logger.removeHandler(self._collector)
            # The runner destroys its QApplication inside this block, so what Qt says
            # while shutting down is collected too.
            qInstallMessageHandler(previous)

    def watch(self, logger: logging.Logger) -> None:
        """Also collect from ``logger`` (one that does not propagate to the root)."""
        logger.addHandler(self._collector)

    def check(self) -> None:
        """Raise the ``diagnostics`` failure if anything unexpected was collected."""
        if self.problems:
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            raise SelfTestError("diagnostics", self.problems[0] + more)

    def _on_qt_message(self, mode: QtMsgType, _context: QMessageLogContext,
                       message: str) -> None:
        level = _QT_PROBLEMS.get(mode)
        if level is None or any(harmless in message for harmless in HARMLESS_QT_MESSAGES):
            return
        self.problems.append(f"Qt {level}: {' '.join(message.split())}")
