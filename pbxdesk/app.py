"""The composition root: builds the services and the window, runs the loop, shuts down.

:func:`run` owns the process: Qt application, logging, crash handler and the
qasync event loop. :class:`Controller` owns what runs inside it: settings, the
API key store, the current account :class:`~pbxdesk.session.Session` (real or
demo), and the main window, whose intents it carries out. Shutdown goes in
reverse order: sync cancelled, client closed, store closed, demo PBX stopped.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import qasync
from PySide6.QtCore import (
    QLocale,
    QMessageLogContext,
    QObject,
    QTimer,
    QtMsgType,
    Slot,
    qInstallMessageHandler,
)
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from pbxdesk import APP_ID, APP_NAME, __version__
from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.errors import PbxError
from pbxdesk.demo import DEMO_COUNTRY, DemoPbx
from pbxdesk.logs import setup_logging
from pbxdesk.paths import AppPaths
from pbxdesk.phone import default_region_from_locale
from pbxdesk.resources import APP_ICON, resource_path
from pbxdesk.secrets import ApiKeyStore
from pbxdesk.services.messages import Message, MessageBridge, Remedy, Severity
from pbxdesk.session import Session, budget_for, needs_reconnect
from pbxdesk.settings import Settings, SettingsError, SettingsFile
from pbxdesk.store import StoreError
from pbxdesk.tasks import TaskKeeper
from pbxdesk.ui.crash import CrashHandler
from pbxdesk.ui.mainwindow import MainWindow
from pbxdesk.ui.screenshot import ScreenshotTaker

log = logging.getLogger("pbxdesk.app")


@dataclass(frozen=True, slots=True)
class Options:
    """What the command line asked for."""

    demo: bool = False
    basedir: Path | None = None
    screenshot: Path | None = None
    debug: bool = False


class Controller(QObject):
    """Carries out the window's intents with the current session's services."""

    def __init__(self, options: Options, paths: AppPaths, crash: CrashHandler,
                 quit_event: asyncio.Event, *,
                 demo_factory: Callable[[], DemoPbx] = DemoPbx) -> None:
        super().__init__()
        self.options = options
        self._demo_factory = demo_factory
        self.paths = paths
        self.exit_code = 0
        self._quit_event = quit_event
        self.messages = MessageBridge(self)
        self.tasks = TaskKeeper(on_error=crash.report)
        self.settings_file = SettingsFile(paths.settings_file)
        self.key_store = ApiKeyStore(paths.fallback_key_file)
        self.settings = self.settings_file.load(first_run_region=default_region_from_locale())
        self.session: Session | None = None
        self.demo: DemoPbx | None = None
        # Requests made before any session exists (connection tests) still count.
        self._idle_budget = budget_for(self.settings)
        self.window = MainWindow(self.messages, default_region=self.settings.default_region)
        self._connect_signals()

    def _connect_signals(self) -> None:
        window = self.window
        window.sig_quit_requested.connect(self.quit)
        window.sig_refresh_requested.connect(self._on_window_refresh_requested)
        window.sig_demo_requested.connect(self._on_window_demo_requested)
        window.sig_connect_requested.connect(self._on_window_settings_requested)
        window.sig_settings_requested.connect(self._on_window_settings_requested)
        window.sig_backfill_requested.connect(self._on_window_backfill_requested)
        window.sig_call_back_requested.connect(self._on_window_call_back_requested)

    # -- start and stop ------------------------------------------------------------------

    async def start(self) -> None:
        self.window.show()
        if self.options.demo:
            await self.start_demo()
        elif self.settings.is_configured:
            key = self.key_store.load(self.settings.base_url, self.settings.key_storage)
            if key:
                await self.open_session(self.settings, key)
            else:
                self.messages.post(Message(
                    "Enter your API key to connect: pbxdesk was told not to remember it.",
                    Severity.WARNING, Remedy.OPEN_SETTINGS, source="app"))
        if self.options.screenshot is not None:
            self._take_screenshot(self.options.screenshot)

    async def start_demo(self) -> None:
        """Serve the demo PBX on loopback and connect to it (key never stored)."""
        if self.demo is None:
            self.demo = self._demo_factory()
            await asyncio.to_thread(self.demo.start)
        settings = self.demo.settings(self.settings)
        await self.open_session(settings, self.demo.api_key)

    async def open_session(self, settings: Settings, api_key: str) -> None:
        await self.close_session()
        try:
            self.session = Session.open(settings, api_key, self.paths, self.messages,
                                        self.tasks)
        except (StoreError, PbxError) as error:
            self.messages.post(Message(str(error), Severity.ERROR, Remedy.OPEN_SETTINGS,
                                       source="app"))
            return
        self.window.attach_session(self.session)
        self.session.sync.start_sync()

    async def close_session(self) -> None:
        if self.session is not None:
            self.window.detach_session()
            session, self.session = self.session, None
            await session.close()

    async def shutdown(self) -> None:
        """Everything in reverse order of creation; never raises."""
        try:
            await self.close_session()
        except Exception:
            log.exception("Closing the session failed")
        await self.tasks.cancel_all()
        if self.demo is not None:
            await asyncio.to_thread(self.demo.stop)
            self.demo = None
        self.window.deleteLater()

    @Slot()
    def quit(self, code: int | None = None) -> None:
        if code is not None:
            self.exit_code = code
        self._quit_event.set()

    # -- intents -------------------------------------------------------------------------

    @Slot()
    def _on_window_refresh_requested(self) -> None:
        if self.session is not None:
            self.session.sync.start_sync()

    @Slot()
    def _on_window_demo_requested(self) -> None:
        self.tasks.spawn(self.start_demo(), name="start-demo")

    @Slot(object, object, object)
    def _on_window_backfill_requested(self, start: object, end: object, kinds: object) -> None:
        if self.session is not None:
            self.session.sync.start_backfill(start, end, kinds)  # type: ignore[arg-type]

    @Slot(str)
    def _on_window_call_back_requested(self, number: str) -> None:
        # Until the dial pad exists the number goes to the clipboard.
        QGuiApplication.clipboard().setText(number)
        self.window.status.showMessage(f"Copied {number} to the clipboard", 5000)

    @Slot()
    def _on_window_settings_requested(self) -> None:
        from pbxdesk.ui.settingsdialog import open_settings_dialog

        open_settings_dialog(self)

    async def apply_settings(self, new: Settings) -> None:
        """Use ``new`` (saved by the settings dialog, key included); reconnect if needed."""
        self.settings = new
        in_demo = self.demo is not None and new.base_url == self.demo.base_url
        if not in_demo:  # demo settings never reach the user's real profile
            try:
                self.settings_file.save(new)
            except SettingsError as error:
                self.messages.post(Message(str(error), Severity.ERROR, source="settings"))
        self.window.set_default_region(new.default_region)
        if self.demo is not None and in_demo:
            key: str | None = self.demo.api_key
        else:
            key = self.key_store.load(new.base_url, new.key_storage)
        session = self.session
        if (session is not None and not needs_reconnect(session.settings, new)
                and key == session.client.settings.api_key):
            session.apply(new)
            return
        if new.is_configured and key:
            await self.open_session(new, key)

    def connection_budget(self) -> RequestBudget:
        """The budget a connection test draws on: the session's, so tests count too."""
        if self.session is not None:
            return self.session.client.budget
        return self._idle_budget

    # -- screenshots ---------------------------------------------------------------------

    def _take_screenshot(self, path: Path) -> None:
        taker = ScreenshotTaker(self.window, path, parent=self)
        taker.sig_done.connect(self.quit)
        if self.session is None:
            taker.take_now()
            return
        taker.wait_for(self.session.sync)


