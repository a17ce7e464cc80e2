"""The local call store: call history in SQLite (stdlib ``sqlite3``, no Qt).

:class:`CallStore` is the entry point. The sync service writes rows from the
API client with :meth:`CallStore.upsert` (by :attr:`CallRow.key`, one
transaction per batch) and keeps its bookkeeping in :attr:`CallStore.sync`
and :attr:`CallStore.values`; the views read :meth:`CallStore.count` and
:meth:`CallStore.page` for a :class:`CallFilter` and a :class:`Sort`; exports
stream :meth:`CallStore.iter_calls`; the dial pad uses
:attr:`CallStore.recent_dials`.

Returned rows are the API's own model objects (:class:`UserCall` /
:class:`GroupCall`), rebuilt with every raw field, unknown ``type`` /
``status`` values and ``extra`` as stored.

Threading: one :class:`CallStore` is shared by the whole app. Each thread that
calls it gets its own SQLite connection (WAL: readers never wait for the
writer, writers take turns). Create it and :meth:`~CallStore.close` it on the
GUI thread; a worker thread that ends calls :meth:`~CallStore.release_thread`.
Do not keep a write transaction open across calls (the store never does).

Modules: ``callstore`` (the facade), ``connection`` (opening, threads,
transactions), ``migrations`` (schema versions), ``rows`` (row layout),
``writer`` (upserts), ``filters`` / ``query`` / ``search`` / ``pager`` (reads),
``bookkeeping`` (sync ranges, key/values, recent dials), ``errors``.
"""

from pbxdesk.store.bookkeeping import KeyValues, RecentDial, RecentDials, SyncLedger
from pbxdesk.store.callstore import CallStore, GroupInfo, UserInfo
from pbxdesk.store.errors import (
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreReadOnlyError,
    StoreTooNewError,
)
from pbxdesk.store.filters import ALL_CALLS, NEWEST_FIRST, CallFilter, Sort, SortColumn
from pbxdesk.store.migrations import SCHEMA_VERSION
from pbxdesk.store.writer import UpsertResult

__all__ = [
    "ALL_CALLS",
    "NEWEST_FIRST",
    "SCHEMA_VERSION",
    "CallFilter",
    "CallStore",
    "GroupInfo",
    "KeyValues",
    "RecentDial",
    "RecentDials",
    "Sort",
    "SortColumn",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreError",
    "StoreFullError",
    "StoreIOError",
    "StoreReadOnlyError",
    "StoreTooNewError",
    "SyncLedger",
    "UpsertResult",
    "UserInfo",
]
