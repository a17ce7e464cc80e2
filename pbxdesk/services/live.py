"""Live calls for the UI: one relay connection on the event loop, events turned into signals.

:class:`LiveService` holds the desk's one Server-Sent Events connection
(:class:`~pbxdesk.live.client.RelayStream` over :func:`relay_http_client`,
with its reconnects, backoff and ``Last-Event-ID``) as a task on the qasync
loop, and handles each event in the order the relay sent it:

- a ringing inbound call on my extension opens a screen pop
  (:class:`~pbxdesk.live.tracker.CallTracker` decides; the caller's history is
  read on the service's store thread and added when it comes);
- a completed call (and a queue / ring-group summary) is stored at once,
  flagged live until a sync confirms it (:mod:`pbxdesk.store.live`), and
  closes its pop;
- voicemails become notes with a Listen link; outbound steps go to the
  click-to-call tracker; the team's callback records go to whoever shares
  them (:mod:`pbxdesk.services.callbackrelay`); unknown events are kept and
  passed on to be shown.

The id of each handled event is kept in the account's store (with the rows
the event brought, in one transaction), and the next connection resumes after
it: a restart or a dropped network loses nothing and repeats nothing. The UI
is told first and the store written second, so a sync holding the database
never delays a pop. Every store access runs on one worker thread of the
service's own (in order; never the GUI thread). The desk token never reaches
a log line. No widgets here.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, TypeVar

import httpx
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from pbxdesk.addresses import bare_address
from pbxdesk.api.models import AnyCall, Direction
from pbxdesk.live.caller import CallerSummary, caller_summary
from pbxdesk.live.client import Backoff, RelayAuthError, RelayStream, StreamState, StreamStatus
from pbxdesk.live.events import (
    CallAnswered,
    CallbackShared,
    CallCompleted,
    CallRecorded,
    CallRinging,
    GroupCallSummary,
    LiveEvent,
    UnknownEvent,
    UserCallEvent,
    VoicemailLeft,
)
from pbxdesk.live.pop import PopInfo, note_for, pop_for
from pbxdesk.live.tracker import CallTracker
from pbxdesk.logs import register_secret
from pbxdesk.services.messages import Message, MessageBridge, Remedy, Severity
from pbxdesk.services.relaycheck import relay_http_client
from pbxdesk.store import CallStore, StoreError
from pbxdesk.tasks import TaskKeeper

log = logging.getLogger("pbxdesk.live")
T = TypeVar("T")

SOURCE: Final = "live"
LAST_ID_PREFIX: Final = "live.last_event_id:"
LOOKUP_WAIT_SECONDS: Final = 0.12
"""How long a pop waits for the caller's history before it shows without it."""
EXPIRY_CHECK_MS: Final = 15_000
UNKNOWN_KEPT: Final = 50


def last_id_key(relay_url: str) -> str:
    """Where the store keeps the last handled event id of this relay."""
    return LAST_ID_PREFIX + bare_address(relay_url)


