"""packaging/linux/install.sh and uninstall.sh against a fake home and a fake bundle.

The bundle is a folder shaped like the unpacked archive: a tiny ``pbxdesk``
script, the real ``_internal/resources`` files and the two scripts. Everything
runs with ``sh`` (dash on Debian, a strict POSIX shell) and HOME and every XDG
folder in tmp_path; xdg-mime and desktop-file-validate are the real tools.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from tests.packaging.helpers import (
    APP_ID,
    PACKAGING,
    ROOT,
    SCHEMES,
    isolated_env,
    load,
    require_tool,
    run,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the Linux install scripts")
SCRIPTS = ("install.sh", "uninstall.sh")
BYPRODUCTS = {".local/share/applications/mimeinfo.cache", ".config/mimeapps.list"}
"""What install leaves that is not pbxdesk's own: the menu cache and the defaults list."""


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A fake unpacked archive: pbxdesk-x.y.z/ with a script for a program."""
    folder = tmp_path / "unpacked" / "pbxdesk-0.1.0"
    resources = folder / "_internal" / "resources"
    resources.mkdir(parents=True)
    program = folder / "pbxdesk"
    program.write_text('#!/bin/sh\necho "fake pbxdesk $*"\n')
    program.chmod(0o755)
    bundle_module = load("bundle.py")
    for source, dest in bundle_module.data_files("linux"):
        (folder / "_internal" / dest).mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / source, folder / "_internal" / dest)
    for source, name in bundle_module.top_level_files("linux"):
        shutil.copy2(ROOT / source, folder / name)
    return folder


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def sh(script: Path, home: Path, *args: str, path: str | None = None) -> tuple[int, str, str]:
    env = isolated_env(home)
    if path is not None:
        env["PATH"] = path
    result = run(["sh", str(script), *args], env=env, cwd=home)
    return result.returncode, result.stdout, result.stderr


def files_under(home: Path) -> set[str]:
    """Every file and symlink below ``home`` (directories left out), relative."""
    return {str(p.relative_to(home)) for p in home.rglob("*") if p.is_file() or p.is_symlink()}


def desktop_entry(home: Path) -> Path:
    return home / ".local/share/applications" / f"{APP_ID}.desktop"


def default_handler(home: Path, scheme: str) -> str:
    require_tool("xdg-mime", "xdg-utils")
    result = run(["xdg-mime", "query", "default", f"x-scheme-handler/{scheme}"],
                 env=isolated_env(home))
    return result.stdout.strip()


def test_install_puts_every_file_in_place(bundle: Path, home: Path) -> None:
    code, out, err = sh(bundle / "install.sh", home)
    assert (code, err) == (0, ""), out + err
    lib = home / ".local/lib/pbxdesk"
    launcher = home / ".local/bin/pbxdesk"
    assert (lib / "pbxdesk").is_file()
    assert (lib / "_internal/resources/linux" / f"{APP_ID}.desktop").is_file()
    assert (lib / "uninstall.sh").is_file()
    assert launcher.is_symlink()
    assert os.readlink(launcher) == str(lib / "pbxdesk")
    assert run([str(launcher), "tel:+61412345678"]).stdout == "fake pbxdesk tel:+61412345678\n"
    data = home / ".local/share"
    for size in load("bundle.py").ICON_SIZES:
        icon = data / f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png"
        assert icon.read_bytes() == (ROOT / f"resources/icons/hicolor/{size}x{size}/apps/"
                                            f"{APP_ID}.png").read_bytes()
    assert (data / f"icons/hicolor/scalable/apps/{APP_ID}.svg").is_file()
    assert (data / f"metainfo/{APP_ID}.metainfo.xml").is_file()
    assert (data / "applications/mimeinfo.cache").is_file()  # update-desktop-database ran


def test_installed_desktop_entry_points_at_the_launcher_and_validates(bundle: Path,
                                                                      home: Path) -> None:
    validate = require_tool("desktop-file-validate", "desktop-file-utils")
    assert sh(bundle / "install.sh", home)[0] == 0
    entry = desktop_entry(home)
    lines = entry.read_text().splitlines()
    launcher = home / ".local/bin/pbxdesk"
    assert f"Exec={launcher} %u" in lines
    assert f"Exec={launcher} --dial-clipboard" in lines
    assert f"TryExec={launcher}" in lines
    assert "MimeType=x-scheme-handler/tel;x-scheme-handler/callto;" in lines
    result = run([validate, str(entry)])
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_install_makes_pbxdesk_the_handler_of_tel_and_callto(bundle: Path, home: Path) -> None:
    assert default_handler(home, "tel") == ""
    assert sh(bundle / "install.sh", home)[0] == 0
    for scheme in SCHEMES:
        assert default_handler(home, scheme) == f"{APP_ID}.desktop"


def test_install_twice_changes_nothing(bundle: Path, home: Path) -> None:
    assert sh(bundle / "install.sh", home)[0] == 0
    first = {name: (home / name).read_bytes() for name in files_under(home)
             if not (home / name).is_symlink()}
    code, out, err = sh(bundle / "install.sh", home)
    assert (code, err) == (0, ""), out + err
    second = {name: (home / name).read_bytes() for name in files_under(home)
              if not (home / name).is_symlink()}
    assert second.keys() == first.keys()
    changed = {name for name in first if first[name] != second[name]}
    assert changed <= {".local/share/applications/mimeinfo.cache"}
    # Running the installed copy's install.sh updates in place as well.
    installed = home / ".local/lib/pbxdesk/install.sh"
    code, out, err = sh(installed, home)
    assert (code, err) == (0, ""), out + err
    assert "Already installed" in out
    assert files_under(home) == set(first) | {".local/bin/pbxdesk"}


def test_uninstall_removes_exactly_what_install_added(bundle: Path, home: Path) -> None:
    (home / "notes.txt").write_text("mine")
    before = files_under(home)
    assert sh(bundle / "install.sh", home)[0] == 0
    assert len(files_under(home) - before) > 15
    code, out, err = sh(home / ".local/lib/pbxdesk/uninstall.sh", home)
    assert (code, err) == (0, ""), out + err
    assert files_under(home) - before <= BYPRODUCTS
    assert not (home / ".local/lib/pbxdesk").exists()
    assert not (home / ".local/share/icons/hicolor/48x48").exists()  # emptied size folders go
    for scheme in SCHEMES:
        assert default_handler(home, scheme) == ""
    assert f"{APP_ID}.desktop" not in (home / ".config/mimeapps.list").read_text()
    # A second run (from the unpacked folder this time) finds nothing and says so.
    code, out, err = sh(bundle / "uninstall.sh", home)
    assert (code, err) == (0, "")
    assert "Nothing to remove" in out


def test_uninstall_keeps_associations_the_user_changed(bundle: Path, home: Path) -> None:
    assert sh(bundle / "install.sh", home)[0] == 0
    # The user picked another app for tel: (callto: still goes to pbxdesk) and added one.
    other = home / ".local/share/applications/other-dialer.desktop"
    other.write_text("[Desktop Entry]\nType=Application\nName=Other\nExec=sh %u\n"
                     "MimeType=x-scheme-handler/tel;\n")
    mimeapps = home / ".config/mimeapps.list"
    text = mimeapps.read_text().replace(f"x-scheme-handler/tel={APP_ID}.desktop",
                                        "x-scheme-handler/tel=other-dialer.desktop")
    mimeapps.write_text(text + "[Added Associations]\n"
                               f"x-scheme-handler/callto=other-dialer.desktop;{APP_ID}.desktop;\n")
    assert sh(home / ".local/lib/pbxdesk/uninstall.sh", home)[0] == 0
    lines = mimeapps.read_text().splitlines()
    assert "x-scheme-handler/tel=other-dialer.desktop" in lines
    assert not any(line.startswith("x-scheme-handler/callto=") and APP_ID in line
                   for line in lines)
    assert "x-scheme-handler/callto=other-dialer.desktop;" in lines
    assert default_handler(home, "tel") == "other-dialer.desktop"
    assert other.exists()


def test_prefix_option_and_uninstall_from_the_installed_copy(bundle: Path, home: Path,
                                                             tmp_path: Path) -> None:
    prefix = tmp_path / "opt"
    code, out, err = sh(bundle / "install.sh", home, "--prefix", str(prefix))
    assert (code, err) == (0, ""), out + err
    assert (prefix / "lib/pbxdesk/pbxdesk").is_file()
    assert os.readlink(prefix / "bin/pbxdesk") == str(prefix / "lib/pbxdesk/pbxdesk")
    assert not (home / ".local/lib").exists()
    # Menu entry and icons still go where desktops look: XDG_DATA_HOME.
    assert f"Exec={prefix}/bin/pbxdesk %u" in desktop_entry(home).read_text().splitlines()
    # The installed uninstall.sh finds its own prefix.
    code, out, err = sh(prefix / "lib/pbxdesk/uninstall.sh", home)
    assert (code, err) == (0, ""), out + err
    assert not (prefix / "lib/pbxdesk").exists()
    assert not (prefix / "bin/pbxdesk").exists()
    assert not desktop_entry(home).exists()


def test_a_home_with_spaces_gets_a_quoted_exec_line(bundle: Path, tmp_path: Path) -> None:
    validate = require_tool("desktop-file-validate", "desktop-file-utils")
    home = tmp_path / "my home $dir"
    home.mkdir()
    code, out, err = sh(bundle / "install.sh", home)
    assert (code, err) == (0, ""), out + err
    lines = desktop_entry(home).read_text().splitlines()
    # Inside quotes "$" is escaped as \$, and the backslash again as a string value.
    assert f'Exec="{home}/.local/bin/pbxdesk" %u'.replace("$", "\\\\$") in lines
    assert run([validate, str(desktop_entry(home))]).returncode == 0
    assert run([str(home / ".local/bin/pbxdesk"), "x"]).stdout == "fake pbxdesk x\n"


def test_missing_desktop_tools_are_tolerated_with_a_message(bundle: Path, home: Path,
                                                            tmp_path: Path) -> None:
    # A PATH with the basic tools only: no xdg-mime, no update-desktop-database.
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("sh", "cp", "mkdir", "ln", "sed", "rm", "mv", "cat", "dirname", "basename",
                 "touch", "head", "grep", "awk", "readlink", "rmdir"):
        found = shutil.which(name)
        assert found is not None, name
        (tools / name).symlink_to(found)
    code, out, err = sh(bundle / "install.sh", home, path=str(tools))
    assert (code, err) == (0, ""), out + err
    assert "update-desktop-database is not installed" in out
    assert "xdg-mime is not installed" in out
    assert desktop_entry(home).exists()
    code, out, err = sh(home / ".local/lib/pbxdesk/uninstall.sh", home, path=str(tools))
    assert (code, err) == (0, ""), out + err
    assert not desktop_entry(home).exists()


def test_install_leaves_a_foreign_pbxdesk_command_alone(bundle: Path, home: Path) -> None:
    launcher = home / ".local/bin/pbxdesk"
    launcher.parent.mkdir(parents=True)
    launcher.write_text("#!/bin/sh\necho someone else's\n")
    code, _out, err = sh(bundle / "install.sh", home)
    assert code == 1
    assert "is not a symlink" in err
    assert launcher.read_text() == "#!/bin/sh\necho someone else's\n"


def test_uninstall_leaves_a_folder_install_did_not_make(bundle: Path, home: Path) -> None:
    foreign = home / ".local/lib/pbxdesk"
    foreign.mkdir(parents=True)
    (foreign / "data").write_text("keep")
    code, _out, err = sh(bundle / "uninstall.sh", home)
    assert code == 0
    assert "left in place" in err
    assert (foreign / "data").read_text() == "keep"
    assert sh(bundle / "install.sh", home)[0] == 1  # and install will not overwrite it


@pytest.mark.parametrize("script", SCRIPTS)
def test_help(bundle: Path, home: Path, script: str) -> None:
    code, out, err = sh(bundle / script, home, "--help")
    assert (code, err) == (0, "")
    assert out.startswith("Usage: ")
    assert "--prefix" in out
    assert sh(bundle / script, home, "--bogus")[0] == 2
    assert files_under(home) == set()  # --help and bad options change nothing


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_are_executable_posix_sh(script: str) -> None:
    path = PACKAGING / "linux" / script
    assert path.stat().st_mode & stat.S_IXUSR
    text = path.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert "\nset -eu\n" in text


def test_scripts_pass_shellcheck() -> None:
    shellcheck = require_tool("shellcheck", "shellcheck")
    result = run([shellcheck, "--shell=sh", *(str(PACKAGING / "linux" / s) for s in SCRIPTS)])
    assert (result.returncode, result.stdout) == (0, "")
