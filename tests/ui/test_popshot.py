"""``pbxdesk --demo --screenshot-pop FILE.png``: the first pop as a PNG, or a reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from pbxdesk.ui.popshot import PopScreenshotTaker
from pbxdesk.ui.screenpop import PopStack


@pytest.mark.slow
def test_the_demo_saves_its_first_screen_pop(tmp_path: Path) -> None:
    picture = tmp_path / "pop.png"
    result = subprocess.run(
        [sys.executable, "-m", "pbxdesk", "--demo", "--basedir", str(tmp_path / "profile"),
         "--screenshot-pop", str(picture)], capture_output=True, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"Screen pop saved to {picture}" in result.stdout
    image = QImage(str(picture))
    assert not image.isNull()
    assert image.width() == 360  # the card itself, not the screen
    assert 80 <= image.height() <= 300
    colours = {image.pixel(x, y) for x in range(0, image.width(), 3)
               for y in range(0, image.height(), 3)}
    assert len(colours) > 10  # text was drawn
    log = (tmp_path / "profile" / "logs" / "pbxdesk.log").read_text()
    assert "Screen pop saved" in log


def test_no_pop_in_time_exits_non_zero_with_the_reason(
        qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taker = PopScreenshotTaker(PopStack(), tmp_path / "pop.png", timeout_ms=200)
    with qtbot.waitSignal(taker.sig_done, timeout=5000) as done:
        taker.start()
    assert done.args == [1]
    assert "no screen pop came within" in capsys.readouterr().err
    assert not (tmp_path / "pop.png").exists()


def test_screenshot_pop_needs_the_demo() -> None:
    result = subprocess.run([sys.executable, "-m", "pbxdesk", "--screenshot-pop", "x.png"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "--screenshot-pop needs --demo" in result.stderr
