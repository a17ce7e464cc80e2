"""``pbxdesk --self-test`` from source: one line, the right exit code, nothing left behind.

The runs are real subprocesses (Qt offscreen, the sandbox on loopback, a real
sync); the forced failures go through the same code paths a broken install
would: a wrong API key answered with a real 401, a genuine Qt warning.
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from pathlib import Path

import pytest
from PySide6.QtCore import qWarning

from pbxdesk.logs import register_secret
from pbxdesk.selftest.diagnostics import Diagnostics
from pbxdesk.selftest.report import FAIL_ENV, Findings, SelfTestError, step
from tests.packaging.helpers import ROOT, isolated_env, run

SUMMARY = re.compile(
    r"^pbxdesk \d+\.\d+\.\d+\S* self-test OK: qt offscreen \d+\.\d+\.\d+, "
    r"synced [\d,]+ calls in \d+\.\d s, dial \+61412345678, call placed, "
    r"keyring: .+ — \d+\.\d s$")


def self_test(tmp_path: Path, **env: str) -> tuple[int, str, str, Path]:
    """Run ``python -m pbxdesk --self-test`` with a fake home; (code, out, err, temp dir)."""
    home = tmp_path / "home"
    temp = tmp_path / "tmp"
    home.mkdir()
    temp.mkdir()
    environment = isolated_env(home, TMPDIR=str(temp), **env)
    # The self-test must choose offscreen by itself.
    environment.pop("QT_QPA_PLATFORM", None)
    result = run([sys.executable, "-m", "pbxdesk", "--self-test"], env=environment, cwd=ROOT)
    return result.returncode, result.stdout, result.stderr, temp


def pbxdesk_dirs(home: Path) -> list[Path]:
    return [path for path in home.rglob("*") if "pbxdesk" in path.name.lower()]


def test_self_test_passes_with_one_line_and_leaves_nothing_behind(tmp_path: Path) -> None:
    code, out, err, temp = self_test(tmp_path)
    assert (code, err) == (0, ""), out + err
    lines = out.splitlines()
    assert len(lines) == 1, out
    assert SUMMARY.match(lines[0]), lines[0]
    synced = int(re.search(r"synced ([\d,]+) calls", lines[0]).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert synced >= 2000  # 2,000 generated calls, some with several rows (queue + user)
    # The throw-away profile is gone and the real one was never created.
    assert list(temp.iterdir()) == []
    assert pbxdesk_dirs(tmp_path / "home") == []


def test_sync_failure_is_reported_as_one_line_with_the_step(tmp_path: Path) -> None:
    # A wrong API key: the sandbox answers 401 and the sync service reports it.
    code, out, err, temp = self_test(tmp_path, **{FAIL_ENV: "sync"})
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pbxdesk self-test FAILED at sync: ")
    assert "401" in lines[0]
    assert "selftest-wrong-api-key" not in lines[0]
    assert list(temp.iterdir()) == []  # the shutdown still ran


def test_failure_after_the_window_still_shuts_everything_down(tmp_path: Path) -> None:
    code, out, err, temp = self_test(tmp_path, **{FAIL_ENV: "window"})
    assert (code, out) == (1, "")
    assert err == f"pbxdesk self-test FAILED at window: forced by {FAIL_ENV}=window\n"
    assert list(temp.iterdir()) == []


def test_a_qt_warning_fails_the_self_test(tmp_path: Path) -> None:
    # Qt warns about this on start-up, as it would about a broken plugin or font set-up.
    code, out, err, _temp = self_test(tmp_path, QT_SCALE_FACTOR_ROUNDING_POLICY="bogus")
    assert (code, out) == (1, "")
    assert err.startswith("pbxdesk self-test FAILED at diagnostics: Qt warning: "
                          "Unknown scale factor rounding policy: bogus")
    assert len(err.splitlines()) == 1


# -- the pieces, in process ----------------------------------------------------------------


def test_step_names_the_failing_step_and_masks_secrets() -> None:
    register_secret("s3cret-api-key-for-selftest")
    with pytest.raises(SelfTestError, match="FAILED at call: ConnectionError") as caught, \
            step("call"):
        raise ConnectionError("refused for s3cret-api-key-for-selftest\nby the PBX")
    assert caught.value.step == "call"
    assert str(caught.value) == "pbxdesk self-test FAILED at call: ConnectionError: refused " \
                                "for *** by the PBX"


def test_step_forced_failure_happens_after_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAIL_ENV, "dial")
    done = []
    with pytest.raises(SelfTestError, match="FAILED at dial: forced"), step("dial"):
        done.append(True)
    assert done == [True]
    with step("call"):  # other steps are not affected
        done.append(True)
    with step("sync", forced_here=False):  # sync fails for real instead
        done.append(True)
    assert len(done) == 3


def test_diagnostics_collect_warnings_but_not_harmless_or_debug_messages() -> None:
    diagnostics = Diagnostics()
    with diagnostics.installed(), warnings.catch_warnings():
        warnings.simplefilter("always")  # pytest turns warnings into errors otherwise
        qWarning("This plugin does not support propagateSizeHints()")
        logging.getLogger("uvicorn.error").info("just information")
        diagnostics.check()  # nothing unexpected yet
        qWarning("QFont: cannot load the font")
        logging.getLogger("uvicorn.error").warning("port\nbusy")
        warnings.warn("old API", DeprecationWarning, stacklevel=1)
    assert diagnostics.problems[:2] == ["Qt warning: QFont: cannot load the font",
                                        "WARNING from uvicorn.error: port busy"]
    assert diagnostics.problems[2].startswith("DeprecationWarning: old API")
    with pytest.raises(SelfTestError, match=r"at diagnostics: Qt warning: QFont.*\(and 2 more\)"):
        diagnostics.check()
    # Uninstalled: later records are not collected.
    logging.getLogger("uvicorn.error").warning("after")
    assert len(diagnostics.problems) == 3


def test_summary_line_format() -> None:
    findings = Findings(platform="offscreen", qt_version="6.11.3", calls=2345, sync_seconds=0.84,
                        dialled="+61412345678", keyring="none (file/no-remember fallback)")
    assert findings.summary("0.1.0", 2.06) == (
        "pbxdesk 0.1.0 self-test OK: qt offscreen 6.11.3, synced 2,345 calls in 0.8 s, "
        "dial +61412345678, call placed, keyring: none (file/no-remember fallback) — 2.1 s")