class LiveService(QObject):
    """The desk's live connection; start with :meth:`start`, stop with :meth:`shutdown`.

    Signals:
        sig_state_changed(StreamState): connecting, live, reconnecting, stopped.
        sig_pop_opened(PopInfo), sig_pop_changed(PopInfo), sig_pop_closed(str): pops.
        sig_answered(PopInfo): I answered a call that popped.
        sig_calls_stored(): calls were stored from events (views re-read, missed count).
        sig_voicemail(VoicemailNote): a voicemail was left for me.
        sig_unknown_event(UnknownEvent): an event this version does not know.
        sig_outbound_event(UserCallEvent): a step of one of my outbound calls.
        sig_callback_shared(CallbackShared): a desk of the team changed a callback.

    Attributes:
        tracker: the calls ringing on this desk (:class:`CallTracker`).
        unknown_events: the last :data:`UNKNOWN_KEPT` unknown events, oldest first.
    """

    sig_state_changed = Signal(object)
    """The connection's StreamState changed."""
    sig_pop_opened = Signal(object)
    """A call rings on my phone: show this PopInfo."""
    sig_pop_changed = Signal(object)
    """The PopInfo of an open pop changed (history read, answered)."""
    sig_pop_closed = Signal(str)
    """The pop with this key should close (the call ended or was answered elsewhere)."""
    sig_answered = Signal(object)
    """I answered the call of this PopInfo."""
    sig_calls_stored = Signal()
    """Calls from live events were stored."""
    sig_voicemail = Signal(object)
    """A VoicemailNote."""
    sig_unknown_event = Signal(object)
    """An UnknownEvent (kept, to be shown plainly)."""
    sig_outbound_event = Signal(object)
    """A CallRinging / CallAnswered / CallCompleted of an outbound call of mine."""
    sig_callback_shared = Signal(object)
    """A CallbackShared event (a callback record of the team)."""

    def __init__(self, store: CallStore, messages: MessageBridge, tasks: TaskKeeper, *,
                 relay_url: str, token: str, my_extension: str, region: str | None,
                 client_factory: Callable[[], httpx.AsyncClient] = relay_http_client,
                 backoff: Backoff | None = None, clock: Callable[[], float] = time.time,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        register_secret(token.strip())
        self._store = store
        self._messages = messages
        self._tasks = tasks
        self.relay_url = bare_address(relay_url)
        self._token = token
        self._region = region
        self._client_factory = client_factory
        self._backoff = backoff
        self.tracker = CallTracker(my_extension.strip(), clock=clock)
        self.unknown_events: collections.deque[UnknownEvent] = collections.deque(
            maxlen=UNKNOWN_KEPT)
        self._pops: dict[str, PopInfo] = {}
        self._state = StreamState(StreamStatus.STOPPED)
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-store")
        self._last_id: str | None = None
        self._expiry = QTimer(self)
        self._expiry.setInterval(EXPIRY_CHECK_MS)
        self._expiry.timeout.connect(self._on_expiry_timer_timeout)

    # -- what the UI reads ---------------------------------------------------------------

    @property
    def state(self) -> StreamState:
        return self._state

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def pops(self) -> dict[str, PopInfo]:
        """The pops open now, by key."""
        return dict(self._pops)

    @property
    def last_event_id(self) -> str | None:
        return self._last_id

    @property
    def http_client(self) -> httpx.AsyncClient | None:
        """The connection's client while it runs (other requests to the relay share it)."""
        return self._client

    def set_my_extension(self, extension: str) -> None:
        self.tracker.my_extension = extension.strip()

    def set_region(self, region: str | None) -> None:
        self._region = region

    def close_pop(self, key: str) -> None:
        """The user closed a pop: forget it (it does not come back for this call)."""
        self.tracker.close(key)
        if self._pops.pop(key, None) is not None:
            self.sig_pop_closed.emit(key)

    # -- start and stop ------------------------------------------------------------------

    def start(self) -> None:
        """Connect (in the background); needs a running loop."""
        if self.running:
            return
        self._expiry.start()
        self._task = self._tasks.spawn(self._run(), name="live-stream")

    async def shutdown(self) -> None:
        """Disconnect, wait for the store thread, close the client."""
        self._expiry.stop()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        try:
            await asyncio.get_running_loop().run_in_executor(self._worker,
                                                             self._store.release_thread)
        finally:
            self._worker.shutdown(wait=False)
        for key in list(self._pops):
            self._pops.pop(key)
            self.sig_pop_closed.emit(key)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self) -> None:
        try:
            self._last_id = await self._in_worker(self._load_last_id)
        except StoreError as error:
            log.warning("Cannot read where the live stream stopped: %s", error)
        self._client = self._client_factory()
        stream = RelayStream(self.relay_url, self._token, last_event_id=self._last_id,
                             client=self._client, region=self._region,
                             on_state=self._on_stream_state, backoff=self._backoff)
        log.info("Live calls: connecting to the relay (resuming after event %s)",
                 self._last_id or "none: from now")
        # The stream is read in a task of its own, into a queue: stopping then cancels a
        # read in progress, which unwinds httpx's generators where they stand. Stopping
        # while an event is handled would leave them suspended, to be finalised later on
        # another task (anyio refuses that, noisily).
        queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue()

        async def read() -> None:
            try:
                async for event in stream.events():
                    queue.put_nowait(event)
            finally:
                queue.put_nowait(None)

        reader = asyncio.ensure_future(read())
        try:
            while (event := await queue.get()) is not None:
                await self._handle(event)
            reader.result()  # RelayAuthError, or what else ended the stream
        except RelayAuthError as error:
            self._messages.post(Message(str(error), Severity.ERROR, Remedy.OPEN_SETTINGS,
                                        source=SOURCE))
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    def _on_stream_state(self, state: StreamState) -> None:
        self._state = state
        if state.status is StreamStatus.LIVE:
            self._messages.clear(SOURCE)
        self.sig_state_changed.emit(state)

    # -- events ----------------------------------------------------------------------------

    async def _handle(self, event: LiveEvent) -> None:
        rows: list[AnyCall] = []
        if isinstance(event, CallRinging | CallAnswered | CallCompleted):
            rows = self._on_call_step(event)
        elif isinstance(event, GroupCallSummary):
            for key in self.tracker.group_ended(event):
                self._close(key)
            rows = [event.call]
        elif isinstance(event, VoicemailLeft):
            await self._on_voicemail(event)
        elif isinstance(event, UnknownEvent):
            log.info("Live calls: an event of a type this version does not know (%.40s)",
                     event.type)
            self.unknown_events.append(event)
            self.sig_unknown_event.emit(event)
        elif isinstance(event, CallRecorded):
            log.debug("Live calls: a recording is ready")
        elif isinstance(event, CallbackShared):
            self.sig_callback_shared.emit(event)
        await self._store_event(event, rows)

    def _on_call_step(self, event: CallRinging | CallAnswered | CallCompleted) -> list[AnyCall]:
        if event.direction is Direction.OUTBOUND:
            self.sig_outbound_event.emit(event)
        if isinstance(event, CallRinging):
            key = self.tracker.ringing(event)
            if key is not None:
                self._tasks.spawn(self._open_pop(pop_for(event, key, self._region)),
                                  name="live-pop")
            return []
        if isinstance(event, CallAnswered):
            key = self.tracker.answered(event)
            pop = self._pops.get(key) if key is not None else None
            if pop is not None:
                pop = self._pops[pop.key] = pop.answered_now()
                self.sig_pop_changed.emit(pop)
                self.sig_answered.emit(pop)
            return []
        closed = self.tracker.completed(event)
        if closed is not None:
            self._close(closed)
        return [event.history_row]

    async def _open_pop(self, pop: PopInfo) -> None:
        lookup = asyncio.get_running_loop().run_in_executor(
            self._worker, self._summary, pop.e164, pop.raw_number, pop.unique_call_id)
        done, _pending = await asyncio.wait({lookup}, timeout=LOOKUP_WAIT_SECONDS)
        leg = self.tracker.open.get(pop.key)
        if leg is None:
            return  # it ended while the history was read
        if leg.answered:
            pop = pop.answered_now()
        if lookup in done:
            pop = pop.with_summary(lookup.result())
        self._pops[pop.key] = pop
        self.sig_pop_opened.emit(pop)
        if pop.answered:  # answered while the history was read
            self.sig_answered.emit(pop)
        if lookup not in done:
            summary = await lookup
            current = self._pops.get(pop.key)
            if current is not None:
                current = self._pops[pop.key] = current.with_summary(summary)
                self.sig_pop_changed.emit(current)

    def _summary(self, e164: str | None, raw: str | None, call_id: str | None) -> CallerSummary:
        return caller_summary(self._store, e164, raw, exclude_call_id=call_id)

    async def _on_voicemail(self, event: VoicemailLeft) -> None:
        if self.tracker.my_extension and event.extension not in (None, self.tracker.my_extension):
            return
        note = note_for(event, self._region)
        if not note.name and (note.e164 or note.raw_number):
            summary = await self._in_worker(self._summary, note.e164, note.raw_number, None)
            note = note.with_name(summary.name)
        self.sig_voicemail.emit(note)

    def _close(self, key: str) -> None:
        if self._pops.pop(key, None) is not None:
            self.sig_pop_closed.emit(key)

    async def _store_event(self, event: LiveEvent, rows: list[AnyCall]) -> None:
        meta = (last_id_key(self.relay_url), event.id) if event.id else None
        try:
            written = await self._in_worker(self._store.store_live, rows, meta=meta)
        except StoreError as error:
            log.warning("Live calls: could not store event %s: %s", event.id, error)
            self._messages.post(Message(f"A live call could not be stored: {error}",
                                        Severity.WARNING, source=SOURCE))
            return
        if event.id:
            self._last_id = event.id
        if written.changed:
            self.sig_calls_stored.emit()

    def _load_last_id(self) -> str | None:
        value = self._store.values.get(last_id_key(self.relay_url))
        return value if isinstance(value, str) and value else None

    async def _in_worker(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, lambda: function(*args, **kwargs))

    @Slot()
    def _on_expiry_timer_timeout(self) -> None:
        for key in self.tracker.expired():
            self._close(key)


__all__ = ["LiveService", "PopInfo", "UserCallEvent", "last_id_key"]
