"""Running ``pbxdesk`` and the stand-in first instance as subprocesses."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Generous: a loaded CI box may start Python + Qt slowly. Tests never assert speed.
WAIT_S = 30.0


def child_env(tmp_path: Path) -> dict[str, str]:
    """The test process's environment, offscreen, with a private runtime dir (locks)."""
    env = dict(os.environ)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime),
               PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    return env


def run_pbxdesk(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m pbxdesk ARGS`` to completion (killed after WAIT_S: a hang is a failure)."""
    return subprocess.run([sys.executable, "-m", "pbxdesk", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=WAIT_S, check=False)


def run_pbxdesk_together(
        runs: list[list[str]], env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Several ``python -m pbxdesk`` at once (they start in parallel); results in order."""
    processes = [subprocess.Popen([sys.executable, "-m", "pbxdesk", *args], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for args in runs]
    results = []
    for args, process in zip(runs, processes, strict=True):
        try:
            out, err = process.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


class Host:
    """``tests.external.instance_host`` in the background; its stdout read line by line."""

    def __init__(self, basedir: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.external.instance_host", str(basedir)], cwd=ROOT,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def next_line(self, timeout: float = WAIT_S) -> str:
        """The next line printed; fails the test if none comes in ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        try:
            line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"instance_host printed nothing in {timeout} s") from None
        if line is None:
            raise AssertionError(f"instance_host ended: {self.stderr()}")
        return line

    def expect(self, word: str) -> str:
        """The rest of the next line, which must start with ``word``."""
        line = self.next_line()
        head, _, rest = line.partition(" ")
        assert head == word, f"expected {word!r}, got {line!r}"
        return rest

    def stderr(self) -> str:
        self.process.wait(timeout=WAIT_S)
        return self.process.stderr.read() if self.process.stderr else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up at all (the socket file stays behind)."""
        self.process.kill()
        self.process.wait(timeout=WAIT_S)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=WAIT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=WAIT_S)
        self._pump_thread.join(timeout=WAIT_S)  # reads to EOF, then the pipe can close
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
