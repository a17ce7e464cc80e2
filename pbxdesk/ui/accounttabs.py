"""The account's tabs in the main window: which there are, how each is built on first
show, where their requests go, and keeping the built ones current.

Separate from :mod:`pbxdesk.ui.mainwindow` because it is a different job: the window
lays out its parts and routes what the user asks for; this module knows every tab's
constructor and what it needs (the store, the settings, the session), re-reads the
built tabs once per burst of synced calls, and hands the window the tab to export
from, search or wait for. A new tab is a change here, not in the window.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, SignalInstance, Slot
from PySide6.QtWidgets import QTabWidget, QWidget

from pbxdesk.api.models import CallKind
from pbxdesk.settings import Settings
from pbxdesk.store import CallStore
from pbxdesk.ui.history import HistoryTab
from pbxdesk.ui.lazytabs import BuiltOnAccess, LazyTabs

if TYPE_CHECKING:  # built when first shown: imported then (Insights brings Qt Charts)
    from pbxdesk.session import Session
    from pbxdesk.ui.callbacks import CallbacksTab
    from pbxdesk.ui.insights import InsightsTab
    from pbxdesk.ui.insights.figures import CallsTarget

TAB_TITLES = {CallKind.USER: "&User calls", CallKind.QUEUE: "&Queue calls",
              CallKind.RING_GROUP: "&Ring group calls"}
VIEW_KINDS = {"user": CallKind.USER, "queue": CallKind.QUEUE, "ringgroup": CallKind.RING_GROUP}
"""``--view`` names of the history tabs; ``insights`` is the Insights tab."""
VIEW_NAMES = (*VIEW_KINDS, "callbacks", "insights")
"""Every tab's ``--view`` name, in tab order."""

# Sync pages arrive quickly; re-reading the views once per burst is enough.
RELOAD_COALESCE_MS = 300


