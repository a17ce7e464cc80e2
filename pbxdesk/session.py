"""One connected PBX account: its client, call store, sync, calls and missed calls.

The app opens a session when it has an address and a key, and closes it when
the connection settings change or the app quits. Everything here belongs to one
account: switching accounts (or to the demo) closes one session and opens
another, so calls of different PBXs never mix.

Opening takes two steps so the window paints the stored calls first: the store
(:func:`open_store`, on a worker thread: cheap, unless an upgrade or a repair
runs), then, after the first paint, the client, sync and calls
(:meth:`Session.connect`), whose modules (httpx, the sync engine) are loaded
off the GUI thread by :func:`preload`.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pbxdesk.api.budget import RequestBudget, call_reserve
from pbxdesk.paths import AppPaths
from pbxdesk.settings import Settings
from pbxdesk.store import CallStore

if TYPE_CHECKING:
    import httpx

    from pbxdesk.api.client import PbxClient
    from pbxdesk.desktop.missed import MissedCalls
    from pbxdesk.services.callbacks import CallbacksService
    from pbxdesk.services.calls import CallService
    from pbxdesk.services.messages import MessageBridge
    from pbxdesk.services.sync import SyncService
    from pbxdesk.tasks import TaskKeeper

log = logging.getLogger("pbxdesk.app")


# What a connected session needs beyond the store: loaded by preload() on a worker
# thread after the first paint (httpx alone takes 120-240 ms to import, httpcore and
# h11 another ~90 ms at the first request). The Qt modules among them only define
# classes (no Qt object is made on import): their objects are made on the GUI thread.
SESSION_MODULES = ("httpx", "httpcore", "h11", "anyio", "httpcore._backends.anyio",
                   "certifi", "truststore", "phonenumbers",
                   "pbxdesk.api.client", "pbxdesk.api.dial", "pbxdesk.sync.engine",
                   "pbxdesk.services.connection", "pbxdesk.services.sync",
                   "pbxdesk.services.calls", "pbxdesk.services.callbacks",
                   "pbxdesk.services.country", "pbxdesk.desktop.missed", "pbxdesk.ui.dialpad")


def preload() -> None:
    """Import what :meth:`Session.connect` needs (call with ``asyncio.to_thread``)."""
    for name in SESSION_MODULES:
        importlib.import_module(name)


def open_store(settings: Settings, paths: AppPaths) -> CallStore:
    """The first step of a session: the account's stored calls. Raises StoreError."""
    return CallStore(paths.database_file(settings.base_url),
                     default_region=settings.default_region)


def budget_for(settings: Settings) -> RequestBudget:
    # The sync leaves the reserve to click-to-call (its POST and following it).
    return RequestBudget(limit=settings.request_budget,
                         window=settings.budget_window_minutes * 60.0,
                         reserve=call_reserve(settings.request_budget))


@dataclass
class Session:
    """The services of one connected account."""

    settings: Settings
    client: PbxClient
    store: CallStore
    sync: SyncService
    calls: CallService
    missed: MissedCalls
    callbacks: CallbacksService

    @classmethod
    def open(cls, settings: Settings, api_key: str, paths: AppPaths, messages: MessageBridge,
             tasks: TaskKeeper, *, transport: httpx.AsyncBaseTransport | None = None) -> Session:
        """Both steps at once; raises StoreError or PbxError (ConfigurationError)."""
        store = open_store(settings, paths)
        try:
            return cls.connect(settings, api_key, store, messages, tasks, transport=transport)
        except Exception:
            store.close()
            raise

    @classmethod
    def connect(cls, settings: Settings, api_key: str, store: CallStore,
                messages: MessageBridge, tasks: TaskKeeper, *,
                transport: httpx.AsyncBaseTransport | None = None) -> Session:
        """The second step: the services around an open ``store`` (which the session then
        owns). Raises PbxError (ConfigurationError); the store stays open then."""
        from pbxdesk.api.client import PbxClient
        from pbxdesk.desktop.missed import MissedCalls
        from pbxdesk.services.callbacks import CallbacksService, scope_for
        from pbxdesk.services.calls import CallService
        from pbxdesk.services.connection import client_settings_for
        from pbxdesk.services.sync import SyncService
        from pbxdesk.sync.engine import SyncEngine

        client = PbxClient(client_settings_for(settings, api_key), transport=transport,
                           budget=budget_for(settings))
        engine = SyncEngine(client, store, sync_days=settings.sync_days)
        sync = SyncService(engine, messages, tasks, refresh_minutes=settings.refresh_minutes)
        calls = CallService(client, store, messages, tasks, my_extension=settings.my_extension)
        missed = MissedCalls(store, settings.my_extension)
        callbacks = CallbacksService(store, messages, tasks, scope=scope_for(settings),
                                     extension=settings.my_extension)
        # Every stored change reaches the worklist: sync pages and calls the pad followed.
        sync.sig_calls_changed.connect(callbacks.request_update)
        calls.sig_calls_changed.connect(callbacks.request_update)
        log.info("Session opened for %s (API %s)", settings.base_url, settings.api_version)
        return cls(settings, client, store, sync, calls, missed, callbacks)

    def apply(self, settings: Settings) -> None:
        """Settings that can change without reconnecting."""
        from pbxdesk.services.callbacks import scope_for

        self.settings = settings
        self.store.default_region = settings.default_region
        self.sync.engine.sync_days = settings.sync_days
        self.sync.set_refresh_minutes(settings.refresh_minutes)
        self.client.budget.limit = settings.request_budget
        self.client.budget.reserve = call_reserve(settings.request_budget)
        self.client.budget.window = settings.budget_window_minutes * 60.0
        self.calls.set_my_extension(settings.my_extension)
        self.missed.my_extension = settings.my_extension
        self.callbacks.set_extension(settings.my_extension)
        self.callbacks.set_scope(scope_for(settings))

    async def close(self) -> None:
        """Stop following calls and syncing, then close the client and the store."""
        await self.calls.shutdown()
        await self.sync.shutdown()
        await self.callbacks.shutdown()
        await self.client.aclose()
        self.calls.deleteLater()
        self.sync.deleteLater()
        self.callbacks.deleteLater()
        self.store.close()
        log.info("Session closed for %s", self.settings.base_url)


def needs_reconnect(old: Settings, new: Settings) -> bool:
    """True when the change touches how the PBX is reached (a new session is needed)."""
    fields = ("base_url", "api_version", "user_filter_param", "post_encoding", "default_region")
    return any(getattr(old, name) != getattr(new, name) for name in fields)
