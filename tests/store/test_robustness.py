"""The store under stress: killed mid-write, read while written, disk full, damaged."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from pbxdesk.store import (
    CallFilter,
    CallStore,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreReadOnlyError,
)
from tests.fixtures.store import CallFactory

ROOT = Path(__file__).resolve().parents[2]

WRITER = r"""
import sys
from pathlib import Path
from pbxdesk.store import CallStore
from tests.fixtures.store import CallFactory

store = CallStore(Path(sys.argv[1]))
factory = CallFactory(seed=11)
size = int(sys.argv[2])
for batch in range(10_000):
    rows = [factory.user_call(unique_call_id=f"{batch}-{i}") for i in range(size)]
    print("begin", batch, flush=True)
    store.upsert(rows)
    print("done", batch, flush=True)
"""


def batches_in(path: Path) -> Counter[int]:
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The per-day totals are written in the rows' transactions: they agree.
        assert raw.execute("SELECT sum(calls) FROM call_day_counts").fetchone()[0] == \
            raw.execute("SELECT count(*) FROM calls").fetchone()[0]
        return Counter(int(call_id.split("-")[0]) for (call_id,) in
                       raw.execute("SELECT unique_call_id FROM calls"))


def test_a_kill_mid_write_leaves_whole_batches_and_a_sound_file(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    size = 2000
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(size)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    lines: list[str] = []
    started = time.monotonic()
    try:
        batch_seconds = 0.0
        while True:
            line = child.stdout.readline()
            assert line, "the writer stopped by itself"
            lines.append(line.split()[0] + " " + line.split()[1])
            if lines[-1] == "done 0":
                batch_seconds = time.monotonic() - started
            if line.startswith("begin") and int(line.split()[1]) >= 3:
                break
        # Somewhere inside the transaction of the batch that has just begun.
        time.sleep(random.uniform(0.05, 0.6) * batch_seconds)
        os.kill(child.pid, signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    lines += [" ".join(line.split()[:2]) for line in rest.splitlines()]
    assert child.returncode == -signal.SIGKILL
    done = {int(line.split()[1]) for line in lines if line.startswith("done")}
    begun = {int(line.split()[1]) for line in lines if line.startswith("begin")}

    stored = batches_in(path)
    print("done", sorted(done), "begun", sorted(begun), "stored", sorted(stored))

    assert set(stored.values()) <= {size}, "every batch is all or nothing"
    assert done <= set(stored), "every batch reported as committed survived"
    assert set(stored) <= begun
    with CallStore(path) as reopened:  # and the store opens and works again
        assert reopened.count() == size * len(stored)
        assert reopened.upsert(CallFactory(seed=2).calls(10)).inserted == 10


def test_readers_see_whole_batches_while_a_worker_writes(tmp_path: Path) -> None:
    factory = CallFactory(seed=4)
    batches = [factory.calls(1500) for _ in range(6)]
    path = tmp_path / "calls.sqlite3"
    store = CallStore(path)
    totals = [0]
    failures: list[BaseException] = []

    def write() -> None:
        try:
            for batch in batches:
                totals.append(totals[-1] + store.upsert(batch).inserted)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            store.release_thread()

    writer = threading.Thread(target=write)
    seen: list[tuple[int, int]] = []
    writer.start()
    try:
        while writer.is_alive():
            count = store.count()
            page = store.page(CallFilter(), limit=100)
            seen.append((count, len(page)))
            time.sleep(0.002)  # a GUI thread reads on events, it does not spin
    finally:
        writer.join()
        final = store.count()
    try:
        # Reads while a write transaction is open, for certain (not left to the
        # scheduler): another connection holds one, the store reads past it.
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            other.execute("DELETE FROM calls")
            assert store.count(CallFilter(text="zzz-no-such-call")) == 0  # not memoised
            assert store.count() == final
            assert len(store.page(CallFilter(), limit=100)) == 100
            other.execute("ROLLBACK")
    finally:
        store.close()
    assert not failures
    counts = [count for count, _ in seen]
    assert set(counts) <= set(totals), "a reader never sees part of a batch"
    assert counts == sorted(counts)
    assert all(rows == 100 or count == 0 for count, rows in seen)  # a later snapshot
    assert final == totals[-1]


def test_a_full_disk_loses_nothing_and_says_what_to_do(call_store: CallStore,
                                                       store_path: Path) -> None:
    factory = CallFactory(seed=8)
    call_store.upsert(factory.calls(300))
    conn = call_store._connections.conn()  # the only way to make a database "full"
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")

    with pytest.raises(StoreFullError, match=r"\) is full\. Free some space") as raised:
        call_store.upsert(factory.calls(3000))

    message = str(raised.value)
    assert "full" in message
    assert str(store_path) in message
    assert "Free some space" in message
    assert raised.value.hint == "Free disk space"
    assert call_store.count() == 300  # the failed batch left no trace
    conn.execute("PRAGMA max_page_count = 1073741823")
    assert call_store.upsert(factory.calls(3000)).inserted == 3000


FILLER = r"""
import resource, sys
from pathlib import Path
from pbxdesk.store import CallStore, StoreError
from tests.fixtures.store import CallFactory

