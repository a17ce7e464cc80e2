#!/usr/bin/env python3
"""Benchmark a first sync end to end: requests against the minimum, speed, the event loop.

    .venv/bin/python scripts/bench_sync.py                        # 100k and 200k calls, 30 days
    .venv/bin/python scripts/bench_sync.py --calls 150000 --days 30 --qt
    .venv/bin/python scripts/bench_sync.py --calls 150000 --days 3 --ignore-user-selector
    .venv/bin/python scripts/bench_sync.py --calls 1000000 --days 30 --app --port 23001

The sandbox PBX runs as its own process (``python -m pbxdesk.sandbox`` on
127.0.0.1), as a real PBX would, so what the event loop shows is the sync's
own work. A first sync then runs through the real client, engine and store
(a temporary SQLite file), with no request budget in the way, while a ticker
on the same event loop (asyncio, or qasync on an offscreen Qt application
with ``--qt``) wakes every millisecond and records how late it ran: the
gaps a window would freeze for. The same ticker on the idle loop first gives
the baseline. Prints a Markdown table for docs/benchmarks.md.

With ``--app`` the sync runs in the app itself: ``python -m pbxdesk`` as its own
process (offscreen), pointed at the sandbox through a settings file and a key
file in a temporary ``--basedir``, its request budget raised out of the way;
the script waits until the app's store holds every call the sandbox has (or
the app logs that it stopped) and reads the requests from the sandbox.

Importable: :func:`run_sync_bench` returns a :class:`SyncBench` (``python3
scripts/dev.py bench`` can call it), :func:`run_app_sync` the same for ``--app``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402 - after the path set-up, like the other scripts

from pbxdesk.api.budget import RequestBudget  # noqa: E402
from pbxdesk.api.client import ClientSettings, PbxClient  # noqa: E402
from pbxdesk.api.models import CallKind  # noqa: E402
from pbxdesk.store import CallFilter, CallStore  # noqa: E402
from pbxdesk.sync.engine import ALL_KINDS, SyncEngine  # noqa: E402

T = TypeVar("T")
PAGE = 10_000
TICK = 0.001


@dataclass
class SyncBench:
    """One first sync, measured."""

    calls: int
    days: int
    rows: dict[str, int] = field(default_factory=dict)
    """Rows the sandbox holds, per kind."""
    stored: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    incomplete: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    seconds: float = 0.0
    gaps_ms: list[float] = field(default_factory=list)
    idle_gaps_ms: list[float] = field(default_factory=list)

    @property
    def minimum(self) -> dict[str, int]:
        """Requests no sync can do with less: each kind's rows in pages of 10,000."""
        return {kind: math.ceil(rows / PAGE) for kind, rows in self.rows.items()}

    @property
    def ratio(self) -> float:
        return sum(self.requests.values()) / max(1, sum(self.minimum.values()))

    @property
    def rows_per_second(self) -> float:
        return sum(self.stored.values()) / self.seconds if self.seconds else 0.0

    @property
    def complete(self) -> bool:
        return self.stored == self.rows


def gap_stats(gaps: list[float]) -> tuple[float, float, float]:
    """Median, 99th percentile and largest gap (ms) between ticks of a 1 ms ticker."""
    if not gaps:
        return 0.0, 0.0, 0.0
    ordered = sorted(gaps)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99, ordered[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SandboxProcess:
    """``python -m pbxdesk.sandbox`` on 127.0.0.1, waited for until it answers."""

    def __init__(self, calls: int, days: int, port: int, *, seed: int = 1,
                 extra: tuple[str, ...] = ()) -> None:
        self.key = f"bench-{secrets.token_hex(8)}"
        self.control = f"control-{secrets.token_hex(8)}"
        self.base_url = f"http://127.0.0.1:{port}"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pbxdesk.sandbox", "--port", str(port), "--calls",
             str(calls), "--days", str(days), "--seed", str(seed), "--api-key", self.key,
             "--control-token", self.control, "--no-rate-limit", "--log-level", "warning",
             *extra], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)})

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the sandbox stopped: {self._stderr()}")
            try:
                answer = httpx.get(f"{self.base_url}/_sandbox/", timeout=5,
                                   headers={"X-Sandbox-Token": self.control})
                if answer.status_code == 200:
                    info: dict[str, Any] = answer.json()
                    return info
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError("the sandbox did not start in time")

    def _stderr(self) -> str:
        assert self._process.stderr is not None
        return self._process.stderr.read().decode(errors="replace")[-2000:]

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


