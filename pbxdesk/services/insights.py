"""Insights' figures computed off the GUI thread, one section at a time.

:class:`InsightsService` takes an :class:`~pbxdesk.store.insights.InsightsQuery`,
runs each section's SQL (:mod:`pbxdesk.store.insights`) on one worker thread
with its own store connection, and hands every section back as a signal on the
GUI thread. Only the newest request counts: a request made while another is
computing makes the older one stop after its current section, and results of
an older request are never delivered.

A view that fills tables and charts sets :attr:`InsightsService.paced`: the
worker then waits before each next section until the view calls
:meth:`~InsightsService.resume` (or :data:`PACE_TIMEOUT_S` passes). Filling runs
Python on the GUI thread with a Qt call every few lines, and each Qt call lets a
busy worker hold the GIL for a whole switch interval: filling while the worker
computes took ten times as long (a 7 ms table paint became 130-390 ms with a
thread spinning in Python).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from pbxdesk.store import CallStore, StoreError, daygroups
from pbxdesk.store import insights as sql
from pbxdesk.store.insights import InsightsQuery

log = logging.getLogger("pbxdesk.services")

PACE_TIMEOUT_S = 1.0
"""How long a paced worker waits for the view at most (a view that never resumes)."""


class Section(Enum):
    """The parts of the Insights view, in the order they are computed."""

    DAYS = "days"
    HOURS = "hours"
    GROUPS = "groups"
    AGENTS = "agents"


COMPUTE: dict[Section, Callable[[sqlite3.Connection, InsightsQuery], Any]] = {
    Section.DAYS: daygroups.calls_per_period,
    Section.HOURS: sql.calls_per_hour,
    Section.GROUPS: sql.per_group,
    Section.AGENTS: sql.per_agent,
}
"""Each section's SQL: GroupedDays (the days and their bars), HeatMap, list[GroupFigures],
list[AgentFigures]."""


def _reader(compute: Callable[[sqlite3.Connection, InsightsQuery], Any],
            query: InsightsQuery) -> Callable[[sqlite3.Connection], Any]:
    def read(conn: sqlite3.Connection) -> Any:
        return compute(conn, query)
    return read


@dataclass(frozen=True, slots=True)
class SectionResult:
    """One section's figures for one request."""

    request: int
    query: InsightsQuery
    section: Section
    figures: Any
    seconds: float
    view: Any = None
    """What :attr:`InsightsService.present` made of the figures (None without one)."""


class InsightsService(QObject):
    """Computes Insights on a worker thread for the newest request.

    Signals:
        sig_section_computed(object): a :class:`SectionResult` of the newest request.
        sig_computed(int): every section of request ``n`` was delivered.
        sig_failed(str): the store could not be read; the text says why.
    """

    sig_section_computed = Signal(object)
    """A :class:`SectionResult` for the newest request."""
    sig_computed = Signal(int)
    """All sections of this request number are delivered."""
    sig_failed = Signal(str)
    """Reading the store failed (a known problem, said for the user)."""
    _sig_delivered = Signal(object)
    """Internal: a worker's result, queued to the GUI thread."""
    _sig_done = Signal(int)
    _sig_error = Signal(int, str)

    def __init__(self, store: CallStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._executor: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="pbxdesk-insights")
        self._lock = threading.Lock()
        self._newest = 0
        self._running: Future[None] | None = None
        self.paced = False
        """Wait for :meth:`resume` between sections (set by a view that fills widgets)."""
        self._resumed = threading.Event()
        self.present: Callable[[Section, Any, InsightsQuery], Any] | None = None
        """Turns a section's figures into what a view shows, on the worker too (it must
        touch no widget): the labels, hover texts and table texts of two years of figures
        are milliseconds of Python the GUI thread is spared."""
        self._sig_delivered.connect(self._on_worker_delivered)
        self._sig_done.connect(self._on_worker_done)
        self._sig_error.connect(self._on_worker_error)

    @property
    def busy(self) -> bool:
        """True while a request is being computed (or waits for the worker)."""
        return self._running is not None and not self._running.done()

    @property
    def newest(self) -> int:
        with self._lock:
            return self._newest

    def request(self, query: InsightsQuery,
                sections: tuple[Section, ...] = tuple(Section)) -> int:
        """Compute ``sections`` for ``query``; returns the request's number."""
        if self._executor is None:
            raise RuntimeError("The Insights service is shut down")
        with self._lock:
            self._newest += 1
            number = self._newest
        self._resumed.set()  # an older request's section still being shown holds no one up
        self._running = self._executor.submit(self._compute, number, query, sections)
        return number

    def resume(self) -> None:
        """The view has shown what it was given: a paced worker computes the next section."""
        self._resumed.set()

    def shutdown(self) -> None:
        """Stop after the current section, release the worker's connection, join it."""
        if self._executor is None:
            return
        executor, self._executor = self._executor, None
        with self._lock:
            self._newest += 1  # anything still queued or running is now stale
        self._resumed.set()
        executor.submit(self._store.release_thread)
        executor.shutdown(wait=True)

    # -- on the worker thread ------------------------------------------------------------

    def _stale(self, number: int) -> bool:
        with self._lock:
            return number != self._newest

    def _compute(self, number: int, query: InsightsQuery,
                 sections: tuple[Section, ...]) -> None:
        for index, section in enumerate(sections):
            if index and self.paced:
                self._resumed.wait(PACE_TIMEOUT_S)
            if self._stale(number):
                return
            started = time.perf_counter()
            try:
                figures = self._store.aggregate(_reader(COMPUTE[section], query))
                view = None if self.present is None else self.present(section, figures, query)
            except StoreError as error:
                log.warning("Insights could not read the call store: %s", error)
                self._sig_error.emit(number, str(error))
                return
            except Exception:
                log.exception("Insights failed computing %s", section.value)
                self._sig_error.emit(number, "Insights could not be computed; see the log.")
                return
            seconds = time.perf_counter() - started
            log.debug("Insights %s in %.1f ms", section.value, seconds * 1000)
            self._resumed.clear()
            self._sig_delivered.emit(SectionResult(number, query, section, figures, seconds, view))
        self._sig_done.emit(number)

    # -- back on the GUI thread ----------------------------------------------------------

    @Slot(object)
    def _on_worker_delivered(self, result: SectionResult) -> None:
        if result.request == self.newest:
            self.sig_section_computed.emit(result)

    @Slot(int)
    def _on_worker_done(self, number: int) -> None:
        if number == self.newest:
            self.sig_computed.emit(number)

    @Slot(int, str)
    def _on_worker_error(self, number: int, text: str) -> None:
        if number == self.newest:
            self.sig_failed.emit(text)
