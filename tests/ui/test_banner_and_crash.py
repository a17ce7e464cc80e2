"""The banner shows known problems with their fix; the crash handler catches bugs."""

from __future__ import annotations

import sys

from pytestqt.qtbot import QtBot

from pbxdesk.services.messages import Message, MessageBridge, Remedy, Severity
from pbxdesk.ui.banner import Banner
from pbxdesk.ui.crash import CrashHandler


def test_banner_shows_message_and_emits_remedy(qtbot: QtBot) -> None:
    banner = Banner()
    qtbot.addWidget(banner)
    bridge = MessageBridge()
    bridge.sig_message_posted.connect(banner.show_message)
    bridge.sig_message_cleared.connect(banner.clear_source)
    banner.show()
    bridge.post(Message("Wrong key", Severity.ERROR, Remedy.OPEN_SETTINGS, source="sync"))
    assert banner.isVisible()
    assert banner.text() == "Problem: Wrong key"  # severity in words, not only colour
    assert banner.action_text() == "Open settings"
    with qtbot.waitSignal(banner.sig_remedy_requested) as blocker:
        banner._action.click()
    assert blocker.args == ["Open settings"]
    bridge.clear("other")
    assert banner.isVisible()
    bridge.clear("sync")
    assert not banner.isVisible()


def test_banner_without_remedy_has_no_button(qtbot: QtBot) -> None:
    banner = Banner()
    qtbot.addWidget(banner)
    banner.show()
    banner.show_message(Message("Synced", Severity.INFO))
    assert banner.action_text() == ""
    banner._close.click()
    assert banner.message is None
    assert not banner.isVisible()


def test_crash_handler_logs_shows_dialog_and_redacts(qtbot: QtBot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pbxdesk.logs import register_secret, setup_logging

    ring = setup_logging(None)
    register_secret("crash-secret-key")
    handler = CrashHandler(tmp_path / "pbxdesk.log")
    handler.install()
    try:
        try:
            raise RuntimeError("bad thing with crash-secret-key")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        handler.uninstall()
    assert handler.seen == 1
    [dialog] = handler.dialogs
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert "bad thing" in dialog.details.toPlainText()
    assert "crash-secret-key" not in dialog.details.toPlainText()
    assert any("bad thing" in line and "crash-secret-key" not in line for line in ring.lines())
