"""Live calls in the app: the relay connection, the screen pops, and what polls without them.

:class:`LiveDesk` is what the application controller holds for live calls.
For each connected account it runs a
:class:`~pbxdesk.services.live.LiveService` when a relay address and a desk
token are set (and shares the callbacks worklist over it, through a
:class:`~pbxdesk.services.callbackrelay.RelayRecordTransport`), and always an
:class:`~pbxdesk.services.ownpoll.OwnCallsPoller` for the times without one.
It shows the service's pops, voicemails and unknown events in a
:class:`~pbxdesk.ui.screenpop.PopStack`, keeps the status bar's "Live" word
up to date, and chooses between two ways of keeping the history current:

- **live** (the stream is up, or reconnecting for less than
  :data:`FALLBACK_SECONDS`, as the relay keeps what happens meanwhile): the
  periodic refresh becomes a reconciliation every ``live_reconcile_minutes``,
  the poller rests and click-to-calls are followed through events;
- **not live**: the refresh runs every ``refresh_minutes`` and the poller
  looks at my calls every ``own_calls_poll_seconds`` while the window is
  active. Coming back to live after that starts one sync at once (webhooks
  sent while the relay was unreachable are lost to it).

Calls stored from events are announced on the sync service's
``sig_calls_changed`` (stored calls changed, whoever stored them), so every
view that re-reads after a sync re-reads now, and the missed-call count and
its notification follow at once.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, QSignalBlocker, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication

from pbxdesk.api.models import CallKind
from pbxdesk.live.crm import crm_url, is_web_link
from pbxdesk.services.messages import MessageBridge
from pbxdesk.services.ownpoll import OwnCallsPoller
from pbxdesk.settings import Settings
from pbxdesk.store import StoreError
from pbxdesk.tasks import TaskKeeper

if TYPE_CHECKING:
    from pbxdesk.desktop.integration import DesktopIntegration
    from pbxdesk.live.client import StreamState
    from pbxdesk.live.events import UnknownEvent
    from pbxdesk.live.pop import PopInfo, VoicemailNote
    from pbxdesk.services.live import LiveService
    from pbxdesk.session import Session
    from pbxdesk.ui.mainwindow import MainWindow
    from pbxdesk.ui.screenpop import PopStack

log = logging.getLogger("pbxdesk.live")

FALLBACK_SECONDS: Final = 120.0
"""Reconnecting for longer than this: back to refreshing and polling as without a relay."""
OFF_TIP: Final = ("No relay set up: calls show at the next refresh. Settings, Live calls "
                  "connects to your team's pbxdesk-relay.")


class LiveDesk(QObject):
    """Live calls for the connected account (see the module docstring).

    Attributes:
        pops: the screen pop windows.
        live: the relay connection, or None (no relay set up, or no account).
        poller: the own-calls poller of the account, or None.
    """

    def __init__(self, window: MainWindow, desktop: DesktopIntegration,
                 messages: MessageBridge, tasks: TaskKeeper, *,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._desktop = desktop
        self._messages = messages
        self._tasks = tasks
        self.session: Session | None = None
        self.settings = Settings()
        self.live: LiveService | None = None
        self.poller: OwnCallsPoller | None = None
        self._token: str | None = None
        self._live_mode = False
        self._fell_back = False
        self._last_live = 0.0
        self._was_up = False
        # Made at the first pop (or first look): not on the way to the first paint.
        self._pops: PopStack | None = None
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.timeout.connect(self._update_mode)

    @property
    def pops(self) -> PopStack:
        """The screen pop windows (made on first use)."""
        if self._pops is None:
            from pbxdesk.ui.screenpop import PopStack

            self._pops = PopStack(lambda: self._window, crm_url=self._crm_url_for, parent=self)
            self._connect_pop_signals(self._pops)
        return self._pops

    def _connect_pop_signals(self, pops: PopStack) -> None:
        pops.sig_close_requested.connect(self._on_pop_close_requested)
        pops.sig_history_requested.connect(self.show_number_history)
        pops.sig_copy_requested.connect(self._on_pop_copy_requested)
        pops.sig_crm_requested.connect(self._open_web_link)
        pops.sig_listen_requested.connect(self._open_web_link)

    # -- what the controller tells ---------------------------------------------------------

    def session_opened(self, session: Session, token: str | None) -> None:
        """An account is connected: poll, and connect to the relay if one is set up."""
        self.session = session
        self.settings = session.settings
        self.poller = OwnCallsPoller(
            session.client, session.store, self._tasks,
            my_extension=session.settings.my_extension,
            interval_seconds=session.settings.own_calls_poll_seconds,
            sync_running=lambda: session.sync.running, parent=self)
        self.poller.sig_calls_changed.connect(self._on_calls_stored)
        session.calls.follow_live(self.is_live)
        self._start_live(token)
        self._update_mode()

    async def session_closing(self) -> None:
        """Before the account's session closes: stop the relay connection and the poller."""
        await self._stop_live()
        if self.poller is not None:
            poller, self.poller = self.poller, None
            await poller.shutdown()
            poller.deleteLater()
        self.session = None
        self._live_mode = False
        if self._pops is not None:
            self._pops.close_all()

    async def apply_settings(self, settings: Settings, token: str | None) -> None:
        """Settings changed without a new session: reconnect only if the relay changed."""
        old, self.settings = self.settings, settings
        if self.poller is not None:
            self.poller.my_extension = settings.my_extension.strip()
            self.poller.set_interval(settings.own_calls_poll_seconds)
        if self.live is not None:
            self.live.set_my_extension(settings.my_extension)
            self.live.set_region(settings.default_region)
        if (settings.relay_url, token) != (old.relay_url, self._token) and self.session:
            await self._stop_live()
            self._start_live(token)
        self._live_mode = not self.is_live()  # apply the intervals again, whatever they were
        self._update_mode()

    async def shutdown(self) -> None:
        await self.session_closing()

    # -- state -----------------------------------------------------------------------------

    def is_live(self) -> bool:
        """True while events reach (or will reach, once reconnected) this desk."""
        live = self.live
        if live is None:
            return False
        from pbxdesk.live.client import StreamStatus  # loaded with the live service (httpx)

        status = live.state.status
        if status is StreamStatus.LIVE:
            return True
        return (status in (StreamStatus.RECONNECTING, StreamStatus.CONNECTING)
                and self._last_live > 0
                and time.monotonic() - self._last_live < FALLBACK_SECONDS)

    def _start_live(self, token: str | None) -> None:
        self._token = token
        session = self.session
        settings = self.settings
        if session is None or not settings.relay_url or not token:
            self._show_status(None)
            return
        from pbxdesk.services.callbackrelay import RelayRecordTransport  # only with a relay
        from pbxdesk.services.live import LiveService

        live = LiveService(session.store, self._messages, self._tasks,
                           relay_url=settings.relay_url, token=token,
                           my_extension=settings.my_extension,
                           region=settings.default_region, parent=self)
        self.live = live
        live.sig_state_changed.connect(self._on_live_state_changed)
        live.sig_pop_opened.connect(self._on_live_pop_opened)
        live.sig_pop_changed.connect(self.pops.update_call)
        live.sig_pop_closed.connect(self.pops.close)
        live.sig_answered.connect(self._on_live_answered)
        live.sig_calls_stored.connect(self._on_calls_stored)
        live.sig_voicemail.connect(self._on_live_voicemail)
        live.sig_unknown_event.connect(self._on_live_unknown_event)
        live.sig_outbound_event.connect(session.calls.on_live_event)
        # The team's callbacks are shared over the same connection.
        session.callbacks.set_transport(RelayRecordTransport(
            live, self._tasks, relay_url=settings.relay_url, token=token, parent=live))
        self._show_status(live.state)
        live.start()

    async def _stop_live(self) -> None:
        live, self.live = self.live, None
        self._last_live = 0.0
        self._was_up = False
        self._fallback.stop()
        if live is not None:
            if self.session is not None:
                self.session.callbacks.set_transport(None)  # this desk alone meanwhile
            await live.shutdown()
            live.deleteLater()
        self._show_status(None)

    @Slot(object)
    def _on_live_state_changed(self, state: StreamState) -> None:
        from pbxdesk.live.client import StreamStatus  # loaded with the live service (httpx)

        was_up = self._was_up
        self._was_up = state.status is StreamStatus.LIVE
        if self._was_up or was_up:
            # Up now, or up until this moment: the fallback comes FALLBACK_SECONDS after it.
            self._last_live = time.monotonic()
        if was_up and not self._was_up:
            self._fallback.start(int(FALLBACK_SECONDS * 1000) + 100)
        self._show_status(state)
        self._update_mode()

    @Slot()
    def _update_mode(self) -> None:
        live_mode = self.is_live()
        session = self.session
        if session is None or live_mode == self._live_mode:
            return
        self._live_mode = live_mode
        settings = self.settings
        if live_mode:
            minutes = settings.live_reconcile_minutes if settings.refresh_minutes else 0
            session.sync.set_refresh_minutes(minutes)
            log.info("Live calls: refresh becomes a reconciliation every %d minutes", minutes)
            if self._fell_back:  # webhooks sent while the relay was unreachable are lost
                self._fell_back = False
                session.sync.start_sync()
        else:
            session.sync.set_refresh_minutes(settings.refresh_minutes)
            self._fell_back = self.live is not None
        if self.poller is not None:
            self.poller.set_enabled(not live_mode)

    def _show_status(self, state: StreamState | None) -> None:
        status = self._window.status
        if state is None:
            status.set_live_status("Live: off", OFF_TIP)
            return
        from pbxdesk.live.client import StreamStatus  # loaded with the live service (httpx)

        if state.status is StreamStatus.LIVE:
            status.set_live_status("Live", "Connected to the relay: calls show as they "
                                   "happen.")
        elif state.status is StreamStatus.CONNECTING:
            status.set_live_status("Live: connecting…", "Connecting to the relay.")
        elif state.status is StreamStatus.RECONNECTING:
            wait = f" in {state.retry_in:.0f} s" if state.retry_in else ""
            status.set_live_status("Live: reconnecting…",
                                   f"{(state.problem or 'Disconnected').capitalize()}; "
                                   f"trying again{wait}. Nothing is lost meanwhile.")
        else:
            status.set_live_status("Live: off", state.problem or OFF_TIP)

    # -- events ----------------------------------------------------------------------------

    @Slot(object)
    def _on_live_pop_opened(self, pop: PopInfo) -> None:
        if self.settings.screen_pop:
            self.pops.show_call(pop)

    @Slot(object)
    def _on_live_answered(self, pop: PopInfo) -> None:
        if self.settings.crm_open_on_answer:
            url = self._crm_url_for(pop)
            if url is not None:
                self._open_web_link(url)

    @Slot(object)
    def _on_live_voicemail(self, note: VoicemailNote) -> None:
        self.pops.show_voicemail(note)

    @Slot(object)
    def _on_live_unknown_event(self, event: UnknownEvent) -> None:
        self.pops.show_event(event)

    @Slot()
    def _on_calls_stored(self) -> None:
        session = self.session
        if session is None:
            return
        session.sync.sig_calls_changed.emit()  # stored calls changed: every view re-reads
        self._desktop.refresh_missed()

    # -- pop buttons -------------------------------------------------------------------------

    @Slot(str)
    def _on_pop_close_requested(self, key: str) -> None:
        if self.live is not None:
            self.live.close_pop(key)
        if self._pops is not None:
            self._pops.close(key)

    @Slot(str)
    def show_number_history(self, number: str) -> None:
        """The User calls tab, filtered to ``number`` over all stored days."""
        tab = self._window.tabs_by_kind.get(CallKind.USER)
        if tab is None or self.session is None or not number:
            return
        self._window.bring_to_front()
        self._window.tabs.setCurrentWidget(tab)
        bar = tab.filter_bar
        try:
            stored = self.session.store.date_range()  # two lookups on the start index
        except StoreError:
            stored = None
        blockers = [QSignalBlocker(widget) for widget in (bar.outcome, bar.targets)]
        if bar.direction is not None:
            blockers.append(QSignalBlocker(bar.direction))
        bar.outcome.setCurrentIndex(0)
        if bar.direction is not None:
            bar.direction.setCurrentIndex(0)
        bar.targets.set_checked_keys(set())
        del blockers
        if stored is not None:
            first = stored[0].astimezone().date()
            last = max(stored[1].astimezone().date(), bar.day_range().last)
            bar.set_custom_range(first, last)
        bar.set_search_text(number)
        tab.view.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(str)
    def _on_pop_copy_requested(self, number: str) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None and number:
            clipboard.setText(number)
            self._window.status.showMessage(f"Copied {number}", 4000)

    @Slot(str)
    def _open_web_link(self, url: str) -> None:
        """Open an http(s) address in the default app; anything else is refused."""
        if not is_web_link(url):
            log.warning("Refused to open a link that is not http(s)")
            return
        if not QDesktopServices.openUrl(QUrl(url, QUrl.ParsingMode.StrictMode)):
            self._window.status.showMessage("No app could open the link", 6000)

    def _crm_url_for(self, pop: PopInfo) -> str | None:
        return crm_url(self.settings.crm_url_template, pop.e164, pop.raw_number)
