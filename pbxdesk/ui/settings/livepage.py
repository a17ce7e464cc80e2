"""The settings dialog's "Live calls" tab: the relay, its desk token, Test, pop and CRM.

The tab's ordinary settings (address, pop, CRM template, intervals) are
generated like every other; this module adds what is not a setting: the desk
token field (masked like the API key, kept where the API key is kept, never
in the settings file) and the "Test relay" button with its verdict, which
connects once with the values as typed, in the background, without saving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from pbxdesk.secrets import ApiKeyStore, relay_token_account
from pbxdesk.services.connection import ConnectionVerdict
from pbxdesk.services.relaycheck import relay_verdict, token_problem
from pbxdesk.settings import KeyStorage, Settings
from pbxdesk.tasks import TaskKeeper
from pbxdesk.ui.settings.fields import ApiKeyField
from pbxdesk.ui.settings.form import FormPage
from pbxdesk.ui.settings.verdict import VerdictPanel

DESK_FIELD = "relay_token"
DESK_LABEL = "Desk token"
DESK_HELP = (
    "From whoever runs the relay (pbxdesk-relay desk add). Kept where the API key is "
    "kept (Connection tab), never in the settings file.")
LIVE_SECTION = ("Live calls", ("relay_url", DESK_FIELD, "screen_pop", "crm_url_template",
                               "crm_open_on_answer"))
LIVE_SYNC_KEYS = ("live_reconcile_minutes", "own_calls_poll_seconds")
"""On the Sync tab, beside the refresh they replace."""
Tester = Callable[[str, str], Awaitable[ConnectionVerdict]]


class RelayVerdictPanel(VerdictPanel):
    """The verdict panel, with words for a relay instead of the PBX."""

    def show_testing(self, host: str) -> None:
        super().show_testing(host)
        self.detail.setText(f"Connecting to the relay at {host} with this desk token."
                            if host else "Connecting to the relay with this desk token.")
        self.setAccessibleName("Relay test result")


class RelayControls(QObject):
    """The desk token field and the relay test of one settings dialog.

    Signals:
        sig_tested(ConnectionVerdict): a relay test finished.
    """

    sig_tested = Signal(object)
    """A relay test finished with this ConnectionVerdict."""

    def __init__(self, dialog: QWidget, tasks: TaskKeeper, *,
                 tester: Tester = relay_verdict) -> None:
        super().__init__(dialog)
        self._tasks = tasks
        self._tester = tester
        self._task: asyncio.Task[None] | None = None
        self.token_field = ApiKeyField(dialog, name="desk token",
                                       object_name="setting_relay_token",
                                       placeholder="Paste the desk token")
        self.test_button = QPushButton(dialog)
        self.test_button.setObjectName("testRelay")
        self.test_button.setAutoDefault(False)
        self.test_button.setAccessibleName("Test the relay")
        self.test_button.setToolTip("Connect to the relay once with the address and token "
                                    "above, without saving")
        self.verdict_panel = RelayVerdictPanel(dialog)
        self.verdict_panel.setObjectName("verdictPanel")
        self._idle_text = "Test relay"  # its mnemonic is the page's to give (add_to)
        self._set_running(False)

    def add_to(self, page: FormPage) -> None:
        # A letter free on the page: a fixed one ("y", then "e") collided with a tab's or
        # a label's as fields came and went, and a shared letter only moves the focus.
        self._idle_text = page.mnemonic("Test relay")
        self._set_running(False)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        page.add_indented(row)
        page.add_full_width(self.verdict_panel)

    # -- the token -----------------------------------------------------------------------

    def load(self, settings: Settings, key_store: ApiKeyStore, readable: bool) -> None:
        """Show the stored token of ``settings.relay_url`` (none when it cannot be read)."""
        token = None
        if settings.relay_url and readable:
            token = key_store.load(relay_token_account(settings.relay_url),
                                   settings.key_storage)
        self.token_field.set_text(token or "")

    def problem(self, relay_url: str) -> str | None:
        return token_problem(relay_url, self.token_field.text())

    def save(self, key_store: ApiKeyStore, relay_url: str, storage: KeyStorage) -> None:
        """Keep the token where the API key goes (raises KeyStorageError like the key)."""
        if relay_url.strip() and self.token_field.text():
            key_store.save(relay_token_account(relay_url), self.token_field.text(), storage)

    # -- the test ------------------------------------------------------------------------

    @property
    def test_task(self) -> asyncio.Task[None] | None:
        return self._task

    def start_test(self, relay_url: str) -> None:
        if self._task is not None and not self._task.done():
            return
        host = relay_url.strip().split("://", 1)[-1].split("/", 1)[0]
        self._set_running(True)
        self.verdict_panel.show_testing(host)
        self._task = self._tasks.spawn(self._test(relay_url, self.token_field.text()),
                                       name="test-relay")

    async def _test(self, relay_url: str, token: str) -> None:
        try:
            verdict = await self._tester(relay_url, token)
        finally:
            self._set_running(False)
        self.verdict_panel.show_verdict(verdict)
        self.sig_tested.emit(verdict)

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    def _set_running(self, running: bool) -> None:
        self.test_button.setEnabled(not running)
        self.test_button.setText("Testing…" if running else self._idle_text)
