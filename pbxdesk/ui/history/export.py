"""Exporting the current filter to CSV on a worker thread, with a progress dialog.

:class:`ExportJob` streams ``CallStore.iter_calls`` (its own SQLite connection,
one consistent snapshot) into :func:`~pbxdesk.ui.history.csvfile.write_csv`
on a ``QThread``; :class:`Exporter` runs one job at a time for a tab, shows a
non-modal, cancellable progress dialog and turns the outcome into a status
message (and an error box through the :class:`~pbxdesk.ui.dialogs.DialogService`).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from pbxdesk.api.models import CallKind
from pbxdesk.store import CallFilter, CallStore, Sort, StoreError
from pbxdesk.ui.dialogs import DialogService
from pbxdesk.ui.history.csvfile import (
    CsvFlavour,
    ExportCancelledError,
    describe_failure,
    write_csv,
)

log = logging.getLogger("pbxdesk.ui")


class ExportJob(QThread):
    """Writes every call of a filter, in a sort order, to one CSV file.

    Signals (delivered on the GUI thread):
        sig_progressed(int): rows written so far.
        sig_succeeded(str, int): the file and the number of rows.
        sig_failed(str): what went wrong, for the user.
        sig_cancelled(): stopped on request; no file was written.
    """

    sig_progressed = Signal(int)
    """Rows written so far."""
    sig_succeeded = Signal(str, int)
    """The export is complete: path and row count."""
    sig_failed = Signal(str)
    """The export failed; the text says why and what to do."""
    sig_cancelled = Signal()
    """The export was cancelled; no file was written."""

    def __init__(self, store: CallStore, kind: CallKind, flt: CallFilter, sort: Sort,
                 path: Path, parent: QObject | None = None, *,
                 flavour: CsvFlavour = CsvFlavour.SPREADSHEET) -> None:
        super().__init__(parent)
        self.flavour = flavour
        self.store = store
        self.kind = kind
        self.filter = flt
        self.sort = sort
        self.path = path
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @Slot()
    def stop(self, milliseconds: int = 5_000) -> None:
        """Cancel and wait (bounded) for the thread: the app is quitting."""
        self.cancel()
        self.wait(milliseconds)

    def run(self) -> None:
        try:
            calls = self.store.iter_calls(self.filter, self.sort)
            try:
                rows = write_csv(self.path, self.kind, calls, cancelled=self._cancel.is_set,
                                 progress=self.sig_progressed.emit, flavour=self.flavour)
            finally:
                calls.close()
        except ExportCancelledError:
            self.sig_cancelled.emit()
        except (OSError, StoreError) as error:
            log.warning("Export to %s failed: %s", self.path, error)
            self.sig_failed.emit(describe_failure(error, self.path))
        else:
            self.sig_succeeded.emit(str(self.path), rows)
        finally:
            self.store.release_thread()


class Exporter(QObject):
    """Runs one export at a time for a history tab.

    Signals:
        sig_status_message(str): the outcome in a few words.
        sig_finished(): the job ended (done, failed or cancelled).
    """

    sig_status_message = Signal(str)
    """A short status-bar message about the export."""
    sig_finished = Signal()
    """The export ended, however it ended."""

    def __init__(self, store: CallStore, dialogs: DialogService, parent: QWidget) -> None:
        super().__init__(parent)
        self._store = store
        self._dialogs = dialogs
        self.job: ExportJob | None = None
        self.progress: QProgressDialog | None = None

    def _window(self) -> QWidget | None:
        # Asked each time rather than kept: a reference back to the tab would be a cycle.
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None

    @property
    def running(self) -> bool:
        return self.job is not None

    def start(self, path: Path, kind: CallKind, flt: CallFilter, sort: Sort,
              total: int, flavour: CsvFlavour = CsvFlavour.SPREADSHEET) -> bool:
        """Start exporting; False (and a message) if an export is already running."""
        if self.job is not None:
            self.sig_status_message.emit("An export is already running")
            return False
        locale = QLocale()
        progress = QProgressDialog(f"Exporting {locale.toString(total)} calls to {path.name}…",
                                   "Cancel", 0, max(1, total), self._window())
        progress.setWindowTitle("Export calls")
        progress.setWindowModality(Qt.WindowModality.NonModal)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setMinimumDuration(0)
        progress.setAccessibleName("Export progress")
        progress.canceled.connect(self._on_progress_canceled)
        # The thread belongs to the application, not to the tab: Qt aborts the process if
        # a running QThread is deleted, and the tab may be deleted (session closed) while
        # an export runs. The export then finishes on its own; at quit it is stopped.
        app = QCoreApplication.instance()
        job = ExportJob(self._store, kind, flt, sort, path, app, flavour=flavour)
        if app is not None:
            app.aboutToQuit.connect(job.stop)
        job.sig_progressed.connect(self._on_job_progressed)
        job.sig_succeeded.connect(self._on_job_succeeded)
        job.sig_failed.connect(self._on_job_failed)
        job.sig_cancelled.connect(self._on_job_cancelled)
        job.finished.connect(self._on_job_finished)
        # Last: queued calls run in connection order, and the others must see the job.
        job.finished.connect(job.deleteLater)
        self.job, self.progress = job, progress
        progress.show()
        job.start()
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def wait(self, milliseconds: int = 10_000) -> bool:
        """Block until the worker thread ends (for shutdown)."""
        return self.job is None or self.job.wait(milliseconds)

    @Slot()
    def _on_progress_canceled(self) -> None:
        if self.job is not None:
            self.job.cancel()
            if self.progress is not None:
                self.progress.setLabelText("Cancelling…")

    @Slot(int)
    def _on_job_progressed(self, rows: int) -> None:
        if self.progress is not None:
            self.progress.setValue(min(rows, self.progress.maximum()))

    @Slot(str, int)
    def _on_job_succeeded(self, path: str, rows: int) -> None:
        self.sig_status_message.emit(f"Exported {QLocale().toString(rows)} calls to "
                                     f"{Path(path).name}")

    @Slot(str)
    def _on_job_failed(self, text: str) -> None:
        self.sig_status_message.emit("Export failed: no file was written")
        self._dialogs.show_error(self._window(), title="Export failed", text=text)

    @Slot()
    def _on_job_cancelled(self) -> None:
        self.sig_status_message.emit("Export cancelled: no file was written")

    @Slot()
    def _on_job_finished(self) -> None:
        progress = self.progress
        self.job, self.progress = None, None
        if progress is not None:
            progress.blockSignals(True)  # closing a QProgressDialog emits canceled()
            progress.close()
            progress.deleteLater()
        self.sig_finished.emit()
