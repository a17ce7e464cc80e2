#!/usr/bin/env python3
"""Benchmark: decoding and parsing one 10,000-row history page (and a whole scan).

Compares the stdlib ``json`` decoder with ``msgspec.json`` for the decode step,
and times the whole of :func:`pbxdesk.api.parse.parse_page` (decode, envelope,
rows, E.164 numbers) with each, with the number cache cold and warm. Rows look
like the service's: user rows with a few percent of quirks (numbers as strings,
``"null"`` timestamps). With ``--scan N`` it also times ``iter_history`` over a
sandbox of N calls served on loopback (requests, duplicates, seconds). Results
go to docs/benchmarks.md ("API client").

    .venv/bin/pip install msgspec   # only this comparison needs it; the app does not
    .venv/bin/python scripts/bench_parse.py [--rows 10000] [--repeat 7] [--scan 50000]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgspec

from pbxdesk.api import parse
from pbxdesk.api.models import CallKind, HistoryQuery

TYPES = ["user_inbound_answered", "user_inbound_missed", "user_outbound_answered",
         "user_outbound_missed", "user_internal_answered"]


def make_page(rows: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    callers = [f"614{rng.randrange(10_000_000, 99_999_999)}" for _ in range(800)]
    callers += [f"612{rng.randrange(10_000_000, 99_999_999)}" for _ in range(400)]
    users = [(f"Agent {n}", str(1000 + n)) for n in range(40)]
    start = datetime(2024, 5, 1, tzinfo=UTC)
    data: list[dict[str, Any]] = []
    for n in range(rows):
        begin = start - timedelta(seconds=n * 37 + rng.randrange(30))
        answered = rng.random() < 0.7
        ring, talk = rng.randrange(3, 40), rng.randrange(10, 900) if answered else 0
        name, ext = rng.choice(users)
        row: dict[str, Any] = {
            "unique_call_id": str(1_600_000_000_000 + n), "type": rng.choice(TYPES),
            "caller_id": rng.choice(callers), "caller_name": rng.choice(["", "ACME", None]),
            "dest_number": rng.choice(callers), "user_name": name, "user_number": ext,
            "call_start_at": begin.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "connected_at": (begin + timedelta(seconds=ring)).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z") if answered else None,
            "call_duration": ring + talk, "conversation_duration": talk}
        if rng.random() < 0.03:  # the service's quirks
            row["call_duration"] = str(row["call_duration"])
            row["connected_at"] = row["connected_at"] or "null"
        data.append(row)
    return json.dumps({"code": 200, "status": "success", "message": "", "data": data}).encode()


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    results = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        function()
        results.append((time.perf_counter() - started) * 1000)
    return results


def report(label: str, samples: list[float]) -> None:
    print(f"{label:<44} median {statistics.median(samples):7.1f} ms   "
          f"min {min(samples):7.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--scan", type=int, default=0, metavar="CALLS",
                        help="also time iter_history over a loopback sandbox of CALLS calls")
    args = parser.parse_args()
    content = make_page(args.rows)
    print(f"page: {args.rows} rows, {len(content) / 1e6:.2f} MB; Python {sys.version.split()[0]},"
          f" msgspec {msgspec.__version__}")
    decoder = msgspec.json.Decoder()
    report("decode only: json.loads", timed(lambda: json.loads(content), args.repeat))
    report("decode only: msgspec.json", timed(lambda: decoder.decode(content), args.repeat))

    def whole_page() -> object:
        return parse.parse_page(content, CallKind.USER, HistoryQuery(), where="bench",
                                region="AU")

    original = parse.decode_json
    for name, decode in (("json", json.loads), ("msgspec", decoder.decode)):
        parse.decode_json = decode  # type: ignore[assignment]
        try:
            parse.e164.cache_clear()
            report(f"parse_page, {name}, number cache cold", timed(whole_page, 1))
            report(f"parse_page, {name}, number cache warm", timed(whole_page, args.repeat))
        finally:
            parse.decode_json = original
    rows = json.loads(content)["data"]
    report("rows only (no decode), cache warm",
           timed(lambda: parse.parse_rows(rows, CallKind.USER, "AU"), args.repeat))
    if args.scan:
        bench_scan(args.scan)
    return 0


def bench_scan(calls: int) -> None:
    """iter_history over every user row of a loopback sandbox, newest first."""
    import asyncio

    from pbxdesk.api.client import ClientSettings, PbxClient
    from pbxdesk.sandbox import Sandbox, SandboxConfig
    from pbxdesk.sandbox.server import SandboxServer

    # 10:00 on a weekday in Sydney, so live traffic (business hours) arrives.
    config = SandboxConfig(seed=7, calls=calls, days=30, rate_limit=None, live_traffic=True,
                           live_calls_per_minute=30.0, clock_speed=1000.0,
                           now=datetime(2024, 5, 15, 0, 0, tzinfo=UTC))

    async def scan(base_url: str, api_key: str, today: date) -> None:
        settings = ClientSettings(base_url=base_url, api_key=api_key, default_region="AU")
        async with PbxClient(settings) as client:
            started = time.perf_counter()
            history = client.iter_history(CallKind.USER, today - timedelta(days=40),
                                          today + timedelta(days=1))
            async for _ in history:
                pass
            elapsed = time.perf_counter() - started
        r = history.report
        print(f"iter_history over {calls} calls (loopback, live traffic): {r.rows} rows in "
              f"{elapsed:.2f} s, {r.requests} requests, {r.duplicates} duplicates left out, "
              f"complete={r.complete}")

    with Sandbox(config) as sandbox, SandboxServer(sandbox) as server:
        print(f"sandbox: {sandbox.row_count(CallKind.USER)} user rows")
        asyncio.run(scan(server.base_url, sandbox.api_key, sandbox.now().date()))


if __name__ == "__main__":
    sys.exit(main())
