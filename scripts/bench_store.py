#!/usr/bin/env python3
"""Benchmark the call store at a million calls.

    .venv/bin/python scripts/bench_store.py                 # 1,000,000 rows in a temp dir
    .venv/bin/python scripts/bench_store.py --rows 200000 --db /tmp/calls.sqlite3 --keep

Builds the rows with the test suite's ``CallFactory`` (synthetic model objects,
no sandbox), writes them with ``CallStore.upsert`` in sync-sized batches, then
prints write throughput, the database size, and for a matrix of filters ×
sorts the time of the count, the first page, a deep page (a jump to the middle
with no anchors), the next page after it (scrolling), and an export. Every read
is timed cold for the store (its per-thread memo of counts, paging anchors and
search matches is dropped first, as after a sync commits) but warm for the OS
page cache, the steady state of a running app. ``--reuse`` skips writing when
``--db`` already holds the rows.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pbxdesk.api.models import CallKind, Direction, Outcome  # noqa: E402
from pbxdesk.store import CallFilter, CallStore, Sort, SortColumn  # noqa: E402
from tests.fixtures.store import CallFactory  # noqa: E402

PAGE = 256
REPEAT = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000, help="rows per upsert")
    parser.add_argument("--db", type=Path, help="database file (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--reuse", action="store_true", help="reuse --db if it is filled")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "calls.sqlite3"
        if not args.reuse and path.exists() and not args.keep:
            sys.exit(f"{path} exists; pass --reuse to use it")
        factory = CallFactory(seed=42, users=60, queues=6, ring_groups=4, callers=200_000,
                              span=timedelta(days=730))
        store = CallStore(path, default_region="AU")
        try:
            if not (args.reuse and store.count() >= args.rows):
                write(store, factory, args.rows, args.batch)
            report_size(store, path)
            reads(store, factory)
            export(store)
        finally:
            store.close()
            if not args.keep and args.db:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
    return 0


def write(store: CallStore, factory: CallFactory, rows: int, batch_size: int) -> None:
    print(f"## Writing {rows:,} rows in batches of {batch_size:,}")
    spent = 0.0
    generated = factory.iter_calls(rows)
    done = 0
    batch_times: list[float] = []
    while done < rows:
        batch = [next(generated) for _ in range(min(batch_size, rows - done))]
        started = time.perf_counter()
        store.upsert(batch)
        batch_times.append(time.perf_counter() - started)
        spent += batch_times[-1]
        done += len(batch)
        if done % 100_000 < batch_size:
            print(f"  {done:>9,} rows: {done / spent:,.0f} rows/s so far, last batch "
                  f"{batch_times[-1] * 1000:.0f} ms", flush=True)
    print(f"insert: {rows / spent:,.0f} rows/s overall; batch of {batch_size:,}: median "
          f"{statistics.median(batch_times) * 1000:.0f} ms, max {max(batch_times) * 1000:.0f} ms")
    # A periodic refresh mostly brings rows the store already has.
    known = store.page(CallFilter(), Sort(SortColumn.START), 0, batch_size)
    for label, again in (("unchanged", known),
                         ("with longer durations", [replace(call, call_duration=(
                             call.call_duration or 0) + 1) for call in known])):
        started = time.perf_counter()
        result = store.upsert(again)
        print(f"re-sync of {len(again):,} stored rows, {label}: "
              f"{(time.perf_counter() - started) * 1000:.0f} ms ({result})")


def report_size(store: CallStore, path: Path) -> None:
    conn = store._connections.conn()  # the benchmark may look inside
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    print(f"\n## Database: {size / 1e6:,.0f} MB for {store.count():,} calls "
          f"({size / max(1, store.count()):,.0f} bytes per call)")
    parts = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name "
                         "ORDER BY 2 DESC").fetchall()
    print("  " + ", ".join(f"{name} {pages / 1e6:.0f} MB" for name, pages in parts[:8]))


def forget(store: CallStore) -> None:
    """Empty the store's per-thread memo (counts, anchors, search matches), as a commit does."""
    session = store._connections.session()  # the benchmark may look inside
    session._seen = (-1, -1)
    session.cache()


