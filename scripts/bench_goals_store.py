"""Benchmark entries for the call store: writes, size, pages and search (issue 12).

Used by ``scripts/bench.py``. Reads are timed *cold for the store* (its
per-thread memo of counts, paging positions and search matches dropped first,
as after a sync commits) and warm for the OS page cache (a running app), best
of a few runs; on-demand indexes are built before timing and their one-time
build is reported on its own line.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import bench_data
from bench import Context, Entry, Result, load_average, verdict

from pbxdesk.api.models import AnyCall, CallKind, Direction, Outcome
from pbxdesk.store import CallFilter, CallStore, Sort, SortColumn

PAGE = 100
FIRST_PAGE_MS = 5.0
DEEP_MS = 20.0
COUNT_MS = 20.0
SEARCH_MS = 50.0
BYTES_PER_CALL = 500
WRITE_GOAL = 100_000


def entries() -> list[Entry]:
    return [
        Entry("write", "store writes a first sync's pages ≥ 100,000 rows/s (its share of "
                       "the end-to-end goal)", _write),
        Entry("size", "store size ≤ 500 bytes a call", _size),
        Entry("pages", "first / next / previous page ≤ 5 ms warm; deep jumps and cold "
                       "counts ≤ 20 ms", _pages),
        Entry("search", "search any text ≤ 50 ms (count and first page)", _search),
    ]


# -- writes ------------------------------------------------------------------------------

def _write(context: Context) -> list[Result]:
    results: list[Result] = []
    for size in context.sizes:
        path = context.workdir / f"bench-{size}.sqlite3"
        written = bench_data.write_calls(path, size)
        context.stores[size] = path
        context.written[size] = written.rows_per_second
        naive = naive_loader(size)
        results.append(Result(
            "store writes", size, f"{written.rows_per_second:,.0f} rows/s",
            f"naive loader {naive:,.0f} rows/s", verdict(written.rows_per_second >= WRITE_GOAL),
            f"{written.rows_per_second / naive:.2f}× the naive loader", load_average()))
    return results


def naive_loader(size: int) -> float:
    """rows/s of the issue's baseline: one table, a primary key, ``executemany`` of the
    rows' fields as they come, a transaction per page."""
    columns = ("unique_call_id", "caller_id", "caller_name", "dest_number", "user_name",
               "user_number", "call_start_at", "connected_at", "call_duration",
               "conversation_duration", "caller_e164", "dest_e164")
    with tempfile.TemporaryDirectory(prefix="pbxdesk-naive-") as tmp:
        conn = sqlite3.connect(Path(tmp) / "naive.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"CREATE TABLE calls (key TEXT PRIMARY KEY, kind TEXT, type TEXT, "
                     f"status TEXT, grp TEXT, {', '.join(columns)})")
        insert = f"INSERT OR REPLACE INTO calls VALUES ({', '.join('?' * (len(columns) + 5))})"
        spent = 0.0
        for page in bench_data.pages(size):
            started = time.perf_counter()
            conn.execute("BEGIN")
            conn.executemany(insert, [_naive_row(call, columns) for call in page])
            conn.execute("COMMIT")
            spent += time.perf_counter() - started
        conn.close()
    return size / spent


def _naive_row(call: AnyCall, columns: tuple[str, ...]) -> tuple[object, ...]:
    values = [getattr(call, name) for name in columns]
    values[6] = values[6].isoformat() if values[6] else None
    values[7] = values[7].isoformat() if values[7] else None
    return (call.key, call.kind.value, getattr(call, "type", None),
            getattr(call, "status", None), call.group_name, *values)


# -- size ----------------------------------------------------------------------------------

def _size(context: Context) -> list[Result]:
    results: list[Result] = []
    for size in context.sizes:
        path = context.store(size)
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            parts = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name "
                                 "ORDER BY 2 DESC").fetchall()
        total = path.stat().st_size
        ondemand = sum(bytes_ for name, bytes_ in parts if name.startswith(
            ("ix_calls_by_caller", "ix_calls_by_destination", "ix_calls_user_",
             "ix_calls_queue_", "ix_calls_ringgroup_")))
        core = total - ondemand
        biggest = ", ".join(f"{name} {bytes_ / size:.0f}" for name, bytes_ in parts[:5])
        results.append(Result(
            "store size", size, f"{core / size:.0f} bytes a call",
            "873 bytes a call before (1M)", verdict(core / size <= BYTES_PER_CALL),
            f"+{ondemand / size:.0f} for the sort/search indexes built so far; "
            f"bytes a call: {biggest}"))
    return results


# -- pages ---------------------------------------------------------------------------------

def forget(store: CallStore) -> None:
    """Empty the store's per-thread memo (counts, anchors, kept matches), as a commit does."""
    session = store._connections.session()  # the benchmark may look inside
    session._seen = (-1, -1)
    session.cache()


