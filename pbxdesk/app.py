"""The composition root: builds the services and the window, runs the loop, shuts down.

:func:`run` owns the process: Qt application, logging, crash handler and the
qasync event loop. :class:`Controller` owns what runs inside it: settings, the
API key store, the current account :class:`~pbxdesk.session.Session` (real or
demo) and the main window, whose intents it carries out; what reaches pbxdesk
from outside the window (tray, clipboard, links, later launches) is
:class:`~pbxdesk.desktop.integration.DesktopIntegration`'s. Shutdown goes in
reverse order: calls and sync cancelled, client closed, store closed, demo PBX
stopped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from pbxdesk import APP_ID, APP_NAME, __version__
from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.errors import PbxError
from pbxdesk.damaged import describe, take_set_aside
from pbxdesk.desktop.integration import DesktopIntegration
from pbxdesk.desktop.live import LiveDesk
from pbxdesk.external import ExternalRequest
from pbxdesk.instance import InstanceClaim
from pbxdesk.logs import setup_logging
from pbxdesk.paths import AppPaths
from pbxdesk.phone import default_region_from_locale
from pbxdesk.resources import APP_ICON, resource_path
from pbxdesk.secrets import ApiKeyStore, relay_token_account
from pbxdesk.services.messages import Message, MessageBridge, Remedy, Severity
from pbxdesk.session import Session, budget_for, needs_reconnect, open_store, preload
from pbxdesk.settings import Settings, SettingsError, SettingsFile
from pbxdesk.store import CallStore, StoreError
from pbxdesk.tasks import TaskKeeper
from pbxdesk.ui.collector import GuiThreadCollector
from pbxdesk.ui.crash import CrashHandler
from pbxdesk.ui.firstpaint import stored_calls_painted
from pbxdesk.ui.mainwindow import MainWindow

if TYPE_CHECKING:  # imported where used: not on the way to the first paint
    from pbxdesk.demo import DemoPbx
    from pbxdesk.services.country import CountryAdvisor

log = logging.getLogger("pbxdesk.app")


@dataclass(frozen=True, slots=True)
class Options:
    """What the command line asked for."""

    demo: bool = False
    basedir: Path | None = None
    screenshot: Path | None = None
    debug: bool = False
    request: ExternalRequest | None = None
    """What this launch asked for (a number to call, a link, the clipboard)."""
    instance: InstanceClaim | None = None
    """Set when this launch is the single instance: it listens for later launches."""
    view: str | None = None
    """The tab to open on (``--view``: a name of ``MainWindow.views()``)."""
    screenshot_pop: Path | None = None
    """With demo: save a PNG of the first screen pop and quit."""


class Controller(QObject):
    """Carries out the window's intents with the current session's services."""

    def __init__(self, options: Options, paths: AppPaths, crash: CrashHandler,
                 quit_event: asyncio.Event, *,
                 demo_factory: Callable[[], DemoPbx] | None = None,
                 tray_available: bool | None = None) -> None:
        """``tray_available``: None asks the desktop (tests decide for themselves)."""
        super().__init__()
        self.options = options
        self._demo_factory = demo_factory or _live_demo
        self.paths = paths
        self.exit_code = 0
        self._quit_event = quit_event
        self.messages = MessageBridge(self)
        self.tasks = TaskKeeper(on_error=crash.report)
        self.settings_file = SettingsFile(paths.settings_file)
        self.key_store = ApiKeyStore(paths.fallback_key_file)
        self.settings = self.settings_file.load(first_run_region=default_region_from_locale())
        self.session: Session | None = None
        # The account's stored calls while its session connects (the first step of two).
        self._shown_store: CallStore | None = None
        # Counts openings and closings: an opening that finds it moved on gives up.
        self._openings = 0
        # ``--view``: the tab the first account opens on (built first instead of the user's).
        self._first_view = options.view
        # Checks the default country against the account's numbers after a first sync.
        self.country: CountryAdvisor | None = None
        self.demo: DemoPbx | None = None
        # Requests made before any session exists (connection tests) still count.
        self._idle_budget = budget_for(self.settings)
        self.window = MainWindow(self.messages, paths=paths)
        self.desktop = DesktopIntegration(self.window, self.messages, self.settings,
                                          tray_available=tray_available, parent=self)
        self.live = LiveDesk(self.window, self.desktop, self.messages, self.tasks, parent=self)
        # "Try the demo" from a real profile keeps the demo's calls out of it.
        self._demo_dir: tempfile.TemporaryDirectory[str] | None = None
        self._connect_signals()

    def _connect_signals(self) -> None:
        window = self.window
        window.sig_quit_requested.connect(self.quit)
        window.sig_refresh_requested.connect(self._on_window_refresh_requested)
        window.sig_demo_requested.connect(self._on_window_demo_requested)
        window.sig_connect_requested.connect(self._on_window_settings_requested)
        window.sig_settings_requested.connect(self._on_window_settings_requested)
        window.sig_backfill_requested.connect(self._on_window_backfill_requested)
        self.desktop.sig_quit_requested.connect(self.quit)
        window.banner.sig_remedy_requested.connect(self._on_banner_remedy_requested)

    # -- start and stop ------------------------------------------------------------------

    async def start(self) -> None:
        self.window.restore_layout(self.paths.ui_state_file)
        self.window.show()
        self.desktop.start(self.options.instance)
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
        if self.options.view is not None and not self.window.show_view(self.options.view):
            log.warning("No %s view to show (no account connected)", self.options.view)
        if self.options.request is not None:
            self.desktop.handle_request(self.options.request)
        self.report_damaged_files()
        if self.options.screenshot is not None:
            self._take_screenshot(self.options.screenshot)
        if self.options.screenshot_pop is not None:
            from pbxdesk.ui.popshot import PopScreenshotTaker

            taker = PopScreenshotTaker(self.live.pops, self.options.screenshot_pop, parent=self)
            taker.sig_done.connect(self.quit)
            taker.start()

    def report_damaged_files(self) -> None:
        """Say once, in the banner, which of our files were damaged and set aside."""
        found = take_set_aside()
        if not found:
            return
        if any(item.original == self.paths.fallback_key_file for item in found):
            self.messages.post(Message(describe(found) + " Enter the API key again in Settings.",
                                       Severity.WARNING, Remedy.OPEN_SETTINGS, source="files"))
        else:
            self.messages.post(Message(describe(found), Severity.WARNING, source="files"))

    async def start_demo(self) -> None:
        """Serve the demo PBX on loopback and connect to it (key never stored)."""
        if self.demo is None:
            self.demo = self._demo_factory()
            await asyncio.to_thread(self.demo.start)
            if self.options.demo:
                forget_demo_store(self.paths.data_dir / DEMO_STORE_NAME)
        # The demo's settings stand in for the user's while it runs (never saved: see
        # apply_settings), so the settings dialog shows and edits the demo account.
        self.settings = self.demo.settings(self.settings)
        if self.demo.relay_token is not None:  # kept for this run only, like the demo's key
            self.key_store.save(relay_token_account(self.settings.relay_url),
                                self.demo.relay_token, "none")
        await self.open_session(self.settings, self.demo.api_key)

    async def open_session(self, settings: Settings, api_key: str) -> None:
        """Show the account's stored calls, then (after they have painted) connect it.

        The client, sync and calls need httpx and the sync engine, a few hundred
        milliseconds of imports: loaded on a worker thread once the calls show.
        Requests from outside wait meanwhile (DesktopIntegration keeps them).
        """
        await self.close_session()
        self._openings += 1
        opening = self._openings
        try:
            # On a worker: an upgrade adds indexes, a damaged total is rebuilt (seconds
            # at a million calls) and the window must keep painting meanwhile.
            store = await asyncio.to_thread(open_store, settings, self._paths_for(settings))
        except StoreError as error:
            self.messages.post(Message(str(error), Severity.ERROR, Remedy.OPEN_SETTINGS,
                                       source="app"))
            return
        if opening != self._openings:  # closed or reopened meanwhile
            store.close()
            return
        self._shown_store = store
        view, self._first_view = self._first_view, None
        self.window.show_store(store, settings, view=view)
        self.desktop.session_opening()
        await stored_calls_painted(self.window)
        await asyncio.to_thread(preload)
        if opening != self._openings:  # closed meanwhile: close_session closed the store
            return
        self._shown_store = None
        try:
            self.session = Session.connect(settings, api_key, store, self.messages, self.tasks)
        except PbxError as error:
            self.window.detach_session()
            self.desktop.session_closed()
            store.close()
            self.messages.post(Message(str(error), Severity.ERROR, Remedy.OPEN_SETTINGS,
                                       source="app"))
            return
        from pbxdesk.services.country import CountryAdvisor

        self.window.attach_session(self.session)
        self.country = CountryAdvisor(self.session.store, self.messages, settings.default_region,
                                      parent=self)
        self.session.sync.sig_sync_finished.connect(self.country.on_sync_finished)
        self.session.sync.start_sync()
        self.desktop.session_opened(self.session)
        self.live.session_opened(self.session, self.relay_token(settings))
        if self.demo is not None and settings.base_url == self.demo.base_url:
            from pbxdesk.services.demoteam import play_demo_team

            play_demo_team(self.demo, self.session)

    def _paths_for(self, settings: Settings) -> AppPaths:
        """Where the account's calls are stored: a throw-away folder for the demo's from
        a real profile; with ``--demo``, one demo store in the profile, whatever port
        the demo PBX got."""
        if self.demo is None or settings.base_url != self.demo.base_url:
            return self.paths
        if self.options.demo:
            return dataclasses.replace(self.paths, store_name=DEMO_STORE_NAME)
        if self._demo_dir is None:
            self._demo_dir = tempfile.TemporaryDirectory(prefix="pbxdesk-demo-",
                                                         ignore_cleanup_errors=True)
        paths = AppPaths.under(Path(self._demo_dir.name))
        paths.ensure()
        return paths

    async def close_session(self) -> None:
        self._openings += 1  # an opening still on its way stops
        if self._shown_store is not None:  # shown, not connected yet
            store, self._shown_store = self._shown_store, None
            self.window.detach_session()
            self.desktop.session_closed()
            store.close()
        if self.country is not None:
            self.country.done()
            self.country.deleteLater()
            self.country = None
        if self.session is not None:
            self.window.detach_session()
            self.desktop.session_closed()
            await self.live.session_closing()
            session, self.session = self.session, None
            await session.close()

    async def shutdown(self) -> None:
        """Everything in reverse order of creation; never raises."""
        try:
            await self.close_session()
        except Exception:
            log.exception("Closing the session failed")
        await self.tasks.cancel_all()
        if self.options.screenshot is None and self.options.screenshot_pop is None:
            # A screenshot run leaves no traces.
            self.window.save_layout(self.paths.ui_state_file)
        self.desktop.shutdown()
        if self.demo is not None:
            await asyncio.to_thread(self.demo.stop)
            self.demo = None
        if self._demo_dir is not None:
            self._demo_dir.cleanup()
            self._demo_dir = None
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
            self.session.sync.refresh_by_hand()

    @Slot(str)
    def _on_banner_remedy_requested(self, remedy: str) -> None:
        if remedy != Remedy.USE_ACCOUNT_COUNTRY.value or self.country is None:
            return
        region = self.country.suggested
        self.country.done()
        if region is not None:
            self.tasks.spawn(self.apply_settings(self.settings.replace(default_region=region)),
                             name="use-account-country")

    @Slot()
    def _on_window_demo_requested(self) -> None:
        self.tasks.spawn(self.start_demo(), name="start-demo")

    @Slot(object, object, object)
    def _on_window_backfill_requested(self, start: object, end: object, kinds: object) -> None:
        if self.session is not None:
            self.session.sync.start_backfill(start, end, kinds)  # type: ignore[arg-type]

    @Slot()
    def _on_window_settings_requested(self) -> None:
        from pbxdesk.desktop.panel import TelHandlerPanel
        from pbxdesk.desktop.registration import registrar_for_platform
        from pbxdesk.ui.settingsdialog import open_settings_dialog

        basedir = self.options.basedir
        registrar = registrar_for_platform(("--basedir", str(basedir)) if basedir else ())
        demo_key = (self.demo.api_key if self.demo is not None
                    and self.settings.base_url == self.demo.base_url else None)
        open_settings_dialog(self, api_key=demo_key, link_panel=TelHandlerPanel(registrar))

    async def apply_settings(self, new: Settings) -> None:
        """Use ``new`` (saved by the settings dialog, key included); reconnect if needed."""
        self.settings = new
        in_demo = self.demo is not None and new.base_url == self.demo.base_url
        if not in_demo:  # demo settings never reach the user's real profile
            try:
                self.settings_file.save(new)
            except SettingsError as error:
                self.messages.post(Message(str(error), Severity.ERROR, source="settings"))
        self.window.apply_settings(new)
        self.desktop.apply_settings(new)
        if self.demo is not None and in_demo:
            key: str | None = self.demo.api_key
        else:
            key = self.key_store.load(new.base_url, new.key_storage)
            self.report_damaged_files()  # the key file, read here
        session = self.session
        if (session is not None and not needs_reconnect(session.settings, new)
                and key is not None and key.strip() == session.client.settings.api_key):
            session.apply(new)
            await self.live.apply_settings(new, self.relay_token(new))
            return
        if new.is_configured and key:
            await self.open_session(new, key)

    def relay_token(self, settings: Settings) -> str | None:
        """The desk token kept for ``settings.relay_url`` (None: no relay, or none kept)."""
        if not settings.relay_url:
            return None
        return self.key_store.load(relay_token_account(settings.relay_url),
                                   settings.key_storage)

    def connection_budget(self) -> RequestBudget:
        """The budget a connection test draws on: the session's, so tests count too."""
        if self.session is not None:
            return self.session.client.budget
        return self._idle_budget

    # -- screenshots ---------------------------------------------------------------------

    def _take_screenshot(self, path: Path) -> None:
        from pbxdesk.ui.screenshot import ScreenshotTaker

        log.info("Screenshot of the %s view", self.options.view or "user")
        taker = ScreenshotTaker(self.window, path, parent=self, busy=self.window.view_busy)
        taker.sig_done.connect(self.quit)
        if self.session is None:
            taker.take_now()
            return
        taker.wait_for(self.session.sync)


