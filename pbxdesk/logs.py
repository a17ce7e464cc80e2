"""Logging for pbxdesk: named loggers per subsystem, one place to configure them.

Loggers: ``pbxdesk.api``, ``pbxdesk.store``, ``pbxdesk.sync``, ``pbxdesk.ui``,
``pbxdesk.sandbox``. :func:`setup_logging` attaches a rotating file handler, an
optional console handler and a :class:`RingBufferHandler` that an in-app log view
can read. Every handler carries a :class:`RedactingFilter`: secrets registered
with :func:`register_secret` (the API key) are replaced before any record is
formatted, so a key can never reach a log line even by accident.
No Qt here.
"""

from __future__ import annotations

import collections
import logging
import logging.handlers
import re
import threading
from pathlib import Path

REDACTED = "***"
_LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

api_log = logging.getLogger("pbxdesk.api")
store_log = logging.getLogger("pbxdesk.store")
sync_log = logging.getLogger("pbxdesk.sync")
ui_log = logging.getLogger("pbxdesk.ui")
sandbox_log = logging.getLogger("pbxdesk.sandbox")

_secrets_lock = threading.Lock()
_secrets: set[str] = set()
# Header dumps (e.g. from a debug print of a request) must not leak the key either.
_TOKEN_HEADER = re.compile(r"(?i)(['\"]?token['\"]?\s*[:=]\s*['\"]?)([^'\",\s}]+)")


def register_secret(secret: str) -> None:
    """Make sure ``secret`` is masked in every log record from now on."""
    if len(secret) >= 4:  # masking one or two characters would garble every line
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` with every registered secret and any ``token: value`` pair masked."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return _TOKEN_HEADER.sub(rf"\g<1>{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback text) with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class RingBufferHandler(logging.Handler):
    """Keeps the last ``capacity`` formatted records in memory for an in-app log view."""

    def __init__(self, capacity: int = 2000) -> None:
        super().__init__()
        self._lines: collections.deque[str] = collections.deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record))
        except Exception:  # a log handler must never raise into the caller
            self.handleError(record)

    def lines(self) -> list[str]:
        return list(self._lines)


def setup_logging(
    log_file: Path | None, *, level: int = logging.INFO, console: bool = False
) -> RingBufferHandler:
    """Configure the ``pbxdesk`` logger tree once; returns the in-memory handler."""
    root = logging.getLogger("pbxdesk")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    root.propagate = False
    formatter = logging.Formatter(_LOG_FORMAT)
    handlers: list[logging.Handler] = []
    ring = RingBufferHandler()
    handlers.append(ring)
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.handlers.RotatingFileHandler(
                log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"))
        except OSError as exc:  # a read-only or full disk must not stop the app
            console = True
            logging.getLogger("pbxdesk").warning("Cannot write log file %s: %s", log_file, exc)
    if console:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    return ring