def best_ms(action: Callable[[], object], store: CallStore, repeat: int,
            before: Callable[[], object] | None = None) -> float:
    best = float("inf")
    for _ in range(repeat):
        forget(store)
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def views(store: CallStore) -> dict[str, CallFilter]:
    """What the tabs show: one kind each, as the filter bar builds them."""
    span = store.date_range()
    assert span is not None
    last = span[1]
    month = {"start": last - timedelta(days=30), "end": last + timedelta(seconds=1)}
    user = frozenset({CallKind.USER})
    queue = frozenset({CallKind.QUEUE})
    factory = bench_data.factory()
    return {
        "user tab, last 30 days": CallFilter(kinds=user, **month),
        "user tab, all": CallFilter(kinds=user),
        "user tab, one user": CallFilter(kinds=user, user_numbers=frozenset(
            {factory.users[7][0]})),
        "user tab, missed inbound": CallFilter(kinds=user, outcomes=frozenset(
            {Outcome.MISSED}), directions=frozenset({Direction.INBOUND})),
        "user tab, outbound": CallFilter(kinds=user, directions=frozenset(
            {Direction.OUTBOUND})),
        "queue tab, all": CallFilter(kinds=queue),
        "queue tab, one queue": CallFilter(kinds=queue, group_names=frozenset(
            {factory.queues[1]})),
    }


def sorts(kind: CallKind, quick: bool) -> list[Sort]:
    columns = [SortColumn.START, SortColumn.CALLER_NAME, SortColumn.CALLER,
               SortColumn.DURATION, SortColumn.USER_NAME, SortColumn.CALL_ID]
    if not quick:
        columns += [SortColumn.DESTINATION, SortColumn.EXTENSION, SortColumn.ANSWERED,
                    SortColumn.TALK_TIME]
    columns.append(SortColumn.TYPE if kind is CallKind.USER else SortColumn.STATUS)
    if kind is not CallKind.USER:
        columns.append(SortColumn.GROUP)
    return [Sort(column) for column in columns] + [Sort(SortColumn.START, descending=False),
                                                  Sort(SortColumn.CALLER_NAME, False)]


def _pages(context: Context) -> list[Result]:
    results: list[Result] = []
    repeat = context.repeat(3, 2)
    for size in context.sizes:
        with CallStore(context.store(size), default_region="AU") as store:
            raw = _raw_first_page(store, repeat)
            shown = views(store)
            totals = {name: store.count(flt) for name, flt in shown.items()}
            counts = {name: best_ms(lambda flt=flt: store.count(flt), store, repeat)
                      for name, flt in shown.items()}
            firsts: dict[str, list[tuple[float, str]]] = {name: [] for name in shown}
            steps: dict[str, list[tuple[float, str]]] = {name: [] for name in shown}
            deeps: dict[str, list[tuple[float, str]]] = {name: [] for name in shown}
            built: list[str] = []
            # Sort by sort, so that each on-demand index is built once for all views.
            for kind in (CallKind.USER, CallKind.QUEUE):
                for sort in sorts(kind, context.quick):
                    started = time.perf_counter()
                    store.prepare(CallFilter(kinds=frozenset({kind})), sort)
                    if (took := time.perf_counter() - started) > 0.05:
                        built.append(f"{kind.value} by {sort.column} {took:.1f} s")
                    for name, flt in shown.items():
                        if kind not in flt.kinds:
                            continue
                        _measure_sort(store, flt, sort, totals[name], repeat, name,
                                      firsts[name], steps[name], deeps[name])
            print(f"  {size:,} calls: ms per page of {PAGE} (best of {repeat}); first sort by "
                  f"a column builds its index, once: {', '.join(built) or 'built before'}")
            print("  | view | rows | cold count | first med | first max | next/prev max | "
                  "deep med | deep max |")
            for name in shown:
                worst = max(firsts[name])
                print(f"  | {name} | {totals[name]:,} | {counts[name]:.1f} | "
                      f"{statistics.median(t for t, _ in firsts[name]):.1f} | {worst[0]:.1f} "
                      f"({worst[1].split(' by ')[1]}) | {max(steps[name])[0]:.1f} | "
                      f"{statistics.median(t for t, _ in deeps[name]):.1f} | "
                      f"{max(deeps[name])[0]:.1f} |", flush=True)
            every_first = [item for found in firsts.values() for item in found]
            every_step = [item for found in steps.values() for item in found]
            every_deep = [item for found in deeps.values() for item in found]
            worst_count = max((ms, name) for name, ms in counts.items())
            base = f"raw SQL first {PAGE} rows {raw:.2f} ms"
            results += [
                Result("first page, any view and sort", size,
                       f"{max(every_first)[0]:.1f} ms worst ({max(every_first)[1]}), median "
                       f"{statistics.median(t for t, _ in every_first):.1f}", base,
                       verdict(max(every_first)[0] <= FIRST_PAGE_MS), load=load_average()),
                Result("next / previous page", size, f"{max(every_step)[0]:.1f} ms worst "
                       f"({max(every_step)[1]})", base,
                       verdict(max(every_step)[0] <= FIRST_PAGE_MS)),
                Result("deep jump (middle, nothing read near it)", size,
                       f"{max(every_deep)[0]:.1f} ms worst ({max(every_deep)[1]}), median "
                       f"{statistics.median(t for t, _ in every_deep):.1f}", base,
                       verdict(max(every_deep)[0] <= DEEP_MS)),
                Result("cold count", size, f"{worst_count[0]:.1f} ms worst ({worst_count[1]})",
                       base, verdict(worst_count[0] <= COUNT_MS)),
            ]
    return results


