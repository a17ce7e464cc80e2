#!/usr/bin/env python3
"""Benchmark the callbacks worklist at a million calls.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_callbacks.py \\
        --db /tmp/callbacks-1m.sqlite3 --keep        # fill once (several minutes)
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_callbacks.py \\
        --db /tmp/callbacks-1m.sqlite3 --reuse       # later runs (on a copy of it)

Fills a store with the test suite's ``CallFactory`` (60 users, 6 queues, 4 ring
groups, 200,000 callers, two years, as ``bench_store.py``), builds the worklist
once from all of it, then for two scopes (my extension with every queue and
ring group; my extension with one queue) commits batches of new calls and
times ``CallbackStore.update`` after each: the work a sync commit causes.
Then times opening the view: reading the worklist (the service's worker
thread) and building and painting the Callbacks tab from it (the GUI thread).
Updates run as in the app: on a worker thread with its own connection
(whose page cache starts cold after another connection's commit), automatic
garbage collection off; ``--same-thread`` runs them on the committing thread
instead, for comparison. Updates report wall and CPU time (of the thread
that ran them): on a shared machine the CPU time says more than the clock.
Everything after the fill runs on a copy of the database, so every run starts
from the same million calls.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pbxdesk.store import CallStore  # noqa: E402
from pbxdesk.store.callbackrules import ItemRow  # noqa: E402
from pbxdesk.store.callbacks import ALL_GROUPS, Scope, UpdateResult  # noqa: E402
from pbxdesk.store.rows import to_micros  # noqa: E402
from tests.fixtures.store import EPOCH, CallFactory  # noqa: E402

SPAN = timedelta(days=730)
NOW = EPOCH + SPAN  # the history ends here; new commits come after it
ME = "1000"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--commit-rows", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=5, help="commits timed per scope")
    parser.add_argument("--db", type=Path, help="database file (default: a temp dir)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database file this run filled (one it found is always kept)")
    parser.add_argument("--reuse", action="store_true", help="reuse --db if it is filled")
    parser.add_argument("--same-thread", action="store_true",
                        help="update on the thread that committed (its connection's cache is "
                             "warm), not on a worker of its own as the app does")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "calls.sqlite3"
        made_here = not path.exists()  # a store someone else filled is never deleted
        filled = CallStore(path, default_region="AU")
        try:
            if not (args.reuse and filled.count() >= args.rows):
                fill(filled, args.rows)
        finally:
            filled.close()
        work = Path(tmp) / "work.sqlite3"
        shutil.copyfile(path, work)  # closed: the WAL is checkpointed into it
        store = CallStore(work, default_region="AU")
        try:
            print(f"Store: {store.count():,} calls")
            wide = Scope((ME,), (ALL_GROUPS,), days=7)
            narrow = Scope((ME,), ("Queue Sales",), days=7)
            first_build(store, wide)
            now = NOW
            # As the app: the update on a worker thread with its own connection
            # (services/callbacks.py), automatic garbage collection off (ui/collector.py).
            worker = None if args.same_thread else ThreadPoolExecutor(1)
            print("Updates run on " + ("the committing thread" if worker is None else
                                       "a worker thread of their own, as in the app"))
            gc.disable()
            try:
                for seed, (name, scope) in enumerate((
                        ("my calls + every queue and ring group", wide),
                        ("my calls + one queue", narrow))):
                    now = commits(store, scope, name, args.commits, args.commit_rows, now,
                                  seed=1000 + 100 * seed, worker=worker)
            finally:
                gc.enable()
                if worker is not None:
                    worker.submit(store.release_thread).result()
                    worker.shutdown()
            store.callbacks.update(wide, to_micros(now))
            open_view(store, now)
        finally:
            store.close()
            if not args.keep and args.db and made_here:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
    return 0


def fill(store: CallStore, rows: int) -> None:
    print(f"## Filling {rows:,} calls (batches of 5,000)")
    factory = CallFactory(seed=42, users=60, queues=6, ring_groups=4, callers=200_000,
                          span=SPAN)
    started = time.perf_counter()
    generated = factory.iter_calls(rows)
    done = 0
    while done < rows:
        batch = [next(generated) for _ in range(min(5_000, rows - done))]
        store.upsert(batch)
        done += len(batch)
        if done % 100_000 == 0:
            print(f"  {done:,} rows, {time.perf_counter() - started:.0f} s", flush=True)


def first_build(store: CallStore, scope: Scope) -> None:
    started = time.perf_counter()
    store.callbacks.prepare()  # the contact bound, read once a session
    bound = store.callbacks.contacts
    print(f"## The contact bound read from the store: "
          f"{(time.perf_counter() - started) * 1000:,.0f} ms, {bound.buckets:,} buckets "
          f"({bound.buckets * 4 / 2**20:.0f} MB)")
    started = time.perf_counter()
    result = store.callbacks.update(scope, to_micros(NOW))
    spent = time.perf_counter() - started
    items = store.callbacks.items()
    if not result.rebuilt:
        print("## First build: done by an earlier run")
        return
    print(f"## First build (every stored call read once, in chunks): {spent * 1000:,.0f} ms, "
          f"{result.rows_read:,} rows read, {len(items):,} items, "
          f"{sum(item.state.waiting for item in items):,} waiting")


def _timed_update(store: CallStore, scope: Scope, now_us: int) -> tuple[UpdateResult, float, float]:
    """One update, as the app runs it: wall and this thread's CPU time."""
    started, used = time.perf_counter(), time.thread_time()
    result = store.callbacks.update(scope, now_us)
    return result, time.perf_counter() - started, time.thread_time() - used


