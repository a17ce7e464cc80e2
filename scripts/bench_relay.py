#!/usr/bin/env python3
"""Benchmark pbxdesk-relay: webhooks/s accepted while desks are connected, and delivery latency.

Three kinds of process on this machine (loopback only, bounded in time):

1. the relay: ``python -m pbxdesk.relay --store STORE serve`` (one process);
2. the desks: one process holding ``--desks`` SSE connections (plain asyncio
   sockets, so the measuring side stays light), plus ``--library-desks`` of them
   through the client library (:class:`pbxdesk.live.client.RelayStream`);
3. the PBX: one process posting ``--rate`` webhooks/s for ``--seconds`` over
   keep-alive connections; 95 % are user events for one desk's extension, 5 %
   queue summaries for a queue ten desks follow.

Reported: webhooks accepted per second (2xx), the accepted → received latency
(p50 / p99 / max) for every delivery, separately for the client library, the
relay's memory with no desk, with every desk connected, and per desk.
Not run in CI: ``.venv/bin/python scripts/bench_relay.py [--store redis://…]``.
Numbers go to docs/benchmarks.md, section Relay.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUEUE = "Bench queue"
QUEUE_DESKS = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def make_credentials(store_spec: str, desks: int) -> dict[str, Any]:
    from pbxdesk.relay.admin import add_account, add_desk
    from pbxdesk.relay.store import make_store

    store = make_store(store_spec)
    await store.open()
    try:
        secret = (await add_account(store, "bench")).secret
        tokens = []
        for n in range(desks):
            queues = [QUEUE] if n < QUEUE_DESKS else []
            tokens.append((await add_desk(store, "bench", str(2000 + n), queues)).token)
    finally:
        await store.close()
    return {"secret": secret, "tokens": tokens}


# -- desks -------------------------------------------------------------------------------

async def raw_desk(port: int, index: int, token: str, received: list[tuple[int, str, float]],
                   ready: asyncio.Event, connected: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /events HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    connected[0] += 1
    if connected[0] >= connected[1]:
        ready.set()
    marker = b'"seq":"'
    while True:
        line = await reader.readline()
        if not line:
            return
        if line.startswith(b"data: "):
            at = time.time()
            start = line.find(marker) + len(marker)
            received.append((index, line[start:line.find(b'"', start)].decode(), at))


async def library_desk(port: int, index: int, token: str,
                       received: list[tuple[int, str, float]]) -> None:
    from pbxdesk.live.client import RelayStream

    async for event in RelayStream(f"http://127.0.0.1:{port}", token).events():
        received.append((index, str(event.fields.get("seq")), time.time()))


async def run_desks(port: int, tokens: list[str], library: int,
                    seconds: float) -> dict[str, Any]:
    received: list[tuple[int, str, float]] = []
    ready = asyncio.Event()
    raw_count = len(tokens) - library
    connected = [0, raw_count]
    tasks = [asyncio.create_task(raw_desk(port, n, token, received, ready, connected))
             for n, token in enumerate(tokens[:raw_count])]
    tasks += [asyncio.create_task(library_desk(port, raw_count + n, token, received))
              for n, token in enumerate(tokens[raw_count:])]
    await asyncio.wait_for(ready.wait(), 120)
    await asyncio.sleep(2)  # the library desks connect too
    print("DESKS READY", flush=True)
    # Listen until the conductor closes our stdin (the PBX is done), then a little more.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    return {"received": received, "raw_desks": raw_count}


# -- the PBX ------------------------------------------------------------------------------

async def run_pbx(port: int, secret: str, desks: int, rate: float, seconds: float,
                  connections: int) -> dict[str, Any]:
    total = int(rate * seconds)
    rng = random.Random(7)
    plans = []
    queue_events = []
    for seq in range(total):
        if rng.random() < 0.05:
            queue_events.append(seq)
            body = {"type": "queue_call", "queue_name": QUEUE, "status": "answered",
                    "caller_id": "61300000000", "unique_call_id": str(seq), "seq": str(seq)}
        else:
            body = {"type": "user_inbound", "user_number": str(2000 + rng.randrange(desks)),
                    "caller_id": "61300000000", "caller_name": "Bench Caller",
                    "unique_call_id": str(seq), "seq": str(seq)}
        data = json.dumps(body).encode()
        plans.append(b"POST /hooks/bench HTTP/1.1\r\nHost: bench\r\nContent-Type: "
                     b"application/json\r\nX-Pbx-Token: " + secret.encode() +
                     b"\r\nContent-Length: " + str(len(data)).encode() + b"\r\n\r\n" + data)
    accepted: list[tuple[int, float, int]] = []
    counter = iter(range(total))
    start = time.monotonic() + 0.5

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for seq in counter:
            delay = start + seq / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(plans[seq])
            status_line = await reader.readline()
            length = 0
            while (header := await reader.readline()) not in (b"\r\n", b""):
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            await reader.readexactly(length)
            accepted.append((seq, time.time(), int(status_line.split()[1])))

    began = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(connections)))
    took = time.monotonic() - began - 0.5
    return {"accepted": accepted, "seconds": took, "queue_events": queue_events}


# -- the conductor -------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", help="redis://… (default: an embedded store in a temp dir)")
    parser.add_argument("--desks", type=int, default=500)
    parser.add_argument("--library-desks", type=int, default=5)
    parser.add_argument("--rate", type=float, default=1000.0, help="webhooks per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=32, help="PBX connections")
    parser.add_argument("--role", choices=["desks", "pbx"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "desks":
        data = json.loads(Path(args.data).read_text())
        result = asyncio.run(run_desks(args.port, data["tokens"], args.library_desks, 5.0))
        Path(args.data + ".desks").write_text(json.dumps(result))
        return 0
    if args.role == "pbx":
        data = json.loads(Path(args.data).read_text())
        result = asyncio.run(run_pbx(args.port, data["secret"], args.desks, args.rate,
                                     args.seconds, args.connections))
        Path(args.data + ".pbx").write_text(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or str(Path(tmp) / "store")
        credentials = asyncio.run(make_credentials(store, args.desks))
        data_file = Path(tmp) / "credentials.json"
        data_file.write_text(json.dumps(credentials))
        port = free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        relay = subprocess.Popen(
            [sys.executable, "-m", "pbxdesk.relay", "--store", store, "serve", "--port",
             str(port), "--log-level", "warning"], cwd=ROOT, env=env)
        try:
            time.sleep(3)
            idle_rss = rss_kib(relay.pid)
            common = [sys.executable, __file__, "--port", str(port), "--data", str(data_file),
                      "--desks", str(args.desks), "--library-desks", str(args.library_desks),
                      "--rate", str(args.rate), "--seconds", str(args.seconds),
                      "--connections", str(args.connections)]
            desks = subprocess.Popen([*common, "--role", "desks"], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert desks.stdout is not None
            assert desks.stdout.readline().strip() == "DESKS READY"
            time.sleep(1)
            connected_rss = rss_kib(relay.pid)
            cpu_before, wall_before = cpu_seconds(relay.pid), time.monotonic()
            subprocess.run([*common, "--role", "pbx"], cwd=ROOT, env=env, check=True,
                           timeout=args.seconds * 4 + 60)
            relay_cpu = (cpu_seconds(relay.pid) - cpu_before) / (time.monotonic() - wall_before)
            loaded_rss = rss_kib(relay.pid)
            assert desks.stdin is not None
            desks.stdin.close()
            desks.wait(120)
        finally:
            relay.terminate()
            relay.wait(30)
        pbx = json.loads(Path(str(data_file) + ".pbx").read_text())
        got = json.loads(Path(str(data_file) + ".desks").read_text())

    accepted_at = {seq: at for seq, at, status in pbx["accepted"] if 200 <= status < 300}
    pbx["queue_events"] = set(pbx["queue_events"])
    refused = sum(1 for _, _, status in pbx["accepted"] if not 200 <= status < 300)
    raw_desks = got["raw_desks"]
    latencies = [at - accepted_at[int(seq)] for desk, seq, at in got["received"]
                 if int(seq) in accepted_at and desk < raw_desks]
    first_accept = min(accepted_at.values())
    windows: dict[int, list[float]] = {}
    for desk, seq, at in got["received"]:
        if int(seq) in accepted_at and desk < raw_desks:
            moment = accepted_at[int(seq)]
            windows.setdefault(int((moment - first_accept) // 5) * 5, []).append(at - moment)
    library = [at - accepted_at[int(seq)] for desk, seq, at in got["received"]
               if int(seq) in accepted_at and desk >= raw_desks]
    expected = sum(QUEUE_DESKS if seq in pbx["queue_events"] else 1 for seq in accepted_at)
    result = {
        "store": "redis" if args.store else "embedded",
        "desks": args.desks, "target_rate": args.rate, "seconds": args.seconds,
        "accepted": len(accepted_at), "refused": refused,
        "accepted_per_second": round(len(accepted_at) / pbx["seconds"], 1),
        "deliveries": len(latencies) + len(library), "deliveries_expected": expected,
        "latency_ms": {"p50": round(statistics.median(latencies) * 1000, 1),
                       "p99": round(percentile(latencies, 0.99) * 1000, 1),
                       "max": round(max(latencies) * 1000, 1)},
        "library_latency_ms": ({"n": len(library),
                                "p50": round(statistics.median(library) * 1000, 1),
                                "p99": round(percentile(library, 0.99) * 1000, 1),
                                "max": round(max(library) * 1000, 1)} if library else None),
        "p99_ms_queue_desks": round(percentile(
            [at - accepted_at[int(seq)] for desk, seq, at in got["received"]
             if int(seq) in accepted_at and desk < QUEUE_DESKS], 0.99) * 1000),
        "p99_ms_by_5s_window": {start: round(percentile(values, 0.99) * 1000)
                                for start, values in sorted(windows.items())},
        "relay_cpu_cores_under_load": round(relay_cpu, 2),
        "load_average": os.getloadavg()[0],
        "relay_rss_mib": {"idle": round(idle_rss / 1024, 1),
                          "desks_connected": round(connected_rss / 1024, 1),
                          "after_load": round(loaded_rss / 1024, 1)},
        "kib_per_desk": round((connected_rss - idle_rss) / args.desks, 1),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
