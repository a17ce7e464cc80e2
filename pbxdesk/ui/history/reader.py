"""Reading the call store for the history tables on a worker thread.

A count over a whole history, a page deep in a sort, the first search after a
sync or an index built for a new sort order can take from milliseconds to
seconds at a million calls; on the GUI thread any of them froze the window.
The tables ask a :class:`HistoryReader` instead and keep showing what they
show until the answer arrives (:class:`ReadResult`, delivered on the GUI thread
through :attr:`HistoryReader.sig_read`).

One worker thread serves every table (one SQLite connection per store, whose
memo of counts and paging positions the tabs then share). Requests carry a
generation: a request overtaken by a newer one from the same table is skipped
before it starts, so clicking through pages quickly reads only the last one.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from pbxdesk.api.models import AnyCall, CallKind
from pbxdesk.store import CallFilter, CallStore, Sort, StoreError

log = logging.getLogger("pbxdesk.ui")


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """What a table wants shown: the rows of blocks ``blocks`` (of ``block_size``)."""

    generation: int
    kind: CallKind
    call_filter: CallFilter
    sort: Sort
    page: int
    page_size: int
    blocks: tuple[int, ...]
    """Block numbers to read (the page's, minus those the table holds); clamped to the
    count when the page lies past the end."""
    block_size: int
    recount: bool


@dataclass(frozen=True, slots=True)
class ReadResult:
    request: ReadRequest
    total: int
    page: int
    """The page to show: the requested one, or the last one when the list got shorter."""
    blocks: dict[int, list[AnyCall]] = field(default_factory=dict)
    stored: int | None = None
    """Calls of the table's kind in the store, when ``total`` is 0 (which empty message)."""
    error: str | None = None


class _Answering:
    """Whether a reader may still answer: off, under the lock, as its QObject goes.

    The worker emits with the lock held, so the GUI thread cannot delete the reader
    in the middle of an emit (a crash, once in a few hundred test runs, when a table
    was closed as its read finished); once the reader is going it emits nothing.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.alive = True

    def end(self) -> None:
        with self.lock:
            self.alive = False


class HistoryReader(QObject):
    """Reads for one table on the shared worker thread.

    Signals:
        sig_read(object): a :class:`ReadResult` for the newest request, on the GUI thread.
    """

    sig_read = Signal(object)
    """A :class:`ReadResult`; older requests that a newer one overtook are not answered."""

    def __init__(self, store: CallStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._generation = itertools.count(1)
        self._latest = 0
        self._answering = _Answering()
        # Called on the deleting thread (the GUI's) as the C++ object goes.
        self.destroyed.connect(self._answering.end)

    def request(self, kind: CallKind, flt: CallFilter, sort: Sort, page: int, page_size: int,
                blocks: tuple[int, ...], block_size: int, *, recount: bool) -> int:
        """Ask for the rows of a page; returns the request's generation."""
        generation = next(self._generation)
        self._latest = generation
        job = ReadRequest(generation, kind, flt, sort, page, page_size, blocks, block_size,
                          recount)
        _worker().submit(lambda: self._run(job))
        return generation

    @property
    def latest(self) -> int:
        return self._latest

    def prepare_search(self) -> None:
        """In idle time: bring the search dictionaries and indexes up to date, so the
        next search does not wait for them. Any read asked meanwhile goes first."""
        worker = _worker()
        store = self.store

        def run() -> None:
            try:
                store.prepare_search(stop=worker.busy)
            except Exception as error:  # a closed or failing store: searches do it later
                log.debug("Preparing search failed: %r", error)

        worker.submit(run)

    def _run(self, job: ReadRequest) -> None:
        """On the worker thread."""
        if job.generation != self._latest:
            return  # overtaken while it waited
        result = read(self.store, job)
        if job.generation != self._latest:
            return
        answering = self._answering
        with answering.lock:
            if not answering.alive:
                log.debug("History read answered after its table was deleted")
                return
            try:
                self.sig_read.emit(result)
            except RuntimeError:  # deleted some other way than through Qt
                log.debug("History read answered after its table was deleted")


def read(store: CallStore, job: ReadRequest) -> ReadResult:
    """The rows ``job`` asks for (on any thread but the GUI's)."""
    try:
        total = store.count(job.call_filter)
        page = min(max(0, job.page), max(0, -(-total // job.page_size) - 1))
        blocks = job.blocks
        if page != job.page:  # the list got shorter: the last page's blocks instead
            first = page * job.page_size
            last = min(total, first + job.page_size) - 1
            blocks = tuple(range(first // job.block_size, max(first, last) // job.block_size + 1))
        found: dict[int, list[AnyCall]] = {}
        for number in blocks:
            start = number * job.block_size
            limit = min(job.block_size, total - start)
            found[number] = store.page(job.call_filter, job.sort, start, limit) if limit > 0 else []
        stored = None
        if total == 0:
            stored = store.count(CallFilter(kinds=frozenset({job.kind})))
        return ReadResult(job, total, page, found, stored)
    except StoreError as error:
        log.warning("Could not read the call history: %s", error)
        return ReadResult(job, 0, 0, error=str(error))
    except Exception as error:  # a store closed under the read (the session ended)
        log.debug("History read failed: %r", error)
        return ReadResult(job, 0, 0, error=str(error) or type(error).__name__)


class _Worker:
    """One daemon thread running submitted callables in order."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="history-reader", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        self._queue.put(job)

    def busy(self) -> bool:
        """Whether other jobs wait (work that can be left for later then stops)."""
        return not self._queue.empty()

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            try:
                job()
            except Exception:  # never let one read stop the others
                log.exception("A history read failed")


_WORKER: _Worker | None = None
_WORKER_LOCK = threading.Lock()


def _worker() -> _Worker:
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None:
            _WORKER = _Worker()
        return _WORKER
