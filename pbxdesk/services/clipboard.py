"""The clipboard as a source of numbers: "Dial copied number" and opt-in watching.

:class:`ClipboardService` reads the system clipboard (the Clipboard mode only:
X11's PRIMARY selection changes on every mouse selection and is never read) and
finds a number in it with :func:`pbxdesk.phone.find_number_in_text`. Watching
is off by default; when on, a copied number is offered once as a call (the tray
shows the offer). Clipboard text is never logged or stored: only a digest of
the last text seen is kept, in memory, so the same copy is not offered twice.
On macOS clipboard changes are only signalled while the app is active, so
watching polls there.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Callable, Collection
from typing import Final

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QClipboard

from pbxdesk.phone import DialTarget, find_number_in_text, find_numbers_in_text

log = logging.getLogger("pbxdesk.clipboard")

# Watching offers a call only for short copies: a number, a link, a line holding
# one. A copied e-mail or document that happens to contain a number is not an
# invitation to call, and reading it whole on every copy would cost time.
WATCH_MAX_CHARS: Final = 120
MAC_POLL_MS: Final = 1000


def dial_text(target: DialTarget) -> str:
    """The text to put in the dial pad for ``target``: it reads back as the same target."""
    if target.is_internal:
        return target.extension or ""
    return target.international


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class ClipboardService(QObject):
    """Finds numbers in copied text.

    Signals:
        sig_number_found(str): "Dial copied number" found this (dial pad text).
        sig_numbers_found(object): it found several: (dial pad text, label) pairs,
            in the order the text gives them, for the agent to choose from.
        sig_nothing_found(str): it found none; the sentence says why.
        sig_offer_call(str, str): watching saw a number copied: dial pad text
            and how to show it (national format when it is a local number).

    Attributes:
        default_region: the country of numbers copied without a country code.
        known_extensions: returns the account's extensions, so copied digits that
            are one are read as one (see :mod:`pbxdesk.phone.extensions`).
    """

    sig_number_found = Signal(str)
    """The copied text holds this number (text for the dial pad)."""
    sig_numbers_found = Signal(object)
    """The copied text holds several numbers: a list of (dial pad text, label) pairs."""
    sig_nothing_found = Signal(str)
    """The copied text holds no dialable number; the reason, for the user."""
    sig_offer_call = Signal(str, str)
    """A number was just copied (watching on): dial pad text, display text."""

    def __init__(self, clipboard: QClipboard, *, default_region: str | None,
                 poll_ms: int | None = None, parent: QObject | None = None) -> None:
        """``poll_ms``: also poll while watching (default: every second on macOS only)."""
        super().__init__(parent)
        self.default_region = default_region
        self.known_extensions: Callable[[], Collection[str]] = frozenset
        self._clipboard = clipboard
        self._watching = False
        self._last_digest: bytes | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms if poll_ms is not None else MAC_POLL_MS)
        self._poll_wanted = (poll_ms is not None and poll_ms > 0) or (
            poll_ms is None and sys.platform == "darwin")
        self._poll.timeout.connect(self._on_poll_timeout)

    @property
    def watching(self) -> bool:
        return self._watching

    def set_default_region(self, region: str | None) -> None:
        self.default_region = region

    def dial_copied_number(self) -> bool:
        """Look for numbers in the clipboard; emits the one found, those found, or the reason.

        Returns True when a number was found.
        """
        text = self._read()
        extensions = self.known_extensions()
        several = find_numbers_in_text(text, self.default_region, extensions=extensions)
        if len(several) > 1:
            self.sig_numbers_found.emit([(dial_text(target), target.display)
                                         for target in several])
            return True
        result = find_number_in_text(text, self.default_region, extensions=extensions)
        if isinstance(result, DialTarget):
            self.sig_number_found.emit(dial_text(result))
            return True
        log.info("Dial copied number: nothing dialable (%s)", result.reason.value)
        self.sig_nothing_found.emit(result.message)
        return False

    def set_watching(self, on: bool) -> None:
        """Offer copied numbers from now on (or stop). What is copied already is not offered."""
        if on == self._watching:
            return
        self._watching = on
        if on:
            self._last_digest = _digest(self._read())
            self._clipboard.changed.connect(self._on_clipboard_changed)
            if self._poll_wanted:
                self._poll.start()
        else:
            self._clipboard.changed.disconnect(self._on_clipboard_changed)
            self._poll.stop()
            self._last_digest = None

    def _read(self) -> str:
        return self._clipboard.text(QClipboard.Mode.Clipboard)

    @Slot(QClipboard.Mode)
    def _on_clipboard_changed(self, mode: QClipboard.Mode) -> None:
        if mode == QClipboard.Mode.Clipboard:
            self._consider_copy()

    @Slot()
    def _on_poll_timeout(self) -> None:
        self._consider_copy()

    def _consider_copy(self) -> None:
        """Offer the clipboard's number if it is new, short, not ours and dialable."""
        if self._clipboard.ownsClipboard():
            return  # pbxdesk copied it (a number from the history): no offer to itself
        text = self._read()
        digest = _digest(text)
        if digest == self._last_digest:
            return  # the same copy seen again (poll, or a second change signal)
        self._last_digest = digest
        if len(text.strip()) > WATCH_MAX_CHARS:
            return
        result = find_number_in_text(text, self.default_region,
                                     extensions=self.known_extensions())
        if isinstance(result, DialTarget):
            log.debug("A dialable number was copied; offering it")
            self.sig_offer_call.emit(dial_text(result), result.display)
