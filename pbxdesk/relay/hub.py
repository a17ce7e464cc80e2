"""Fan-out inside one relay process: one reader per account stream, many desks.

While at least one desk of an account is connected, a reader task follows
that account's events (:meth:`RelayStore.read_after` with blocking) and hands
each event to the connected desks that want it, found through an index by
route (extension, queue, ring group), so an event costs the same whether 5 or
5,000 desks are connected. Each desk has its own queue; a desk that falls
more than ``queue_limit`` events behind is cut off (it reconnects with its
``Last-Event-ID`` and catches up from the store, so nothing is lost). Runs on
one event loop: no locking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass, field

from pbxdesk.relay.events import Desk, StoredEvent
from pbxdesk.relay.store.base import RelayStore, StoreError

log = logging.getLogger("pbxdesk.relay")

READ_BATCH = 1000


@dataclass(eq=False)
class Subscription:
    """One connected desk: the events the reader found for it, in order.

    ``None`` in the queue means the stream must end (cut off, or the relay stops).
    """

    desk: Desk
    queue: asyncio.Queue[StoredEvent | None] = field(default_factory=asyncio.Queue)
    closed: bool = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(None)


class _Reader:
    """Follows one account's events for this process."""

    def __init__(self, hub: Hub, account: str) -> None:
        self.account = account
        self.subscriptions: set[Subscription] = set()
        self.by_route: dict[str, set[Subscription]] = {}
        self.cursor: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.task = asyncio.create_task(self._follow(hub), name=f"relay-reader-{account}")

    def add(self, sub: Subscription) -> None:
        self.subscriptions.add(sub)
        for route in sub.desk.routes:
            self.by_route.setdefault(route, set()).add(sub)

    def remove(self, sub: Subscription) -> None:
        self.subscriptions.discard(sub)
        for route in sub.desk.routes:
            subs = self.by_route.get(route)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self.by_route[route]

    async def _follow(self, hub: Hub) -> None:
        failures = 0
        cursor: str | None = None
        while True:
            try:
                if cursor is None:
                    cursor = await hub.store.latest_id(self.account)
                    self.cursor.set_result(cursor)
                batch = await hub.store.read_after(self.account, cursor, READ_BATCH,
                                                   hub.block_seconds)
            except StoreError as exc:
                failures += 1
                if failures == 1:
                    log.error("Reading events of account %s failed: %s", self.account, exc)
                if not self.cursor.done():
                    self.cursor.set_exception(exc)
                    return
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)) * random.uniform(0.5, 1))
                continue
            if failures:
                log.info("Reading events of account %s works again", self.account)
                failures = 0
            for event in batch:
                cursor = event.id
                self._deliver(event, hub.queue_limit)

    def _deliver(self, event: StoredEvent, queue_limit: int) -> None:
        receivers: set[Subscription] = set()
        for route in event.routes:
            subs = self.by_route.get(route)
            if subs:
                receivers.update(subs)
        for sub in receivers:
            if sub.closed:
                continue
            if sub.queue.qsize() >= queue_limit:
                log.warning("Desk %s fell %d events behind; cut off (it catches up when it "
                            "reconnects)", sub.desk.id, queue_limit)
                sub.close()
            else:
                sub.queue.put_nowait(event)


class Hub:
    """The connected desks of this process and the readers that feed them."""

    def __init__(self, store: RelayStore, *, queue_limit: int = 2000,
                 block_seconds: float = 5.0) -> None:
        self.store = store
        self.queue_limit = queue_limit
        self.block_seconds = block_seconds
        self._readers: dict[str, _Reader] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def connected(self) -> int:
        return sum(len(reader.subscriptions) for reader in self._readers.values())

    async def subscribe(self, desk: Desk) -> Subscription:
        """Start receiving the account's new events for ``desk``.

        Returns once the reader knows where the stream stands, so an event
        stored after this returns reaches the subscription; one stored before
        is found by a replay (:meth:`RelayStore.read_after`).

        Raises:
            StoreError: the store cannot be read.
        """
        sub = Subscription(desk)
        if self._closed:
            sub.close()
            return sub
        reader = self._readers.get(desk.account)
        if reader is None:
            reader = self._readers[desk.account] = _Reader(self, desk.account)
        reader.add(sub)
        try:
            await asyncio.shield(reader.cursor)
        except StoreError:
            self.unsubscribe(sub)
            raise
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        reader = self._readers.get(sub.desk.account)
        if reader is None:
            return
        reader.remove(sub)
        if not reader.subscriptions:
            del self._readers[sub.desk.account]
            reader.task.cancel()
            # Awaited by stop_readers, so its store connection is given back before closing.
            self._stopping.add(reader.task)
            reader.task.add_done_callback(self._stopping.discard)

    def close(self) -> None:
        """End every stream (the relay is stopping)."""
        self._closed = True
        for reader in self._readers.values():
            for sub in reader.subscriptions:
                sub.close()

    async def stop_readers(self) -> None:
        tasks = [reader.task for reader in self._readers.values()] + list(self._stopping)
        self._readers.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, StoreError):
                await task
