"""Writing the worklist's CSV on a worker thread (fsync and all never hold up the window).

The items are read in memory already; :class:`WorklistExportJob` only formats
and writes them (:func:`~pbxdesk.ui.callbacks.csvfile.write_worklist`). Like
the history's export job it belongs to the application, not to the tab, so a
tab closed mid-export never deletes a running thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QThread, Signal

from pbxdesk.store.callbackrules import ItemRow
from pbxdesk.ui.callbacks.csvfile import write_worklist
from pbxdesk.ui.history.csvfile import CsvFlavour, describe_failure

log = logging.getLogger("pbxdesk.ui")


class WorklistExportJob(QThread):
    """Writes items to one CSV file.

    Signals (delivered on the GUI thread):
        sig_succeeded(str, int): the file and the number of rows.
        sig_failed(str): what went wrong and what to do.
    """

    sig_succeeded = Signal(str, int)
    """The file is complete: path and row count."""
    sig_failed = Signal(str)
    """Nothing was written; the text says why."""

    def __init__(self, path: Path, items: Sequence[ItemRow], now_us: int,
                 texts: Sequence[str], flavour: CsvFlavour) -> None:
        app = QCoreApplication.instance()
        super().__init__(app)
        self.path = path
        self._items = list(items)
        self._now_us = now_us
        self._flavour = flavour
        # Formatted on the GUI thread beforehand: the status sentence uses QLocale.
        self._texts = dict(zip((item.number for item in items), texts, strict=True))
        if app is not None:
            app.aboutToQuit.connect(self.wait)
        self.finished.connect(self.deleteLater)

    def _status(self, item: ItemRow) -> str:
        return self._texts.get(item.number, "")

    def run(self) -> None:
        try:
            rows = write_worklist(self.path, self._items, self._now_us, self._status,
                                  self._flavour)
        except OSError as error:
            log.warning("Export of callbacks to %s failed: %s", self.path, error)
            self.sig_failed.emit(describe_failure(error, self.path))
        else:
            self.sig_succeeded.emit(str(self.path), rows)
