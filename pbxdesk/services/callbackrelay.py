"""The team's callbacks through pbxdesk-relay: a record transport over the live connection.

:class:`RelayRecordTransport` is the
:class:`~pbxdesk.services.callbackshare.RecordTransport` of a desk with a
relay. It rides on the desk's :class:`~pbxdesk.services.live.LiveService`
(its HTTP client, its connection state, its ``callback_record`` events):

- each time the stream goes live it catches up first
  (``GET /callbacks/records`` after the cursor kept in the account's store,
  page by page, each page stored with the cursor that ends it), learns the
  id the relay knows this desk by and has the service sign with it, then
  asks the service for every record not yet shared (``share_pending``): what
  the agent did offline goes out now;
- records the agent makes while live are posted at once (``POST
  /callbacks/records``, in bodies under the relay's limit); a post that fails
  for now leaves them unshared and is tried again later;
- ``callback_record`` events are kept through the service's
  :meth:`~pbxdesk.services.callbackpeer.RecordSharing.take`, which never
  sends them back out. The copies of records this connection just posted
  come back too: they are left out (the desk holds them already), but not
  every record signed with this desk's id, since a second pbxdesk with the
  same token posts under that id as well. A record's agent is the
  history's name of the extension the relay signed it with.

Records the relay would refuse (or refuses for good) are not offered again:
they stay on this desk. Nothing about a record's number or note is logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import httpx
from PySide6.QtCore import QObject, QTimer, Slot

from pbxdesk.addresses import bare_address
from pbxdesk.live.client import RelayAuthError, StreamState, StreamStatus
from pbxdesk.live.events import CallbackShared
from pbxdesk.live.records import (
    RecordsLaterError,
    RecordsRefusedError,
    bodies,
    fetch_records,
    post_records,
    sendable,
    team_record,
)
from pbxdesk.relay.records import SharedRecord
from pbxdesk.services.callbackshare import RecordPeer
from pbxdesk.store.callbackrules import CallbackRecord
from pbxdesk.tasks import TaskKeeper

if TYPE_CHECKING:
    from pbxdesk.services.live import LiveService

log = logging.getLogger("pbxdesk.callbacks")

CURSOR_PREFIX: Final = "callbacks.relay_cursor:"
NAMES_FRESH_SECONDS: Final = 60.0
LONGEST_WAIT_SECONDS: Final = 900.0
SENT_REMEMBERED: Final = 4096
"""How many posted records are remembered to leave their copies out (a burst's worth)."""


def cursor_key(relay_url: str) -> str:
    """Where the store keeps how far this desk read the relay's records."""
    return CURSOR_PREFIX + bare_address(relay_url)


class RelayRecordTransport(QObject):
    """Callback records over the relay (see the module docstring).

    Attributes:
        ready: True once this connection caught up (records then go out at once).
        relay_desk: the id the relay knows this desk by ("" until the first answer).
    """

    def __init__(self, live: LiveService, tasks: TaskKeeper, *, relay_url: str, token: str,
                 retry_seconds: float = 15.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._live = live
        self._tasks = tasks
        self._url = bare_address(relay_url)
        self._token = token
        self._retry_seconds = retry_seconds
        self._peer: RecordPeer | None = None
        self.ready = False
        self.relay_desk = ""
        self._failures = 0
        self._held: list[SharedRecord] = []
        self._sent: OrderedDict[tuple[str, str, int], None] = OrderedDict()
        self._names: dict[str, str] = {}
        self._names_at = float("-inf")
        self._catching_up: asyncio.Task[None] | None = None
        self._flushing: asyncio.Task[None] | None = None
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._on_retry_timer_timeout)

    # -- RecordTransport -------------------------------------------------------------------

    @property
    def shared(self) -> bool:
        return True

    def start(self, peer: RecordPeer) -> None:
        self._peer = peer
        self._live.sig_state_changed.connect(self._on_live_state_changed)
        self._live.sig_callback_shared.connect(self._on_live_callback_shared)
        if self._live.state.status is StreamStatus.LIVE:
            self._begin_catch_up()

    def stop(self) -> None:
        if self._peer is None:
            return
        self._peer = None
        self.ready = False
        self._retry.stop()
        self._live.sig_state_changed.disconnect(self._on_live_state_changed)
        self._live.sig_callback_shared.disconnect(self._on_live_callback_shared)
        for task in (self._catching_up, self._flushing):
            if task is not None:
                task.cancel()

    async def publish(self, records: Sequence[CallbackRecord]) -> Sequence[CallbackRecord]:
        """Post ``records`` if caught up; those the relay took or will never take."""
        client = self._live.http_client
        if not self.ready or client is None or self._peer is None:
            return ()  # offline or catching up: they go out with share_pending
        now_us = int(time.time() * 1_000_000)
        hopeless = [record for record in records if not sendable(record, now_us)]
        if hopeless:
            log.warning("%d callback records cannot be shared (the relay would refuse them); "
                        "they stay on this desk", len(hopeless))
        done: list[CallbackRecord] = list(hopeless)
        try:
            for body, batch in bodies([r for r in records if sendable(r, now_us)]):
                self._remember_sent(batch)  # before the post: the copies may come first
                try:
                    await post_records(client, self._url, self._token, body)
                except RecordsRefusedError as exc:
                    log.warning("The relay refused %d callback records (%s); trying them one "
                                "by one", len(batch), exc)
                    await self._one_by_one(client, batch, done)
                else:
                    done += batch
        except RecordsLaterError as exc:
            self._try_later(str(exc), exc.after)
        except RelayAuthError:
            log.warning("Callback records not shared: the relay refused the desk token")
        else:
            self._failures = 0
        return done

    async def _one_by_one(self, client: httpx.AsyncClient, batch: list[CallbackRecord],
                          done: list[CallbackRecord]) -> None:
        """Each record alone into ``done``: one refused for good is given up (logged)."""
        for record in batch:
            for body, _single in bodies([record]):
                try:
                    await post_records(client, self._url, self._token, body)
                except RecordsRefusedError as exc:
                    log.warning("The relay refused a callback record for good (%s); it stays "
                                "on this desk", exc)
                done.append(record)

    # -- catching up -----------------------------------------------------------------------

    @Slot(object)
    def _on_live_state_changed(self, state: StreamState) -> None:
        if state.status is StreamStatus.LIVE:
            self._begin_catch_up()
        else:
            self.ready = False  # records made now wait for the next connection

    def _begin_catch_up(self) -> None:
        if self._peer is None:
            return
        self.ready = False
        self._retry.stop()
        if self._catching_up is not None:
            self._catching_up.cancel()
        self._catching_up = self._tasks.spawn(self._catch_up(), name="callbacks-catch-up")

    async def _catch_up(self) -> None:
        peer, client = self._peer, self._live.http_client
        if peer is None or client is None:
            return
        try:
            await self._read_all(peer, client)
        except RecordsLaterError as exc:
            self._try_later(str(exc), exc.after)
            return
        except RelayAuthError:
            log.warning("Callback records not read: the relay refused the desk token")
            return
        self._failures = 0
        self.ready = True
        log.info("Callbacks: caught up with the team's records on the relay")
        self._flush_soon()
        peer.share_pending()

    async def _read_all(self, peer: RecordPeer, client: httpx.AsyncClient) -> None:
        """Every record after the kept cursor, each page stored with the cursor it ends."""
        await self._refresh_names(peer)
        key = cursor_key(self._url)
        kept = await peer.stored_value(key)
        kept = kept if isinstance(kept, dict) else {}
        after = kept.get("after") if isinstance(kept.get("after"), str) else None
        desk = kept.get("desk")
        while True:
            page = await fetch_records(client, self._url, self._token, after)
            if page.desk != desk and after is not None:
                after = None  # a cursor another desk (another account) left: from the start
                desk = page.desk
                continue
            desk = self.relay_desk = page.desk
            if page.desk != peer.desk:
                await peer.adopt_desk(page.desk)
            if page.unreadable:
                log.warning("%d callback records from the relay left out (not valid)",
                            page.unreadable)
            records = [self._signed(item) for item in page.records]
            if not await peer.take(records, (key, {"desk": page.desk, "after": page.next})):
                raise RecordsLaterError("the records could not be stored")
            after = page.next
            if not page.more:
                return

    def _try_later(self, problem: str, after: float) -> None:
        if self._peer is None:
            return
        self._failures += 1
        wait = max(after, min(LONGEST_WAIT_SECONDS,
                              self._retry_seconds * 2 ** min(self._failures - 1, 10)))
        log.info("Callback records: %s; trying again in %.0f s", problem, wait)
        self._retry.start(int(wait * 1000))

    @Slot()
    def _on_retry_timer_timeout(self) -> None:
        if self._peer is None or self._live.state.status is not StreamStatus.LIVE:
            return  # the next connection catches up and shares anyway
        if self.ready:
            self._peer.share_pending()
        else:
            self._begin_catch_up()

    # -- records from the stream -----------------------------------------------------------

    @Slot(object)
    def _on_live_callback_shared(self, event: CallbackShared) -> None:
        record = team_record(event.fields)
        if record is None:
            log.warning("A callback record from the relay left out (event %s: not valid)",
                        event.id)
            return
        self._held.append(record)
        if self.ready:
            self._flush_soon()

    def _flush_soon(self) -> None:
        """Keep the records held so far (one store write for a burst of them)."""
        if self._held and (self._flushing is None or self._flushing.done()):
            self._flushing = self._tasks.spawn(self._flush(), name="callbacks-receive")

    async def _flush(self) -> None:
        peer = self._peer
        while peer is not None and self._held:
            held = [item for item in self._held if not self._echo(item, peer.desk)]
            self._held = []
            if not held:
                return
            if any(item.extension not in self._names for item in held):
                await self._refresh_names(peer, only_if_stale=True)
            await peer.take([self._signed(item) for item in held])

    def _remember_sent(self, records: Sequence[CallbackRecord]) -> None:
        for record in records:
            self._sent[(record.number, record.field, record.at_us)] = None
        while len(self._sent) > SENT_REMEMBERED:
            self._sent.popitem(last=False)

    def _echo(self, item: SharedRecord, desk: str) -> bool:
        """Whether ``item`` is the copy of a record this connection posted (forgotten now)."""
        key = (item.number, item.field, item.at_us)
        if item.desk != desk or key not in self._sent:
            return False
        del self._sent[key]
        return True

    async def _refresh_names(self, peer: RecordPeer, *, only_if_stale: bool = False) -> None:
        if only_if_stale and time.monotonic() - self._names_at < NAMES_FRESH_SECONDS:
            return
        self._names = await peer.agent_names()
        self._names_at = time.monotonic()

    def _signed(self, item: SharedRecord) -> CallbackRecord:
        """The record as the worklist keeps it: its agent is the extension's name."""
        agent = self._names.get(item.extension) or (
            f"ext {item.extension}" if item.extension else "Someone")
        return CallbackRecord(item.number, item.field, item.value, item.at_us, item.desk,
                              agent)
