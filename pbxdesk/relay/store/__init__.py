"""Where the relay keeps accounts, desks and events: :func:`make_store` picks the engine.

``STORE`` is a folder (the embedded SQLite store, one relay process) or a
``redis://host:port/db`` URL (any number of relay processes). The interface is
:class:`~pbxdesk.relay.store.base.RelayStore`; Redis's client library is
imported only when a Redis store is asked for.
"""

from __future__ import annotations

from pathlib import Path

from pbxdesk.relay.records import DEFAULT_RETENTION_SECONDS
from pbxdesk.relay.store.base import (
    Appended,
    RecordsAdded,
    RelayStore,
    StoreBusyError,
    StoreError,
)

__all__ = ["Appended", "RecordsAdded", "RelayStore", "StoreBusyError", "StoreError",
           "is_redis_url", "make_store"]


def is_redis_url(spec: str) -> bool:
    return spec.startswith(("redis://", "rediss://"))


def make_store(spec: str | Path, *, retention_seconds: float = 86_400.0,
               records_retention_seconds: float = DEFAULT_RETENTION_SECONDS,
               max_events: int | None = None, lock: bool = False) -> RelayStore:
    """The store ``spec`` names (not yet opened).

    Args:
        retention_seconds: how long events are kept (the replay of ``Last-Event-ID``).
        records_retention_seconds: how long callback records are kept (the catch-up).
        max_events: Redis only: the cap per account stream (``XADD MAXLEN ~``).
        lock: Embedded only: claim the folder for this process (``serve``).
    """
    if isinstance(spec, str) and is_redis_url(spec):
        try:
            from pbxdesk.relay.store.redisstore import DEFAULT_MAX_EVENTS, RedisStore
        except ImportError:
            raise StoreError("A redis:// store needs the redis package: "
                             "pip install 'redis>=6,<9'") from None
        return RedisStore(spec, retention_seconds=retention_seconds,
                          records_retention_seconds=records_retention_seconds,
                          max_events=max_events or DEFAULT_MAX_EVENTS)
    from pbxdesk.relay.store.embedded import EmbeddedStore

    return EmbeddedStore(Path(spec), retention_seconds=retention_seconds,
                         records_retention_seconds=records_retention_seconds, lock=lock)