store = CallStore(Path(sys.argv[1]))
factory = CallFactory(seed=5)
store.upsert(factory.calls(200))
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # no file may grow past this
try:
    for batch in range(200):
        result = store.upsert(factory.calls(1000))
        print("ok", result.inserted, flush=True)
except StoreError as exc:
    print("error", type(exc).__name__, exc, flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_file_that_cannot_grow_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    with CallStore(path):
        pass
    limit = path.stat().st_size + 3_000_000
    done = subprocess.run([sys.executable, "-c", FILLER, str(path), str(limit)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    lines = done.stdout.splitlines()
    assert lines, done.stderr
    assert lines[-1].split()[1] in {"StoreFullError", "StoreIOError"}, lines[-1]
    inserted = 200 + sum(int(line.split()[1]) for line in lines if line.startswith("ok"))
    with CallStore(path) as reopened:
        assert reopened.count() == inserted
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_read_only_database_is_reported(call_store: CallStore) -> None:
    call_store.upsert(CallFactory().calls(5))
    call_store._connections.conn().execute("PRAGMA query_only = ON")
    with pytest.raises(StoreReadOnlyError, match="read-only"):
        call_store.upsert(CallFactory(seed=3).calls(5))
    with pytest.raises(StoreReadOnlyError, match="cannot be written: the file, its folder"):
        call_store.recent_dials.clear()
    assert call_store.count() == 5  # reading still works


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    path.write_bytes(b"this is not an sqlite file, it is a shopping list\n" * 200)
    with pytest.raises(StoreCorruptError, match="SQLite said: file is not a database") as raised:
        CallStore(path)
    assert str(path) in str(raised.value)
    assert "move that file" in str(raised.value)


def test_damaged_pages_are_reported_when_read(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    with CallStore(path) as store:
        store.upsert(CallFactory().calls(3000))
    with sqlite3.connect(path) as raw:
        root = raw.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'calls'").fetchone()[0]
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as file:  # scribble over the table's root page
        file.seek((root - 1) * page_size + 100)
        file.write(os.urandom(page_size - 200))
    with pytest.raises(StoreCorruptError, match="is damaged or is not a pbxdesk database"), \
            CallStore(path) as damaged:
        damaged.page(limit=5000)


def test_a_folder_that_cannot_exist_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(StoreError, match=r"could not be opened, read or written|cannot be written"
                       ) as raised:
        CallStore(blocker / "calls.sqlite3")
    assert isinstance(raised.value, StoreIOError | StoreReadOnlyError)
    assert "not-a-folder" in str(raised.value)


def test_each_thread_has_its_own_connection_and_can_release_it(call_store: CallStore) -> None:
    mine = call_store._connections.conn()
    theirs: list[sqlite3.Connection] = []

    def work() -> None:
        theirs.append(call_store._connections.conn())
        call_store.upsert(CallFactory(seed=6).calls(3))
        call_store.release_thread()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert theirs[0] is not mine
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        theirs[0].execute("SELECT 1")  # released: closed
    assert call_store.count() == 3
    call_store.close()
    call_store.close()  # closing twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        call_store.count()
