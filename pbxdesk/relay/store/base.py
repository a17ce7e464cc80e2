"""The relay's store interface: accounts, desks and the event stream of each account.

Two implementations: :class:`~pbxdesk.relay.store.embedded.EmbeddedStore`
(SQLite in a folder, for one relay process) and
:class:`~pbxdesk.relay.store.redisstore.RedisStore` (Redis, for any number of
relay processes). Event ids are strings that grow with every event of an
account (SQLite: ``42``; Redis Streams: ``1764233702123-0``), so they serve as
the SSE ``id:`` directly; :meth:`RelayStore.order_key` compares them.

Error tree::

    StoreError                 the store cannot be reached or read (503 for requests)
    └── StoreBusyError              another relay process serves this embedded store
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pbxdesk.relay.events import Desk, IncomingEvent, StoredEvent
from pbxdesk.relay.records import SharedRecord


class StoreError(Exception):
    """The store cannot be reached or read; the message says what to check."""


class StoreBusyError(StoreError):
    """Another ``pbxdesk-relay serve`` already serves this embedded store."""


@dataclass(frozen=True, slots=True)
class Appended:
    """What :meth:`RelayStore.append` did with a batch."""

    stored: tuple[StoredEvent, ...]
    duplicates: int


@dataclass(frozen=True, slots=True)
class RecordsAdded:
    """What :meth:`RelayStore.add_records` did with a batch."""

    stored: int
    duplicates: int


class RelayStore(ABC):
    """Accounts, desks and events; every method may raise :class:`StoreError`."""

    kind: str
    """``embedded`` or ``redis``, for ``/healthz`` and the log."""

    retention_seconds: float
    records_retention_seconds: float

    @abstractmethod
    async def open(self) -> None:
        """Connect / create what is missing; call once before anything else."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def ping(self) -> bool:
        """Whether the store answers now (for ``/healthz``)."""

    # -- accounts --------------------------------------------------------------------
    @abstractmethod
    async def add_account(self, name: str, secret_hash: str, created_at: str) -> bool:
        """Add an account; False when one of that name exists (nothing changes then)."""

    @abstractmethod
    async def account_names(self) -> list[str]: ...

    @abstractmethod
    async def account_secret_hash(self, name: str) -> str | None: ...

    # -- desks -----------------------------------------------------------------------
    @abstractmethod
    async def add_desk(self, desk: Desk, token_hash: str) -> None: ...

    @abstractmethod
    async def desks(self) -> list[Desk]: ...

    @abstractmethod
    async def desk(self, desk_id: str) -> Desk | None: ...

    @abstractmethod
    async def desk_by_token_hash(self, token_hash: str) -> Desk | None: ...

    @abstractmethod
    async def remove_desk(self, desk_id: str) -> bool:
        """Revoke a desk; False when there is no such desk."""

    # -- events ----------------------------------------------------------------------
    @abstractmethod
    async def append(self, account: str, events: Sequence[IncomingEvent],
                     received_at: datetime) -> Appended:
        """Store the events not already stored (within the retention), in order."""

    @abstractmethod
    async def latest_id(self, account: str) -> str:
        """The id of the account's newest event (a floor id when there is none)."""

    @abstractmethod
    async def read_after(self, account: str, after: str, limit: int,
                         block_seconds: float = 0.0) -> list[StoredEvent]:
        """Up to ``limit`` events after ``after`` in id order.

        With ``block_seconds`` > 0 and nothing there yet, wait that long for
        the next events before returning an empty list.
        """

    @abstractmethod
    def parse_id(self, text: str) -> str | None:
        """``text`` as an event id of this store (from ``Last-Event-ID``), or None."""

    @abstractmethod
    def order_key(self, event_id: str) -> tuple[int, ...]:
        """Sort key of an id that :meth:`parse_id` accepted or the store made."""

    @abstractmethod
    async def prune(self, now: datetime) -> None:
        """Forget events older than the retention, callback records older than theirs."""

    # -- callback records ------------------------------------------------------------
    @abstractmethod
    async def add_records(self, account: str, records: Sequence[SharedRecord],
                          received_at: datetime) -> RecordsAdded:
        """Keep the records not kept yet (by :meth:`SharedRecord.id`), in order.

        Each new one is also appended to the account's events as a
        ``callback_record`` event for every desk of the account (its route is
        :data:`~pbxdesk.relay.events.ACCOUNT_ROUTE`), in the same step.
        """

    @abstractmethod
    async def records_after(self, account: str, after: str | None,
                            limit: int) -> list[tuple[str, str]]:
        """Up to ``limit`` kept records after the cursor ``after`` (None: from the oldest),
        as ``(cursor, data JSON)``. Cursors have the syntax of event ids
        (:meth:`parse_id` reads them) but count records, not events."""
