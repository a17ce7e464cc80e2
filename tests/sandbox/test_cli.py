"""``pbxdesk-sandbox`` as a user runs it: --help, start, serve, Ctrl+C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

OPTIONS = ["--host", "--port", "--seed", "--calls", "--days", "--country", "--timezone",
           "--users", "--queues", "--ring-groups", "--quirks-share", "--now", "--api-key",
           "--allow", "--rate-limit", "--rate-window", "--no-rate-limit", "--user-filter-param",
           "--no-oldest-first", "--ignore-oldest-first", "--ignore-user-selector",
           "--date-timezone", "--to-date-exclusive", "--strict-paging",
           "--message-object-share", "--clock-speed",
           "--live", "--live-calls-per-minute", "--webhook-url", "--webhook-secret",
           "--control-token", "--no-control", "--log-level"]


def _run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pbxdesk.sandbox", *args], capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_help_documents_every_option() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for option in OPTIONS:
        assert option in result.stdout, option
    assert "pbxdesk-sandbox" in result.stdout


def test_bad_option_values_exit_2_with_a_message() -> None:
    result = _run("--country", "XX", "--port", "0")
    assert result.returncode == 2
    assert "country" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_start_serve_and_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pbxdesk.sandbox", "--port", "0", "--calls", "200",
         "--api-key", "cli-test-key", "--control-token", "cli-control", "--log-level",
         "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while not any("Control token" in line for line in lines):
            assert time.monotonic() < deadline, lines
            line = process.stdout.readline()
            assert line, f"sandbox exited early: {process.stderr.read() if process.stderr else ''}"
            lines.append(line)
        text = "".join(lines)
        base = re.search(r"running at (http://127\.0\.0\.1:\d+)", text)
        assert base, text
        assert "cli-test-key" in text
        assert "cli-control" in text
        response = httpx.get(f"{base.group(1)}/api/integration/v2/get-user-calls",
                             headers={"token": "cli-test-key"}, params={"limit": 5})
        assert response.status_code == 200
        assert len(response.json()["data"]) == 5
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
        assert process.returncode == 0, err
        assert "Stopped." in out
        assert "Traceback" not in err
        assert "cli-test-key" not in err  # the log never shows the key
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