def _measure_sort(store: CallStore, flt: CallFilter, sort: Sort, total: int, repeat: int,
                  name: str, firsts: list[tuple[float, str]], steps: list[tuple[float, str]],
                  deeps: list[tuple[float, str]]) -> None:
    """First page, a jump to the middle, and the pages after and before it."""
    label = f"{name} by {sort.column}{'' if sort.descending else ' asc'}"

    def counted() -> int:
        return store.count(flt)

    def at_middle() -> object:
        return store.page(flt, sort, total // 2, PAGE)

    firsts.append((best_ms(lambda: store.page(flt, sort, 0, PAGE), store, repeat, counted),
                   label))
    deeps.append((best_ms(at_middle, store, repeat, counted), label))
    for offset in (total // 2 + PAGE, max(0, total // 2 - PAGE)):
        steps.append((best_ms(lambda o=offset: store.page(flt, sort, o, PAGE), store, repeat,
                              at_middle), label))


def _raw_first_page(store: CallStore, repeat: int) -> float:
    conn = store._connections.conn()  # the baseline reads the table directly
    best = float("inf")
    for _ in range(repeat + 2):
        started = time.perf_counter()
        conn.execute(f"SELECT * FROM calls LIMIT {PAGE}").fetchall()
        best = min(best, time.perf_counter() - started)
    return best * 1000


# -- search --------------------------------------------------------------------------------

def _search(context: Context) -> list[Result]:
    results: list[Result] = []
    repeat = context.repeat(3, 2)
    for size in context.sizes:
        with CallStore(context.store(size), default_region="AU") as store:
            started = time.perf_counter()
            store.prepare_search()
            prepared = time.perf_counter() - started
            texts = _texts()
            user = frozenset({CallKind.USER})
            span = store.date_range()
            assert span is not None
            month = {"start": span[1] - timedelta(days=30), "end": span[1] + timedelta(seconds=1)}
            worst = (0.0, "")
            print(f"  {size:,} calls: ms, best of {repeat}, memo cold; dictionaries and "
                  f"indexes brought up to date first in {prepared:.1f} s (idle time in the app)")
            print("  | search | where | matches | count | count + first page | LIKE scan |")
            for label, text in texts.items():
                for where, flt in (("every kind", CallFilter(text=text)),
                                   ("user tab", CallFilter(kinds=user, text=text)),
                                   ("user tab, 30 days", CallFilter(kinds=user, text=text,
                                                                    **month))):
                    if where == "user tab, 30 days" and label not in ("name 'smith'",
                                                                    "two letters 'jo'"):
                        continue
                    total = store.count(flt)
                    count_ms = best_ms(lambda f=flt: store.count(f), store, repeat)
                    both = best_ms(lambda f=flt: (store.count(f), store.page(f, Sort(), 0, PAGE)),
                                   store, repeat)
                    like = _like_scan(store, text)
                    worst = max(worst, (both, f"{label}, {where}"))
                    print(f"  | {label} | {where} | {total:,} | {count_ms:.1f} | {both:.1f} | "
                          f"{like:.0f} |", flush=True)
            results.append(Result(
                "search (count + first page)", size, f"{worst[0]:.1f} ms worst ({worst[1]})",
                f"naive LIKE scan {_like_scan(store, 'smith'):.0f} ms ('smith')",
                verdict(worst[0] <= SEARCH_MS), f"first search after new calls: up to "
                f"{prepared:.1f} s unless idle time prepared it", load_average()))
    return results


def _texts() -> dict[str, str]:
    factory = bench_data.factory()
    caller = factory.callers[123][0]
    national = "0" + caller[2:] if caller.startswith("61") else caller
    return {"full national number": f"{national[:4]} {national[4:7]} {national[7:]}",
            "6 digits typed": national[:6], "'0412' (broad)": "0412",
            "name 'smith'": "smith", "name 'zoë walker'": "zoë walker",
            "two letters 'jo'": "jo"}


def _like_scan(store: CallStore, text: str) -> float:
    conn = store._connections.conn()  # the baseline scans the table directly
    if any(ch.isalpha() for ch in text):
        sql, params = "SELECT count(*) FROM calls WHERE caller_name LIKE ?", (f"%{text}%",)
    else:
        digits = "".join(ch for ch in text if ch.isdigit())
        sql = "SELECT count(*) FROM calls WHERE caller_id LIKE ? OR dest_number LIKE ?"
        params = (f"%{digits}%", f"%{digits}%")
    started = time.perf_counter()
    conn.execute(sql, params).fetchone()
    return (time.perf_counter() - started) * 1000
