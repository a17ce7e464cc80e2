"""Benchmark for launches from outside; results go to docs/benchmarks.md ("Outside the window").

Run: ``.venv/bin/python -m tests.external.bench_handover [--runs N]``. Not collected
by pytest: timings are written down, never asserted. Measures, as a user would
see them (wall clock, whole process): ``pbxdesk --version``, a refused number,
a second launch handing a link to a running instance, a plain relaunch, and
the in-process cost of the hand-over itself.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pbxdesk.external import ExternalRequest
from pbxdesk.instance import Delivery, instance_name, send_request
from tests.external.helpers import ROOT, Host, child_env


def timed_runs(runs: int, step: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(label: str, times: list[float]) -> None:
    print(f"{label:<46} median {statistics.median(times):7.1f} ms   "
          f"min {min(times):7.1f}   max {max(times):7.1f}   (n={len(times)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="pbxdesk-bench-") as temp:
        tmp = Path(temp)
        env = child_env(tmp)
        os.environ["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]  # where the host listens
        basedir = tmp / "profile"
        basedir.mkdir()

        def pbxdesk(*args: str, expect: int = 0) -> None:
            done = subprocess.run([sys.executable, "-m", "pbxdesk", *args, "--basedir",
                                   str(basedir)], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=60, check=False)
            if done.returncode != expect:
                raise SystemExit(f"pbxdesk {args} exited {done.returncode}: {done.stderr}")

        report("pbxdesk --version", timed_runs(runs, lambda: pbxdesk("--version")))
        report("pbxdesk call hello (refused, exit 2)",
               timed_runs(runs, lambda: pbxdesk("call", "hello", expect=2)))
        host = Host(basedir, env)
        try:
            host.expect("listening")
            report("pbxdesk tel:+61-2-9876-5432 (sent to running)",
                   timed_runs(runs, lambda: pbxdesk("tel:+61-2-9876-5432")))
            report("pbxdesk (plain relaunch: show the window)",
                   timed_runs(runs, lambda: pbxdesk()))
            name = instance_name(basedir)
            request = ExternalRequest("dial", "tel:+61-2-9876-5432", source="uri")

            def send() -> None:
                if send_request(name, request) is not Delivery.SENT:
                    raise SystemExit("send_request failed")

            report("send_request() round trip, in process", timed_runs(runs * 10, send))
        finally:
            host.stop()
        missing = instance_name(tmp / "nobody")
        report("send_request() with nothing running", timed_runs(
            runs * 10, lambda: send_request(missing, ExternalRequest("show"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