def timed(action: Callable[[], object], store: CallStore,
          before: Callable[[], object] | None = None) -> float:
    """Best of REPEAT runs of ``action`` in ms, each after ``forget`` and ``before``."""
    best = float("inf")
    for _ in range(REPEAT):
        forget(store)
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def filters(store: CallStore, factory: CallFactory) -> dict[str, CallFilter]:
    span = store.date_range()
    if span is None:
        raise SystemExit("the store is empty")
    last = span[1]
    month = CallFilter(start=last - timedelta(days=30), end=last + timedelta(seconds=1))
    user_number, user_name = factory.users[7]
    caller = factory.callers[123][0]
    national = "0" + caller[2:] if caller.startswith("61") else caller
    return {
        "none": CallFilter(),
        "last 30 days": month,
        "one user": CallFilter(user_numbers=frozenset({user_number})),
        "one queue": CallFilter(group_names=frozenset({factory.queues[1]})),
        "missed": CallFilter(outcomes=frozenset({Outcome.MISSED})),
        "user calls outbound": CallFilter(kinds=frozenset({CallKind.USER}),
                                          directions=frozenset({Direction.OUTBOUND})),
        "30 days+user+missed": CallFilter(start=month.start, end=month.end,
                                          user_names=frozenset({user_name}),
                                          outcomes=frozenset({Outcome.MISSED})),
        "number, national": CallFilter(text=f"{national[:4]} {national[4:7]} {national[7:]}"),
        "number, partial": CallFilter(text=national[:6]),
        "number '0412' (broad)": CallFilter(text="0412"),
        "name 'smith'": CallFilter(text="smith"),
        "name 'zoë walker'": CallFilter(text="zoë walker"),
        "30 days+'smith'": CallFilter(start=month.start, end=month.end, text="smith"),
        "name 'jo' (2 letters)": CallFilter(text="jo"),
    }


SORTS = [Sort(SortColumn.START, True), Sort(SortColumn.START, False),
         *(Sort(column, True) for column in SortColumn if column is not SortColumn.START),
         Sort(SortColumn.CALLER_NAME, False)]


def reads(store: CallStore, factory: CallFactory) -> None:
    print(f"\n## Reads at {store.count():,} calls (ms, best of {REPEAT}; page = {PAGE} rows)")
    print("count: cold (memo and search matches dropped). page 0 / deep: cold, after the "
          "count (as the view asks); deep = a jump to the middle. next: the page after the "
          "deep one (scrolling). med/max over the sorts: " + ", ".join(
              f"{sort.column}{' desc' if sort.descending else ''}" for sort in SORTS))
    print(f"| {'filter':<22}| {'rows':>9} | {'count':>6} | {'page0 med':>9} | "
          f"{'page0 max':>9} | {'deep med':>8} | {'deep max':>8} | {'next max':>8} | "
          "slowest page 0 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, flt in filters(store, factory).items():
        total = store.count(flt)
        count_ms = timed(partial(store.count, flt), store)
        firsts: list[tuple[float, str]] = []
        deeps: list[float] = []
        nexts: list[float] = []
        counted = partial(store.count, flt)
        for sort in SORTS:
            label = f"{sort.column}{' desc' if sort.descending else ''}"
            firsts.append((timed(partial(store.page, flt, sort, 0, PAGE), store, counted),
                           label))
            middle = total // 2
            deeps.append(timed(partial(store.page, flt, sort, middle, PAGE), store, counted))
            nexts.append(timed(partial(store.page, flt, sort, middle + PAGE, PAGE), store,
                               partial(store.page, flt, sort, middle, PAGE)))
        slow = max(firsts)
        print(f"| {name:<22}| {total:>9,} | {count_ms:>6.1f} | "
              f"{statistics.median(t for t, _ in firsts):>9.1f} | {slow[0]:>9.1f} | "
              f"{statistics.median(deeps):>8.1f} | {max(deeps):>8.1f} | {max(nexts):>8.1f} | "
              f"{slow[1]} |", flush=True)


def export(store: CallStore) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    rows = sum(1 for _ in store.iter_calls(CallFilter(), Sort(SortColumn.CALLER_NAME, False)))
    spent = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\n## Export: {rows:,} rows by caller name in {spent:.1f} s ({rows / spent:,.0f} "
          f"rows/s); peak RSS {before / 1024:.0f} MB before, {after / 1024:.0f} MB after")


if __name__ == "__main__":
    sys.exit(main())
