"""macOS: links arrive as ``QFileOpenEvent`` on the application, not on the command line.

The bundle's Info.plist (``CFBundleURLTypes``, see packaging/) makes macOS
offer pbxdesk for ``tel:`` and ``callto:``; when the user opens such a link,
Qt delivers a ``QFileOpenEvent`` to the application object, also to a running
app. :class:`FileOpenFilter`, installed on the QApplication, turns the dial
links among them into :attr:`FileOpenFilter.sig_url_opened`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QUrl, Signal
from PySide6.QtGui import QFileOpenEvent

from pbxdesk.phone import URI_SCHEMES


class FileOpenFilter(QObject):
    """Takes dial links out of the application's file-open events.

    Signals:
        sig_url_opened(str): a tel:, callto: or sip: link the user opened.
    """

    sig_url_opened = Signal(str)
    """A dial link the system asked pbxdesk to open (percent-escapes kept)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            url = event.url()
            if url.scheme().lower() in URI_SCHEMES:
                self.sig_url_opened.emit(
                    url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
                return True  # handled: nothing else should try to open it as a file
        return super().eventFilter(watched, event)