def choose_platform() -> None:
    """Fall back to the offscreen platform when there is no display at all.

    Without one, Qt aborts on start with a message few users can act on; headless
    runs (screenshots, self-test, CI) then still work.
    """
    if os.environ.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


# Qt messages that say nothing a user or developer can act on.
_QUIET_QT_MESSAGES = ("This plugin does not support propagateSizeHints",)


def _route_qt_messages(mode: QtMsgType, _context: QMessageLogContext, text: str) -> None:
    """Qt's own warnings go to our log instead of the terminal."""
    if any(quiet in text for quiet in _QUIET_QT_MESSAGES):
        return
    level = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
             QtMsgType.QtWarningMsg: logging.WARNING}.get(mode, logging.ERROR)
    logging.getLogger("pbxdesk.qt").log(level, "%s", text)


def choose_locale(default_region: str) -> None:
    """Use the system's locale; with none set (C/POSIX), English of the default country.

    Numbers then get thousands separators and dates a familiar order instead of
    the C locale's bare "26 11 2026".
    """
    if QLocale.system().name() in {"C", "POSIX"}:
        QLocale.setDefault(QLocale(f"en_{default_region}"))


def run(options: Options) -> int:
    """Run the app until it quits; returns the process exit code."""
    choose_platform()
    temp_dir: tempfile.TemporaryDirectory[str] | None = None
    if options.basedir is not None:
        paths = AppPaths.under(options.basedir)
    elif options.demo:
        # The demo never touches the real profile: a throw-away one per run.
        temp_dir = tempfile.TemporaryDirectory(prefix="pbxdesk-demo-")
        paths = AppPaths.under(Path(temp_dir.name))
    else:
        paths = AppPaths.default()
    try:
        paths.ensure()
        setup_logging(paths.log_file, level=logging.DEBUG if options.debug else logging.INFO,
                      console=options.debug)
        log.info("pbxdesk %s starting (demo=%s, basedir=%s)", __version__, options.demo,
                 options.basedir)
        qInstallMessageHandler(_route_qt_messages)
        region = (DEMO_COUNTRY if options.demo else SettingsFile(paths.settings_file).load(
            first_run_region=default_region_from_locale()).default_region)
        choose_locale(region)  # before any widget exists: widgets keep the locale they start with
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        app.setApplicationName(APP_NAME)
        app.setApplicationVersion(__version__)
        app.setDesktopFileName(APP_ID)
        app.setWindowIcon(QIcon(str(resource_path(APP_ICON))))
        crash = CrashHandler(paths.log_file)
        crash.install()
        try:
            with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
                return runner.run(_main(app, options, paths, crash))
        finally:
            crash.uninstall()
    finally:
        if temp_dir is not None:
            temp_dir.cleanup()


async def _main(app: QApplication, options: Options, paths: AppPaths,
                crash: CrashHandler) -> int:
    quit_event = asyncio.Event()
    app.aboutToQuit.connect(quit_event.set)
    app.setQuitOnLastWindowClosed(False)  # the controller decides when to quit
    controller = Controller(options, paths, crash, quit_event)
    try:
        # A start-up that cannot finish still leaves the window up with a message.
        QTimer.singleShot(0, lambda: controller.tasks.spawn(controller.start(), name="start"))
        await quit_event.wait()
    finally:
        await controller.shutdown()
    return controller.exit_code
