"""Everything that reaches pbxdesk from outside its window.

:class:`DesktopIntegration` owns the tray icon, the clipboard watcher and the
single-instance server, and carries out what arrives through them: a later
launch's request (``pbxdesk call …``, a ``tel:`` link, ``--dial-clipboard``),
a link macOS hands over, a copied number, a click on a notification. It also
keeps the missed-call count of the connected account in the window's Calls
menu, and the count of callbacks waiting in the tray, whose notifications
name the callers. The application controller tells it when an account
connects or disconnects and when settings change; everything else it does
through the main window.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QGuiApplication

from pbxdesk.external import BadRequestError, ExternalRequest
from pbxdesk.instance import InstanceClaim, InstanceServer
from pbxdesk.phone import format_for_display
from pbxdesk.services.callbacktexts import notification_text
from pbxdesk.services.clipboard import ClipboardService
from pbxdesk.services.messages import Message, MessageBridge, Remedy, Severity
from pbxdesk.services.worklist import Worklist
from pbxdesk.settings import Settings
from pbxdesk.store import StoreError
from pbxdesk.ui.tray import TrayIcon

if TYPE_CHECKING:
    from pbxdesk.session import Session
    from pbxdesk.ui.mainwindow import MainWindow

log = logging.getLogger("pbxdesk.app")

SOURCE = "request"  # the banner source of this module's messages
MAX_PENDING = 8  # requests kept while no account is connected


class DesktopIntegration(QObject):
    """Tray, clipboard, links and later launches.

    Signals:
        sig_quit_requested(): the tray's Quit, or the window closed with no tray
            to keep running in.
    """

    sig_quit_requested = Signal()
    """pbxdesk should quit."""

    def __init__(self, window: MainWindow, messages: MessageBridge, settings: Settings, *,
                 tray_available: bool | None = None, parent: QObject | None = None) -> None:
        """``tray_available``: None asks the desktop (tests decide for themselves)."""
        super().__init__(parent)
        self.window = window
        self._messages = messages
        self._settings = settings
        self.session: Session | None = None
        self.tray = TrayIcon(available=tray_available, parent=self)
        self.clipboard = ClipboardService(QGuiApplication.clipboard(),
                                          default_region=settings.default_region, parent=self)
        self.instance_server: InstanceServer | None = None
        # Requests that came before any account was connected, in order; carried out on
        # connect (a start shows the stored calls first and connects a moment later).
        self._pending: list[ExternalRequest] = []
        # An account is connecting: requests wait for it without a word.
        self._connecting = False
        # Whose phones ring and which caller ID, for a --dial-clipboard request.
        self._clipboard_choice: tuple[str | None, str | None] = (None, None)
        self._told_about_tray = False
        self._connect_signals()

    def _connect_signals(self) -> None:
        window, tray, clipboard = self.window, self.tray, self.clipboard
        window.sig_close_requested.connect(self._on_window_close_requested)
        window.sig_dial_clipboard_requested.connect(self._on_dial_clipboard_requested)
        window.sig_show_missed_requested.connect(self._on_show_missed_requested)
        tray.sig_open_requested.connect(window.bring_to_front)
        tray.sig_show_missed_requested.connect(self._on_show_missed_requested)
        tray.sig_missed_calls_requested.connect(self._on_missed_calls_requested)
        tray.sig_dial_clipboard_requested.connect(self._on_dial_clipboard_requested)
        tray.sig_offer_accepted.connect(self._on_tray_offer_accepted)
        tray.sig_callback_requested.connect(self._on_callback_requested)
        tray.sig_quit_requested.connect(self.sig_quit_requested)
        clipboard.sig_number_found.connect(self._on_clipboard_number_found)
        clipboard.sig_numbers_found.connect(self._on_clipboard_numbers_found)
        clipboard.known_extensions = self._known_extensions
        clipboard.sig_nothing_found.connect(self._on_clipboard_nothing_found)
        clipboard.sig_offer_call.connect(self._on_clipboard_offer_call)

    # -- what the controller tells ---------------------------------------------------------

    def start(self, claim: InstanceClaim | None) -> None:
        """Show the tray icon, watch the clipboard if wanted, listen for later launches."""
        self.tray.show()
        self.clipboard.set_watching(self._settings.watch_clipboard)
        if claim is not None:
            self.instance_server = claim.start_server(parent=self)
        if self.instance_server is not None:
            self.instance_server.sig_request_received.connect(self.handle_request)

    def shutdown(self) -> None:
        if self.instance_server is not None:
            self.instance_server.close()
        self.clipboard.set_watching(False)
        self.tray.close()

    def session_opened(self, session: Session) -> None:
        """An account is connected (and shown): count its missed calls, run what waited."""
        self.session = session
        self.apply_settings(session.settings)  # the demo's stand in for the user's
        session.sync.sig_sync_finished.connect(self._on_sync_finished)
        session.callbacks.sig_worklist_changed.connect(self._on_callbacks_changed)
        session.callbacks.sig_callbacks_arrived.connect(self._on_callbacks_arrived)
        self._on_callbacks_changed(session.callbacks.worklist)
        self._connecting = False
        pending, self._pending = self._pending, []
        for request in pending:
            self.handle_request(request)

    def session_opening(self) -> None:
        """An account's session is on its way: requests wait for it quietly."""
        self._connecting = True

    def session_closed(self) -> None:
        self.session = None
        self._connecting = False
        self._show_missed_count(0)
        self.tray.set_callback_count(None)

    def apply_settings(self, settings: Settings) -> None:
        self._settings = settings
        self.clipboard.set_default_region(settings.default_region)
        self.clipboard.set_watching(settings.watch_clipboard)

    # -- requests ----------------------------------------------------------------------------

    @Slot(object)
    def handle_request(self, request: object) -> None:
        """Carry out what a launch, a link or the command line asked for."""
        if not isinstance(request, ExternalRequest):
            return
        log.info("Request from %s: %s", request.source, request.action)
        self.window.bring_to_front()
        if request.action == "show":
            return
        if self.session is None:
            # Carried out once an account is connected; a flood keeps only the latest.
            self._pending = [*self._pending, request][-MAX_PENDING:]
            if not self._connecting:
                self._messages.post(Message(
                    "Connect to your PBX to place calls; the number you asked for is kept "
                    "until then.", Severity.WARNING, Remedy.OPEN_SETTINGS, source=SOURCE))
            return
        if request.action == "dial_clipboard":
            # The clipboard answers at once (a direct signal): the choice applies to it only.
            self._clipboard_choice = (request.user, request.caller_id)
            try:
                self.clipboard.dial_copied_number()
            finally:
                self._clipboard_choice = (None, None)
            return
        self.window.dial(request.number, dial=request.action == "dial", user=request.user,
                         caller_id=request.caller_id)

    @Slot(str)
    def open_link(self, url: str) -> None:
        """A tel:/callto: link the desktop handed over (macOS sends them as events)."""
        try:
            request = ExternalRequest("dial", url, source="uri")
        except BadRequestError as error:
            self._messages.post(Message(f"Cannot open that link: {error}", Severity.WARNING,
                                        source=SOURCE))
            return
        self.handle_request(request)

    # -- slots -------------------------------------------------------------------------------

    @Slot()
    def _on_window_close_requested(self) -> None:
        if not (self.tray.available and self._settings.close_to_tray):
            self.sig_quit_requested.emit()
            return
        self.window.hide()
        if not self._told_about_tray:  # once a run: where did my window go?
            self._told_about_tray = True
            self.tray.notify("pbxdesk is still running",
                             "Missed calls show here. Choose Quit from this menu to stop.")

    @Slot()
    def _on_dial_clipboard_requested(self) -> None:
        self.window.bring_to_front()
        self.clipboard.dial_copied_number()

    @Slot(str)
    def _on_clipboard_number_found(self, number: str) -> None:
        user, caller_id = self._clipboard_choice
        if not self.window.dial(number, dial=True, user=user, caller_id=caller_id):
            self.window.status.showMessage("Connect to your PBX first to call copied numbers",
                                           8000)

    @Slot(object)
    def _on_clipboard_numbers_found(self, numbers: list[tuple[str, str]]) -> None:
        pad = self.window.pad
        if pad is None:
            self.window.status.showMessage("Connect to your PBX first to call copied numbers",
                                           8000)
            return
        self.window.show_dial_pad()
        user, caller_id = self._clipboard_choice
        problem = pad.choose(user=user, caller_id=caller_id)
        if problem is not None:
            self.window.status.showMessage(problem, 10_000)
        pad.offer_numbers(numbers)

    @Slot(str)
    def _on_clipboard_nothing_found(self, reason: str) -> None:
        self.window.status.showMessage(f"No number to call in what you copied: {reason}",
                                       8000)
        pad = self.window.pad
        if pad is not None:  # the number from before must not look like the copied one
            self.window.show_dial_pad()
            pad.show_nothing_to_dial(reason)

    def _known_extensions(self) -> frozenset[str]:
        pad = self.window.pad
        return pad.known_extensions if pad is not None else frozenset()

    @Slot(str, str)
    def _on_clipboard_offer_call(self, number: str, display: str) -> None:
        if self.session is None:
            return
        if not self.tray.offer_call(number, display):
            self.window.status.showMessage(
                f"You copied {display}: press Ctrl+Shift+D to call it", 10_000)

    @Slot(str)
    def _on_tray_offer_accepted(self, number: str) -> None:
        self.window.bring_to_front()
        self.window.dial(number, dial=True)

    @Slot()
    def _on_show_missed_requested(self) -> None:
        self._show_missed(())

    @Slot(object)
    def _on_missed_calls_requested(self, keys: object) -> None:
        self._show_missed(tuple(keys) if isinstance(keys, tuple) else ())

    def _show_missed(self, keys: tuple[str, ...]) -> None:
        """The missed calls, newest first, with the calls of ``keys`` selected."""
        self.window.bring_to_front()
        session = self.session
        if session is None:
            return
        self.window.show_missed(session.missed.my_extension, select=keys)
        try:
            session.missed.mark_seen()
        except StoreError as error:
            log.warning("Could not remember which missed calls were seen: %s", error)
        self._show_missed_count(0)

    @Slot()
    def refresh_missed(self) -> None:
        """Count the missed calls again and tell about new ones (a live call just ended)."""
        self._on_sync_finished(None)

    @Slot(object)
    def _on_sync_finished(self, _result: object) -> None:
        session = self.session
        if session is None:
            return
        try:
            update = session.missed.refresh()
        except StoreError as error:
            log.warning("Could not count missed calls: %s", error)
            return
        # The count is for the Calls menu; what is new is announced as callbacks
        # (_on_callbacks_arrived), which name the callers and drop those already reached.
        self._show_missed_count(update.total)

    @Slot(object)
    def _on_callbacks_changed(self, worklist: object) -> None:
        if isinstance(worklist, Worklist):
            # As read (a snooze that ends later brings a new reading): ready made, no walk.
            self.tray.set_callback_count(len(worklist.waiting_then))

    @Slot(object)
    def _on_callbacks_arrived(self, waiting: object) -> None:
        """Callers newly waiting: name the oldest few; a click opens the first named."""
        if not isinstance(waiting, list) or not waiting or self.window.pad is None:
            return
        title, text = notification_text(waiting, self._number_text)
        if not self.tray.notify_callbacks(title, text, waiting[0].number):
            # No tray to notify from: the status bar says it, without taking the focus.
            self.window.status.showMessage(
                f"{title}: {text} — View > Callbacks (Ctrl+4)", 30_000)

    @Slot(str)
    def _on_callback_requested(self, number: str) -> None:
        self.window.bring_to_front()
        self.window.show_callbacks(number or None)

    def _number_text(self, raw: str) -> str:
        return format_for_display(raw, self._settings.default_region)

    def _show_missed_count(self, count: int) -> None:
        self.tray.set_missed_count(count)
        self.window.set_missed_count(count)
