#!/usr/bin/env python3
"""Benchmark the call-history tab over a million stored calls, offscreen.

    .venv/bin/python scripts/bench_table.py                          # 1,000,000 rows, temp dir
    .venv/bin/python scripts/bench_table.py --db /tmp/calls.sqlite3 --keep   # keep the store
    .venv/bin/python scripts/bench_table.py --db /tmp/calls.sqlite3 --reuse  # reuse it

Fills a store with the test suite's ``CallFactory`` (as ``scripts/bench_store.py``
does, the calls ending now so the date presets find them), then times what a
user waits for in a 1400×800 ``HistoryTab``: the first paint of a new tab, page
flips (next, last, previous, first), a sort change (a header click), filter
changes (outcome, user, search box, date preset) and the biggest page size.

Each time runs from the action until the table has painted: the action, then
``processEvents()`` until the rows, read on the model's worker thread, have
arrived (delayed layout, the update request and its paint; a ``repaint()`` if
no paint came), so it is what the user waits for. Each
is measured ``--repeat`` times *cold* (the store's per-thread memo of counts
and paging anchors, and the rows the model read, emptied first, as after a sync
commits; the OS page cache stays warm, as in a running app) and ``--repeat``
times *warm* (both kept, as when the user clicks on between syncs). Printed: the cold median
and worst, the median part of a cold run spent inside the store's reads
(the rest is the view: formatting, layout, painting), and the warm median.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEvent, QEventLoop, QLocale, QObject, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from pbxdesk.api.models import CallKind  # noqa: E402
from pbxdesk.store import CallStore  # noqa: E402
from pbxdesk.ui.history import HistoryTab  # noqa: E402
from pbxdesk.ui.history.columns import Field  # noqa: E402
from pbxdesk.ui.history.dates import DatePreset  # noqa: E402
from tests.fixtures.store import CallFactory  # noqa: E402

SPAN = timedelta(days=730)
Action = Callable[[], object]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000, help="rows per upsert")
    parser.add_argument("--db", type=Path, help="database file (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--reuse", action="store_true", help="reuse --db if it is filled")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.Australia))
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "calls.sqlite3"
        store = CallStore(path, default_region="AU")
        factory = CallFactory(seed=42, users=60, queues=6, ring_groups=4, callers=200_000,
                              start=datetime.now(UTC) - SPAN, span=SPAN)
        try:
            if not (args.reuse and store.count() >= args.rows):
                fill(store, factory, args.rows, args.batch)
            print(f"store: {store.count():,} calls in {path}")
            bench = Bench(app, store, args.repeat)
            for kind in (CallKind.USER, CallKind.QUEUE):
                bench.run(kind, factory)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"\npeak RSS of this process: {rss:.0f} MB")
        finally:
            store.close()
            if args.db and not args.keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
    return 0


def fill(store: CallStore, factory: CallFactory, rows: int, batch_size: int) -> None:
    started = time.perf_counter()
    generated = factory.iter_calls(rows)
    done = 0
    while done < rows:
        store.upsert([next(generated) for _ in range(min(batch_size, rows - done))])
        done = min(rows, done + batch_size)
        if done % 100_000 < batch_size:
            print(f"  {done:>9,} rows stored, {time.perf_counter() - started:.0f} s", flush=True)


class _PaintCounter(QObject):
    """Counts paint events of the objects it filters."""

    def __init__(self, counts: dict[QObject, int]) -> None:
        super().__init__()
        self.counts = counts

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and watched in self.counts:
            self.counts[watched] += 1
        return False


class Bench:
    """Times user actions on HistoryTabs and prints one line per action."""

    def __init__(self, app: QApplication, store: CallStore, repeat: int) -> None:
        self.app = app
        self.store = store
        self.repeat = repeat
        self._paints: dict[QObject, int] = {}
        self._counter = _PaintCounter(self._paints)
        self.in_store = 0.0
        self.instrument()

    def cold(self, tab: HistoryTab) -> None:
        """Empty the store's per-thread memo (counts, paging anchors) and the rows the
        model has read, so nothing of an earlier run is reused."""
        # The benchmark may look inside, as bench_store.py does. The tab reads on a
        # worker thread: every thread's memo goes.
        for session in list(self.store._connections._sessions):
            session._seen = (-1, -1)
        tab.model._blocks.clear()

    def settle(self, tab: HistoryTab) -> None:
        """Run the event loop until the table has painted (repaint if Qt did not)."""
        viewport = tab.view.viewport()
        if viewport not in self._paints:
            self._paints[viewport] = 0
            viewport.installEventFilter(self._counter)
        before = self._paints[viewport]
        self.app.processEvents()
        while tab.model.loading:  # the rows are read on a worker thread
            self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
        self.app.processEvents()
        if self._paints[viewport] == before:
            viewport.repaint()

    def time(self, label: str, tab: HistoryTab, action: Action,
             prepare: Action | None = None) -> None:
        cold, store = self._times(tab, action, prepare, cold=True)
        warm, _ = self._times(tab, action, prepare, cold=False)
        rows = f"{tab.model.total:,}"
        print(f"  {label:<44}{rows:>10}{statistics.median(cold):>9.1f}{max(cold):>8.1f}"
              f"{statistics.median(store):>8.1f}{statistics.median(warm):>9.1f}", flush=True)

    def _times(self, tab: HistoryTab, action: Action, prepare: Action | None,
               cold: bool) -> tuple[list[float], list[float]]:
        """Total times and the part spent in the store, in ms."""
        times: list[float] = []
        store: list[float] = []
        for _ in range(self.repeat):
            if prepare is not None:
                prepare()
                self.settle(tab)
            if cold:
                self.cold(tab)
            self.in_store = 0.0
            started = time.perf_counter()
            action()
            self.settle(tab)
            times.append((time.perf_counter() - started) * 1000)
            store.append(self.in_store * 1000)
        return times, store

    def instrument(self) -> None:
        """Count the time spent in the store's reads (count, page, users, groups)."""
        for name in ("count", "page", "users", "groups"):
            original = getattr(self.store, name)

            def timed(*args: object, _original: Callable[..., object] = original,
                      **kwargs: object) -> object:
                started = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.in_store += time.perf_counter() - started

            setattr(self.store, name, timed)

    def new_tab(self, kind: CallKind) -> HistoryTab:
        tab = HistoryTab(kind, self.store, default_region="AU")
        tab.resize(1400, 800)
        tab.show()
        self.settle(tab)
        return tab

    def run(self, kind: CallKind, factory: CallFactory) -> None:
        print(f"\n## {kind.value} calls (ms)")
        print(f"  {'action':<44}{'rows':>10}{'cold med':>9}{'max':>8}{'store':>8}"
              f"{'warm med':>9}")
        tab = self.first_paint(kind)
        span = self.store.date_range()
        assert span is not None
        first, last = (moment.astimezone().date() for moment in span)

        def everything() -> None:
            tab.filter_bar.set_custom_range(first, last)

        self.time("filter: whole history (custom range)", tab, everything,
                  prepare=lambda: tab.filter_bar.set_preset(DatePreset.TODAY))
        self.paging(tab)
        self.sorting(tab)
        self.filters(tab, factory, everything)
        self.big_pages(tab)
        tab.close()
        tab.deleteLater()
        self.app.processEvents()

    def first_paint(self, kind: CallKind) -> HistoryTab:
        made: list[HistoryTab] = []
        probe = self.new_tab(kind)
        self.time("first paint of a new tab (last 30 days)", probe,
                  lambda: made.append(self.new_tab(kind)))
        for tab in made:
            tab.close()
            tab.deleteLater()
        self.app.processEvents()
        return probe

    def paging(self, tab: HistoryTab) -> None:
        model = tab.model
        self.time("page flip: next", tab, lambda: model.set_page(model.page + 1),
                  prepare=lambda: model.set_page(model.page_count // 3))
        self.time("page flip: last page", tab, lambda: model.set_page(model.page_count - 1),
                  prepare=lambda: model.set_page(0))
        self.time("page flip: previous (from the last)", tab,
                  lambda: model.set_page(model.page - 1),
                  prepare=lambda: model.set_page(model.page_count - 1))
        self.time("page flip: first page", tab, lambda: model.set_page(0),
                  prepare=lambda: model.set_page(model.page_count // 2))

    def sorting(self, tab: HistoryTab) -> None:
        model, view = tab.model, tab.view

        def newest_first() -> None:
            view.sortByColumn(model.column_of(Field.START), Qt.SortOrder.DescendingOrder)

        for field, order in ((Field.CALLER_NAME, Qt.SortOrder.AscendingOrder),
                             (Field.DURATION, Qt.SortOrder.DescendingOrder),
                             (Field.START, Qt.SortOrder.AscendingOrder)):
            column = model.column_of(field)
            self.time(f"sort: click {model.columns[column].title!r}", tab,
                      partial(view.sortByColumn, column, order), prepare=newest_first)

        def newest_first_on_the_last_page() -> None:
            newest_first()
            model.set_page(model.page_count - 1)

        self.time("sort change on the last page", tab,
                  lambda: view.sortByColumn(model.column_of(Field.CALL_ID),
                                            Qt.SortOrder.DescendingOrder),
                  prepare=newest_first_on_the_last_page)
        newest_first()

    def filters(self, tab: HistoryTab, factory: CallFactory, everything: Action) -> None:
        bar = tab.filter_bar
        self.time("filter: outcome 'Missed'", tab, lambda: bar.outcome.setCurrentText("Missed"),
                  prepare=lambda: bar.outcome.setCurrentText("All outcomes"))
        bar.outcome.setCurrentText("All outcomes")
        entries = bar.targets.entries()
        if entries:
            key = entries[len(entries) // 2][0]
            noun = "user" if tab.kind is CallKind.USER else "queue"
            self.time(f"filter: one {noun}", tab, lambda: bar.targets.set_checked_keys([key]),
                      prepare=lambda: bar.targets.set_checked_keys([]))
            bar.targets.set_checked_keys([])
        mobile = next(number for number, _name in factory.callers[123:]
                      if number.startswith("614"))
        for text in (f"0{mobile[2:5]} {mobile[5:8]} {mobile[8:]}", "smith"):
            self.time(f"filter: search {text!r}", tab, partial(bar.set_search_text, text),
                      prepare=partial(bar.set_search_text, ""))
        bar.set_search_text("")
        self.time("filter: preset 'Last 7 days'", tab,
                  lambda: bar.set_preset(DatePreset.LAST_7_DAYS), prepare=everything)
        everything()

    def big_pages(self, tab: HistoryTab) -> None:
        model, sizes = tab.model, tab.paging.page_size
        self.time("page size 1,000 (a page 10x as tall)", tab,
                  lambda: sizes.setCurrentText("1,000"),
                  prepare=lambda: sizes.setCurrentText("100"))
        self.time("page flip at 1,000 rows a page: next", tab,
                  lambda: model.set_page(model.page + 1),
                  prepare=lambda: model.set_page(model.page_count // 3))
        self.time("reload after a sync (same filter, page 3)", tab, tab.reload,
                  prepare=lambda: model.set_page(2))

if __name__ == "__main__":
    sys.exit(main())
