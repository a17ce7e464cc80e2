"""TelHandlerPanel with the real Linux registrar in a throw-away home."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from pbxdesk.desktop.launcher import current_launcher
from pbxdesk.desktop.linux import LinuxRegistrar
from pbxdesk.desktop.panel import TelHandlerPanel
from pbxdesk.desktop.registration import BundleRegistrar, Status

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop")


def test_check_register_and_test_link_show_their_verdicts(
        qtbot: QtBot, xdg_env: dict[str, str], tmp_path: Path) -> None:
    panel = TelHandlerPanel(LinuxRegistrar(current_launcher(), env=xdg_env))
    qtbot.addWidget(panel)
    panel.show()

    with qtbot.waitSignal(panel.sig_verdict_changed, timeout=30_000) as first:
        pass  # the check runs once the panel has shown
    assert first.args[0].status is Status.NONE
    assert "No app opens tel: links" in panel.status.text()
    assert panel.icon.accessibleName() == "none"

    panel.register_button.click()
    assert panel.verdict is not None
    assert panel.verdict.status is Status.OURS
    assert panel.status.text() == "tel: and callto: links open pbxdesk."
    assert panel.register_button.text() == "Register &again"

    panel.test_button.click()
    assert panel.verdict.status is Status.OURS
    assert "tel: links reach pbxdesk" in panel.status.text()
    panel.grab().save(str(tmp_path / "panel.png"))


def test_on_macos_the_bundle_registers_so_the_button_is_off(qtbot: QtBot) -> None:
    panel = TelHandlerPanel(BundleRegistrar(), check_now=False)
    qtbot.addWidget(panel)

    verdict = panel.refresh()

    assert not panel.register_button.isEnabled()
    assert verdict.status is Status.BUNDLE
    assert "FaceTime" in panel.status.text()
