"""Habits the suite keeps (issue 15), checked on its own source.

- ``pytest.raises`` always says what it expects (``match=``): a test that only
  checks the exception type passes for the wrong reason as easily as the right one.
- No assertion on how long something took (``elapsed < 20``, ``time.monotonic() -
  began < 0.25``): speed goes to the benchmarks; tests use fake clocks or events.
  A deadline that only stops a hang (``time.monotonic() < deadline``) is fine.
- What a test needs from the system (openssl, tzdata, …) is installed by
  ``scripts/dev.py``; missing on Linux, the test fails (``require_tool``,
  ``require_file``) instead of skipping into green.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.resources.helpers import require_file

TESTS = Path(__file__).resolve().parent
CLOCKS = {"monotonic", "perf_counter", "time", "monotonic_ns", "perf_counter_ns"}


def suite_files() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def _is_pytest_raises(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "raises" and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "pytest")


def _is_clock_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in CLOCKS and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "time")


def _measures_a_duration(test: ast.AST) -> bool:
    for node in ast.walk(test):
        if isinstance(node, ast.Name) and "elapsed" in node.id.lower():
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and (
                _is_clock_call(node.left) or _is_clock_call(node.right)):
            return True
    return False


def test_every_pytest_raises_has_a_match() -> None:
    missing = [f"{path.relative_to(TESTS)}:{node.lineno}"
               for path in suite_files() for node in ast.walk(ast.parse(path.read_text()))
               if _is_pytest_raises(node) and isinstance(node, ast.Call)
               and not any(keyword.arg == "match" for keyword in node.keywords)]
    assert missing == []


def test_no_assertion_on_elapsed_time() -> None:
    timed = [f"{path.relative_to(TESTS)}:{node.lineno}"
             for path in suite_files() for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Assert) and _measures_a_duration(node.test)]
    assert timed == []


def test_the_checks_would_see_a_violation() -> None:
    sample = ast.parse("with pytest.raises(ValueError):\n    f()\n"
                       "assert time.monotonic() - began < 0.25\nassert elapsed < 20\n")
    assert sum(_is_pytest_raises(node) for node in ast.walk(sample)) == 1
    assert sum(isinstance(node, ast.Assert) and _measures_a_duration(node.test)
               for node in ast.walk(sample)) == 2


def test_a_missing_system_file_fails_on_linux_rather_than_skipping(tmp_path: Path) -> None:
    expected = pytest.fail.Exception if sys.platform.startswith("linux") else pytest.skip.Exception
    with pytest.raises(expected, match=r"missing \(Debian package tzdata\)"):
        require_file(tmp_path / "zone.tab", "tzdata")
