"""Click-to-call for the UI: :class:`CallService` places calls and follows them.

The service sends the ``call-to-number`` POST (never twice: a lost answer is
reported as "may have been placed", not retried), refuses a second request
for a number it is already calling, records each placed call in the store's
recent dials, and then learns the outcome the only way the API allows: by
looking for the call's row in the user-calls history on a schedule. The
sync never takes the budget's reserve (see :mod:`pbxdesk.api.budget`), so the
POST and these look-ups always have requests to use; the look-ups leave the
last few for the next call. A row it finds is stored, so the history shows
the call at once. While live calls run (a relay connection,
:meth:`CallService.follow_live`), the ``user_outbound*`` events tell the same
steps as they happen (:meth:`CallService.on_live_event`) and the history is not
polled at all. The state of each attempt leaves as a
:class:`~pbxdesk.services.calltrack.CallAttempt` on ``sig_call_state_changed``.
No widgets here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Final

from PySide6.QtCore import QObject, Signal

from pbxdesk.api.client import PbxClient
from pbxdesk.api.errors import (
    AuthError,
    BadRequestError,
    BudgetExhaustedError,
    CallMayHavePlacedError,
    ConfigurationError,
    PbxError,
    RateLimitedError,
)
from pbxdesk.api.models import Direction
from pbxdesk.live.events import CallAnswered, CallCompleted, CallRinging, UserCallEvent
from pbxdesk.phone import DialTarget
from pbxdesk.services.calltrack import (
    BUDGET_TEXT,
    DEFAULT_POLL_SCHEDULE,
    DEFAULT_RING_SECONDS,
    MAY_HAVE_PLACED_NOT_FOUND_TEXT,
    MAY_HAVE_PLACED_TEXT,
    NOT_FOUND_TEXT,
    CallAttempt,
    CallState,
    attempt_of_row,
    calling_text,
    dialling_text,
    find_row,
    outcome_of_row,
    placed_text,
    poll_query,
    refused_text,
    ringing_text,
    talking_text,
    wake_times,
)
from pbxdesk.services.messages import Message, MessageBridge, Remedy, Severity
from pbxdesk.services.waits import TimeText, local_short_time, rate_limit_reason, resume_time
from pbxdesk.store import CallStore, StoreError
from pbxdesk.tasks import TaskKeeper

__all__ = ["BUDGET_RESERVE", "GUARD_SECONDS", "CallAttempt", "CallService", "CallState"]

log = logging.getLogger("pbxdesk.calls")
SOURCE: Final = "calls"
# A second request for the same number and extension within this many seconds
# is a double click, not a wish to ring the destination twice.
GUARD_SECONDS: Final = 8.0
# Requests of the budget a poll never takes: the agent's next call needs them.
BUDGET_RESERVE: Final = 2
# Attempts remembered (for the UI and the duplicate check); older ones are dropped.
MAX_ATTEMPTS: Final = 50
_NO_EXTENSION: Final = "Set your extension in Settings (or pick whose phones ring) to call."

Sleep = Callable[[float], Awaitable[None]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CallService(QObject):
    """Places click-to-call requests and reports how each one goes.

    Signals:
        sig_call_state_changed(object): a :class:`CallAttempt` moved on.
        sig_call_refused(str): :meth:`place_call` refused; the text says why.
        sig_recent_changed(): the store's recent dials changed.
        sig_calls_changed(): a call found in the history was stored.

    Attributes:
        attempts: the attempts so far, oldest first (the last :data:`MAX_ATTEMPTS`).
        current: the newest attempt, or None.
    """

    sig_call_state_changed = Signal(object)
    """A CallAttempt changed state (its ``text`` is what the UI shows)."""
    sig_call_refused = Signal(str)
    """A call was not placed because of a duplicate or no extension; the text says why."""
    sig_recent_changed = Signal()
    """A placed call was added to the recent dials."""
    sig_calls_changed = Signal()
    """A call's history row was stored; history views should re-read."""

    def __init__(self, client: PbxClient, store: CallStore, messages: MessageBridge,
                 tasks: TaskKeeper, *, my_extension: str,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], datetime] = _utc_now,
                 poll_schedule: Iterable[float] = DEFAULT_POLL_SCHEDULE,
                 ring_seconds: float = DEFAULT_RING_SECONDS,
                 guard_seconds: float = GUARD_SECONDS,
                 budget_reserve: int = BUDGET_RESERVE,
                 sleep: Sleep = asyncio.sleep,
                 time_text: TimeText = local_short_time,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._store = store
        self._messages = messages
        self._tasks = tasks
        self._my_extension = my_extension.strip()
        self._clock = clock
        self._wall_clock = wall_clock
        self._wakes = wake_times(poll_schedule, ring_seconds)
        self._ring_seconds = ring_seconds
        self._guard_seconds = guard_seconds
        self._budget_reserve = budget_reserve
        self._sleep = sleep
        self._time_text = time_text
        self._attempts: dict[int, CallAttempt] = {}
        self._running: dict[int, asyncio.Task[None]] = {}
        self._claimed: set[str] = set()  # history rows already matched to an attempt
        self._live: Callable[[], bool] = lambda: False
        self._next_id = 1

    # -- what the UI reads ---------------------------------------------------------------

    @property
    def my_extension(self) -> str:
        return self._my_extension

    def set_my_extension(self, extension: str) -> None:
        """The agent's own extension (a setting): whose phones ring by default."""
        self._my_extension = extension.strip()

    @property
    def attempts(self) -> tuple[CallAttempt, ...]:
        return tuple(self._attempts.values())

    @property
    def current(self) -> CallAttempt | None:
        return next(reversed(self._attempts.values()), None)

    def refusal(self, target: DialTarget, user_number: str | None = None, *,
                premium_confirmed: bool = False) -> str | None:
        """Why :meth:`place_call` would refuse this call now, or None if it would place it.

        Besides a missing extension and a call already under way, two calls are never
        placed on a guess: a target that is both a known extension and a number (the
        agent picks one: :meth:`DialTarget.without_alternative` or its ``alternative``),
        and a premium-rate number the agent has not confirmed.
        """
        user = (user_number or self._my_extension).strip()
        if not user:
            return _NO_EXTENSION
        if target.alternative is not None:
            return f"{target.question} Choose one to call."
        if target.is_premium_rate and not premium_confirmed:
            return (f"{target.display} is a premium-rate number: calls to it cost extra. "
                    "Confirm to call it.")
        now = self._clock()
        for attempt in reversed(self._attempts.values()):
            if attempt.number != target.number_to_call or attempt.user_number != user:
                continue
            age = now - attempt.started
            held = max(self._ring_seconds, self._guard_seconds)
            if attempt.state is CallState.MAY_HAVE_PLACED and age < held:
                # The phones may be ringing now: a second request could ring twice.
                wait = max(1, round(held - age))
                return (f"Not calling {attempt.display} again yet: the last request may have "
                        f"gone through. Check your phone; try again in {wait} s if it did not "
                        "ring.")
            if attempt.state in (CallState.CALLING, CallState.RINGING) or (
                    attempt.state is not CallState.ERROR and age < self._guard_seconds):
                return f"Already calling {attempt.display}."
        return None

    def follow_live(self, is_live: Callable[[], bool]) -> None:
        """While ``is_live()`` holds, outcomes come from :meth:`on_live_event`, not polls."""
        self._live = is_live

    def on_live_event(self, event: UserCallEvent) -> None:
        """A ``user_outbound*`` event: move the attempt it belongs to along."""
        if event.direction is not Direction.OUTBOUND:
            return
        row = event.history_row if isinstance(event, CallCompleted) else event.call
        attempt = attempt_of_row(self._attempts.values(), row, claimed=self._claimed)
        if attempt is None:
            return
        call_id = row.unique_call_id
        if isinstance(event, CallRinging):
            if attempt.state in (CallState.CALLING, CallState.RINGING, CallState.PLACED,
                                 CallState.MAY_HAVE_PLACED):
                self._publish(attempt.moved_to(CallState.PLACED, dialling_text(attempt.display),
                                               unique_call_id=call_id))
        elif isinstance(event, CallAnswered):
            self._publish(attempt.moved_to(CallState.TALKING, talking_text(attempt.display),
                                           unique_call_id=call_id))
        elif isinstance(event, CallCompleted):
            self._claimed.add(row.key)
            state, text = outcome_of_row(event.history_row)
            log.info("Call %d: %s (live)", attempt.attempt_id, state.value)
            self._publish(attempt.moved_to(state, text,
                                           talk_seconds=event.history_row.conversation_duration,
                                           unique_call_id=call_id))

    # -- placing a call ------------------------------------------------------------------

    def place_call(self, target: DialTarget, *, user_number: str | None = None,
                   caller_id: str | None = None, premium_confirmed: bool = False) -> bool:
        """Ask the PBX to ring ``user_number``'s phones (default: the agent's), then ``target``.

        Returns False, and emits ``sig_call_refused``, when :meth:`refusal` has a
        reason (no extension, the same number already being called, two readings
        of the digits, an unconfirmed premium-rate number); otherwise the request
        is on its way and its progress arrives on ``sig_call_state_changed``.
        Needs a running loop.
        """
        user = (user_number or self._my_extension).strip()
        reason = self.refusal(target, user, premium_confirmed=premium_confirmed)
        if reason is not None:
            self.sig_call_refused.emit(reason)
            return False
        attempt = CallAttempt(
            attempt_id=self._next_id, number=target.number_to_call, display=target.display,
            user_number=user, caller_id=(caller_id or "").strip() or None,
            state=CallState.CALLING, text=calling_text(target.display),
            requested_at=self._wall_clock(), started=self._clock(), internal=target.is_internal)
        self._next_id += 1
        self._publish(attempt)
        task = self._tasks.spawn(self._place(attempt), name=f"call-{attempt.attempt_id}")
        self._running[attempt.attempt_id] = task
        task.add_done_callback(self._on_task_done)
        return True

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        for key, running in list(self._running.items()):
            if running is task:
                del self._running[key]

    async def _place(self, attempt: CallAttempt) -> None:
        log.info("Call %d: asking the PBX to ring ext %s, then %s", attempt.attempt_id,
                 attempt.user_number, _masked(attempt.number))
        try:
            await self._client.call_to_number(attempt.user_number, attempt.number,
                                              attempt.caller_id)
        except CallMayHavePlacedError:
            log.warning("Call %d: the answer was lost; the call may have been placed (not "
                        "retried)", attempt.attempt_id)
            attempt = self._publish(attempt.moved_to(CallState.MAY_HAVE_PLACED,
                                                     MAY_HAVE_PLACED_TEXT))
        except PbxError as error:
            log.info("Call %d: not placed (%s)", attempt.attempt_id, type(error).__name__)
            self._publish(attempt.moved_to(CallState.ERROR, self._not_called_text(error)))
            self._report(error)
            return
        else:
            self._messages.clear(SOURCE)
            attempt = self._publish(attempt.moved_to(CallState.RINGING,
                                                     ringing_text(attempt.user_number)))
        self._record_recent(attempt)
        await self._follow(attempt)

    # -- following it ----------------------------------------------------------------------

    async def _follow(self, attempt: CallAttempt) -> None:
        """Look for the call's row on the schedule; publish the outcome or give up."""
        slept = 0.0
        budget_skipped = False
        for at, polls in self._wakes:
            await self._sleep(max(0.0, at - slept))
            slept = at
            attempt = self._attempts.get(attempt.attempt_id, attempt)
            if not attempt.pending:
                return  # a live event told the outcome
            if attempt.state is CallState.RINGING and at >= self._ring_seconds:
                attempt = self._publish(attempt.moved_to(
                    CallState.PLACED, placed_text(attempt.user_number)))
            if not polls or self._live():
                continue  # live: the relay's events tell the outcome, no request needed
            if self._client.budget.remaining() <= self._budget_reserve:
                budget_skipped = True
                continue
            if await self._poll(attempt):
                return
        while self._live() and self._current(attempt).state is CallState.TALKING:
            await self._sleep(60.0)  # a long call, followed live: its end comes as an event
        attempt = self._current(attempt)
        if not attempt.pending:
            return
        if self._live() and await self._poll(attempt):
            return  # its events were lost: one look at the history
        if attempt.state is CallState.MAY_HAVE_PLACED:
            text = MAY_HAVE_PLACED_NOT_FOUND_TEXT
        else:
            text = BUDGET_TEXT if budget_skipped else NOT_FOUND_TEXT
        log.info("Call %d: no history row found (%s)", attempt.attempt_id,
                 "budget kept for the next call" if budget_skipped else "schedule ended")
        self._publish(attempt.moved_to(CallState.UNKNOWN, text))

    async def _poll(self, attempt: CallAttempt) -> bool:
        """One look at the history; True when the call's row was found and published."""
        query = poll_query(attempt.user_number, attempt.requested_at,
                           filtered=self._client.settings.user_filter_param is not None)
        try:
            page = await self._client.get_user_calls(query)
        except BudgetExhaustedError:
            return False  # the sync spent it meanwhile: the next wake-up tries again
        except PbxError as error:
            log.info("Call %d: history look-up failed (%s); trying again later",
                     attempt.attempt_id, type(error).__name__)
            return False
        row = find_row(page.rows, attempt, claimed=self._claimed)
        if row is None:
            return False
        self._claimed.add(row.key)
        state, text = outcome_of_row(row)
        log.info("Call %d: %s", attempt.attempt_id, state.value)
        self._publish(attempt.moved_to(state, text, talk_seconds=row.conversation_duration,
                                       unique_call_id=row.unique_call_id))
        try:
            self._store.upsert([row])
        except StoreError as error:
            log.warning("Call %d: could not store its history row: %s", attempt.attempt_id,
                        error)
        else:
            self.sig_calls_changed.emit()
        return True

    # -- bookkeeping -------------------------------------------------------------------------

    def _current(self, attempt: CallAttempt) -> CallAttempt:
        return self._attempts.get(attempt.attempt_id, attempt)

    def _publish(self, attempt: CallAttempt) -> CallAttempt:
        self._attempts[attempt.attempt_id] = attempt
        while len(self._attempts) > MAX_ATTEMPTS:
            oldest = next(iter(self._attempts))
            if self._attempts[oldest].pending:
                break  # still followed: keep it (the list shrinks once it is done)
            del self._attempts[oldest]
        self.sig_call_state_changed.emit(attempt)
        return attempt

    def _record_recent(self, attempt: CallAttempt) -> None:
        try:
            self._store.recent_dials.add(attempt.number, attempt.display, attempt.user_number,
                                         attempt.caller_id, attempt.requested_at)
        except StoreError as error:
            log.warning("Could not record the dialled number in the recent list: %s", error)
            return
        self.sig_recent_changed.emit()

    def _not_called_text(self, error: PbxError) -> str:
        """The dial pad's words for a call that was not placed, with what to do next."""
        if isinstance(error, RateLimitedError):
            return f"Not called: {self._rate_limit_text(error)}"
        if isinstance(error, BadRequestError) and error.status_code not in (404, 405):
            # The PBX's own words are the only precise reason; 404/405 say "check the
            # address in Settings" themselves.
            return refused_text(error.server_message)
        return f"Not called: {error}"

    def _rate_limit_text(self, error: RateLimitedError) -> str:
        """Who asked to wait and when calling works again ("… Try again at 3:42 pm.")."""
        again = resume_time(error, self._wall_clock())
        return (f"{rate_limit_reason(error, self._client.budget)}. "
                f"Try again at {self._time_text(again)}.")

    def _report(self, error: PbxError) -> None:
        """The banner for problems that are not about this one call."""
        if isinstance(error, AuthError | ConfigurationError):
            self._messages.post(Message(str(error), Severity.ERROR, Remedy.OPEN_SETTINGS,
                                        source=SOURCE))
        elif isinstance(error, RateLimitedError):
            self._messages.post(Message(self._rate_limit_text(error), Severity.WARNING,
                                        Remedy.NONE, source=SOURCE))

    async def shutdown(self) -> None:
        """Stop following calls (before the client closes). Placed calls are not affected."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


def _masked(number: str) -> str:
    """A number for the log: enough to tell calls apart, not enough to dial."""
    return number if len(number) <= 6 else "…" + number[-3:]
