"""Benchmark the dial pad's work on the UI thread, at up to a million stored calls.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.dialpad.bench_dialpad
    ... -m tests.ui.dialpad.bench_dialpad --rows 200000 --db /tmp/calls.sqlite3 --keep

Measures what runs on the GUI thread, where a slow step freezes the window:
refilling the pickers after a sync (``store.users()``, the caller-ID sample
:func:`~pbxdesk.services.callerids.account_numbers`, the whole
``DialPad.reload_choices``, also right after a commit), building the pad,
typing in the number field (format as you type, the preview line, the Call
button), a paste, and matching a poll's page of history rows to an attempt. The store is filled with
the test suite's synthetic ``CallFactory`` rows (``--reuse`` keeps a filled
``--db``). Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtWidgets import QApplication

from pbxdesk.api.client import ClientSettings, PbxClient
from pbxdesk.api.models import UserCall
from pbxdesk.phone import DialTarget, parse_dial_input
from pbxdesk.services.callerids import account_numbers
from pbxdesk.services.calls import CallService
from pbxdesk.services.calltrack import CallAttempt, CallState, find_row
from pbxdesk.services.messages import MessageBridge
from pbxdesk.store import CallStore
from pbxdesk.tasks import TaskKeeper
from pbxdesk.ui.dialpad import DialPad
from tests.fixtures.store import CallFactory

REPEAT = 7


def timed(label: str, action: Callable[[], Any], repeat: int = REPEAT,
          before: Callable[[], Any] | None = None) -> None:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()  # not timed
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    print(f"| {label} | {statistics.median(times):.2f} ms | {max(times):.2f} ms |")


def fill(store: CallStore, rows: int) -> None:
    factory = CallFactory(seed=42, users=60, callers=200_000, span=timedelta(days=730))
    generated = factory.iter_calls(rows)
    started = time.perf_counter()
    done = 0
    while done < rows:
        batch = [next(generated) for _ in range(min(5000, rows - done))]
        store.upsert(batch)
        done += len(batch)
    print(f"filled {rows:,} calls in {time.perf_counter() - started:.0f} s")


def poll_page(count: int) -> list[UserCall]:
    factory = CallFactory(seed=1, users=1)
    now = datetime.now(UTC)
    return [factory.user_call(type="user_outbound_answered", user_number="1000",
                              dest_e164=f"+614000000{i % 100:02d}",
                              call_start_at=now - timedelta(minutes=i)) for i in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="database file (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--reuse", action="store_true", help="reuse --db if it is filled")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "calls.sqlite3"
        store = CallStore(path, default_region="AU")
        try:
            if not (args.reuse and store.count() >= args.rows):
                fill(store, args.rows)
            print(f"\n{store.count():,} calls stored\n")
            print("| step | median | worst |\n|---|---:|---:|")
            timed("`store.users()`", store.users)
            timed("`account_numbers(store)` (2 × 500-row sample)",
                  lambda: account_numbers(store, "AU"))
            client = PbxClient(ClientSettings(base_url="http://127.0.0.1:1", api_key="bench-key"),
                               transport=httpx.MockTransport(lambda _r: httpx.Response(500)))
            service = CallService(client, store, MessageBridge(), TaskKeeper(),
                                  my_extension="1000")
            pads: list[DialPad] = []
            timed("`DialPad(...)` (build and fill)",
                  lambda: pads.append(DialPad(service, store, default_region="AU",
                                              my_extension="1000")), repeat=3)
            pad = pads[-1]
            pad.show()
            app.processEvents()
            timed("`DialPad.reload_choices()`", pad.reload_choices)
            # A sync commit drops the store's memos: the case after every sync.
            extra = CallFactory(seed=7)
            timed("`DialPad.reload_choices()` right after a sync commit", pad.reload_choices,
                  before=lambda: store.upsert([extra.user_call()]))

            def type_number() -> None:
                pad.number.clear()
                for digit in "0412345678":
                    pad.number.insert_key(digit)

            timed("typing 10 digits (format, preview, button), total", type_number, repeat=20)
            timed("pasting 4 KB of prose with a number at the end",
                  lambda: pad.number.paste_text("lorem ipsum " * 340 + " call 0412 345 678"),
                  repeat=20)
            target = parse_dial_input("+61400000042", "AU")
            assert isinstance(target, DialTarget)
            attempt = CallAttempt(attempt_id=1, number=target.number_to_call,
                                  display=target.display, user_number="1000", caller_id=None,
                                  state=CallState.RINGING, text="",
                                  requested_at=datetime.now(UTC) - timedelta(hours=2),
                                  started=0.0)
            page = poll_page(500)
            timed("`find_row` over a 500-row poll page", lambda: find_row(page, attempt),
                  repeat=50)
            for made in pads:
                made.deleteLater()
        finally:
            store.close()
            if args.db and not args.keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
