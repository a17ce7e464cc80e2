"""The callbacks service's half that shares records: what a transport may ask of it.

:class:`RecordSharing` is mixed into
:class:`~pbxdesk.services.callbacks.CallbacksService` and makes it the
:class:`~pbxdesk.services.callbackshare.RecordPeer` of its transport: it holds
the transport (:meth:`~RecordSharing.set_transport`), offers it the records
not yet shared, keeps what other desks did (:meth:`~RecordSharing.take`,
never offered back out, so nothing echoes), and takes the id a relay knows
this desk by (:meth:`~RecordSharing.adopt_desk`). Every store access runs on
the service's worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from pbxdesk.services.callbackshare import LocalTransport, RecordTransport
from pbxdesk.services.worklist import Published, Worklist
from pbxdesk.store import CallStore, StoreError
from pbxdesk.store.callbackrules import CallbackRecord

log = logging.getLogger("pbxdesk.callbacks")
DESK_KEY: Final = "callbacks.desk"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Who:
    """Who makes this desk's records: a desk id (random, kept in the store) and a name."""

    desk: str
    agent: str


class RecordSharing:
    """Sharing records through a transport (see the module docstring); a mixin.

    The service provides the attributes and the methods stubbed here.
    """

    who: Who
    _store: CallStore
    _transport: RecordTransport
    _closed: bool

    def now_us(self) -> int:
        raise NotImplementedError

    async def _in_worker(self, function: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    def _start(self, job: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
        raise NotImplementedError

    def _ready(self, read: Callable[..., Worklist], *args: Any) -> Published:
        raise NotImplementedError

    def _publish(self, published: Published) -> None:
        raise NotImplementedError

    def _report(self, error: StoreError) -> None:
        raise NotImplementedError

    def _read(self, now_us: int) -> Worklist:
        raise NotImplementedError

    def _read_some(self, numbers: set[str], now_us: int) -> Worklist:
        raise NotImplementedError

    @property
    def desk(self) -> str:
        """The id this desk signs its records with."""
        return self.who.desk

    @property
    def transport(self) -> RecordTransport:
        return self._transport

    def set_transport(self, transport: RecordTransport | None) -> None:
        """Share records through ``transport`` from now on (None: this desk alone)."""
        old, self._transport = self._transport, transport or LocalTransport()
        old.stop()
        if not self._closed:
            self._transport.start(self)

    def share_pending(self) -> None:
        """Offer every record not yet shared to the transport (call on a reconnect)."""
        self._start(self._share_pending, "callbacks-share")

    async def _share_pending(self) -> None:
        """Every unshared record, oldest first, until the transport takes no more."""
        try:
            while not self._closed:
                pending = await self._in_worker(self._store.callback_records.unshared_records)
                if not pending or not await self._share(pending):
                    return
        except StoreError as error:
            self._report(error)

    async def _share(self, records: list[CallbackRecord]) -> bool:
        """Offer records to the transport, mark those it took; True when it took all."""
        taken = list(await self._transport.publish(records))
        if taken:
            await self._in_worker(self._store.callback_records.mark_shared, taken)
        return len(taken) == len(records)

    async def take(self, records: Sequence[CallbackRecord],
                   cursor: tuple[str, Any] | None = None) -> bool:
        """Keep records from other desks (and the transport's ``cursor`` with them)."""
        if self._closed:
            return False
        batch = list(records)
        try:
            await self._in_worker(self._store.callback_records.add_records, batch, True, cursor)
            published = (await self._in_worker(
                self._ready, self._read_some, {record.number for record in batch},
                self.now_us()) if batch else None)
        except StoreError as error:
            self._report(error)
            return False
        if published is not None:
            self._publish(published)
        return True

    async def adopt_desk(self, desk: str) -> None:
        """Sign with ``desk`` from now on (a relay's id for this desk), the past records too."""
        old = self.who.desk
        if not desk or desk == old or self._closed:
            return
        self.who = Who(desk, self.who.agent)
        log.info("Callbacks: this desk is %s on the relay", desk)
        try:
            await self._in_worker(self._relabel, old, desk)
            published = await self._in_worker(self._ready, self._read, self.now_us())
        except StoreError as error:
            self._report(error)
            return
        self._publish(published)

    def _relabel(self, old: str, new: str) -> None:
        """(Worker thread) the desk id kept, and the records signed with the old one."""
        self._store.values.set(DESK_KEY, new)
        self._store.callback_records.relabel_desk(old, new)

    async def stored_value(self, key: str) -> Any:
        try:
            return await self._in_worker(self._store.values.get, key)
        except StoreError as error:
            log.warning("Could not read %s: %s", key, error)
            return None

    async def agent_names(self) -> dict[str, str]:
        try:
            users = await self._in_worker(self._store.users)
        except StoreError as error:
            log.warning("Could not read the agents' names: %s", error)
            return {}
        return {user.number: user.name for user in users if user.number and user.name}
