"""One bridge for messages from services to whatever shows them.

Services never call into windows; they report a *known* problem (offline, bad
key, rate limited, disk full) through :class:`MessageBridge`, and the main
window shows it in its banner with the fix as a button. Bugs do not come
through here: they go to the crash handler.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("pbxdesk.ui")


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Remedy(StrEnum):
    """What the banner's button does."""

    NONE = ""
    OPEN_SETTINGS = "Open settings"
    RETRY = "Retry"
    WAIT = "Wait"
    USE_ACCOUNT_COUNTRY = "Use that country"


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    severity: Severity = Severity.ERROR
    remedy: Remedy = Remedy.NONE
    source: str = ""
    """Which service reported it, so a later success can clear it."""


class MessageBridge(QObject):
    """Carries :class:`Message` values from services to the UI.

    Signals:
        sig_message_posted(Message): a message to show.
        sig_message_cleared(str): the problem reported by this source is over.
    """

    sig_message_posted = Signal(object)
    """A message to show (a :class:`Message`)."""
    sig_message_cleared = Signal(str)
    """The source named here has recovered; hide its message."""

    def post(self, message: Message) -> None:
        log.log(logging.ERROR if message.severity is Severity.ERROR else logging.INFO,
                "%s: %s", message.source or "message", message.text)
        self.sig_message_posted.emit(message)

    def clear(self, source: str) -> None:
        self.sig_message_cleared.emit(source)
