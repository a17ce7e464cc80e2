#!/usr/bin/env python3
"""Issue 12's speed and memory goals, each measured beside its baseline in the same run.

    python3 scripts/dev.py bench              # 10k, 100k and 1M calls (~15 min on the dev box)
    python3 scripts/dev.py bench --quick      # 10k and 100k, fewer repeats (~4 min)
    python3 scripts/dev.py bench --only pages,search --sizes 1000000

Prints one line per goal and size: goal, measured, baseline, verdict ("met",
"MISSED", or "hook" where another benchmark script plugs in), with the load
average beside it (the machine is shared: a busy one slows everything, the
baselines too, which is why each goal is paired with one). Call stores are
built once per size under ``--workdir`` and reused while they match the
schema; the write entry builds a fresh one each run, since that is what it
measures. Results also go to ``<workdir>/bench-results.json``.

Adding a benchmark: append an :class:`Entry` to :data:`ENTRIES` (or to the
list another script's ``bench_entries()`` returns, see :data:`PLUGINS`). Not
part of CI or the tests: timings are noisy; docs/benchmarks.md keeps the
numbers.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

SIZES = (10_000, 100_000, 1_000_000)
# Stores of a million calls take minutes to build: kept here between runs.
WORKDIR = Path(tempfile.gettempdir()) / "perf"
QUICK_SIZES = (10_000, 100_000)


@dataclass(frozen=True, slots=True)
class Result:
    """One goal measured at one size."""

    goal: str
    size: int | None
    measured: str
    baseline: str = ""
    verdict: str = ""  # "met", "MISSED", "hook", "n/a"
    note: str = ""
    load: str = ""


@dataclass
class Context:
    """What every entry gets: the sizes asked for, where stores live, and the stores."""

    workdir: Path
    sizes: tuple[int, ...]
    quick: bool
    stores: dict[int, Path] = field(default_factory=dict)
    written: dict[int, float] = field(default_factory=dict)
    """rows/s of the writes that built each store in this run."""

    def store(self, size: int) -> Path:
        """The store of ``size`` calls (built on first use unless a matching one exists)."""
        if size not in self.stores:
            import bench_data

            path, written = bench_data.stored_calls(self.workdir, size)
            self.stores[size] = path
            if written is not None:
                self.written[size] = written.rows_per_second
        return self.stores[size]

    def repeat(self, full: int, quick: int) -> int:
        return quick if self.quick else full


@dataclass(frozen=True, slots=True)
class Entry:
    """One benchmark: ``run(context)`` returns its results (for the sizes it uses)."""

    key: str
    goal: str
    run: Callable[[Context], list[Result]]


def load_average() -> str:
    try:
        return f"load {os.getloadavg()[0]:.1f}"
    except OSError:
        return ""


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _entries() -> list[Entry]:
    import bench_goals_gui
    import bench_goals_store
    import bench_goals_sync

    return [*bench_goals_store.entries(), *bench_goals_sync.entries(),
            *bench_goals_gui.entries(), *_plugins()]


# Other benchmark scripts that plug in: a module under scripts/ with a
# ``bench_entries() -> list[Entry]`` function. Those named here are loaded when the
# file exists; bench_goals_sync and bench_goals_gui call the sync and dial-pad
# measurements of other scripts themselves where those define them (marked
# "hook" in the output when they are missing).
PLUGINS: tuple[str, ...] = ()


def _plugins() -> list[Entry]:
    found: list[Entry] = []
    for name in PLUGINS:
        module = load_script(name)
        if module is not None and hasattr(module, "bench_entries"):
            found += module.bench_entries()
    return found


def load_script(name: str) -> ModuleType | None:
    """``scripts/<name>.py`` as a module, or None when there is no such file."""
    path = ROOT / "scripts" / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k calls, fewer repeats")
    parser.add_argument("--sizes", help="comma-separated call counts (default 10k,100k,1M)")
    parser.add_argument("--only", help="comma-separated entry keys: " + ", ".join(
        entry.key for entry in _entries()))
    parser.add_argument("--workdir", type=Path, default=WORKDIR,
                        help=f"where stores are kept between runs (default {WORKDIR})")
    parser.add_argument("--fresh", action="store_true", help="rebuild the stores")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else (
        QUICK_SIZES if args.quick else SIZES)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        for old in args.workdir.glob("bench-*.sqlite3*"):
            old.unlink()
    _compile()
    logging.getLogger("pbxdesk").setLevel(logging.ERROR)  # a sync's notes are not results
    context = Context(args.workdir, sizes, args.quick)
    wanted = set(args.only.split(",")) if args.only else None
    started = time.perf_counter()
    results: list[Result] = []
    print(f"pbxdesk benchmarks: sizes {', '.join(f'{s:,}' for s in sizes)}; {load_average()}")
    for entry in _entries():
        if wanted is not None and entry.key not in wanted:
            continue
        print(f"\n## {entry.key}: {entry.goal}", flush=True)
        try:
            found = entry.run(context)
        except Exception:  # one broken entry must not lose the others' numbers
            traceback.print_exc()
            found = [Result(entry.goal, None, "failed (see above)", verdict="n/a")]
        for result in found:
            print(_line(result), flush=True)
        results += found
    spent = time.perf_counter() - started
    print(f"\n## Summary ({spent / 60:.1f} min, {load_average()})")
    print("| goal | calls | measured | baseline | verdict |")
    print("|---|---:|---|---|---|")
    for result in results:
        size = f"{result.size:,}" if result.size else ""
        print(f"| {result.goal} | {size} | {result.measured} | {result.baseline} | "
              f"{result.verdict} |")
    out = args.workdir / "bench-results.json"
    out.write_text(json.dumps({"seconds": spent, "sizes": sizes,
                               "results": [asdict(r) for r in results]}, indent=1))
    print(f"(also in {out})")
    return 0


def _line(result: Result) -> str:
    size = f"{result.size:>9,}" if result.size else " " * 9
    parts = [f"  {size}  {result.measured}"]
    if result.baseline:
        parts.append(f"baseline {result.baseline}")
    if result.verdict:
        parts.append(result.verdict)
    if result.note:
        parts.append(result.note)
    if result.load:
        parts.append(result.load)
    return " | ".join(parts)


def _compile() -> None:
    """Byte-compile pbxdesk, as an installed copy is: start times include no compiling."""
    import compileall

    compileall.compile_dir(str(ROOT / "pbxdesk"), quiet=1)


if __name__ == "__main__":
    sys.exit(main())
