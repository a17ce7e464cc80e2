#!/usr/bin/env python3
"""Benchmark the sandbox PBX at full size: build time, memory, page latency.

    .venv/bin/python scripts/bench_sandbox.py            # 1,000,000 calls over 30 days
    .venv/bin/python scripts/bench_sandbox.py --calls 200000 --repeat 10

Builds one sandbox, then times each query two ways: inside the process
(``Sandbox.history_body``: SQLite plus JSON, what the server spends per page)
and as a full HTTP round trip over loopback (uvicorn + httpx, body included).
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox import Sandbox, SandboxConfig
from pbxdesk.sandbox.params import parse_history
from pbxdesk.sandbox.server import SandboxServer

KEY = "bench-key-0001"


def rss_mb() -> float:
    """Resident set size now (Linux), else the peak."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def queries(sandbox: Sandbox) -> list[tuple[str, CallKind, dict[str, str]]]:
    account = sandbox.account
    today = sandbox.now().date()
    week_ago = (today - timedelta(days=7)).isoformat()
    users3 = ",".join(u.extension for u in account.users[:3])
    return [
        ("newest 100 (the default page)", CallKind.USER, {}),
        ("newest 100, one day", CallKind.USER,
         {"from_date": (today - timedelta(days=1)).isoformat(),
          "to_date": (today - timedelta(days=1)).isoformat()}),
        ("one call by unique_call_id", CallKind.USER, {"unique_call_id": "__ID__"}),
        ("one user, newest 100", CallKind.USER, {"users_numbers": account.users[0].extension}),
        ("offset 9999 + limit 10000, newest", CallKind.USER,
         {"offset": "9999", "limit": "10000"}),
        ("offset 9999 + limit 10000, oldest_first", CallKind.USER,
         {"offset": "9999", "limit": "10000", "sort_by": "oldest_first"}),
        ("3 users, offset 9999 + limit 10000", CallKind.USER,
         {"users_numbers": users3, "offset": "9999", "limit": "10000"}),
        ("3 users, 7 days, oldest_first, limit 10000", CallKind.USER,
         {"users_numbers": users3, "from_date": week_ago, "sort_by": "oldest_first",
          "limit": "10000"}),
        ("1 queue, offset 9999 + limit 10000", CallKind.QUEUE,
         {"queues_names": account.queues[0].name, "offset": "9999", "limit": "10000"}),
        ("2 queues, offset 9999 + limit 10000, oldest_first", CallKind.QUEUE,
         {"queues_names": f"{account.queues[0].name},{account.queues[1].name}",
          "offset": "9999", "limit": "10000", "sort_by": "oldest_first"}),
        ("unknown ring group (matches nothing)", CallKind.RING_GROUP,
         {"ringgroups_names": "No such group", "offset": "9999", "limit": "10000"}),
    ]


def time_it(action: Callable[[], Any], repeat: int) -> list[float]:
    action()  # warm up (SQLite page cache, code paths)
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    rss_before = rss_mb()
    began = time.perf_counter()
    sandbox = Sandbox(SandboxConfig(calls=args.calls, days=args.days, api_key=KEY,
                                    rate_limit=None, seed=1))
    build = time.perf_counter() - began
    rss_after = rss_mb()
    counts = {kind.value: sandbox.row_count(kind) for kind in CallKind}
    some_id = sandbox.rows(CallKind.USER, limit=1, offset=12345)[0]["unique_call_id"]

    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}")
    print(f"Build: {args.calls:,} calls over {args.days} days -> rows {counts} "
          f"in {build:.1f} s; RSS {rss_before:.0f} MB -> {rss_after:.0f} MB "
          f"(peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    print()
    print("| query | rows | in process p50 / p95 (ms) | HTTP loopback p50 / p95 (ms) | body |")
    print("|---|---:|---:|---:|---:|")
    with SandboxServer(sandbox) as server, httpx.Client(
            base_url=f"{server.base_url}/api/integration/v2/", headers={"token": KEY},
            timeout=30) as client:
        for label, kind, params in queries(sandbox):
            params = {k: some_id if v == "__ID__" else v for k, v in params.items()}
            query = parse_history(params, kind, sandbox.history_rules)
            inside = time_it(functools.partial(sandbox.history_body, kind, query), args.repeat)
            response = client.get(kind.endpoint, params=params)
            rows = len(response.json()["data"])
            http = time_it(functools.partial(client.get, kind.endpoint, params=params),
                           args.repeat)
            (i50, i95), (h50, h95) = percentiles(inside), percentiles(http)
            print(f"| {label} | {rows:,} | {i50:.1f} / {i95:.1f} | {h50:.1f} / {h95:.1f} | "
                  f"{len(response.content) / 1024:,.0f} KiB |")
    sandbox.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
