#!/usr/bin/env python3
"""Benchmark live calls on the desk: webhook accepted by the relay → screen pop painted.

One process, loopback only: an embedded relay (its own thread), a desk
(:class:`pbxdesk.services.live.LiveService` with the real pop windows,
offscreen, on the qasync loop) over a call store of ``--calls`` calls, and a
"PBX" thread that posts a ``user_inbound`` webhook for the desk's extension
every ``--gap`` seconds from a caller who has history, then its completion.

Reported (p50 / p99 / max over ``--pops`` calls):

- webhook accepted (the relay's 200 arrived at the poster) → the pop's first
  paint event, and POST sent → first paint (an upper bound: the relay may
  deliver before its answer reaches the poster);
- completion accepted → the call stored (``sig_calls_stored``: the views and
  the missed-call count re-read from here).

Not run in CI: ``QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_live_pop.py``.
Numbers go to docs/benchmarks.md, section Live calls on the desk.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (f"p50 {statistics.median(ordered) * 1000:6.1f} ms   p99 {p99 * 1000:6.1f} ms   "
            f"max {ordered[-1] * 1000:6.1f} ms   (n={len(ordered)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pops", type=int, default=200)
    parser.add_argument("--calls", type=int, default=100_000,
                        help="calls in the desk's store (the caller lookup reads them)")
    parser.add_argument("--gap", type=float, default=0.15, help="seconds between calls")
    args = parser.parse_args()

    import httpx
    import qasync
    from PySide6.QtCore import QEvent, QObject, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from pbxdesk.relay.app import RelayConfig
    from pbxdesk.relay.server import RelayServer
    from pbxdesk.services.live import LiveService
    from pbxdesk.services.messages import MessageBridge
    from pbxdesk.store import CallStore
    from pbxdesk.tasks import TaskKeeper
    from pbxdesk.ui.screenpop import CallCard, PopStack
    from tests.fixtures.store import CallFactory

    qInstallMessageHandler(lambda *_args: None)  # offscreen: "does not support raise()"
    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="bench-live-"))
    factory = CallFactory(seed=11)
    store = CallStore(folder / "calls.sqlite3", default_region="AU")
    began = time.perf_counter()
    calls = factory.calls(args.calls)
    for start in range(0, len(calls), 10_000):
        store.upsert(calls[start:start + 10_000])
    print(f"store: {store.count():,} calls written in {time.perf_counter() - began:.1f} s")
    callers = [number for number, _name in factory.callers[:50]]

    painted: dict[str, float] = {}
    stored_at: list[float] = []

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if (event.type() == QEvent.Type.Paint and isinstance(watched, CallCard)
                    and watched.pop.unique_call_id not in painted):
                painted[watched.pop.unique_call_id or ""] = time.perf_counter()
            return False

    watch = PaintWatch()
    app.installEventFilter(watch)

    relay = RelayServer(folder / "relay", config=RelayConfig())
    relay.start()
    secret = relay.add_account("bench").secret
    token = relay.add_desk("bench", "1001").token
    sent: dict[str, tuple[float, float]] = {}
    completed: dict[str, float] = {}

    def post(client: httpx.Client, trigger: str, fields: dict[str, Any]) -> tuple[float, float]:
        before = time.perf_counter()
        response = client.post(relay.webhook_url("bench", trigger), json=fields,
                               headers={"X-Pbx-Token": secret})
        response.raise_for_status()
        return before, time.perf_counter()

    def pbx() -> None:
        time.sleep(1.0)
        with httpx.Client(timeout=10) as client:
            for n in range(args.pops):
                call_id = str(500_000 + n)
                fields = {"unique_call_id": call_id, "caller_id": callers[n % len(callers)],
                          "caller_name": "", "dest_number": "1001", "user_name": "Bench",
                          "user_number": "1001", "call_start_at": "", "connected_at": "",
                          "call_duration": "0", "conversation_duration": "0"}
                sent[call_id] = post(client, "user-inbound-call", fields)
                time.sleep(args.gap)
                completed[call_id] = post(client, "user-inbound-call-completion",
                                          {**fields, "call_duration": "7"})[1]
                time.sleep(args.gap)

    async def run() -> None:
        bridge = MessageBridge()
        service = LiveService(store, bridge, TaskKeeper(), relay_url=relay.base_url,
                              token=token, my_extension="1001", region="AU")
        pops = PopStack()
        service.sig_pop_opened.connect(pops.show_call)
        service.sig_pop_changed.connect(pops.update_call)
        service.sig_pop_closed.connect(pops.close)
        service.sig_calls_stored.connect(lambda: stored_at.append(time.perf_counter()))
        service.start()
        await asyncio.get_running_loop().run_in_executor(None, pbx)
        await asyncio.sleep(1.0)
        await service.shutdown()
        pops.close_all()

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(run())
    relay.stop()
    store.close()

    accepted = [painted[key] - sent[key][1] for key in sent if key in painted]
    posted = [painted[key] - sent[key][0] for key in sent if key in painted]
    stored = [at - completed[key] for key, at in zip(sorted(completed, key=completed.get),
                                                      stored_at, strict=False)]
    print(f"pops painted: {len(painted)} of {len(sent)}")
    print(f"accepted → pop painted   {percentiles(accepted)}")
    print(f"POST sent → pop painted  {percentiles(posted)}")
    print(f"completion accepted → stored  {percentiles(stored)}")
    return 0 if len(painted) == len(sent) else 1


if __name__ == "__main__":
    raise SystemExit(main())
