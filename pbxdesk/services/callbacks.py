"""The callbacks service: keeps the worklist current and records what agents do with it.

Every store change (a sync page, a call the dial pad followed, a live event)
asks for an update; updates run one at a time on the service's own worker
thread (:meth:`CallbackStore.update` reads only what is new) and requests
that arrive meanwhile fold into one more run. After each run the whole
worklist is read there too and handed to the GUI thread as a
:class:`Worklist`, with the callers to announce worked out there as well
(:class:`Published`): neither the view, the tray nor the notifications
touch SQLite or walk the items on the GUI thread.

What the agent does (Done, Snooze, Not needed, a note, calling back) becomes
a :class:`~pbxdesk.store.callbackrules.CallbackRecord` stamped with the time
and who did it (this desk's id and the agent's name), kept in the store
(:class:`~pbxdesk.store.callbackrecords.CallbackRecords`) and offered to the
:class:`~pbxdesk.services.callbackshare.RecordTransport`
(set with :meth:`CallbacksService.set_transport`; the service is the
transport's :class:`~pbxdesk.services.callbackshare.RecordPeer`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Final, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from pbxdesk.relay.records import MAX_VALUE_CHARS, NOT_TEXT
from pbxdesk.services.callbackpeer import DESK_KEY, RecordSharing, Who
from pbxdesk.services.callbackshare import LocalTransport, RecordTransport
from pbxdesk.services.messages import Message, MessageBridge, Severity
from pbxdesk.services.worklist import Published, Worklist, build, refreshed
from pbxdesk.settings import Settings
from pbxdesk.store import CallStore, StoreError
from pbxdesk.store.callbackrules import (
    CLAIM_CALLING,
    CallbackRecord,
    Field,
    ItemRow,
    StateValue,
)
from pbxdesk.store.callbacks import ALL_GROUPS, Scope
from pbxdesk.store.rows import to_micros
from pbxdesk.tasks import TaskKeeper

log = logging.getLogger("pbxdesk.callbacks")
SOURCE: Final = "callbacks"
NOTIFIED_KEY: Final = "callbacks.notified_until_us"
NOTE_MAX_CHARS: Final = MAX_VALUE_CHARS
"""The longest note kept: what a relay takes, so every note can be shared."""
_LINE_ENDS: Final = re.compile("\r\n?")
T = TypeVar("T")


def scope_for(settings: Settings) -> Scope:
    """The worklist's scope from the settings (my extension, chosen groups, days)."""
    groups = tuple(dict.fromkeys(
        name.strip() for name in settings.callback_groups.split(",") if name.strip()))
    if ALL_GROUPS in groups:
        groups = (ALL_GROUPS,)
    extension = settings.my_extension.strip()
    return Scope(extensions=(extension,) if extension else (), groups=groups,
                 days=settings.callback_days)


def note_text(note: str) -> str:
    """A note as kept and shared: one a relay takes (line ends as new lines, no other
    control characters but tab, at most :data:`NOTE_MAX_CHARS`)."""
    text = NOT_TEXT.sub(" ", _LINE_ENDS.sub("\n", note)).strip()
    return text[:NOTE_MAX_CHARS].rstrip()


def agent_name(store: CallStore, extension: str) -> str | None:
    """The agent's name as the history knows their extension ("Ana Silva"), if it does."""
    extension = extension.strip()
    if not extension:
        return None
    try:
        users = store.users()
    except StoreError:
        return None
    return next((user.name for user in users if user.number == extension and user.name), None)