DEMO_STORE_NAME = "calls-demo.sqlite3"


def _live_demo() -> DemoPbx:
    """The demo PBX with its relay (imported only when the demo is asked for)."""
    from pbxdesk.demo import DemoPbx

    return DemoPbx(live_relay=True)


def forget_demo_store(path: Path) -> None:
    """Remove the last run's demo calls: each run's demo PBX makes a new history, and
    the calls of two would look like one day's calls twice. One file, reused, instead
    of a new database per run (``--demo --basedir X``)."""
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            part.unlink(missing_ok=True)
        except OSError as error:
            log.warning("Could not remove the old demo calls %s: %s", part, error)


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
_QUIET_QT_MESSAGES = ("This plugin does not support propagateSizeHints",
                      "This plugin does not support raise")


def _route_qt_messages(mode: QtMsgType, _context: QMessageLogContext, text: str) -> None:
    """Qt's own warnings go to our log instead of the terminal."""
    if any(quiet in text for quiet in _QUIET_QT_MESSAGES):
        return
    level = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
             QtMsgType.QtWarningMsg: logging.WARNING}.get(mode, logging.ERROR)
    logging.getLogger("pbxdesk.qt").log(level, "%s", text)


def choose_locale() -> str:
    """Decide the run's one locale for dates, times and numbers; returns its name.

    The system's. Without one (C/POSIX), English of the country the system points
    at (``LANG``-like variables, else its time zone), so numbers get thousands
    separators and dates a familiar order instead of the C locale's bare
    "26 11 2026". Never the settings' default country: the first-run set-up changes
    that, and the date order would change at the next start.
    """
    if QLocale.system().name() in {"C", "POSIX"}:
        QLocale.setDefault(QLocale(f"en_{default_region_from_locale()}"))
    return QLocale().name()


