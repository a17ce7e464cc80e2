"""A sync killed mid-way (SIGKILL) leaves a consistent store that a restart completes."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import httpx

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import ClientSettings, PbxClient
from pbxdesk.api.parse import parse_row
from pbxdesk.sandbox import Sandbox
from pbxdesk.store import CallFilter, CallStore
from pbxdesk.sync.engine import ALL_KINDS, SyncEngine
from tests.fixtures.sandbox import sandbox_config

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SYNC_SCRIPT = textwrap.dedent("""
    import asyncio, sys, httpx
    from datetime import datetime
    from pathlib import Path
    from pbxdesk.api.budget import RequestBudget
    from pbxdesk.api.client import ClientSettings, PbxClient
    from pbxdesk.sandbox import Sandbox
    from pbxdesk.store import CallStore
    from pbxdesk.sync.engine import SyncEngine
    from tests.fixtures.sandbox import sandbox_config

    async def main() -> None:
        sandbox = Sandbox(sandbox_config(calls=6000, now=datetime.fromisoformat(sys.argv[2])))
        client = PbxClient(ClientSettings(base_url="http://127.0.0.1:1",
                                          api_key=sandbox.api_key, default_region="AU",
                                          max_limit=200),
                           transport=httpx.ASGITransport(app=sandbox.app),
                           budget=RequestBudget(limit=100_000))
        engine = SyncEngine(client, CallStore(Path(sys.argv[1])), sync_days=45,
                            clock=lambda: sandbox.now().timestamp())
        def report(progress) -> None:
            print("stored", progress.rows, flush=True)
        await engine.sync(progress=report)
        print("finished", flush=True)

    asyncio.run(main())
""")


def test_kill_during_sync_then_restart_completes(tmp_path: Path) -> None:
    database = tmp_path / "calls.sqlite3"
    with subprocess.Popen(
            [sys.executable, "-c", SYNC_SCRIPT, str(database), NOW.isoformat()],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=Path(__file__).resolve().parents[2],
            env={**os.environ, "PYTHONPATH": "."}) as child:
        assert child.stdout is not None
        pages = 0
        for line in child.stdout:
            if line.startswith("stored"):
                pages += 1
            if pages == 8:
                child.send_signal(signal.SIGKILL)
                break
        _out, errors = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL, errors

    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()

    sandbox = Sandbox(sandbox_config(calls=6000, now=NOW))
    try:
        asyncio.run(_resume(sandbox, database))
    finally:
        sandbox.close()


async def _resume(sandbox: Sandbox, database: Path) -> None:
    client = PbxClient(ClientSettings(base_url="http://127.0.0.1:1", api_key=sandbox.api_key,
                                      default_region="AU"),
                       transport=httpx.ASGITransport(app=sandbox.app),
                       budget=RequestBudget(limit=10_000))
    store = CallStore(database)
    engine = SyncEngine(client, store, sync_days=45, clock=lambda: sandbox.now().timestamp())
    try:
        partial = store.count()
        assert partial > 0  # the killed run's committed pages survived
        await engine.sync()
        for kind in ALL_KINDS:
            expected = set()
            for raw in sandbox.rows(kind):
                row = parse_row(raw, kind, "AU")
                assert row is not None
                expected.add(row.key)
            stored = [row.key for row in store.iter_calls(CallFilter(kinds=frozenset({kind})))]
            assert len(stored) == len(set(stored))
            assert set(stored) == expected
    finally:
        engine.close()
        await client.aclose()
        store.close()