def commits(store: CallStore, scope: Scope, name: str, count: int, size: int,
            now: datetime, *, seed: int, worker: ThreadPoolExecutor | None) -> datetime:
    """``count`` commits of ``size`` new calls from one day after ``now``; the day's end."""
    day_end = now + timedelta(days=1)
    from pbxdesk.services.worklist import Worklist as Reading
    from pbxdesk.services.worklist import build, refreshed

    # The scope's rebuild and the hour's prune happen here, untimed: timed below alone.
    store.callbacks.update(scope, to_micros(day_end))
    reading = build({item.number: item for item in store.callbacks.items()},
                    to_micros(day_end), "bench")
    print(f"## Commits of {size:,} new calls, {name}")
    updates: list[float] = []
    readings: list[float] = []
    cpu: list[float] = []
    upserts: list[float] = []
    changed: list[int] = []
    def update_and_read(last: Reading) -> tuple[UpdateResult, float, float, Reading, float]:
        # What the service's worker does after a commit (CallbacksService._update_and_read).
        result, wall, used = _timed_update(store, scope, to_micros(day_end))
        started = time.perf_counter()
        reading = refreshed(last, result.numbers, store.callbacks.items_of(result.numbers),
                            to_micros(day_end))
        return result, wall, used, reading, time.perf_counter() - started

    for round_ in range(count):
        factory = CallFactory(seed=seed + round_, users=60, queues=6, ring_groups=4,
                              callers=200_000, start=now, span=timedelta(days=1))
        # New ids: the factory numbers its calls from the same start every time.
        batch = [call if call.unique_call_id is None else
                 replace(call, unique_call_id=f"9{seed + round_}{call.unique_call_id}")
                 for call in factory.calls(size)]
        gc.collect()  # untimed, as the app's collector does between events
        started = time.perf_counter()
        store.upsert(batch)
        upserts.append(time.perf_counter() - started)
        if worker is None:
            result, wall, used, reading, read = update_and_read(reading)
        else:
            result, wall, used, reading, read = worker.submit(update_and_read, reading).result()
        updates.append(wall)
        cpu.append(used)
        changed.append(result.items_changed)
        readings.append(read)
    print(f"  update: median {statistics.median(updates) * 1000:.1f} ms, "
          f"best {min(updates) * 1000:.1f} ms, worst {max(updates) * 1000:.1f} ms "
          f"(CPU: median {statistics.median(cpu) * 1000:.1f} ms, best {min(cpu) * 1000:.1f} ms); "
          f"items written per commit: {min(changed)}–{max(changed)}")
    print(f"  then the view's next reading (the service's worker): median "
          f"{statistics.median(readings) * 1000:.1f} ms for {len(reading.items):,} items")
    print(f"  (the commit itself, CallStore.upsert: median "
          f"{statistics.median(upserts) * 1000:,.0f} ms)")
    started = time.perf_counter()
    store.callbacks.update(scope, to_micros(day_end + timedelta(days=1)))
    print(f"  a day later, nothing new: the prune of a day's calls, "
          f"{(time.perf_counter() - started) * 1000:.1f} ms")
    return day_end + timedelta(days=1)


def open_view(store: CallStore, now: datetime) -> None:
    """The view as the app has it: a tab beside another, built when the account opens."""
    from PySide6.QtWidgets import QApplication, QLabel, QTabWidget

    from pbxdesk.services.callbacks import CallbacksService
    from pbxdesk.services.messages import MessageBridge
    from pbxdesk.services.worklist import build
    from pbxdesk.tasks import TaskKeeper
    from pbxdesk.ui.callbacks import CallbacksTab

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    now_us = to_micros(now)
    service = CallbacksService(store, MessageBridge(), TaskKeeper(),
                               scope=Scope((ME,), (ALL_GROUPS,)), extension=ME,
                               clock=lambda: now_us / 1e6)
    times: dict[str, list[float]] = {key: [] for key in (
        "read the worklist (worker thread)", "build the tab, hidden (account opens)",
        "a new reading while hidden", "open it: Ctrl+4, laid out and painted",
        "a new reading while shown, painted")}
    labels = list(times)

    def timed(label: str, action: Callable[[], object]) -> None:
        started = time.perf_counter()
        action()
        app.processEvents()  # lays out and paints what is shown
        times[label].append(time.perf_counter() - started)

    items: tuple[ItemRow, ...] = ()

    def read() -> None:
        nonlocal items
        items = tuple(store.callbacks.items())
        service.worklist = build({item.number: item for item in items}, now_us, "bench")

    def one_round() -> None:
        timed(labels[0], read)
        tabs = QTabWidget()
        tabs.addTab(QLabel("User calls"), "User calls")
        tabs.resize(1400, 800)
        tabs.show()
        app.processEvents()
        made: list[CallbacksTab] = []
        timed(labels[1], lambda: made.append(CallbacksTab(service, default_region="AU")))
        tab = made[0]
        tabs.addTab(tab, "Callbacks")
        timed(labels[2], lambda: tab.set_worklist(service.worklist))
        timed(labels[3], lambda: tabs.setCurrentWidget(tab))
        timed(labels[4], lambda: tab.set_worklist(service.worklist))
        tabs.close()
        tabs.deleteLater()
        app.processEvents()

    for _ in range(7):
        one_round()
    print(f"## The view ({len(items):,} items, "
          f"{sum(item.state.waiting for item in items):,} waiting)")
    for label in labels:
        print(f"  {label}: median {statistics.median(times[label]) * 1000:.1f} ms, "
              f"worst {max(times[label]) * 1000:.1f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
