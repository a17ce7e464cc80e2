#!/usr/bin/env python3
"""Benchmark Insights at a million calls: each section's SQL, and the GUI loop meanwhile.

    .venv/bin/python scripts/bench_insights.py --db /tmp/insights.sqlite3 --keep
    .venv/bin/python scripts/bench_insights.py --db /tmp/insights.sqlite3 --reuse
    .venv/bin/python scripts/bench_insights.py --db /tmp/insights.sqlite3 --reuse \
        --zone Asia/Kolkata --sql-only

Builds (or reuses) a store of ``--rows`` synthetic calls over two years with the
test suite's ``CallFactory`` (as ``scripts/bench_store.py`` does), then for three
ranges (the last 30 days, the last 365 days, everything) and three scopes (all
users, queues, one user) times each section's figures (:mod:`pbxdesk.store.insights`)
``REPEAT`` times, warm for the OS page cache, and prints the median and worst.
Days and hours are those of ``--zone`` (default: the system's).

Then it runs the same requests through :class:`InsightsService` in a Qt event
loop (offscreen) with a 1 ms timer on the GUI thread, and reports the longest
gap between two ticks while the figures were computing: the worst stall an
agent would feel. The GIL's switch interval is the app's (1 ms), and garbage
is collected as in the app (:mod:`pbxdesk.ui.collector`:
automatic collection off, the GUI thread collects generation by generation);
left automatic, a full collection could run on the worker, holding the GIL for
20 ms in this process (the generator's 200,000 callers are in its heap). A
second pass shows the figures in a real Insights tab (1920 × 1080, offscreen),
so the tables and charts it fills count too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pbxdesk.store import CallStore  # noqa: E402
from pbxdesk.store.insights import InsightsQuery, Scope  # noqa: E402
from tests.fixtures.store import CallFactory  # noqa: E402

if TYPE_CHECKING:
    from pbxdesk.services.insights import InsightsService

REPEAT = 5
BATCH = 5_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="database file (default: a temp dir)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database file it made (one it reuses is kept)")
    parser.add_argument("--reuse", action="store_true", help="reuse --db if it is filled")
    parser.add_argument("--zone", help="IANA time zone of days and hours (default: the system's)")
    parser.add_argument("--sql-only", action="store_true",
                        help="time the sections' SQL only, not the GUI loop")
    parser.add_argument("--gui-only", action="store_true",
                        help="time the GUI loop only, not each section's SQL")
    args = parser.parse_args()
    zone = ZoneInfo(args.zone) if args.zone else None
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "calls.sqlite3"
        if not args.reuse and path.exists():
            sys.exit(f"{path} exists; pass --reuse to use it")
        keep = args.keep or path.exists()  # a store it did not make is never deleted
        factory = CallFactory(seed=42, users=60, queues=6, ring_groups=4, callers=200_000,
                              span=timedelta(days=730))
        store = CallStore(path, default_region="AU")
        try:
            if not (args.reuse and store.count() >= args.rows):
                write(store, factory, args.rows)
            queries = scenarios(store, factory, zone)
            if not args.gui_only:
                sql_timings(store, queries)
            if not args.sql_only:
                loop_stalls(store, queries)
        finally:
            store.close()
            if args.db and not keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
    return 0


def write(store: CallStore, factory: CallFactory, rows: int) -> None:
    print(f"Writing {rows:,} calls …", flush=True)
    started = time.perf_counter()
    generated = factory.iter_calls(rows)
    done = 0
    while done < rows:
        batch = [next(generated) for _ in range(min(BATCH, rows - done))]
        store.upsert(batch)
        done += len(batch)
    print(f"  {time.perf_counter() - started:.0f} s")


def scenarios(store: CallStore, factory: CallFactory,
              zone: tzinfo | None) -> list[tuple[str, InsightsQuery]]:
    span = store.date_range()
    assert span is not None
    end = span[1] + timedelta(seconds=1)
    first = span[0]
    me = factory.users[0][0]
    out = []
    for label, start in (("last 30 days", end - timedelta(days=30)),
                         ("last 365 days", end - timedelta(days=365)),
                         ("everything", first)):
        for scope_label, scope, numbers in (("all users", Scope.USERS, frozenset()),
                                            ("queues", Scope.QUEUES, frozenset()),
                                            ("one user", Scope.ME, frozenset({me}))):
            out.append((f"{label}, {scope_label}",
                        InsightsQuery(start=start, end=end, scope=scope, user_numbers=numbers,
                                      zone=zone)))
    return out


def sql_timings(store: CallStore, queries: list[tuple[str, InsightsQuery]]) -> None:
    from pbxdesk.services.insights import COMPUTE, Section

    print(f"\nSection times in ms, median / worst of {REPEAT} (rows in range):")
    print(f"| range, scope | calls | {' | '.join(s.value for s in Section)} |")
    print(f"|---|---:|{'---:|' * len(Section)}")
    for label, query in queries:
        cells = []
        days = store.aggregate(lambda conn, q=query: COMPUTE[Section.DAYS](conn, q))
        for section in Section:
            times = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                store.aggregate(lambda conn, q=query, s=section: COMPUTE[s](conn, q))
                times.append((time.perf_counter() - started) * 1000)
            cells.append(f"{statistics.median(times):.0f} / {max(times):.0f}")
        print(f"| {label} | {days.total.calls:,} | {' | '.join(cells)} |", flush=True)


def loop_stalls(store: CallStore, queries: list[tuple[str, InsightsQuery]]) -> None:
    from PySide6.QtWidgets import QApplication

    from pbxdesk.app import GIL_SWITCH_S
    from pbxdesk.services.insights import InsightsService
    from pbxdesk.ui.collector import GuiThreadCollector
    from pbxdesk.ui.insights import InsightsTab

    app = QApplication.instance() or QApplication([])
    sys.setswitchinterval(GIL_SWITCH_S)  # as pbxdesk.app.run does
    collector = GuiThreadCollector()
    collector.start()  # as pbxdesk.app does once the window is up
    try:
        service = InsightsService(store)
        print("\nGUI thread while the service computes (1 ms timer; longest gap between ticks):")
        gaps_while(service, queries, idle=True)
        service.shutdown()
        service = InsightsService(store)
        tab = InsightsTab(service, store, zone=queries[0][1].zone)
        tab.resize(1920, 1080)
        tab.show()
        settle(lambda: not tab.busy)
        print("\nThe same with the Insights tab shown, filling its tables and charts:")
        gaps_while(service, queries, idle=False, shown=lambda: not tab.busy)
        tab.shutdown()
        tab.deleteLater()
    finally:
        collector.stop()
    del app


def settle(done: Callable[[], bool]) -> None:
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + 60
    while not done() and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.005)


def gaps_while(service: InsightsService, queries: list[tuple[str, InsightsQuery]], *,
               idle: bool, shown: Callable[[], bool] = lambda: True) -> None:
    """Each query's longest gap, from the request until every section is in (and shown)."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    clock = QElapsedTimer()
    gaps: list[int] = []
    last = [0]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(tick)
    if idle:  # the machine's own noise first: the same timer for 3 s with nothing computing
        waiting = QEventLoop()
        QTimer.singleShot(3000, waiting.quit)
        gaps.clear()
        clock.start()
        last[0] = 0
        timer.start()
        waiting.exec()
        timer.stop()
        print(f"  idle (nothing computing), 3 s: longest gap {max(gaps, default=0) / 1e6:.1f} ms")
    worst_all = 0.0
    loop = QEventLoop()
    computed = [False]

    def on_computed() -> None:
        computed[0] = True

    def check() -> None:
        if computed[0] and shown():
            loop.quit()

    service.sig_computed.connect(on_computed)
    timer.timeout.connect(check)
    for label, query in queries:
        computed[0] = False
        gaps.clear()
        clock.start()
        last[0] = 0
        timer.start()
        started = time.perf_counter()
        service.request(query)
        loop.exec()
        timer.stop()
        total = (time.perf_counter() - started) * 1000
        worst = max(gaps, default=0) / 1e6
        worst_all = max(worst_all, worst)
        print(f"  {label}: all sections {total:.0f} ms, longest gap {worst:.1f} ms "
              f"({len(gaps)} ticks)", flush=True)
    print(f"Longest gap overall: {worst_all:.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
