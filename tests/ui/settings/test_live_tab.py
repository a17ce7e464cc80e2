"""The Live calls tab: relay address, desk token (kept like the API key), Test relay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from pbxdesk.relay.server import RelayServer
from pbxdesk.secrets import ApiKeyStore, relay_token_account
from pbxdesk.services.connection import VerdictKind
from pbxdesk.settings import Settings, SettingsFile
from pbxdesk.ui.settings.livepage import DESK_FIELD
from tests.conftest import MemoryKeyring
from tests.relay.conftest import FAST_CONFIG
from tests.ui.settings.conftest import MakeDialog

URL = "https://au.voipcloud.online"
KEY = "k3y-Secret-0042-xyz"


@pytest.fixture
def relay_server(tmp_path: Path) -> Iterator[RelayServer]:
    with RelayServer(tmp_path / "relay", config=FAST_CONFIG) as server:
        server.add_account("acme")
        yield server


def live_tab(dialog: object) -> int:
    tabs = dialog.tabs  # type: ignore[attr-defined]
    return next(i for i in range(tabs.count()) if tabs.tabText(i).replace("&", "")
                == "Live calls")


def test_the_token_is_kept_in_the_keyring_never_in_the_settings_file(
        make_dialog: MakeDialog, memory_keyring: MemoryKeyring, tmp_path: Path,
        qtbot: QtBot) -> None:
    dialog = make_dialog(Settings(base_url=URL), api_key=KEY)
    dialog.tabs.setCurrentIndex(live_tab(dialog))
    dialog.editors["relay_url"].set_value("https://relay.example.com/")
    assert not dialog.save_button.isEnabled()  # a relay needs its token
    assert "Desk token" in dialog.summary.text()
    dialog.relay.token_field.set_text("pbxdesk_desk-token-123456")
    assert dialog.save_button.isEnabled()

    with qtbot.waitSignal(dialog.sig_settings_saved) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    settings = saved.args[0]
    assert settings.relay_url == "https://relay.example.com/"
    assert memory_keyring.passwords[("pbxdesk", relay_token_account(settings.relay_url))] \
        == "pbxdesk_desk-token-123456"
    settings_file = SettingsFile(tmp_path / "settings.json")
    settings_file.save(settings)
    text = settings_file.path.read_text()
    assert "pbxdesk_desk-token-123456" not in text
    assert json.loads(text)["settings"]["relay_url"] == "https://relay.example.com/"


def test_a_plain_http_relay_elsewhere_and_a_spaced_token_are_refused(
        make_dialog: MakeDialog) -> None:
    dialog = make_dialog(Settings(base_url=URL), api_key=KEY)
    dialog.editors["relay_url"].set_value("http://relay.example.com")
    dialog.relay.token_field.set_text("two words")
    problems = dialog.problems()
    assert "https" in problems["relay_url"]
    assert DESK_FIELD in problems
    dialog.editors["relay_url"].set_value("")
    assert DESK_FIELD not in dialog.problems()  # no relay: no token needed


def test_the_stored_token_is_shown_again(make_dialog: MakeDialog, key_store: ApiKeyStore
                                         ) -> None:
    relay = "https://relay.example.com"
    key_store.save(relay_token_account(relay), "pbxdesk_kept-token-7777", "keyring")
    dialog = make_dialog(Settings(base_url=URL, relay_url=relay), api_key=KEY)
    assert dialog.relay.token_field.text() == "pbxdesk_kept-token-7777"
    assert not dialog.relay.token_field.is_shown


def test_test_relay_says_connected_or_refused(make_dialog: MakeDialog, qtbot: QtBot,
                                              relay_server: RelayServer) -> None:
    token = relay_server.add_desk("acme", "1001").token
    dialog = make_dialog(Settings(base_url=URL), api_key=KEY)
    dialog.tabs.setCurrentIndex(live_tab(dialog))
    dialog.editors["relay_url"].set_value(relay_server.base_url)
    dialog.relay.token_field.set_text(token)

    with qtbot.waitSignal(dialog.relay.sig_tested, timeout=15_000) as tested:
        qtbot.mouseClick(dialog.relay.test_button, Qt.MouseButton.LeftButton)
    assert tested.args[0].kind is VerdictKind.OK
    assert dialog.relay.verdict_panel.title.text() == "Relay connected"

    dialog.relay.token_field.set_text("pbxdesk_not-a-real-token")
    with qtbot.waitSignal(dialog.relay.sig_tested, timeout=15_000) as tested:
        qtbot.mouseClick(dialog.relay.test_button, Qt.MouseButton.LeftButton)
    assert tested.args[0].kind is VerdictKind.AUTH
    assert "pbxdesk_not-a-real-token" not in dialog.relay.verdict_panel.detail.text()


def test_the_relay_verdict_leaves_every_help_line_whole(make_dialog: MakeDialog, qtbot: QtBot,
                                                        relay_server: RelayServer) -> None:
    # The verdict grew the dialog, but the form shared the room out by size hints: the
    # second lines of the desk token's and the CRM address's help were cut in half.
    def whole(label: QLabel) -> bool:
        return label.height() >= label.heightForWidth(label.width()) - 1

    token = relay_server.add_desk("acme", "1001").token
    dialog = make_dialog(Settings(base_url=URL, relay_url=relay_server.base_url), api_key=KEY)
    dialog.relay.token_field.set_text(token)
    dialog.tabs.setCurrentIndex(live_tab(dialog))
    page = dialog.tabs.currentWidget()
    assert page is not None
    helps = [label for label in page.findChildren(QLabel)
             if label.objectName().startswith("help_") and label.isVisible()]
    assert len(helps) >= 4
    qtbot.waitUntil(lambda: all(whole(label) for label in helps))
    with qtbot.waitSignal(dialog.relay.sig_tested, timeout=15_000):
        qtbot.mouseClick(dialog.relay.test_button, Qt.MouseButton.LeftButton)
    panel = dialog.relay.verdict_panel
    qtbot.waitUntil(lambda: whole(panel.detail) and whole(panel.remedy))
    qtbot.waitUntil(lambda: [label.text() for label in helps if not whole(label)] == [])
    assert panel.geometry().bottom() < page.height()
    assert dialog.save_button.isVisible()