async def _ticker(gaps: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    last = loop.time()
    while not stop.is_set():
        await asyncio.sleep(TICK)
        now = loop.time()
        gaps.append((now - last) * 1000)
        last = now


async def _measured(bench: SyncBench, base_url: str, key: str, workdir: Path,
                    freeze: bool) -> None:
    if freeze:
        gc.freeze()  # what the app could do once it has started (see docs/benchmarks.md)
    stop = asyncio.Event()
    ticking = asyncio.ensure_future(_ticker(bench.idle_gaps_ms, stop))
    await asyncio.sleep(2.0)  # the idle loop: the baseline
    stop.set()
    await ticking
    client = PbxClient(ClientSettings(base_url=base_url, api_key=key, default_region="AU",
                                      timeout=120.0),
                       budget=RequestBudget(limit=1_000_000))
    store = CallStore(workdir / "calls.sqlite3", default_region="AU")
    engine = SyncEngine(client, store, sync_days=bench.days + 1)
    stop = asyncio.Event()
    ticking = asyncio.ensure_future(_ticker(bench.gaps_ms, stop))
    started = time.perf_counter()
    try:
        result = await engine.sync()
    finally:
        bench.seconds = time.perf_counter() - started
        stop.set()
        await ticking
    for kind in ALL_KINDS:
        kind_result = result.kinds[kind]
        bench.requests[kind.value] = kind_result.requests
        bench.incomplete[kind.value] = [(day.day.isoformat(), day.missing)
                                        for day in kind_result.incomplete]
        bench.stored[kind.value] = await asyncio.to_thread(
            _count, store, kind)
    engine.close()
    await client.aclose()
    store.close()


def _count(store: CallStore, kind: CallKind) -> int:
    count = store.count(CallFilter(kinds=frozenset({kind})))
    store.release_thread()
    return count


def _run_loop(coroutine: Callable[[], Coroutine[Any, Any, T]], qt: bool) -> T:
    if not qt:
        return asyncio.run(coroutine())
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        return runner.run(coroutine())


def run_sync_bench(calls: int, days: int, *, port: int = 0, qt: bool = False, seed: int = 1,
                   ignore_user_selector: bool = False, oldest_first: bool = True,
                   freeze: bool = False, build_timeout: float = 300.0) -> SyncBench:
    """Serve a sandbox of ``calls`` over ``days`` and measure a first sync of it."""
    extra = []
    if ignore_user_selector:
        extra.append("--ignore-user-selector")
    if not oldest_first:
        extra.append("--no-oldest-first")
    sandbox = SandboxProcess(calls, days, port or free_port(), seed=seed, extra=tuple(extra))
    bench = SyncBench(calls, days)
    try:
        info = sandbox.wait_ready(build_timeout)
        bench.rows = {kind: int(count) for kind, count in info["rows"].items()}
        with tempfile.TemporaryDirectory(prefix="pbxdesk-bench-sync-") as workdir:
            _run_loop(lambda: _measured(bench, sandbox.base_url, sandbox.key, Path(workdir),
                                        freeze), qt)
    finally:
        sandbox.stop()
    return bench


def run_app_sync(calls: int, days: int, *, port: int = 0, timeout: float = 3600.0,
                 build_timeout: float = 300.0) -> SyncBench:
    """The first sync of the app itself (a subprocess) against a sandbox process."""
    from pbxdesk.paths import AppPaths
    from pbxdesk.secrets import ApiKeyStore
    from pbxdesk.settings import Settings, SettingsFile

    sandbox = SandboxProcess(calls, days, port or free_port())
    bench = SyncBench(calls, days)
    try:
        info = sandbox.wait_ready(build_timeout)
        bench.rows = {kind: int(count) for kind, count in info["rows"].items()}
        with tempfile.TemporaryDirectory(prefix="pbxdesk-bench-app-") as basedir:
            paths = AppPaths.under(Path(basedir))
            paths.ensure()
            settings = Settings().replace(
                base_url=sandbox.base_url, api_version="v2", default_region="AU",
                key_storage="file", request_budget=100_000, sync_days=days + 1,
                refresh_minutes=0, my_extension="")
            SettingsFile(paths.settings_file).save(settings)
            ApiKeyStore(paths.fallback_key_file).save(sandbox.base_url, sandbox.key, "file")
            database = paths.database_file(sandbox.base_url)
            app = subprocess.Popen(
                [sys.executable, "-m", "pbxdesk", "--basedir", basedir], cwd=ROOT,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"})
            started = time.perf_counter()
            try:
                bench.stored = _wait_for_store(database, bench.rows, paths.log_file,
                                               started + timeout)
                bench.seconds = time.perf_counter() - started
            finally:
                app.terminate()
                app.wait(timeout=30)
        counters = httpx.get(f"{sandbox.base_url}/_sandbox/counters", timeout=10,
                             headers={"X-Sandbox-Token": sandbox.control}).json()
        endpoints = {"user": "get-user-calls", "queue": "get-queue-calls",
                     "ringgroup": "get-ringgroup-calls"}
        bench.requests = {kind: int(counters["by_endpoint"].get(endpoint, 0))
                          for kind, endpoint in endpoints.items()}
    finally:
        sandbox.stop()
    return bench


def _wait_for_store(database: Path, rows: dict[str, int], log: Path,
                    deadline: float) -> dict[str, int]:
    """Poll the app's store (read-only) until it holds ``rows``; the counts reached."""
    import sqlite3

    codes = {"user": 0, "queue": 1, "ringgroup": 2}
    counts: dict[str, int] = {}
    while time.perf_counter() < deadline:
        time.sleep(2.0)
        if database.exists():
            try:
                with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
                    found = dict(conn.execute("SELECT kind, count(*) FROM calls GROUP BY kind"))
                counts = {kind: int(found.get(code, 0)) for kind, code in codes.items()}
            except sqlite3.Error:
                continue
        finished = log.exists() and "Sync finished" in log.read_text(errors="replace")
        if counts == rows or finished:
            return counts
    raise TimeoutError(f"the app's store holds {counts} of {rows}")


def table(benches: list[SyncBench]) -> str:
    lines = ["| calls, days | rows (user / queue / ring group) | requests (minimum) | ratio | "
             "wall time | rows/s | event loop gaps p50 / p99 / max (idle) | complete |",
             "|---|---|---|---:|---:|---:|---|---|"]
    for bench in benches:
        rows = " / ".join(f"{bench.rows[k.value]:,}" for k in ALL_KINDS)
        requests = " + ".join(f"{bench.requests.get(k.value, 0)}" for k in ALL_KINDS)
        minimum = " + ".join(f"{bench.minimum[k.value]}" for k in ALL_KINDS)
        p50, p99, most = gap_stats(bench.gaps_ms)
        _, idle99, idle_most = gap_stats(bench.idle_gaps_ms)
        gaps = (f"{p50:.1f} / {p99:.1f} / {most:.0f} ms ({idle99:.1f} / {idle_most:.0f})"
                if bench.gaps_ms else "(in the app)")
        missing = {kind: days for kind, days in bench.incomplete.items() if days}
        state = "yes" if bench.complete and not missing else f"no: {missing}"
        lines.append(
            f"| {bench.calls:,}, {bench.days} | {rows} | {requests} = "
            f"{sum(bench.requests.values())} ({minimum} = {sum(bench.minimum.values())}) | "
            f"{bench.ratio:.2f} | {bench.seconds:.0f} s | {bench.rows_per_second:,.0f} | "
            f"{gaps} | {state} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, action="append",
                        help="calls in the sandbox (repeat for several runs; "
                             "default 100000 and 200000)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--port", type=int, default=0,
                        help="port for the sandbox (default: one the OS picks)")
    parser.add_argument("--qt", action="store_true",
                        help="run on a qasync event loop (offscreen Qt), as the app does")
    parser.add_argument("--ignore-user-selector", action="store_true")
    parser.add_argument("--no-oldest-first", action="store_true")
    parser.add_argument("--freeze", action="store_true",
                        help="gc.freeze() before the sync (objects of start-up not collected)")
    parser.add_argument("--app", action="store_true",
                        help="sync in the app itself (a subprocess), not in this process")
    args = parser.parse_args()
    if args.app:
        benches = [run_app_sync(calls, args.days, port=args.port)
                   for calls in (args.calls or [1_000_000])]
        print(table(benches))
        return 0
    benches = [run_sync_bench(calls, args.days, port=args.port, qt=args.qt,
                              ignore_user_selector=args.ignore_user_selector,
                              oldest_first=not args.no_oldest_first, freeze=args.freeze)
               for calls in (args.calls or [100_000, 200_000])]
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"{'qasync' if args.qt else 'asyncio'} loop{', gc.freeze()' if args.freeze else ''}")
    print(table(benches))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