# How long another thread may hold the GIL while the GUI thread waits for it. The
# sync parses and writes on worker threads; each time the GUI thread comes back
# from Qt or SQLite it queues for the GIL, and at Python's default 5 ms a reload
# after a sync page queued a dozen times (gaps of 30-40 ms; 1 ms halved the
# p99 and max of the event loop's gaps during a first sync, measured side by side).
GIL_SWITCH_S = 0.001


def run(options: Options) -> int:
    """Run the app until it quits; returns the process exit code."""
    choose_platform()
    sys.setswitchinterval(GIL_SWITCH_S)
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
        # Before any widget exists: widgets keep the locale they start with.
        log.info("Locale for dates and numbers: %s", choose_locale())
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        app.setApplicationName(APP_NAME)
        app.setApplicationVersion(__version__)
        app.setDesktopFileName(APP_ID)
        app.setWindowIcon(QIcon(str(resource_path(APP_ICON))))
        crash = CrashHandler(paths.log_file)
        crash.install()
        collector = GuiThreadCollector()
        collector.start()
        try:
            with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
                return runner.run(_main(app, options, paths, crash))
        finally:
            collector.stop()
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
    if sys.platform == "darwin":
        # macOS hands links to the application object, also to a running app.
        from pbxdesk.desktop.macos import FileOpenFilter

        opener = FileOpenFilter(controller)
        opener.sig_url_opened.connect(controller.desktop.open_link)
        app.installEventFilter(opener)
    try:
        # A start-up that cannot finish still leaves the window up with a message.
        QTimer.singleShot(0, lambda: controller.tasks.spawn(controller.start(), name="start"))
        await quit_event.wait()
    finally:
        await controller.shutdown()
    return controller.exit_code
