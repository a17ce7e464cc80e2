"""End to end: ``pbxdesk --demo --screenshot`` in a subprocess, as the README runs it."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage


def test_demo_screenshot_shows_the_synced_window(tmp_path: Path) -> None:
    picture = tmp_path / "demo.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "pbxdesk", "--demo", "--basedir", str(tmp_path / "profile"),
         "--screenshot", str(picture)],
        capture_output=True, text=True, env=env, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"Screenshot saved to {picture}" in result.stdout
    image = QImage(str(picture))
    assert not image.isNull()
    assert image.width() >= 800
    assert image.height() >= 500
    # A real window has many colours; a blank grab has one or two.
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 20
    log = (tmp_path / "profile" / "logs" / "pbxdesk.log").read_text()
    assert "Sync finished" in log
    assert "Screenshot saved" in log


def test_view_picks_the_tab_for_the_screenshot(tmp_path: Path) -> None:
    picture = tmp_path / "callbacks.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "pbxdesk", "--demo", "--basedir", str(tmp_path / "profile"),
         "--view", "callbacks", "--screenshot", str(picture)],
        capture_output=True, text=True, env=env, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not QImage(str(picture)).isNull()
    log = (tmp_path / "profile" / "logs" / "pbxdesk.log").read_text()
    assert "Screenshot of the callbacks view" in log
    assert "No callbacks view to show" not in log
    # A view that does not exist is a usage error.
    refused = subprocess.run([sys.executable, "-m", "pbxdesk", "--demo", "--view", "nope",
                              "--screenshot", str(picture)],
                             capture_output=True, text=True, env=env, timeout=60, check=False)
    assert refused.returncode == 2
    assert "--view" in refused.stderr


def test_a_screenshot_still_works_with_random_bytes_in_the_settings_file(
        tmp_path: Path) -> None:
    junk = random.Random(8).randbytes(4096)  # fixed: the same junk on every run
    config = tmp_path / "profile" / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_bytes(junk)
    picture = tmp_path / "demo.png"

    result = subprocess.run(
        [sys.executable, "-m", "pbxdesk", "--demo", "--basedir", str(tmp_path / "profile"),
         "--screenshot", str(picture)], capture_output=True, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=240, check=False)

    assert (result.returncode, result.stderr) == (0, "")
    assert not QImage(str(picture)).isNull()
    [kept] = config.glob("settings.json.corrupt-*")
    assert kept.read_bytes() == junk
    log = (tmp_path / "profile" / "logs" / "pbxdesk.log").read_text()
    assert "the settings file is not UTF-8 text" in log
