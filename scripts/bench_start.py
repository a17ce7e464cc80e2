#!/usr/bin/env python3
"""Start to first painted window: pbxdesk with stored calls against a bare window.

    .venv/bin/python scripts/bench_start.py --db /tmp/perf/bench-100000.sqlite3 --runs 7

Each run is a fresh process (``QT_QPA_PLATFORM=offscreen``), timed from the
moment it is spawned until its window has painted:

* *bare*: import PySide6 and qasync, show a ``QMainWindow`` with a table, run
  the qasync loop until the first paint — the floor any PySide6 app pays;
* *pbxdesk*: ``pbxdesk.app.run`` on a profile whose account is configured and
  whose call store holds the calls of ``--db`` (a copy), until the user-calls
  table has painted rows. The PBX address points at a closed port on loopback,
  so the sync that starts fails at once and plays no part.

``--cpu`` also prints the CPU seconds each start used until its paint: on a
shared machine the wall clock includes waiting for a core, CPU time much less so.

The child side of both lives here too (``child`` command); it needs no hook in
pbxdesk: an event filter on the application sees the table's first paint.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PBX_URL = "http://127.0.0.1:24999"  # nothing listens there (this session's port range)
TIMEOUT_S = 120


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    child = sub.add_parser("child", help="(internal) one timed start")
    child.add_argument("mode", choices=("bare", "app"))
    child.add_argument("basedir", type=Path, nargs="?")
    parser.add_argument("--db", type=Path,
                        help="a call store with calls in the last 30 days (copied)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cpu", action="store_true", help="also CPU seconds to the paint")
    args = parser.parse_args(argv)
    if args.command == "child":
        return _child(args.mode, args.basedir)
    if args.db is None or not args.db.is_file():
        parser.error("--db FILE is needed: a call store with calls in the last 30 days "
                     "(make one with: python3 scripts/bench.py --sizes 100000 --only start "
                     "--fresh)")
    recent = recent_calls(args.db)
    if recent == 0:
        parser.error(f"{args.db} holds no calls of the last 30 days: the window would "
                     "never paint rows (make a fresh store with: python3 scripts/bench.py "
                     "--sizes 100000 --only start --fresh)")
    cpu: dict[str, list[float]] = {"bare": [], "app": []}
    bare, app = measure(args.db, args.runs, cpu=cpu)
    print(f"bare PySide6 + qasync window: median {statistics.median(bare):.3f} s "
          f"({', '.join(f'{t:.2f}' for t in bare)})")
    print(f"pbxdesk with stored calls:    median {statistics.median(app):.3f} s "
          f"({', '.join(f'{t:.2f}' for t in app)})")
    print(f"ratio {statistics.median(app) / statistics.median(bare):.2f}")
    if args.cpu:
        bare_cpu, app_cpu = statistics.median(cpu["bare"]), statistics.median(cpu["app"])
        print(f"CPU to the paint: bare {bare_cpu:.3f} s, pbxdesk {app_cpu:.3f} s, "
              f"ratio {app_cpu / bare_cpu:.2f}")
    return 0


def recent_calls(db: Path) -> int:
    """Calls of the user-calls tab's default range (the last 30 days) in ``db``."""
    since_us = int((time.time() - 30 * 86_400) * 1_000_000)
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            found = conn.execute("SELECT count(*) FROM (SELECT 1 FROM calls WHERE start_us >= ? "
                                 "LIMIT 1)", [since_us]).fetchone()
    except sqlite3.Error:
        return 0
    return int(found[0])


def measure(db: Path | None, runs: int, *, cpu: dict[str, list[float]] | None = None,
            ) -> tuple[list[float], list[float]]:
    """Seconds to first paint, ``runs`` times each, the two kinds alternating; with
    ``cpu``, each run's CPU seconds are appended to ``cpu["bare"]`` / ``cpu["app"]``."""
    with tempfile.TemporaryDirectory(prefix="pbxdesk-start-") as tmp:
        basedir = Path(tmp)
        make_profile(basedir, db)
        bare: list[float] = []
        app: list[float] = []
        _spawn("bare", None)  # warm the disk cache for both before timing
        _spawn("app", basedir)
        for _ in range(runs):
            for mode, times, where in (("bare", bare, None), ("app", app, basedir)):
                wall, used = _spawn_timed(mode, where)
                times.append(wall)
                if cpu is not None:
                    cpu[mode].append(used)
        return bare, app


def make_profile(basedir: Path, db: Path | None) -> None:
    """A configured account (key in the private file) whose store is a copy of ``db``."""
    sys.path.insert(0, str(ROOT))
    from pbxdesk.paths import AppPaths
    from pbxdesk.secrets import ApiKeyStore
    from pbxdesk.settings import Settings, SettingsFile

    paths = AppPaths.under(basedir)
    paths.ensure()
    settings = Settings().replace(base_url=PBX_URL, key_storage="file", default_region="AU")
    SettingsFile(paths.settings_file).save(settings)
    ApiKeyStore(paths.fallback_key_file).save(PBX_URL, "bench-key", "file")
    if db is not None:
        # SQLite's backup, not a file copy: the store's latest writes may still be in its
        # write-ahead log (a copy of the main file alone missed them, or every call).
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as source, \
                closing(sqlite3.connect(paths.database_file(PBX_URL))) as target:
            source.backup(target)


def _spawn(mode: str, basedir: Path | None) -> float:
    return _spawn_timed(mode, basedir)[0]


def _spawn_timed(mode: str, basedir: Path | None) -> tuple[float, float]:
    """Wall seconds from the spawn to the paint, and the CPU seconds the child used."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    command = [sys.executable, str(Path(__file__).resolve()), "child", mode]
    if basedir is not None:
        command.append(str(basedir))
    started = time.time()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=TIMEOUT_S, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("painted "):
            _, wall, used = line.split()
            return float(wall) - started, float(used)
    raise RuntimeError(f"{mode} start did not report a paint:\n{done.stdout}\n{done.stderr}")


def _child(mode: str, basedir: Path | None) -> int:
    # Everything from here on counts: imports, window, first paint.
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QAbstractItemView, QApplication

    class FirstPaint(QObject):
        """Prints the time of the first paint of a table viewport showing rows."""

        def __init__(self) -> None:
            super().__init__()
            self.done = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if self.done or event.type() != QEvent.Type.Paint:
                return False
            view = watched.parent()
            if isinstance(view, QAbstractItemView) and watched is view.viewport():
                model = view.model()
                if model is not None and model.rowCount() > 0:
                    self.done = True
                    # Wall clock, then this process's CPU time (steadier on a busy machine).
                    print(f"painted {time.time():.6f} {time.process_time():.6f}", flush=True)
                    QTimer.singleShot(0, QApplication.quit)
            return False

    app = QApplication(sys.argv[:1])
    watcher = FirstPaint()
    app.installEventFilter(watcher)
    if mode == "bare":
        return _bare(app)
    assert basedir is not None
    from pbxdesk.app import Options, run

    return run(Options(basedir=basedir))


def _bare(app: object) -> int:
    import asyncio

    import qasync
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

    assert isinstance(app, QApplication)
    window = QMainWindow()
    table = QTableView(window)
    model = QStandardItemModel(30, 12, table)
    for row in range(30):
        model.setItem(row, 0, QStandardItem(f"row {row}"))
    table.setModel(model)
    window.setCentralWidget(table)
    window.resize(1400, 800)

    async def main() -> None:
        window.show()
        done = asyncio.Event()
        app.aboutToQuit.connect(done.set)
        await done.wait()

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(main())
    return 0


if __name__ == "__main__":
    sys.exit(main())
