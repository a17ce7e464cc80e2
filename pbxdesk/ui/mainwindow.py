"""The main window: welcome page or the call-history and Callbacks tabs, dial pad, banner,
status bar.

The window shows and forwards: user intents leave as signals (refresh,
settings, demo, call back …) for the application controller to act on, and
services reach it only through the signals wired in :meth:`_connect_signals`
and :meth:`attach_session`.

An account shows in two steps: :meth:`MainWindow.show_store` paints its stored
calls, :meth:`MainWindow.attach_session` then adds the dial pad, the sync and
the Callbacks worklist. Each tab is built when it is first shown or asked for
(:mod:`pbxdesk.ui.lazytabs`), so a start builds one history table, not five tabs;
:mod:`pbxdesk.ui.accounttabs` builds them and keeps them current.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QMainWindow,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.api.models import CallKind
from pbxdesk.paths import AppPaths
from pbxdesk.services.messages import MessageBridge, Remedy
from pbxdesk.settings import Settings
from pbxdesk.store import CallStore
from pbxdesk.ui.accounttabs import TAB_TITLES, AccountTabs
from pbxdesk.ui.banner import Banner
from pbxdesk.ui.helpmenu import HelpActions
from pbxdesk.ui.history import HistoryTab
from pbxdesk.ui.history.dates import DatePreset
from pbxdesk.ui.icons import action_icon
from pbxdesk.ui.menus import add_toolbar, fill_menu_bar
from pbxdesk.ui.paddock import DialPadDock
from pbxdesk.ui.statusbar import SyncStatusBar
from pbxdesk.ui.welcome import WelcomePage
from pbxdesk.ui.windowstate import restore_window_state, save_window_state

if TYPE_CHECKING:  # built when first shown: imported then (Insights brings Qt Charts)
    from pbxdesk.session import Session
    from pbxdesk.ui.callbacks import CallbacksTab
    from pbxdesk.ui.dialpad import DialPad
    from pbxdesk.ui.insights import InsightsTab
# Qt reads Ctrl as ⌘ on macOS, where ⌘M minimises the window: there it is ⌃M (Meta).
MISSED_SHORTCUT = "Meta+M" if sys.platform == "darwin" else "Ctrl+M"


def missed_shortcut_text() -> str:
    """The Show missed calls shortcut as this platform writes it ("Ctrl+M", "⌃M")."""
    return QKeySequence(MISSED_SHORTCUT).toString(QKeySequence.SequenceFormat.NativeText)


class MainWindow(QMainWindow):
    """The app's window.

    Signals:
        sig_refresh_requested(): F5 / Refresh.
        sig_settings_requested(): Ctrl+, / Settings / the banner's "Open settings".
        sig_connect_requested(): the welcome page's "Connect to your PBX".
        sig_demo_requested(): the welcome page's "Try the demo".
        sig_call_back_requested(str): a history row's (or a callback's) number went
            to the dial pad.
        sig_dial_clipboard_requested(): Calls > Dial copied number.
        sig_show_missed_requested(): Calls > Show missed calls.
        sig_backfill_requested(object, object, object): start, end, kinds.
        sig_close_requested(): the window's close button (quit, or hide to the tray).
        sig_quit_requested(): File > Quit.
    """

    sig_refresh_requested = Signal()
    """The user asked for a sync now."""
    sig_settings_requested = Signal()
    """The user asked for the settings dialog."""
    sig_connect_requested = Signal()
    """The welcome page's "Connect to your PBX"."""
    sig_demo_requested = Signal()
    """The welcome page's "Try the demo"."""
    sig_call_back_requested = Signal(str)
    """A number (raw, as the API sent it) to call back; the dial pad has it already."""
    sig_dial_clipboard_requested = Signal()
    """The user asked to dial the number on the clipboard."""
    sig_show_missed_requested = Signal()
    """The user asked for the missed calls they have not seen yet."""
    sig_backfill_requested = Signal(object, object, object)
    """A filter wants calls from ``start`` to ``end`` of these kinds (datetimes, tuple)."""
    sig_close_requested = Signal()
    """The window was closed; the controller quits or keeps running in the tray."""
    sig_quit_requested = Signal()
    """File > Quit."""

    def __init__(self, messages: MessageBridge, *, paths: AppPaths | None = None,
                 parent: QWidget | None = None) -> None:
        """``paths``: the folders Help > About shows and Open log folder opens."""
        super().__init__(parent)
        self.paths = paths
        self.setWindowTitle("pbxdesk")
        self.setObjectName("mainWindow")
        self.resize(1280, 760)
        self._messages = messages
        self.session: Session | None = None
        # The account's stored calls, shown before its session is connected.
        self.store: CallStore | None = None
        self.banner = Banner(self)
        self.welcome = WelcomePage(self)
        self.tabs = QTabWidget(self)
        # Each tab is built when first shown (or asked for): see show_store.
        self.account_tabs = AccountTabs(self.tabs, self,
                                        call_back=self._on_tab_call_back_requested,
                                        status_message=self._on_tab_status_message,
                                        backfill=self.sig_backfill_requested)
        self.lazy_tabs = self.account_tabs.lazy_tabs
        self.tabs_by_kind = self.account_tabs.tabs_by_kind
        self.tabs.setAccessibleName("Call histories")
        self.tabs.tabBar().setAccessibleName("Call history tabs")
        self.tabs.setDocumentMode(True)
        # The banner sits above both pages: problems show on the welcome page too.
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.tabs)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.status = SyncStatusBar(self)
        self.setStatusBar(self.status)
        # The pad lives beside the histories so a number from a row is one glance away.
        self.pad_dock = DialPadDock(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.pad_dock)
        self.pad_dock.hide()  # until an account is connected
        self._create_actions()
        self._connect_signals()
        self.show_welcome()

    # -- building ------------------------------------------------------------------------

    def _create_actions(self) -> None:
        def action(text: str, shortcut: QKeySequence.StandardKey | str | None,
                   tip: str) -> QAction:
            made = QAction(text, self)
            if shortcut is not None:
                made.setShortcut(QKeySequence(shortcut))
            made.setToolTip(tip)
            made.setStatusTip(tip)
            self.addAction(made)
            return made

        self.refresh_action = action("&Refresh", "F5", "Fetch new calls from the PBX now (F5)")
        self.dial_action = action("&Dial pad", "Ctrl+D",
                                  "Show the dial pad and type a number (Ctrl+D)")
        self.dial_clipboard_action = action("Dial &copied number", "Ctrl+Shift+D",
                                            "Put the number you copied in the dial pad "
                                            "(Ctrl+Shift+D)")
        self.show_missed_action = action("Show &missed calls", MISSED_SHORTCUT,
                                         "Your inbound missed calls, newest first "
                                         f"({missed_shortcut_text()})")
        self.export_action = action("&Export CSV…", "Ctrl+E",
                                    "Export every call matching the filters (Ctrl+E)")
        self.settings_action = action("&Settings…", "Ctrl+,", "Connection and app settings")
        self.search_action = action("&Search", QKeySequence.StandardKey.Find,
                                    "Search calls by number or name (Ctrl+F)")
        self.quit_action = action("&Quit", "Ctrl+Q", "Quit pbxdesk (Ctrl+Q)")
        # Windows has no standard Quit key; elsewhere the platform's goes first.
        self.quit_action.setShortcuts(list(dict.fromkeys(
            [*QKeySequence.keyBindings(QKeySequence.StandardKey.Quit),
             QKeySequence("Ctrl+Q")])))
        self.help = HelpActions(self, self.paths)
        self.tab_actions = []
        for index, kind in enumerate(TAB_TITLES):
            switch = action(TAB_TITLES[kind].replace("&", ""), f"Ctrl+{index + 1}",
                            f"Show {TAB_TITLES[kind].replace('&', '').lower()} (Ctrl+{index + 1})")
            switch.triggered.connect(lambda _checked=False, i=index: self._show_tab(i))
            self.tab_actions.append(switch)
        self.callbacks_action = action("Call&backs", "Ctrl+4",
                                       "Missed callers to call back, oldest first (Ctrl+4)")
        self.callbacks_action.triggered.connect(lambda _checked=False: self.show_callbacks())
        self.tab_actions.append(self.callbacks_action)
        self.insights_action = action("&Insights", "Ctrl+5",
                                      "Charts of the calls per day, hour, queue and agent "
                                      "(Ctrl+5)")
        self.insights_action.triggered.connect(lambda: self.show_view("insights"))
        self._set_action_icons()

        menus = fill_menu_bar(self.menuBar(), (
            ("&File", (self.export_action, None, self.quit_action)),
            ("&View", (*self.tab_actions, self.insights_action, None, self.search_action)),
            ("&Calls", (self.dial_action, self.dial_clipboard_action, self.show_missed_action,
                        None, self.refresh_action)),
            ("&Tools", (self.settings_action,)),
            ("&Help", self.help.actions()),
        ))
        self.help_menu = menus["&Help"]
        self.toolbar = add_toolbar(self, "Main toolbar", "mainToolbar", (
            self.refresh_action, self.dial_action, self.export_action, self.settings_action))

    def _set_action_icons(self) -> None:
        """Theme icons where the desktop has them, else ours tinted to this palette."""
        for made, name in ((self.refresh_action, "refresh"),
                           (self.dial_action, "dialpad"),
                           (self.dial_clipboard_action, "dial"),
                           (self.export_action, "export"),
                           (self.settings_action, "settings"),
                           (self.search_action, "search"),
                           (self.show_missed_action, "missed-call")):
            made.setIcon(action_icon(name, self.palette()))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        # A light/dark switch repaints with a new palette; our tinted icons follow it.
        if event.type() == QEvent.Type.PaletteChange:
            self._set_action_icons()
        super().changeEvent(event)

    def _connect_signals(self) -> None:
        self.refresh_action.triggered.connect(self.sig_refresh_requested)
        self.dial_action.triggered.connect(self._on_dial_action_triggered)
        self.dial_clipboard_action.triggered.connect(self.sig_dial_clipboard_requested)
        self.show_missed_action.triggered.connect(self.sig_show_missed_requested)
        self.pad_dock.sig_settings_requested.connect(self.sig_settings_requested)
        self.settings_action.triggered.connect(self.sig_settings_requested)
        self.quit_action.triggered.connect(self.sig_quit_requested)
        self.export_action.triggered.connect(self._on_export_triggered)
        self.search_action.triggered.connect(self._on_search_triggered)
        self.welcome.sig_connect_requested.connect(self.sig_connect_requested)
        self.welcome.sig_demo_requested.connect(self.sig_demo_requested)
        self.banner.sig_remedy_requested.connect(self._on_banner_remedy_requested)
        self._messages.sig_message_posted.connect(self.banner.show_message)
        self._messages.sig_message_cleared.connect(self.banner.clear_source)

    # -- sessions ------------------------------------------------------------------------

    def show_welcome(self) -> None:
        self.stack.setCurrentWidget(self.welcome)
        self.status.set_connected(False)
        for made in self._session_actions():
            made.setEnabled(False)

    def show_store(self, store: CallStore, settings: Settings, *,
                   view: str | None = None) -> None:
        """Show the stored calls of an account whose session is not connected yet: the
        tab named ``view`` (default the user calls) is built now, the others when first
        shown. :meth:`attach_session` with the session on this store follows."""
        self.detach_session()
        focused = self.focusWidget()
        self.store = store
        self.account_tabs.show(store, settings, view)
        self.setWindowTitle(f"pbxdesk — {settings.base_url}")
        self.stack.setCurrentWidget(self.tabs)
        for made in self._store_actions():
            made.setEnabled(True)
        shown = self.current_tab()
        if shown is not None and (focused is None or self.welcome.isAncestorOf(focused)):
            # The list, not the tab bar Qt would pick: arrows and Enter work at once there,
            # and Ctrl+F searches.
            shown.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def attach_session(self, session: Session) -> None:
        """Show the histories of ``session`` and follow its sync (the stored calls stay
        as they are when :meth:`show_store` showed its store already)."""
        if self.store is not session.store or self.session is not None:
            self.show_store(session.store, session.settings)
        self.session = session
        sync = session.sync
        sync.sig_sync_started.connect(self.status.on_sync_started)
        sync.sig_sync_progressed.connect(self.status.on_sync_progressed)
        sync.sig_sync_finished.connect(self.status.on_sync_finished)
        sync.sig_sync_failed.connect(self.status.on_sync_failed)
        sync.sig_budget_changed.connect(self.status.on_budget_changed)
        self.account_tabs.attach(session)
        sync.sig_sync_finished.connect(self._on_sync_finished)
        sync.sig_refresh_skipped.connect(self._on_tab_status_message)
        self.status.sig_cancel_requested.connect(sync.cancel)
        self.status.set_connected(True)
        self.status.set_last_synced(sync.last_synced)
        self.setWindowTitle(f"pbxdesk — {session.settings.base_url}")
        self.pad_dock.attach(session)
        for made in self._session_actions():
            made.setEnabled(True)
        self.lazy_tabs.build_current()  # Callbacks waited for the session

    @property
    def callbacks_tab(self) -> CallbacksTab | None:
        """The Callbacks tab (built now if it was not; None without a session)."""
        return self.lazy_tabs.widget("callbacks")  # type: ignore[return-value]

    @property
    def insights(self) -> InsightsTab | None:
        """The Insights tab (built now if it was not; None without stored calls)."""
        return self.lazy_tabs.widget("insights")  # type: ignore[return-value]

    def detach_session(self) -> None:
        """Drop the views of the current session or store (before it closes)."""
        if self.store is None and self.session is None:
            return
        if self.session is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self.status.sig_cancel_requested.disconnect(self.session.sync.cancel)
            self.session.sync.sig_sync_finished.disconnect(self._on_sync_finished)
        self.pad_dock.detach()
        self.account_tabs.clear()
        self.session = None
        self.store = None
        self.banner.dismiss()
        self.setWindowTitle("pbxdesk")
        self.show_welcome()  # until another account is attached (it may fail to open)

    def _session_actions(self) -> list[QAction]:
        """The actions that need a connected account."""
        return [self.refresh_action, self.dial_action, self.dial_clipboard_action,
                self.show_missed_action, *self._store_actions()]

    def _store_actions(self) -> list[QAction]:
        """The actions that need only the stored calls."""
        return [self.export_action, self.search_action, *self.tab_actions,
                self.insights_action]

    # -- what the controller asks for ----------------------------------------------------

    def bring_to_front(self) -> None:
        """Show the window (from the tray, minimised or behind others) and focus it."""
        if self.isMinimized():
            # Un-minimise to the state it had (showNormal() would also undo a maximise).
            self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()

    def dial(self, text: str, *, dial: bool, user: str | None = None,
             caller_id: str | None = None) -> bool:
        """Put ``text`` in the dial pad (``dial``: call, unless calls need confirming).

        ``user`` and ``caller_id`` override the pad's choices for this call. Returns
        False when there is no dial pad (no account connected yet).
        """
        if self.pad is None:
            return False
        self.show_dial_pad()
        problem = self.pad.choose(user=user, caller_id=caller_id)
        if problem is not None:
            self.status.showMessage(problem, 10_000)
        self.pad.set_number(text, dial=dial)
        return True

    @property
    def pad(self) -> DialPad | None:
        """The connected account's dial pad (None without one)."""
        return self.pad_dock.pad

    def show_dial_pad(self) -> None:
        """Show the dial pad with the number field focused."""
        self.pad_dock.show_pad()

    def show_missed(self, user_number: str, *, select: tuple[str, ...] = ()) -> None:
        """The user tab, filtered to inbound missed calls (of ``user_number`` when given),
        newest first, with the calls whose keys are in ``select`` selected."""
        tab = self.tabs_by_kind.get(CallKind.USER)
        if tab is None:
            return
        self.tabs.setCurrentWidget(tab)
        tab.show_missed(user_number, DatePreset.LAST_30_DAYS, select=select)

    def views(self) -> dict[str, QWidget]:
        """The tabs by their ``--view`` names (those of the connected account; builds
        every tab: :meth:`show_view` builds only the one it shows)."""
        found = {name: self.lazy_tabs.widget(name) for name in self.lazy_tabs.names()}
        return {name: widget for name, widget in found.items() if widget is not None}

    def show_view(self, name: str) -> bool:
        """Bring the tab named ``name`` to the front; False if there is none (yet)."""
        widget = self.lazy_tabs.widget(name)
        if widget is None:
            return False
        self.tabs.setCurrentWidget(widget)
        return True

    def view_busy(self) -> bool:
        """True while the shown tab is still computing what it shows (Insights, Callbacks)."""
        return self.account_tabs.busy()

    def show_callbacks(self, number: str | None = None) -> None:
        """The Callbacks tab, with the item of ``number`` selected when given."""
        if self.callbacks_tab is None:
            return
        self.tabs.setCurrentWidget(self.callbacks_tab)
        if number is not None:
            self.callbacks_tab.show_item(number)
        else:
            self.callbacks_tab.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def restore_layout(self, path: Path) -> None:
        """Size, position and dock layout of the last run (the default when none)."""
        shown = restore_window_state(self, path)
        if shown is not None:
            self.pad_dock.wanted = shown
        if self.pad is None:  # restoring may show the dock; it stays empty until connected
            self.pad_dock.hide()

    def save_layout(self, path: Path) -> None:
        save_window_state(self, path, dial_pad_shown=self.pad_dock.wanted)

    def set_missed_count(self, count: int) -> None:
        """The unseen missed calls, in the Calls menu (the tray may be missing)."""
        self.show_missed_action.setText(
            f"Show &missed calls ({count})" if count > 0 else "Show &missed calls")

    def apply_settings(self, settings: Settings) -> None:
        """Settings the window and the dial pad use, applied without reconnecting."""
        self.account_tabs.apply_settings(settings)
        self.pad_dock.apply_settings(settings)

    def current_tab(self) -> HistoryTab | None:
        """The shown history tab (None when another tab is shown)."""
        return self.account_tabs.current_history()

    # -- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_dial_action_triggered(self) -> None:
        # Ctrl+D again from inside the pad puts it away; anywhere else it focuses it.
        if self.pad_dock.has_focus(self.focusWidget()):
            self.pad_dock.hide()
            tab = self.current_tab()
            if tab is not None:
                tab.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        self.show_dial_pad()

    @Slot(str)
    def _on_tab_call_back_requested(self, number: str) -> None:
        self.dial(number, dial=True)
        self.sig_call_back_requested.emit(number)

    @Slot(object)
    def _on_sync_finished(self, _result: object) -> None:
        if self.pad is not None:  # users and account numbers may be new
            self.pad.reload_choices_soon()

    def _show_tab(self, index: int) -> None:
        if index < self.tabs.count():
            self.tabs.setCurrentIndex(index)

    @Slot()
    def _on_export_triggered(self) -> None:
        tab = self.account_tabs.current_list()
        if tab is not None:
            tab.export_csv()

    @Slot()
    def _on_search_triggered(self) -> None:
        tab = self.account_tabs.current_list()
        if tab is not None:
            tab.focus_search()

    @Slot(str)
    def _on_tab_status_message(self, text: str) -> None:
        self.status.showMessage(text, 5000)

    @Slot(str)
    def _on_banner_remedy_requested(self, remedy: str) -> None:
        if remedy == Remedy.OPEN_SETTINGS.value:
            self.sig_settings_requested.emit()
        elif remedy == Remedy.RETRY.value:
            self.sig_refresh_requested.emit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        # The controller decides: quit, or keep running in the tray.
        event.ignore()
        self.sig_close_requested.emit()
