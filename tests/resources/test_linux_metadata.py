"""The freedesktop desktop entry and the AppStream metainfo in ``resources/linux/``."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import pbxdesk
from tests.resources.helpers import (
    APP_ID,
    DESKTOP_FILE,
    ICONS,
    METAINFO_FILE,
    ROOT,
    require_tool,
)

SCHEMES = {"x-scheme-handler/tel", "x-scheme-handler/callto"}

# appstreamcli issues that are known and accepted; anything else fails the test.
# - cid-contains-uppercase-letter (pedantic): the ID is the app's APP_ID, which
#   follows the common reverse-DNS CamelCase style Flathub accepts.
# - unknown-tag developer (info, AppStream < 1.0) and developer-name-tag-deprecated
#   (info, AppStream >= 1.0): we ship both forms so old and new software centres
#   show a developer name.
ACCEPTED_ISSUES = {
    "cid-contains-uppercase-letter",
    "unknown-tag developer",
    "developer-name-tag-deprecated",
}
ISSUE_LINE = re.compile(r"^\s*([EWIP]): [^:]+:[^:]+: (\S+)(?: (\S+))?")


def desktop_entry() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(DESKTOP_FILE.read_text(encoding="utf-8"))
    return parser


def semicolon_list(value: str) -> list[str]:
    return [item for item in value.split(";") if item]


def appstream_issues(output: str) -> list[tuple[str, str]]:
    """(severity letter, "tag [first argument]") for each issue appstreamcli printed."""
    issues = []
    for line in output.splitlines():
        match = ISSUE_LINE.match(line)
        if match:
            severity, tag, argument = match.groups()
            issues.append((severity, tag if tag != "unknown-tag" else f"{tag} {argument}"))
    return issues


def assert_only_accepted_issues(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    issues = appstream_issues(output)
    assert not [issue for issue in issues if issue[0] in "EW"], output
    assert {tag for _severity, tag in issues} <= ACCEPTED_ISSUES, output


def test_missing_checker_fails_rather_than_skips_on_linux(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    expected = pytest.fail.Exception if sys.platform.startswith("linux") else pytest.skip.Exception
    with pytest.raises(expected, match="desktop-file-utils"):
        require_tool("desktop-file-validate", "desktop-file-utils")


def test_desktop_file_validates_without_any_remark() -> None:
    tool = require_tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([tool, str(DESKTOP_FILE)], capture_output=True, text=True,
                            check=False, timeout=60)
    # No errors, no warnings and no hints either.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_metainfo_validates() -> None:
    tool = require_tool("appstreamcli", "appstream")
    result = subprocess.run([tool, "validate", "--no-net", "--pedantic", str(METAINFO_FILE)],
                            capture_output=True, text=True, check=False, timeout=60)
    assert_only_accepted_issues(result)


def test_installed_tree_validates(tmp_path: Path) -> None:
    """Laid out as a package installs them, the files find each other."""
    tool = require_tool("appstreamcli", "appstream")
    share = tmp_path / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    (share / "metainfo").mkdir()
    shutil.copy(DESKTOP_FILE, share / "applications")
    shutil.copy(METAINFO_FILE, share / "metainfo")
    shutil.copytree(ICONS / "hicolor", share / "icons" / "hicolor")
    result = subprocess.run([tool, "validate-tree", "--no-net", "--pedantic", str(tmp_path)],
                            capture_output=True, text=True, check=False, timeout=60)
    assert_only_accepted_issues(result)

    # The same check notices a desktop file that does not match the launchable.
    (share / "applications" / DESKTOP_FILE.name).rename(share / "applications" / "other.desktop")
    broken = subprocess.run([tool, "validate-tree", "--no-net", str(tmp_path)],
                            capture_output=True, text=True, check=False, timeout=60)
    assert ("W", "desktop-file-not-found") in appstream_issues(broken.stdout + broken.stderr)


def test_desktop_file_opens_tel_and_callto_links() -> None:
    entry = desktop_entry()["Desktop Entry"]
    exec_args = shlex.split(entry["Exec"])
    assert exec_args[0] == "pbxdesk"
    # %u: one URL per launch, handed to the running instance (single-instance app).
    assert exec_args.count("%u") == 1
    assert set(semicolon_list(entry["MimeType"])) == SCHEMES
    assert entry["Terminal"] == "false"


def test_desktop_file_names_the_app_icon_and_window_class() -> None:
    entry = desktop_entry()["Desktop Entry"]
    assert DESKTOP_FILE.name == f"{pbxdesk.APP_ID}.desktop"
    assert entry["Icon"] == pbxdesk.APP_ID
    assert (ICONS / "hicolor" / "48x48" / "apps" / f"{entry['Icon']}.png").is_file()
    assert entry["Name"] == pbxdesk.APP_NAME
    # Qt sets the X11 WM_CLASS class to QCoreApplication.applicationName().
    assert entry["StartupWMClass"] == pbxdesk.APP_NAME
    assert {"Network", "Telephony"} <= set(semicolon_list(entry["Categories"]))
    assert "phone" in semicolon_list(entry["Keywords"])


def test_desktop_action_dials_the_clipboard() -> None:
    entry = desktop_entry()
    actions = semicolon_list(entry["Desktop Entry"]["Actions"])
    assert actions == ["dial-clipboard"]
    action = entry["Desktop Action dial-clipboard"]
    assert shlex.split(action["Exec"]) == ["pbxdesk", "--dial-clipboard"]
    assert action["Name"]


def test_metainfo_agrees_with_the_desktop_file_and_the_package() -> None:
    root = ET.parse(METAINFO_FILE).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID == pbxdesk.APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP_FILE.name
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "MIT"

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    binaries = [b.text for b in root.iterfind("provides/binary")]
    assert binaries == ["pbxdesk"]
    assert "pbxdesk" in scripts
    mediatypes = {m.text for m in root.iterfind("provides/mediatype")}
    assert mediatypes == set(semicolon_list(desktop_entry()["Desktop Entry"]["MimeType"]))

    description = root.find("description")
    assert description is not None
    assert len("".join(description.itertext()).split()) > 40  # a real description


def test_metainfo_lists_the_current_release() -> None:
    root = ET.parse(METAINFO_FILE).getroot()
    releases = root.findall("releases/release")
    assert releases, "no <release> entries"
    # Newest first, as AppStream expects; a version bump needs a new entry here.
    assert releases[0].get("version") == pbxdesk.__version__
    release_010 = [r for r in releases if r.get("version") == "0.1.0"]
    assert [r.get("date") for r in release_010] == ["2026-11-26"]


def test_metainfo_points_at_the_demo_screenshot() -> None:
    root = ET.parse(METAINFO_FILE).getroot()
    images = [image.text or "" for image in root.iterfind("screenshots/screenshot/image")]
    assert len(images) == 1
    assert images[0].startswith("https://")
    assert images[0].endswith("/resources/screenshots/main-window.png")
    # The comment beside it says where the picture comes from.
    assert "resources/screenshots/main-window.png" in re.sub(
        r"https://\S+", "", METAINFO_FILE.read_text())
