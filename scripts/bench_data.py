"""Call stores for the benchmarks: built once per size, then reused.

``stored_calls(size)`` returns the path of a store holding ``size`` synthetic
calls (the test suite's ``CallFactory``: 60 users, 6 queues, 4 ring groups,
200,000 callers, two years ending now), written the way a first sync writes
them: newest first, a page of 10,000 at a time, through ``CallStore.upsert``.
The file is kept under ``--workdir`` (``/tmp/perf`` by default) and reused
while its schema version and row count still match; ``write_calls`` is also
the write benchmark.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pbxdesk.api.models import AnyCall
from pbxdesk.store import SCHEMA_VERSION, CallStore
from tests.fixtures.store import CallFactory

SPAN = timedelta(days=730)
PAGE = 10_000
SEED = 42
_MARK = "bench_fill"


def factory() -> CallFactory:
    return CallFactory(seed=SEED, users=60, queues=6, ring_groups=4, callers=200_000,
                       start=datetime.now(UTC) - SPAN, span=SPAN)


def pages(size: int) -> Iterator[list[AnyCall]]:
    """The calls of a store of ``size``, newest first, a sync page at a time."""
    calls = factory().iter_calls(size, newest_first=True)
    done = 0
    while done < size:
        page = [next(calls) for _ in range(min(PAGE, size - done))]
        done += len(page)
        yield page


@dataclass(frozen=True, slots=True)
class Written:
    rows: int
    seconds: float
    """Time inside ``CallStore.upsert`` (generating the rows not counted)."""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def write_calls(path: Path, size: int) -> Written:
    """A new store at ``path`` with ``size`` calls; how long the writes took."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    spent = 0.0
    with CallStore(path, default_region="AU") as store:
        for page in pages(size):
            started = time.perf_counter()
            store.upsert(page)
            spent += time.perf_counter() - started
        store.values.set(_MARK, {"size": size, "seed": SEED, "schema": SCHEMA_VERSION,
                                 "layout": _layout(path),
                                 "built": datetime.now(UTC).isoformat()})
    return Written(size, spent)


def stored_calls(workdir: Path, size: int) -> tuple[Path, Written | None]:
    """The store of ``size`` calls, built (and timed) unless a matching one exists."""
    path = workdir / f"bench-{size}.sqlite3"
    if _matches(path, size):
        return path, None
    return path, write_calls(path, size)


def _matches(path: Path, size: int) -> bool:
    if not path.exists():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (_MARK,)).fetchone()
    except sqlite3.Error:
        return False
    if row is None or version != SCHEMA_VERSION:
        return False
    mark = json.loads(row[0])
    return bool(mark.get("size") == size and mark.get("seed") == SEED
                and mark.get("layout") == _layout(path))


def _layout(path: Path) -> str:
    """A digest of the permanent schema (tables, triggers, the migrations' indexes)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        sql = sorted(text for (name, text) in conn.execute(
            "SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL")
            if not name.startswith(("ix_calls_by_caller", "ix_calls_by_destination",
                                    "ix_calls_user_", "ix_calls_queue_",
                                    "ix_calls_ringgroup_")))
    return hashlib.sha256("\n".join(sql).encode()).hexdigest()[:16]
