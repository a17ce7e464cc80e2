"""A sync killed mid-way (SIGKILL) leaves a consistent store that a restart completes,
sending only what was still to do (the scan's state is saved with every page)."""

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
import pytest

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import ClientSettings, PbxClient
from pbxdesk.api.parse import parse_row
from pbxdesk.sandbox import Sandbox
from pbxdesk.store import CallFilter, CallStore
from pbxdesk.store.writer import UpsertResult
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


RESUME_SCRIPT = textwrap.dedent("""
    import asyncio, sys, httpx
    from datetime import datetime
    from pathlib import Path
    from pbxdesk.api.budget import RequestBudget
    from pbxdesk.api.client import ClientSettings, PbxClient
    from pbxdesk.sandbox import Sandbox
    from pbxdesk.store import CallStore
    from pbxdesk.sync.engine import SyncEngine
    from tests.sync.test_kill_mid_sync import big_sandbox

    class Counting(httpx.ASGITransport):
        async def handle_async_request(self, request):
            print("sent", flush=True)
            return await super().handle_async_request(request)

    async def main() -> None:
        sandbox = big_sandbox(datetime.fromisoformat(sys.argv[2]))
        client = PbxClient(ClientSettings(base_url="http://127.0.0.1:1",
                                          api_key=sandbox.api_key, default_region="AU"),
                           transport=Counting(app=sandbox.app),
                           budget=RequestBudget(limit=100_000))
        engine = SyncEngine(client, CallStore(Path(sys.argv[1])), sync_days=30,
                            clock=lambda: sandbox.now().timestamp())
        await engine.sync(progress=lambda _: print("stored", flush=True))
        print("finished", flush=True)

    asyncio.run(main())
""")


def big_sandbox(now: datetime) -> Sandbox:
    """100,000 calls over 30 days, the clock at real speed (a restart sees the same day)."""
    return Sandbox(sandbox_config(calls=100_000, days=30, now=now, clock_speed=1.0))


@pytest.mark.slow
def test_a_restart_sends_only_what_was_still_to_do(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    sandbox = big_sandbox(now)
    try:
        needed = asyncio.run(_requests_of_a_whole_sync(sandbox, tmp_path / "reference.sqlite3"))
    finally:
        sandbox.close()
    database = tmp_path / "calls.sqlite3"
    with subprocess.Popen(
            [sys.executable, "-c", RESUME_SCRIPT, str(database), now.isoformat()],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=Path(__file__).resolve().parents[2],
            env={**os.environ, "PYTHONPATH": "."}) as child:
        assert child.stdout is not None
        sent = stored = 0
        for line in child.stdout:
            sent += line.startswith("sent")
            stored += line.startswith("stored")
            if stored == needed // 2:
                child.send_signal(signal.SIGKILL)
                break
        _out, errors = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, errors

    sandbox = big_sandbox(now)
    try:
        store = CallStore(database)
        assert store.count() > 0
        store.close()
        after_restart = asyncio.run(_requests_of_a_whole_sync(sandbox, database, check=True))
    finally:
        sandbox.close()
    print(f"requests: {needed} for a whole sync; before the kill {sent} sent, {stored} pages "
          f"stored; {after_restart} after the restart")  # for docs/benchmarks.md (pytest -s)
    # Still to do: the pages not stored (a page being fetched or written when the process
    # died is read again). Plus two: one for the calls new since the kill, one to spare.
    assert after_restart <= needed - stored + 2, (needed, sent, stored, after_restart)


async def _requests_of_a_whole_sync(sandbox: Sandbox, database: Path, *,
                                    check: bool = False) -> int:
    """Sync into ``database`` (a reference run stores nothing, to be quick)."""
    client = PbxClient(ClientSettings(base_url="http://127.0.0.1:1", api_key=sandbox.api_key,
                                      default_region="AU"),
                       transport=httpx.ASGITransport(app=sandbox.app),
                       budget=RequestBudget(limit=100_000))
    store = CallStore(database)
    if not check:
        store.upsert = lambda rows: UpsertResult()  # type: ignore[method-assign]
    engine = SyncEngine(client, store, sync_days=30, clock=lambda: sandbox.now().timestamp())
    before = sandbox.request_count
    try:
        await engine.sync()
        if check:
            for kind in ALL_KINDS:
                stored = store.count(CallFilter(kinds=frozenset({kind})))
                assert stored == sandbox.row_count(kind)
    finally:
        engine.close()
        await client.aclose()
        store.close()
    return sandbox.request_count - before
