"""Registering as the tel: handler on Linux, against a throw-away home and real xdg-utils."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pbxdesk.desktop.launcher import Launcher, current_launcher, parse_exec
from pbxdesk.desktop.linux import INSTALL_MARK, LinuxRegistrar
from pbxdesk.desktop.registration import DESKTOP_ID, Status
from tests.resources.helpers import require_tool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop")

OTHER_APP = """\
[Desktop Entry]
Type=Application
Name=Example Softphone
Exec=softphone %u
MimeType=x-scheme-handler/tel;
"""


def xdg_mime_default(scheme: str, xdg_env: dict[str, str]) -> str:
    tool = require_tool("xdg-mime", "xdg-utils")
    done = subprocess.run([tool, "query", "default", f"x-scheme-handler/{scheme}"], env=xdg_env,
                          capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.strip()


def test_register_makes_pbxdesk_the_handler_with_a_valid_entry(xdg_env: dict[str, str]) -> None:
    registrar = LinuxRegistrar(current_launcher(), env=xdg_env)
    assert registrar.check_registration().status is Status.NONE

    verdict = registrar.register()

    assert verdict.status is Status.OURS, verdict.message
    assert registrar.desktop_path == Path(xdg_env["XDG_DATA_HOME"], "applications", DESKTOP_ID)
    assert xdg_mime_default("tel", xdg_env) == DESKTOP_ID
    assert xdg_mime_default("callto", xdg_env) == DESKTOP_ID
    validate = require_tool("desktop-file-validate", "desktop-file-utils")
    checked = subprocess.run([validate, str(registrar.desktop_path)], capture_output=True,
                             text=True, timeout=30, check=False)
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")
    assert Path(xdg_env["XDG_DATA_HOME"], "applications", "mimeinfo.cache").exists()


def test_the_written_exec_line_starts_this_pbxdesk(xdg_env: dict[str, str]) -> None:
    registrar = LinuxRegistrar(current_launcher(["--basedir", "/tmp/a profile"]), env=xdg_env)
    registrar.register()
    text = registrar.desktop_path.read_text(encoding="utf-8")
    exec_lines = [line.removeprefix("Exec=") for line in text.splitlines()
                  if line.startswith("Exec=")]

    link, clipboard = (parse_exec(line) for line in exec_lines)

    assert exec_lines[0].endswith(" %u")
    assert link[-2:] == ["--basedir", "/tmp/a profile"]
    assert clipboard[-1] == "--dial-clipboard"
    started = subprocess.run([*link, "--version"], capture_output=True, text=True,
                             timeout=60, check=False)
    assert started.stdout.strip().startswith("pbxdesk ")
    assert registrar.test_link().status is Status.OURS


def test_another_app_is_named_and_registering_takes_over(xdg_env: dict[str, str]) -> None:
    other = Path(xdg_env["XDG_DATA_HOME"], "applications", "org.example.Softphone.desktop")
    other.parent.mkdir(parents=True)
    other.write_text(OTHER_APP, encoding="utf-8")
    subprocess.run([require_tool("xdg-mime", "xdg-utils"), "default",
                    "org.example.Softphone.desktop", "x-scheme-handler/tel"], env=xdg_env,
                   check=True, timeout=30)
    registrar = LinuxRegistrar(current_launcher(), env=xdg_env)

    before = registrar.check_registration()
    after = registrar.register()

    assert (before.status, before.handler) == (Status.OTHER, "Example Softphone")
    assert "Example Softphone" in before.message
    assert after.status is Status.OURS


def test_a_moved_program_is_reported_by_test_link(xdg_env: dict[str, str],
                                                  tmp_path: Path) -> None:
    program = tmp_path / "opt" / "pbxdesk"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    program.chmod(0o755)
    registrar = LinuxRegistrar(Launcher((str(program),)), env=xdg_env)
    registrar.register()
    assert registrar.test_link().status is Status.OURS

    program.unlink()
    broken = registrar.test_link()

    assert broken.status is Status.BROKEN
    assert str(program) in broken.message
    # Still the chosen handler: only the link test notices the program is gone.
    assert registrar.check_registration().status is Status.OURS


def test_without_xdg_utils_the_entry_is_written_and_the_verdict_says_what_to_do(
        xdg_env: dict[str, str], tmp_path: Path) -> None:
    bare = tmp_path / "bare-bin"
    bare.mkdir()
    xdg_env["PATH"] = str(bare)
    registrar = LinuxRegistrar(current_launcher(), env=xdg_env)

    registered = registrar.register()

    assert registered.status is Status.TOOLS_MISSING
    assert "xdg-utils" in registered.message
    assert registrar.desktop_path.exists()
    assert registrar.check_registration().status is Status.TOOLS_MISSING


def test_install_sh_s_marker_is_kept_so_uninstall_still_removes_the_file(
        xdg_env: dict[str, str]) -> None:
    registrar = LinuxRegistrar(current_launcher(), env=xdg_env)
    registrar.desktop_path.parent.mkdir(parents=True)
    registrar.desktop_path.write_text(f"{INSTALL_MARK} from /opt/x\n[Desktop Entry]\n",
                                      encoding="utf-8")

    registrar.register()

    lines = registrar.desktop_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"{INSTALL_MARK} from /opt/x"
    assert f"Exec={current_launcher().desktop_exec('%u')}" in lines


def test_a_missing_template_is_a_clear_failure(xdg_env: dict[str, str], tmp_path: Path) -> None:
    registrar = LinuxRegistrar(current_launcher(), env=xdg_env,
                               template=tmp_path / "gone.desktop")

    verdict = registrar.register()

    assert verdict.status is Status.FAILED
    assert "Reinstall" in verdict.message
    assert not registrar.desktop_path.exists()


@pytest.mark.parametrize("argv", [
    ("/usr/bin/python3", "-m", "pbxdesk"),
    ("/home/Zoë Smith/apps/pbx desk/pbxdesk",),
    ('/odd/"quoted"/$HOME/`x`/back\\slash/100%/pbxdesk', "--basedir", "a;b&c|d"),
    ("xdg_env", "PYTHONPATH=/src/pbx desk", "/usr/bin/python3", "-m", "pbxdesk"),
])
def test_exec_quoting_round_trips_and_validates(argv: tuple[str, ...], xdg_env: dict[str, str],
                                                tmp_path: Path) -> None:
    launcher = Launcher(argv)
    assert parse_exec(launcher.desktop_exec("%u")) == list(argv)
    xdg_env["PATH"] = str(tmp_path)  # no tools: only the file is written
    registrar = LinuxRegistrar(launcher, env=xdg_env)
    registrar.register()
    checked = subprocess.run([require_tool("desktop-file-validate", "desktop-file-utils"),
                              str(registrar.desktop_path)], capture_output=True, text=True,
                             timeout=30, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr



def test_a_checkout_that_is_not_installed_is_started_with_its_path(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("pbxdesk.desktop.launcher._installed", lambda: False)

    argv = list(current_launcher().argv)

    root = Path(__file__).resolve().parents[2]
    assert argv[:2] == ["env", f"PYTHONPATH={root}"]
    # Started from elsewhere, as the desktop would: it still finds the package.
    started = subprocess.run([*argv, "--version"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=60, check=False)
    assert started.stdout.strip().startswith("pbxdesk ")
