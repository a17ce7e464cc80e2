"""Live traffic: new calls arriving while clients watch (and page through) the history.

Arrivals are a Poisson process at ``calls_per_minute`` of simulated time. Each
call is made by the same :class:`~pbxdesk.sandbox.generator.CallFactory` as the
history; its rows are stored when each leg ends (so ``newest_first`` pages
shift under a client that pages slowly), and its webhooks fire as the call
goes: ``user_inbound`` / ``user_outbound`` when a leg starts ringing, ``…_answered``
when it connects, ``…_completed`` when it ends, and ``queue_call`` /
``ring_group_call`` summaries when the group call ends. After a leg ends, some
calls also leave a ``voicemail`` (two in five missed inbound legs) or a
recording (``recording_inbound`` / ``recording_outbound``, one in three
answered legs); which ones follows from the call id, so the traffic stays
the same for a seed. With a focus user (the demo's "me"), that user's phone
also rings from outside at a steady pace (each gap 75–125 % of the mean), the
first call within a few seconds of starting.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox.generator import CallFactory
from pbxdesk.sandbox.rows import CallRows, GroupRow, UserRow, event_fields, iso_ms
from pbxdesk.sandbox.scheduler import Scheduler
from pbxdesk.sandbox.webhooks import WebhookSender

RECORDINGS_URL = "https://recordings.sandbox.invalid"
"""Where the sandbox's voicemail and recording links point (a name that never resolves)."""
_SUMMARY_EVENT = {CallKind.QUEUE: "queue_call", CallKind.RING_GROUP: "ring_group_call"}


class LiveTraffic:
    """Schedules arrivals while running; each arrival plays one generated call."""

    def __init__(self, *, factory: CallFactory, scheduler: Scheduler, webhooks: WebhookSender,
                 store: Callable[[CallRows], None], seed: int, calls_per_minute: float,
                 focus_extension: str | None = None,
                 focus_calls_per_minute: float = 1.0) -> None:
        self.factory = factory
        self._scheduler = scheduler
        self._webhooks = webhooks
        self._store = store
        self._rng = random.Random(seed ^ 0x5EED)
        self._rate = calls_per_minute
        self._focus = factory.account.user(focus_extension) if focus_extension else None
        self._focus_rate = focus_calls_per_minute
        self._focus_generation = 0
        self._generation = 0
        self._running = False
        self.arrivals = 0

    @property
    def running(self) -> bool:
        return self._running

    @property
    def calls_per_minute(self) -> float:
        return self._rate

    def start(self, now: float, calls_per_minute: float | None = None) -> None:
        if calls_per_minute is not None:
            if calls_per_minute <= 0:
                raise ValueError("calls_per_minute must be more than 0")
            self._rate = calls_per_minute
        self.stop()
        self._running = True
        self._schedule_next(now, self._generation)
        self._schedule_focus(now)

    def set_focus(self, extension: str | None, now: float,
                  calls_per_minute: float | None = None) -> None:
        """Ring ``extension`` from outside at a steady pace (None: stop)."""
        if calls_per_minute is not None:
            if calls_per_minute <= 0:
                raise ValueError("calls_per_minute must be more than 0")
            self._focus_rate = calls_per_minute
        self._focus = self.factory.account.user(extension) if extension else None
        self._focus_generation += 1
        if self._running:
            self._schedule_focus(now)

    def _schedule_focus(self, now: float) -> None:
        if self._focus is not None:
            generation, focus = self._generation, self._focus_generation
            self._scheduler.schedule(now + self._rng.uniform(3.0, 8.0),
                                     lambda t: self._ring_focus(t, generation, focus))

    def stop(self) -> None:
        """Stop new arrivals (calls already ringing still finish)."""
        self._generation += 1
        self._running = False

    def _schedule_next(self, now: float, generation: int) -> None:
        gap = self._rng.expovariate(self._rate / 60.0)
        self._scheduler.schedule(now + gap, lambda t: self._arrive(t, generation))

    def _arrive(self, at: float, generation: int) -> None:
        if generation != self._generation:
            return
        self.arrivals += 1
        self.play(self.factory.make(self._rng, int(at)))
        self._schedule_next(at, generation)

    def _ring_focus(self, at: float, generation: int, focus: int) -> None:
        if (generation, focus) != (self._generation, self._focus_generation) \
                or self._focus is None:
            return
        self.arrivals += 1
        self.play(self.factory.direct_inbound(self._rng, int(at), self._focus))
        gap = 60.0 / self._focus_rate * self._rng.uniform(0.75, 1.25)
        self._scheduler.schedule(at + gap, lambda t: self._ring_focus(t, generation, focus))

    def play(self, rows: CallRows) -> None:
        """Schedule the rows' events and their storing at the times they happen."""
        for user_row in rows.users:
            self._play_leg(user_row)
        for group_row in rows.groups:
            self._scheduler.schedule(group_row.end_ms / 1000,
                                     functools.partial(self._group_ended, group_row))

    def _play_leg(self, row: UserRow) -> None:
        direction = row.type.split("_")[1] if row.type.count("_") >= 2 else ""
        if direction in ("inbound", "outbound"):
            base = f"user_{direction}"
            ringing = row._replace(connected_ms=None, call_duration=0, conversation_duration=0)
            self._scheduler.schedule(row.start_ms / 1000, lambda _t: self._webhooks.send(
                base, event_fields(ringing)))
            if row.connected_ms is not None:
                answered = row._replace(call_duration=(row.connected_ms - row.start_ms) // 1000,
                                        conversation_duration=0)
                self._scheduler.schedule(row.connected_ms / 1000, lambda _t: self._webhooks.send(
                    f"{base}_answered", event_fields(answered)))
        self._scheduler.schedule(row.end_ms / 1000, lambda _t: self._leg_ended(row, direction))

    def _leg_ended(self, row: UserRow, direction: str) -> None:
        self._store(CallRows([row], []))
        if direction in ("inbound", "outbound"):
            self._webhooks.send(f"user_{direction}_completed", event_fields(row))
            self._after_call(row, direction)

    def _after_call(self, row: UserRow, direction: str) -> None:
        """A voicemail or a recording for some calls (the PBX sends these after the call)."""
        chance = int(row.unique_call_id) % 15 if row.unique_call_id.isdigit() else 0
        link = f"{RECORDINGS_URL}/{row.unique_call_id}.wav"
        if direction == "inbound" and row.connected_ms is None and chance < 6:
            caller = row.caller_name or row.caller_id or "an unknown caller"
            self._webhooks.send("voicemail", {
                "unique_call_id": row.unique_call_id, "caller_id": row.caller_id,
                "caller_name": row.caller_name, "user_name": row.user_name,
                "user_number": row.user_number, "recorded_at": iso_ms(row.end_ms),
                "emails": "", "email_subject": f"New voicemail from {caller}",
                "email_message": "", "audio_file": [link]})
        elif row.connected_ms is not None and chance % 3 == 0:
            self._webhooks.send(f"recording_{direction}",
                                {**event_fields(row), "call_recording_link": link})

    def _group_ended(self, row: GroupRow, _at: float) -> None:
        self._store(CallRows([], [row]))
        self._webhooks.send(_SUMMARY_EVENT[row.call_kind], event_fields(row))