class AccountTabs(QObject):
    """The history, Callbacks and Insights tabs of the shown account.

    Attributes:
        lazy_tabs: every tab by its ``--view`` name, built on first show.
        tabs_by_kind: the history tabs by call kind (looking one up builds it).
    """

    def __init__(self, tabs: QTabWidget, window: QWidget, *,
                 call_back: Callable[[str], None], status_message: Callable[[str], None],
                 backfill: SignalInstance) -> None:
        """``tabs``: the window's tab widget (it parents every tab).

        Args:
            window: parents this object and the reload timer.
            call_back: where a number to call back goes (a history row, a callback).
            status_message: where a tab's passing status-bar text goes.
            backfill: emitted with start, end and kinds when a filter wants older calls.
        """
        super().__init__(window)
        self._tabs = tabs
        self._call_back = call_back
        self._status_message = status_message
        self._backfill = backfill
        self.lazy_tabs = LazyTabs(tabs)
        self.tabs_by_kind = BuiltOnAccess(self.lazy_tabs, {kind: name for name, kind
                                                           in VIEW_KINDS.items()}, HistoryTab)
        self._store: CallStore | None = None
        self._settings: Settings | None = None
        self._session: Session | None = None
        self._reload_timer = QTimer(window)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_COALESCE_MS)
        self._reload_timer.timeout.connect(self._on_reload_timer_timeout)

    def show(self, store: CallStore, settings: Settings, view: str | None) -> None:
        """A placeholder tab for every view of ``store``; the one named ``view`` (default
        the user calls) is current and built now."""
        self._store = store
        self._settings = settings
        for name, kind in VIEW_KINDS.items():
            self.lazy_tabs.add(name, TAB_TITLES[kind], partial(self._make_history_tab, kind))
        self.lazy_tabs.add("callbacks", "Call&backs", self._make_callbacks_tab)
        self.lazy_tabs.add("insights", "&Insights", self._make_insights)
        if view is not None and view in VIEW_NAMES:
            self._tabs.setCurrentIndex(VIEW_NAMES.index(view))
        self.lazy_tabs.build_current()

    def attach(self, session: Session) -> None:
        """Follow ``session``: its new calls re-read the tabs, its sync marks their
        incomplete days, and the Callbacks tab can be built."""
        self._settings = session.settings
        self._session = session
        sync = session.sync
        sync.sig_calls_changed.connect(self._on_session_calls_changed)
        for tab in self.tabs_by_kind.built():
            sync.sig_incomplete_changed.connect(tab.incomplete.refresh)
        session.calls.sig_calls_changed.connect(self._on_session_calls_changed)

    def clear(self) -> None:
        """Drop every tab and stop following the session (its store closes next)."""
        if self._session is not None:
            self._session.sync.sig_calls_changed.disconnect(self._on_session_calls_changed)
            self._session.calls.sig_calls_changed.disconnect(self._on_session_calls_changed)
        self._reload_timer.stop()
        insights = self.built_insights()
        if insights is not None:
            insights.shutdown()  # it reads the store, closing next
        self.lazy_tabs.clear()
        self._session = None
        self._store = None
        self._settings = None

    def apply_settings(self, settings: Settings) -> None:
        """The built tabs take ``settings`` now; those built later start with them."""
        if self._settings is not None:
            self._settings = settings
        for tab in self.tabs_by_kind.built():
            tab.set_default_region(settings.default_region)
        callbacks = self.built_callbacks()
        if callbacks is not None:
            callbacks.set_default_region(settings.default_region)
        insights = self.built_insights()
        if insights is not None:
            insights.set_service_level(settings.service_level_seconds)
            insights.set_my_extension(settings.my_extension)

    # -- looking tabs up -----------------------------------------------------------------

    def current_history(self) -> HistoryTab | None:
        widget = self._tabs.currentWidget()
        return widget if isinstance(widget, HistoryTab) else None

    def current_list(self) -> HistoryTab | CallbacksTab | None:
        """The shown tab when it is a list (a history or Callbacks): what Export and
        Search act on."""
        callbacks = self.built_callbacks()
        if callbacks is not None and self._tabs.currentWidget() is callbacks:
            return callbacks
        return self.current_history()

    def busy(self) -> bool:
        """True while the shown tab is still computing what it shows (Insights, Callbacks)."""
        shown = self._tabs.currentWidget()
        callbacks = self.built_callbacks()
        if callbacks is not None and shown is callbacks:
            return not callbacks.service.idle
        insights = self.built_insights()
        return insights is not None and shown is insights and insights.busy

    def built_callbacks(self) -> CallbacksTab | None:
        return self.lazy_tabs.built("callbacks")  # type: ignore[return-value]

    def built_insights(self) -> InsightsTab | None:
        return self.lazy_tabs.built("insights")  # type: ignore[return-value]

    # -- building ------------------------------------------------------------------------

    def _make_history_tab(self, kind: CallKind) -> HistoryTab | None:
        if self._store is None or self._settings is None:
            return None
        tab = HistoryTab(kind, self._store, default_region=self._settings.default_region,
                         parent=self._tabs)
        tab.sig_call_back_requested.connect(self._call_back)
        tab.sig_backfill_requested.connect(
            lambda start, end, k=kind: self._backfill.emit(start, end, (k,)))
        tab.sig_status_message.connect(self._status_message)
        if self._session is not None:
            self._session.sync.sig_incomplete_changed.connect(tab.incomplete.refresh)
        return tab

    def _make_callbacks_tab(self) -> CallbacksTab | None:
        if self._session is None:  # its worklist is the session's: the placeholder waits
            return None
        from pbxdesk.ui.callbacks import CallbacksTab

        tab = CallbacksTab(self._session.callbacks,
                           default_region=self._session.settings.default_region,
                           parent=self._tabs)
        tab.sig_call_back_requested.connect(self._call_back)
        tab.sig_status_message.connect(self._status_message)
        return tab

    def _make_insights(self) -> InsightsTab | None:
        if self._store is None or self._settings is None:
            return None
        from pbxdesk.services.insights import InsightsService
        from pbxdesk.ui.insights import InsightsTab

        settings = self._settings
        tab = InsightsTab(InsightsService(self._store), self._store,
                          my_extension=settings.my_extension,
                          service_level_s=settings.service_level_seconds,
                          parent=self._tabs)
        tab.sig_calls_requested.connect(self._on_insights_calls_requested)
        tab.sig_status_message.connect(self._status_message)
        return tab

    # -- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_session_calls_changed(self) -> None:
        if not self._reload_timer.isActive():
            self._reload_timer.start()

    @Slot()
    def _on_reload_timer_timeout(self) -> None:
        for tab in self.tabs_by_kind.built():  # the others read the store when built
            tab.reload()
        insights = self.built_insights()
        if insights is not None:
            insights.reload()

    @Slot(object)
    def _on_insights_calls_requested(self, target: CallsTarget) -> None:
        tab = self.tabs_by_kind.get(target.kind)
        if tab is None:
            return
        self._tabs.setCurrentWidget(tab)
        tab.show_calls(target.first, target.last, target.keys, target.periods,
                       target.periods_label)