class CallbacksService(QObject, RecordSharing):
    """The worklist of one account.

    Signals:
        sig_worklist_changed(object): a new :class:`Worklist` (also on a snooze's wake-up).
        sig_callbacks_arrived(object): callers newly waiting since the last
            notification (a list of :class:`ItemRow`, oldest first).

    Attributes:
        worklist: the latest :class:`Worklist` (empty until the first update).
        who: this desk and agent, as written into records.
    """

    sig_worklist_changed = Signal(object)
    """A new Worklist."""
    sig_callbacks_arrived = Signal(object)
    """Items (list of ItemRow) that are newly waiting; the tray tells about them."""

    def __init__(self, store: CallStore, messages: MessageBridge, tasks: TaskKeeper, *,
                 scope: Scope, extension: str, transport: RecordTransport | None = None,
                 clock: Callable[[], float] = time.time,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._messages = messages
        self._tasks = tasks
        self._scope = scope
        self._clock = clock
        self._transport = transport or LocalTransport()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pbxdesk-callbacks")
        self._task: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[None]] = set()  # records being kept or shared
        self._last_at = 0
        self._again = False
        self._closed = False
        self._extension = ""
        self.who = Who(self._desk_id(), "This desk")
        self._named = False
        self.set_extension(extension)
        self.worklist = Worklist(desk=self.who.desk)  # now_us 0: nothing read yet
        # The newest reading, owned by the worker thread: each job there starts from the
        # last one's result (the GUI's copy, self.worklist, may not have arrived yet).
        self._reading = self.worklist
        self._wake = QTimer(self)
        self._wake.setSingleShot(True)
        self._wake.setTimerType(Qt.TimerType.CoarseTimer)
        self._wake.timeout.connect(self._on_wake_timer_timeout)
        self._transport.start(self)

    # -- state -----------------------------------------------------------------------------

    @property
    def idle(self) -> bool:
        """True when no update is running and no record is being kept."""
        return (self._task is None or self._task.done()) and not self._jobs

    @property
    def store(self) -> CallStore:
        """The account's store (the view keeps its small choices there)."""
        return self._store

    @property
    def scope(self) -> Scope:
        return self._scope

    def now_us(self) -> int:
        return int(self._clock() * 1_000_000)

    def set_scope(self, scope: Scope) -> None:
        """Other settings: the worklist is rebuilt in the background if they differ."""
        if scope != self._scope:
            self._scope = scope
            self.request_update()

    def set_extension(self, extension: str) -> None:
        """Records are signed with this extension's user name (once the history names it)."""
        if extension.strip() != self._extension or not self._extension:
            self._extension = extension.strip()
            self._named = False
            self.who = Who(self.who.desk, f"ext {self._extension}" if self._extension
                           else "This desk")

    def _signer(self) -> Who:
        """Who signs a record now: the name is looked up until the history has it."""
        if not self._named:
            name = agent_name(self._store, self._extension)
            if name is not None:
                self.who, self._named = Who(self.who.desk, name), True
        return self.who

    # -- updating --------------------------------------------------------------------------

    @Slot()
    def request_update(self) -> None:
        """Bring the worklist up to date soon (calls changed); cheap to call often."""
        if self._closed:
            return
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = self._tasks.spawn(self._update_loop(), name="callbacks-update")

    async def _update_loop(self) -> None:
        if not self._reading.now_us:  # the first update since the service started
            try:
                stored = await self._in_worker(self._stored_first, self._scope, self.now_us())
            except StoreError as error:
                self._report(error)
                return
            if stored is not None:
                self._publish(Published(stored))  # news only from the update's reading
        while True:
            self._again = False
            scope, now_us = self._scope, self.now_us()
            try:
                published = await self._in_worker(self._ready, self._update_and_read, scope,
                                                  now_us)
            except StoreError as error:
                self._report(error)
                return
            self._publish(published)
            if not self._again or self._closed:
                return

    def _stored_first(self, scope: Scope, now_us: int) -> Worklist | None:
        """(Worker thread) the items as stored, when the first update will be slow to
        come: it reads the store's contact bound first (up to a second at a million
        calls). None when the update comes soon or will rebuild the items anyway."""
        callbacks = self._store.callbacks
        if callbacks.contacts.ready or not callbacks.built_for(scope):
            return None
        return self._read(now_us)

    def _update_and_read(self, scope: Scope, now_us: int) -> Worklist:
        """(Worker thread) the update, then the worklist: the items it changed read
        into the last reading (all of them after a rebuild or before any)."""
        started = time.perf_counter()
        result = self._store.callbacks.update(scope, now_us)
        last = self._reading
        if result.rebuilt or not last.now_us:
            worklist = self._read(now_us)
        else:
            worklist = self._reading = refreshed(
                last, result.numbers, self._store.callbacks.items_of(result.numbers), now_us)
        log.debug("Callbacks: %d rows read, %d items changed%s, %d items, %.1f ms",
                  result.rows_read, result.items_changed,
                  " (rebuilt)" if result.rebuilt else "", len(worklist.items),
                  (time.perf_counter() - started) * 1000)
        return worklist

    async def _in_worker(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, function, *args)

    def _ready(self, read: Callable[..., Worklist], *args: Any) -> Published:
        """(Worker thread) a reading by ``read(*args)``, with the callers to announce."""
        worklist = read(*args)
        return Published(worklist, tuple(self._news(worklist)))

    def _news(self, worklist: Worklist) -> list[ItemRow]:
        """(Worker thread) callers whose newest attempt is newer than the last one told
        about: those first (they are named), then the others waiting (counted).

        The first time ever, "told" starts now: history from before is not news.
        """
        waiting = worklist.waiting()
        try:
            told = self._store.values.get(NOTIFIED_KEY)
            if not isinstance(told, int):
                told = worklist.now_us
                self._store.values.set(NOTIFIED_KEY, told)
            fresh = [item for item in waiting if item.last_us > told]
            if fresh:
                self._store.values.set(NOTIFIED_KEY, max(item.last_us for item in fresh))
        except StoreError as error:
            log.warning("Could not remember which callbacks were announced: %s", error)
            return []
        named = {item.number for item in fresh}
        return fresh + [item for item in waiting if item.number not in named] if fresh else []

    def _publish(self, published: Published) -> None:
        self.worklist = published.worklist
        self._messages.clear(SOURCE)
        self._schedule_wake(published.worklist)
        self.sig_worklist_changed.emit(published.worklist)
        if published.arrived:
            self.sig_callbacks_arrived.emit(list(published.arrived))

    def _schedule_wake(self, worklist: Worklist) -> None:
        """A snoozed item comes back at its time: re-publish then (no store change needed)."""
        if worklist.wake_us < 0:
            self._wake.stop()
            return
        wait_ms = (worklist.wake_us - self.now_us()) // 1000 + 500
        self._wake.start(max(1000, min(wait_ms, 2**31 - 1)))

    @Slot()
    def _on_wake_timer_timeout(self) -> None:
        self._start(self._wake_up, "callbacks-wake")

    async def _wake_up(self) -> None:
        """A snooze ended: the same items, their states at the new time."""
        self._publish(await self._in_worker(self._ready, self._rebuild, self.now_us()))

    def _rebuild(self, now_us: int) -> Worklist:
        """(Worker thread) the last reading's items at another time."""
        last = self._reading
        self._reading = build(last.by_number, now_us, last.desk)
        return self._reading

    def _report(self, error: StoreError) -> None:
        log.warning("The callbacks worklist could not be updated: %s", error)
        self._messages.post(Message(f"The callbacks list could not be updated: {error}",
                                    Severity.WARNING, source=SOURCE))

    # -- what agents do --------------------------------------------------------------------

    def mark_done(self, number: str) -> None:
        self._record(number, Field.STATE, StateValue.DONE)

    def mark_not_needed(self, number: str, note: str = "") -> None:
        changes = [(Field.STATE, str(StateValue.NOT_NEEDED))]
        if text := note_text(note):
            changes.append((Field.NOTE, text))
        self._record_many(number, changes)

    def reopen(self, number: str) -> None:
        """Undo a manual Done / Not needed, and wake a snoozed item."""
        self._record_many(number, [(Field.STATE, str(StateValue.OPEN)), (Field.SNOOZE, "")])

    def snooze(self, number: str, until: datetime | None) -> None:
        """Hide the item until ``until`` (None wakes it now)."""
        self._record(number, Field.SNOOZE, "" if until is None else str(to_micros(until)))

    def set_note(self, number: str, note: str) -> None:
        self._record(number, Field.NOTE, note_text(note))

    def claim(self, number: str) -> None:
        """This agent is calling the caller back now ("Ana is calling back")."""
        self._record(number, Field.CLAIM, CLAIM_CALLING)

    def _record(self, number: str, what: Field, value: str) -> None:
        self._record_many(number, [(what, str(value))])

    def _record_many(self, number: str, changes: Iterable[tuple[Field, str]]) -> None:
        # Strictly later than this desk's last record, so an undo right after an action
        # (or a clock set back) still wins: records are ordered by time, then desk.
        at_us = self._last_at = max(self.now_us(), self._last_at + 1)
        signer = self._signer()
        records = [CallbackRecord(number, str(what), value, at_us, signer.desk, signer.agent)
                   for what, value in changes]
        self._start(lambda: self._keep(records, share=True), "callbacks-record")

    def receive(self, records: Sequence[CallbackRecord]) -> None:
        """Records from other desks, kept in the background (see :meth:`take`)."""
        if records:
            self._start(lambda: self._keep(list(records), share=False), "callbacks-receive")

    def _start(self, job: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
        if self._closed:  # (the coroutine is made only when it will run: never orphaned)
            return
        task = self._tasks.spawn(job(), name=name)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def _keep(self, records: list[CallbackRecord], *, share: bool) -> None:
        try:
            await self._in_worker(self._store.callback_records.add_records, records, not share)
            numbers = {record.number for record in records}
            published = await self._in_worker(self._ready, self._read_some, numbers,
                                              self.now_us())
        except StoreError as error:
            self._report(error)
            return
        self._publish(published)  # the agent sees it at once; the relay may take a moment
        if share:
            try:
                await self._share(records)
            except StoreError as error:
                self._report(error)

    def _read(self, now_us: int) -> Worklist:
        """(Worker thread) every item."""
        items = self._store.callbacks.items()
        self._reading = build({item.number: item for item in items}, now_us, self.who.desk)
        return self._reading

    def _read_some(self, numbers: set[str], now_us: int) -> Worklist:
        """(Worker thread) the last reading with these callers' items read again."""
        if not self._reading.now_us:
            return self._read(now_us)
        self._reading = refreshed(self._reading, numbers,
                                  self._store.callbacks.items_of(numbers), now_us)
        return self._reading

    # -- lifetime --------------------------------------------------------------------------

    def _desk_id(self) -> str:
        try:
            desk = self._store.values.get(DESK_KEY)
            if isinstance(desk, str) and desk:
                return desk
            desk = uuid.uuid4().hex[:16]
            self._store.values.set(DESK_KEY, desk)
        except StoreError as error:
            log.warning("Could not keep this desk's id: %s", error)
            desk = uuid.uuid4().hex[:16]
        return desk

    async def shutdown(self) -> None:
        """Stop the transport, let a running update finish, release the worker thread."""
        self._closed = True
        self._wake.stop()
        self._transport.stop()
        running = [task for task in (self._task, *self._jobs) if task is not None]
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._worker, self._store.release_thread)
        self._worker.shutdown(wait=True)

