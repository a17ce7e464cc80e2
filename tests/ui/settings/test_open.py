"""open_settings_dialog: window-modal over the host's window, saved settings applied."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import qasync
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.api.budget import RequestBudget
from pbxdesk.sandbox.server import SandboxServer
from pbxdesk.secrets import ApiKeyStore
from pbxdesk.settings import Settings
from pbxdesk.tasks import TaskKeeper
from pbxdesk.ui.settingsdialog import open_settings_dialog
from tests.fixtures.sandbox import SANDBOX_API_KEY
from tests.ui.settings.helpers import click, run_connection_test, type_into


@dataclass
class Host:
    """The parts of the app controller the dialog needs."""

    settings: Settings
    key_store: ApiKeyStore
    tasks: TaskKeeper
    window: QWidget
    budget: RequestBudget = field(default_factory=lambda: RequestBudget(limit=10))
    applied: list[Settings] = field(default_factory=list)

    def connection_budget(self) -> RequestBudget:
        return self.budget

    async def apply_settings(self, new: Settings) -> None:
        await asyncio.sleep(0)
        self.applied.append(new)


def test_saved_settings_are_applied_and_the_dialog_goes_away(
        qtbot: QtBot, qloop: qasync.QEventLoop, key_store: ApiKeyStore, tasks: TaskKeeper,
        sandbox_server: SandboxServer) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    host = Host(Settings(base_url=sandbox_server.base_url), key_store, tasks, window)
    dialog = open_settings_dialog(host)
    assert dialog.isVisible()
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    assert dialog.parent() is window
    type_into(qtbot, dialog.key_field.edit, SANDBOX_API_KEY)
    assert run_connection_test(qtbot, dialog).ok
    assert host.budget.used() == 1  # the host's shared budget paid for the test
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: len(host.applied) == 1 and not shiboken6.isValid(dialog),
                    timeout=2000)  # applied, and the dialog deleted on close
    assert host.applied[0].base_url == sandbox_server.base_url
    assert key_store.load(sandbox_server.base_url, "keyring") == SANDBOX_API_KEY


def test_an_unstored_key_can_be_shown(qtbot: QtBot, qloop: qasync.QEventLoop,
                                      key_store: ApiKeyStore, tasks: TaskKeeper) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    host = Host(Settings(base_url="http://127.0.0.1:8765", key_storage="none"), key_store,
                tasks, window)
    dialog = open_settings_dialog(host, api_key="demo-0123456789")
    assert dialog.key_field.text() == "demo-0123456789"
    dialog.reject()
    assert host.applied == []
