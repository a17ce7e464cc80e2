"""The settings dialog: every setting, the API key, and "Test connection".

Fields are generated from :data:`pbxdesk.settings.SETTINGS` (see
:mod:`pbxdesk.ui.settings.fields`) and grouped into four tabs. Every change is
checked at once; a problem is written under its field, the tab gets a warning
icon, and Save stays disabled until nothing is wrong. Saving stores the key
through :class:`~pbxdesk.secrets.ApiKeyStore` first and only then emits the new
:class:`~pbxdesk.settings.Settings`; the caller writes the settings file. The
key never reaches the settings, a log line or an accessible description.

"Test connection" runs :class:`~pbxdesk.services.connection.ConnectionTester`
on the values as typed, in the background on the app's event loop; the dialog
stays usable and the test is cancelled when the dialog closes. Open the dialog
with :meth:`open` (window-modal), never ``exec()`` inside a coroutine.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from typing import Any, Protocol

from PySide6.QtCore import QEvent, QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.api.budget import RequestBudget
from pbxdesk.phone import default_region_from_locale
from pbxdesk.secrets import ApiKeyStore, KeyStorageError, keyring_available
from pbxdesk.services.connection import ConnectionTester, ConnectionVerdict, api_key_problem
from pbxdesk.services.waits import local_short_time
from pbxdesk.settings import SPECS, Settings, check_base_url, validate
from pbxdesk.tasks import TaskKeeper
from pbxdesk.ui.dialogs import DialogService
from pbxdesk.ui.settings.fields import ApiKeyField, CheckEditor, Editor, editor_for
from pbxdesk.ui.settings.form import FormPage, show_problem
from pbxdesk.ui.settings.keystorage import KeyStorageChooser
from pbxdesk.ui.settings.livepage import (
    DESK_FIELD,
    DESK_HELP,
    DESK_LABEL,
    LIVE_SECTION,
    LIVE_SYNC_KEYS,
    RelayControls,
)
from pbxdesk.ui.settings.mnemonics import with_mnemonic
from pbxdesk.ui.settings.verdict import VerdictPanel

log = logging.getLogger("pbxdesk.ui")

API_KEY = "api_key"
KEY_STORAGE = "key_storage"
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Connection", ("base_url", "api_version", API_KEY, KEY_STORAGE)),
    ("Numbers & calls", ("default_region", "my_extension", "default_caller_id",
                         "confirm_before_dialling", "watch_clipboard")),
    ("Sync", ("sync_days", "refresh_minutes", *LIVE_SYNC_KEYS, "close_to_tray")),
    ("Callbacks", ("callback_groups", "callback_days")),
    ("Advanced", ("request_budget", "budget_window_minutes", "user_filter_param",
                  "post_encoding", "service_level_seconds")),
    LIVE_SECTION,
)
CALLING_KEY = "my_extension"  # the page with this setting also holds the link panel
_FIELD_ORDER = tuple(key for _title, keys in SECTIONS for key in keys)
# Changing these makes an earlier test result describe other settings.
_CONNECTION_KEYS = frozenset({"base_url", "api_version", API_KEY, "user_filter_param"})
_KEY_HELP = ("From the portal's Integration / API page. Kept where you choose below, never in "
             "the settings file.")


class SettingsDialog(QDialog):
    """Edits :class:`Settings` and the API key.

    Signals:
        sig_settings_saved(Settings): the new settings, emitted after the key was stored.
        sig_connection_tested(ConnectionVerdict): a "Test connection" finished.

    Attributes:
        editors: The editor of each setting, by key (``key_storage`` excepted).
        key_field: The API key field. ``storage``: the key-storage choice.
        test_button, save_button, verdict_panel, tabs: the controls tests drive.
    """

    sig_settings_saved = Signal(object)
    """The new Settings; the key is already stored where they say."""
    sig_connection_tested = Signal(object)
    """A connection test finished with this ConnectionVerdict."""

    def __init__(self, settings: Settings, key_store: ApiKeyStore, tester: ConnectionTester,
                 *, tasks: TaskKeeper, dialogs: DialogService | None = None,
                 api_key: str | None = None, link_panel: QWidget | None = None,
                 parent: QWidget | None = None) -> None:
        """Args beyond the obvious: ``dialogs`` for any question the dialog must ask
        (none today); ``api_key`` to show instead of the stored one (the demo's key);
        ``link_panel`` goes under the calling settings (the tel: link registration)."""
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("pbxdesk settings")
        self.setAccessibleName("Settings")
        self.setMinimumWidth(680)
        self._settings = settings
        self._key_store = key_store
        self._tester = tester
        self._tasks = tasks
        self._dialogs = dialogs or DialogService()
        self._test_task: asyncio.Task[None] | None = None
        self._storage_error: str | None = None
        self.editors: dict[str, Editor] = {}
        self._problem_labels: dict[str, QLabel] = {}
        self._tab_of: dict[str, int] = {}
        self.key_field = ApiKeyField(self)
        self.storage = KeyStorageChooser(keyring_available=keyring_available(),
                                         fallback_file=str(key_store.fallback_file), parent=self)
        self.test_button = QPushButton(self)
        self.verdict_panel = VerdictPanel(self)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Settings sections")
        self.summary = QLabel(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.link_panel = link_panel
        self.relay = RelayControls(self, tasks)
        self._build_ui()
        self._load(settings, api_key)
        self._connect_signals()
        self._revalidate()

    # -- building ------------------------------------------------------------------------

    def _build_ui(self) -> None:
        taken = {"s", "t"}  # Save and Test connection
        self.save_button.setText("&Save")
        self.save_button.setAccessibleName("Save settings")
        self.save_button.setDefault(True)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel without saving")
        cancel.setAutoDefault(False)
        self.test_button.setObjectName("testConnection")
        self.test_button.setAutoDefault(False)
        self.test_button.setAccessibleName("Test connection")
        self.test_button.setToolTip("Try the address and key above with one request, "
                                    "without saving")
        self._set_test_running(False)
        tab_titles = [with_mnemonic(title, taken) for title, _keys in SECTIONS]
        for index, ((_title, keys), tab_title) in enumerate(zip(SECTIONS, tab_titles,
                                                                  strict=True)):
            self.tabs.addTab(self._build_page(index, keys, set(taken)), tab_title)
        # The warning icon a tab gets no taller than its text: a taller one made the pages
        # jump down when the first problem appeared.
        text_height = self.tabs.tabBar().fontMetrics().height()
        self.tabs.setIconSize(QSize(text_height, text_height))
        self.summary.setObjectName("saveBlockedSummary")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Why Save is disabled")
        policy = self.summary.sizePolicy()  # its place is kept: the buttons never move
        policy.setRetainSizeWhenHidden(True)
        self.summary.setSizePolicy(policy)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

    def _build_page(self, index: int, keys: tuple[str, ...], taken: set[str]) -> QWidget:
        page = FormPage(taken, self.tabs)
        for key in keys:
            self._tab_of[key] = index
            if key == API_KEY:
                problem = page.add_field(key, "API key", self.key_field, _KEY_HELP,
                                         buddy=self.key_field.edit)
            elif key == DESK_FIELD:
                problem = page.add_field(key, DESK_LABEL, self.relay.token_field, DESK_HELP,
                                         buddy=self.relay.token_field.edit)
            elif key == KEY_STORAGE:
                spec = SPECS[key]
                problem = page.add_field(key, spec.label, self.storage, spec.help,
                                         buddy=self.storage.first_enabled_button())
            else:
                editor = editor_for(SPECS[key], page)
                self.editors[key] = editor
                label: str | None = editor.spec.label
                if isinstance(editor, CheckEditor):  # the box shows its own label
                    editor.set_text(page.mnemonic(editor.spec.label))
                    label = None
                problem = page.add_field(key, label, editor.widget, editor.spec.help)
            self._problem_labels[key] = problem
        if index == 0:
            test_row = QHBoxLayout()
            test_row.addWidget(self.test_button)
            test_row.addStretch(1)
            page.add_indented(test_row)
            page.add_full_width(self.verdict_panel)
        if DESK_FIELD in keys:
            self.relay.add_to(page)
        if CALLING_KEY in keys and self.link_panel is not None:
            page.add_full_width(self.link_panel)
        return page

    def _load(self, settings: Settings, api_key: str | None) -> None:
        for key, editor in self.editors.items():
            editor.set_value(getattr(settings, key))
        if not settings.is_configured:  # first run: guess the country from the locale
            self.editors["default_region"].set_value(default_region_from_locale())
        self.storage.set_choice(settings.key_storage)
        if api_key is None and settings.is_configured:
            readable = settings.key_storage != "keyring" or keyring_available()
            api_key = (self._key_store.load(settings.base_url, settings.key_storage)
                       if readable else None)
        self.key_field.set_text(api_key or "")
        self.relay.load(settings, self._key_store,
                        settings.key_storage != "keyring" or keyring_available())

    def _connect_signals(self) -> None:
        for key, editor in self.editors.items():
            editor.on_changed(functools.partial(self._on_field_changed, key))
        self.key_field.edit.textChanged.connect(lambda _text: self._on_field_changed(API_KEY))
        self.storage.sig_choice_changed.connect(self._on_storage_choice_changed)
        self.relay.token_field.edit.textChanged.connect(
            lambda _text: self._on_field_changed(DESK_FIELD))
        self.relay.test_button.clicked.connect(
            lambda: self.relay.start_test(self.current_settings().relay_url))
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.buttons.accepted.connect(self._on_save_requested)
        self.buttons.rejected.connect(self.reject)

    # -- values and problems -------------------------------------------------------------

    def current_settings(self) -> Settings:
        """The settings as typed; a field that names no value keeps its old one."""
        changes: dict[str, Any] = {}
        for key, editor in self.editors.items():
            value = editor.value()
            if value is not None:
                changes[key] = value
        changes["base_url"] = str(changes.get("base_url", "")).rstrip("/")
        storage = self.storage.choice()
        if storage is not None:
            changes[KEY_STORAGE] = storage
        return self._settings.replace(**changes)

    def problems(self) -> dict[str, str]:
        """What stops Save, by setting key (plus ``api_key``); empty when it may save."""
        found: dict[str, str] = {}
        url_problem = check_base_url(self.editors["base_url"].value())
        if url_problem is not None:
            found["base_url"] = url_problem
        for key, message in validate(self.current_settings()).items():
            found.setdefault(key, message)
        for key, editor in self.editors.items():
            input_problem = editor.input_problem()
            if input_problem is not None:
                found[key] = input_problem
        key_problem = api_key_problem(self.key_field.edit.text())
        if key_problem is not None:
            found[API_KEY] = key_problem
        relay_problem = self.relay.problem(self.current_settings().relay_url)
        if relay_problem is not None:
            found[DESK_FIELD] = relay_problem
        storage_problem = self.storage.problem()
        if storage_problem is not None:
            found[KEY_STORAGE] = storage_problem
        return found

    def _revalidate(self) -> None:
        blocking = self.problems()
        shown = dict(blocking)
        if self._storage_error is not None:
            # A refused keyring is shown but does not block: unlocked, it may work on retry.
            shown[KEY_STORAGE] = self._storage_error
        missing = {key for key in blocking if self._is_missing(key)}
        warned_tabs: set[int] = set()
        for key, label in self._problem_labels.items():
            message = shown.get(key)
            # An empty required field is not an error: the summary asks for it.
            if key in missing and key != KEY_STORAGE:
                message = None
            show_problem(label, message, missing=key in missing)
            if message is not None and key not in missing:
                warned_tabs.add(self._tab_of[key])
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for index in range(self.tabs.count()):
            self.tabs.setTabIcon(index, warning if index in warned_tabs else QIcon())
        self.save_button.setEnabled(not blocking)
        self.summary.setVisible(bool(blocking))
        self.summary.setText(self._summary(blocking, missing))

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        # A changed layout (a problem or a verdict shown) reaches the dialog last, settled.
        if event.type() == QEvent.Type.LayoutRequest:
            self._fit_height()
        return handled

    def _fit_height(self) -> None:
        """Grow so every wrapped line shows (a problem, the test's verdict).

        A dialog does not grow by itself for word-wrapped labels (their height depends
        on the width), so a new problem or verdict was squeezed: radio buttons drawn
        over each other, the verdict's "what to do" cut off. Never shrinks: the user's
        size stays, and texts that go away leave room rather than a jump.
        """
        layout = self.layout()
        if layout is None or not self.isVisible():
            return  # the first layout after show() fits it
        width = self.width()
        needed = max(layout.totalMinimumSize().height(),
                     layout.totalHeightForWidth(width) if layout.hasHeightForWidth()
                     else layout.totalSizeHint().height())
        # A form short of room shares it out by size hints, not by what each wrapped text
        # needs at its width: a verdict on the Live calls tab left two help texts cut in
        # half while another row had room to spare. Then give the page its full hint.
        page = self.tabs.currentWidget()
        page_layout = page.layout() if page is not None else None
        if page is not None and page_layout is not None and _cuts_a_line(page):
            missing = page_layout.totalSizeHint().height() - page.height()
            needed = max(needed, self.height() + missing)
        screen = self.screen()
        if screen is not None:  # taller than the screen would hide Save (40: the title bar)
            needed = min(needed, screen.availableGeometry().height() - 40)
        if needed > self.height():
            self.resize(width, needed)

    def _summary(self, blocking: dict[str, str], missing: set[str]) -> str:
        """One sentence on what stands between the user and Save."""
        parts = []
        blocking = {key: blocking[key] for key in _FIELD_ORDER if key in blocking}
        empty = [self._label_of(key) for key in blocking if key in missing and key != KEY_STORAGE]
        if empty:
            parts.append("fill in " + " and ".join(empty))
        if KEY_STORAGE in missing:
            parts.append("choose where to keep the API key")
        wrong = [self._label_of(key) for key in blocking if key not in missing]
        if wrong:
            parts.append("correct " + ", ".join(wrong))
        return f"To save, {'; '.join(parts)}." if parts else ""

    def _is_missing(self, key: str) -> bool:
        if key == API_KEY:
            return not self.key_field.text()
        if key == DESK_FIELD:
            return not self.relay.token_field.text()
        if key == KEY_STORAGE:
            return self.storage.choice() is None
        return key == "base_url" and not self.editors[key].value()

    @staticmethod
    def _label_of(key: str) -> str:
        if key == DESK_FIELD:
            return DESK_LABEL
        return "API key" if key == API_KEY else SPECS[key].label

    def _on_field_changed(self, key: str) -> None:
        if key in _CONNECTION_KEYS and (self._test_task is None or self._test_task.done()):
            self.verdict_panel.clear()
        self._revalidate()

    @Slot()
    def _on_storage_choice_changed(self) -> None:
        self._storage_error = None
        self._revalidate()

    # -- saving --------------------------------------------------------------------------

    @Slot()
    def _on_save_requested(self) -> None:
        if not self.save_button.isEnabled():
            return  # Enter on a form with problems: nothing to save yet
        new = self.current_settings()
        try:
            self._key_store.save(new.base_url, self.key_field.text(), new.key_storage)
            self.relay.save(self._key_store, new.relay_url, new.key_storage)
        except KeyStorageError as error:
            # No silent fallback: say why here and let the user pick another place.
            self._storage_error = str(error)
            self._revalidate()
            self.tabs.setCurrentIndex(self._tab_of[KEY_STORAGE])
            self.storage.first_enabled_button().setFocus()
            log.warning("The API key could not be stored (%s)", type(error).__name__)
            return
        self._settings = new
        log.info("Settings saved for %s (key kept in: %s)", new.base_url, new.key_storage)
        self.sig_settings_saved.emit(new)
        self.accept()

    # -- testing -------------------------------------------------------------------------

    @Slot()
    def _on_test_button_clicked(self) -> None:
        if self._test_task is not None and not self._test_task.done():
            return
        settings = self.current_settings()
        self._set_test_running(True)
        self.verdict_panel.show_testing(settings.base_url)
        self._test_task = self._tasks.spawn(
            self._test_connection(settings, self.key_field.text()), name="test-connection")

    async def _test_connection(self, settings: Settings, api_key: str) -> None:
        verdict = await self._tester.test(settings, api_key)
        self._on_connection_tested(verdict)

    def _on_connection_tested(self, verdict: ConnectionVerdict) -> None:
        self._set_test_running(False)
        self.verdict_panel.show_verdict(verdict)
        self.sig_connection_tested.emit(verdict)

    def _set_test_running(self, running: bool) -> None:
        self.test_button.setEnabled(not running)
        self.test_button.setText("Testing…" if running else "&Test connection")

    @property
    def test_task(self) -> asyncio.Task[None] | None:
        """The connection test in flight (or last started), until the dialog closes."""
        return self._test_task

    def done(self, result: int) -> None:
        """Close (Save, Cancel, Esc or the window's ✕), stopping a test still running."""
        if self._test_task is not None and not self._test_task.done():
            self._test_task.cancel()
        self._test_task = None
        self.relay.cancel()
        super().done(result)


class SettingsHost(Protocol):
    """What :func:`open_settings_dialog` needs of the application controller."""

    @property
    def settings(self) -> Settings: ...

    @property
    def key_store(self) -> ApiKeyStore: ...

    @property
    def tasks(self) -> TaskKeeper: ...

    @property
    def window(self) -> QWidget: ...

    def connection_budget(self) -> RequestBudget:
        """The request budget a connection test may draw on (the app's shared one)."""
        ...

    async def apply_settings(self, new: Settings) -> None: ...


def open_settings_dialog(host: SettingsHost, *, tester: ConnectionTester | None = None,
                         api_key: str | None = None,
                         link_panel: QWidget | None = None) -> SettingsDialog:
    """Open the dialog window-modal over ``host.window``; saved settings go to ``host``.

    ``api_key`` shows a key that is not stored (the demo's); by default the stored
    key of ``host.settings`` is shown. ``link_panel``: see :class:`SettingsDialog`.
    """
    dialog = SettingsDialog(host.settings, host.key_store,
                            tester or ConnectionTester(host.connection_budget(),
                                                       clock_text=local_short_time),
                            tasks=host.tasks, api_key=api_key, link_panel=link_panel,
                            parent=host.window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    # Only a weak reference: the connection lives as long as the dialog, and a strong one
    # could hold the last reference to the host's window, which would then be deleted
    # from inside its own destructor when it deletes the dialog.
    host_ref = weakref.ref(host)

    def apply(new: Settings) -> None:
        current = host_ref()
        if current is not None:
            current.tasks.spawn(current.apply_settings(new), name="apply-settings")

    dialog.sig_settings_saved.connect(apply)
    dialog.open()
    return dialog


def _cuts_a_line(page: QWidget) -> bool:
    """Whether a wrapped label on ``page`` is shown shorter than its lines need."""
    return any(label.isVisible() and label.wordWrap()
               and label.height() < label.heightForWidth(label.width()) - 1
               for label in page.findChildren(QLabel))
