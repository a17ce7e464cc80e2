#!/usr/bin/env python3
"""Count the API requests an hour with and without live calls, with the app's own services.

Runs the real :class:`~pbxdesk.services.sync.SyncService` (refresh timer and
engine) and :class:`~pbxdesk.services.ownpoll.OwnCallsPoller` against a sandbox
PBX served on loopback with live traffic, for one hour compressed into
``--seconds`` of real time: every interval and the request budget's window are
divided by the same factor (3600 / seconds). The window is "active" throughout
(the poller's best case for freshness, its worst for requests).

- without live: refresh every ``refresh_minutes`` (5), own calls polled every
  60 s;
- live: the refresh becomes a reconciliation every ``live_reconcile_minutes``
  (30), no polling (the relay's events bring calls; they cost no API request).

The first sync (history of the last days) is made before counting starts.
Not run in CI: ``QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_live_requests.py``.
Numbers go to docs/benchmarks.md, section Live calls on the desk.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="real seconds standing for one hour")
    args = parser.parse_args()
    scale = 3600.0 / args.seconds

    import qasync
    from PySide6.QtWidgets import QApplication

    from pbxdesk.api.budget import RequestBudget
    from pbxdesk.api.client import ClientSettings, PbxClient
    from pbxdesk.sandbox import Sandbox, SandboxConfig
    from pbxdesk.sandbox.server import SandboxServer
    from pbxdesk.services.messages import MessageBridge
    from pbxdesk.services.ownpoll import OwnCallsPoller
    from pbxdesk.services.sync import SyncService
    from pbxdesk.settings import Settings
    from pbxdesk.store import CallStore
    from pbxdesk.sync.engine import SyncEngine
    from pbxdesk.tasks import TaskKeeper

    app = QApplication.instance() or QApplication([])
    defaults = Settings()
    sandbox = Sandbox(SandboxConfig(seed=5, calls=3000, days=7, api_key="bench-key",
                                    live_traffic=True, live_calls_per_minute=2.0,
                                    rate_limit=None))
    me = sandbox.account.users[0].extension

    async def one_hour(live: bool, server: SandboxServer, folder: Path) -> dict[str, int]:
        store = CallStore(folder / f"calls-{live}.sqlite3", default_region="AU")
        budget = RequestBudget(limit=defaults.request_budget,
                               window=defaults.budget_window_minutes * 60 / scale)
        client = PbxClient(ClientSettings(base_url=server.base_url, api_key="bench-key"),
                           budget=budget)
        engine = SyncEngine(client, store, sync_days=2)
        tasks = TaskKeeper()
        sync = SyncService(engine, MessageBridge(), tasks, refresh_minutes=0)
        first = sync.start_sync()
        if first is not None:
            await first
        poller = OwnCallsPoller(client, store, tasks, my_extension=me,
                                interval_seconds=defaults.own_calls_poll_seconds / scale,
                                is_active=lambda: True, sync_running=lambda: sync.running)
        before = dict(sandbox.request_counts)
        minutes = defaults.live_reconcile_minutes if live else defaults.refresh_minutes
        sync.set_refresh_minutes(minutes / scale)
        poller.set_enabled(not live)
        await asyncio.sleep(args.seconds)
        await poller.shutdown()
        await sync.shutdown()
        await client.aclose()
        store.close()
        after = sandbox.request_counts
        return {name: after.get(name, 0) - before.get(name, 0) for name in after
                if after.get(name, 0) - before.get(name, 0)}

    async def run() -> None:
        with SandboxServer(sandbox) as server, tempfile.TemporaryDirectory() as temp:
            for live in (False, True):
                counts = await one_hour(live, server, Path(temp))
                label = "live (relay connected)" if live else "without live"
                total = sum(counts.values())
                print(f"{label:24} {total:4d} requests an hour   {counts}")

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(run())
    sandbox.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
