#!/usr/bin/env python3
"""Time the built bundle's start: ``--version`` and ``--self-test``, frozen and from source.

    .venv/bin/python packaging/bench_frozen.py [--runs 5]

Needs ``dist/pbxdesk`` (``python3 scripts/dev.py build``). Each command runs
``--runs`` times in a fresh throw-away HOME, offscreen; the table gives wall
times (min / median / max) including process start, plus the bundle's sizes.
The first frozen run is reported on its own: it is the coldest the page cache
gets here without dropping caches (which needs privileges this box may lack).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType


def _load_build() -> ModuleType:
    """packaging/build.py, loaded from its file (``build`` is also a PyPI package's name)."""
    spec = importlib.util.spec_from_file_location("pbxdesk_build",
                                                  Path(__file__).resolve().parent / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


def timed(command: list[str]) -> float:
    with tempfile.TemporaryDirectory(prefix="pbxdesk-bench-") as home:
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config",
               "XDG_DATA_HOME": f"{home}/.local/share", "XDG_CACHE_HOME": f"{home}/.cache",
               "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=env,
                                cwd=build.ROOT, timeout=300, check=False)
        seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")
    return seconds


def row(label: str, times: list[float]) -> str:
    return (f"| {label} | {min(times):.2f} | {statistics.median(times):.2f} | "
            f"{max(times):.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    program = build.executable()
    if not program.is_file():
        raise SystemExit(f"No bundle at {build.BUNDLE}: run `python3 scripts/dev.py build`.")
    first = timed([str(program), "--self-test"])
    rows = {
        "frozen `--version`": [timed([str(program), "--version"]) for _ in range(args.runs)],
        "frozen `--self-test`": [timed([str(program), "--self-test"]) for _ in range(args.runs)],
        "source `--self-test`": [timed([sys.executable, "-m", "pbxdesk", "--self-test"])
                                 for _ in range(args.runs)],
    }
    print(f"First frozen --self-test after the build: {first:.2f} s")
    print(f"| command ({args.runs} runs, wall s) | min | median | max |")
    print("|---|---|---|---|")
    for label, times in rows.items():
        print(row(label, times))
    archive = build.archive_path()
    print(f"Folder {build.folder_size(build.BUNDLE) / build.MB:.1f} MB, "
          f"archive {archive.stat().st_size / build.MB if archive.is_file() else 0:.1f} MB "
          f"({archive.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
