"""The sandbox PBX as one object: its data, its clock, its simulations and its controls.

:class:`Sandbox` is what tests, the demo mode and the command line hold. It
owns the ASGI app (:attr:`Sandbox.app`), and every control a test needs is a
method here, mirrored by the ``/_sandbox/`` endpoints. All state sits behind
one re-entrant lock: control calls come from test threads, requests from the
server's thread, simulated events from the scheduler's thread.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import random
import secrets
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from starlette.types import ASGIApp

from pbxdesk.api.models import CallKind, SortOrder
from pbxdesk.logs import register_secret, sandbox_log
from pbxdesk.sandbox.account import Account
from pbxdesk.sandbox.app import build_app
from pbxdesk.sandbox.clock import SimClock
from pbxdesk.sandbox.config import CallScript, SandboxConfig, load_zone
from pbxdesk.sandbox.dataset import Dataset, build_dataset
from pbxdesk.sandbox.errors import MessageForms
from pbxdesk.sandbox.faults import Fault, FaultBook, FaultKind, Plan
from pbxdesk.sandbox.guard import AccessGuard
from pbxdesk.sandbox.live import LiveTraffic
from pbxdesk.sandbox.params import HistoryRules, date_range_ms, parse_call_request
from pbxdesk.sandbox.rows import CallRows
from pbxdesk.sandbox.scheduler import Scheduler
from pbxdesk.sandbox.simulation import ClickToCall, PlacedCall
from pbxdesk.sandbox.store import RowQuery
from pbxdesk.sandbox.webhooks import Delivery, WebhookSender

_SUCCESS = "Success"


class Sandbox:
    """A local emulator of the hosted PBX's integration API.

    Building one generates the account and its history (about 20 ms for the
    test fixtures' 1,500 calls, 16 s for a million); :meth:`close` stops its
    scheduler and webhook threads.

    Attributes:
        app: The ASGI application (``/api/integration/v1|v2/…`` and ``/_sandbox/…``).
        message_forms: Whether each answer's ``message`` is a string or an object.
        clock: The simulated clock (:class:`~pbxdesk.sandbox.clock.SimClock`).
        control_token: The ``X-Sandbox-Token`` value for ``/_sandbox/``.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        config = config or SandboxConfig()
        self._config = config
        self._lock = threading.RLock()
        self.control_token = config.control_token or secrets.token_urlsafe(18)
        register_secret(config.api_key)
        register_secret(self.control_token)
        start = float(int(config.now.timestamp() if config.now else time.time()))
        self.clock = SimClock(config.clock_speed, start)
        self._scheduler = Scheduler(self.clock, self._lock)
        self._webhooks = WebhookSender(config.webhook_urls, config.webhook_secret,
                                       config.webhook_timeout_seconds,
                                       type_in_body=config.webhook_type_in_body)
        self._guard = AccessGuard(config.api_key, config.allow_list, config.rate_limit,
                                  config.rate_window_seconds)
        self._faults = FaultBook(config.seed)
        self.message_forms = MessageForms(config.message_object_share, config.seed)
        self._requests: collections.Counter[str] = collections.Counter()
        self._deletions: list[Deletion] = []
        self._closed = False
        began = time.perf_counter()
        self._load(config, anchor=start)
        sandbox_log.info("Sandbox built: seed %s, %s calls over %s days in %.2f s",
                         config.seed, config.calls, config.days, time.perf_counter() - began)
        self.app: ASGIApp = build_app(self)

    def _load(self, config: SandboxConfig, *, anchor: float) -> None:
        self._data: Dataset = build_dataset(config, anchor)
        self._rules = HistoryRules(
            user_filter_param=config.user_filter_param, oldest_first=config.oldest_first,
            ignore_oldest_first=config.ignore_oldest_first,
            ignore_user_selector=config.ignore_user_selector,
            date_zone=(self._data.account.timezone if config.date_timezone == "account"
                       else load_zone(config.date_timezone)),
            to_date_inclusive=config.to_date_inclusive, strict_paging=config.strict_paging)
        self._click = ClickToCall(
            account=self._data.account, clock=self.clock, scheduler=self._scheduler,
            webhooks=self._webhooks, ids=self._data.factory.ids, store=self._store_rows,
            default_script=config.call_script, device_timeout=config.device_timeout_seconds,
            destination_timeout=config.destination_timeout_seconds)
        self._live = LiveTraffic(
            factory=self._data.factory, scheduler=self._scheduler, webhooks=self._webhooks,
            store=self._store_rows, seed=config.seed,
            calls_per_minute=config.live_calls_per_minute,
            focus_extension=config.live_focus_extension,
            focus_calls_per_minute=config.live_focus_calls_per_minute)
        if config.live_traffic:
            self._live.start(self.clock.now())

    # -- what the sandbox is

    @property
    def config(self) -> SandboxConfig:
        return self._config

    @property
    def api_key(self) -> str:
        return self._config.api_key

    @property
    def account(self) -> Account:
        with self._lock:
            return self._data.account

    @property
    def history_rules(self) -> HistoryRules:
        return self._rules

    def set_history_rules(self, **changes: Any) -> HistoryRules:
        """Change how the history endpoints answer (any :class:`HistoryRules` field, e.g.
        ``ignore_user_selector=True``) from the next request on."""
        with self._lock:
            self._rules = dataclasses.replace(self._rules, **changes)
            return self._rules

    @property
    def request_count(self) -> int:
        """API requests received (every one, refused or not; control calls not counted)."""
        with self._lock:
            return sum(self._requests.values())

    @property
    def request_counts(self) -> dict[str, int]:
        """API requests received per endpoint name (``get-user-calls``, …)."""
        with self._lock:
            return dict(self._requests)

    def now(self) -> datetime:
        """The simulated clock's time."""
        return datetime.fromtimestamp(self.clock.now(), UTC)

    def rows(self, kind: CallKind, *, from_date: date | None = None, to_date: date | None = None,
             names: Sequence[str] = (), unique_call_id: str | None = None,
             sort: SortOrder = SortOrder.NEWEST_FIRST, offset: int = 0,
             limit: int | None = None) -> list[dict[str, Any]]:
        """Ground truth: the rows the API serves for these filters, as decoded JSON.

        Dates follow the sandbox's rules (time zone, inclusive ``to_date``) and
        are not range-checked; ``limit`` None means every row.
        """
        start, before = date_range_ms(from_date, to_date, self._rules)
        query = RowQuery(start_from_ms=start, start_before_ms=before, names=tuple(names),
                         unique_call_id=unique_call_id,
                         newest_first=sort is SortOrder.NEWEST_FIRST, offset=offset, limit=limit)
        with self._lock:
            self._scheduler.run_due()
            return [json.loads(text) for text in self._data.store.page(kind, query)]

    def row_count(self, kind: CallKind) -> int:
        with self._lock:
            self._scheduler.run_due()
            return self._data.store.count(kind)

    # -- click-to-call

    def placed_calls(self) -> list[PlacedCall]:
        """Every ``call-to-number`` POST accepted so far, with its call's current state."""
        with self._lock:
            self._scheduler.run_due()
            return self._click.placed()

    def script_next_call(self, script: CallScript | None = None, **fields: Any) -> CallScript:
        """Queue how the next click-to-call goes (a script, or CallScript's fields)."""
        script = script or CallScript(**fields)
        with self._lock:
            self._click.script_next(script)
        return script

    def wait_for_calls(self, timeout: float = 5.0) -> list[PlacedCall]:
        """Wait (real time) until every placed call has ended; TimeoutError if not."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self.placed_calls()
            if all(call.finished for call in calls):
                return calls
            if time.monotonic() > deadline:
                raise TimeoutError(f"placed calls still going after {timeout} s: {calls}")
            time.sleep(0.002)

    # -- data

    def add_calls(self, count: int, *, days: float | None = None) -> int:
        """Generate ``count`` more calls in the last ``days`` (default: the config's).

        Returns the number of rows added.
        """
        if count < 0:
            raise ValueError("count must be 0 or more")
        with self._lock:
            return self._data.add_calls(count, end=self.clock.now(),
                                        days=days if days is not None else self._config.days)

    def add_rows(self, kind: CallKind, rows: Iterable[Mapping[str, Any]]) -> int:
        """Store rows verbatim (any fields, any values): for testing odd server answers.

        Each row is sorted and date-filtered by its ``call_start_at`` when that
        parses as ISO 8601, else by the simulated clock's current time.
        """
        now_ms = int(self.clock.now() * 1000)
        prepared = [(dict(row), _start_ms(row.get("call_start_at"), now_ms)) for row in rows]
        with self._lock:
            return self._data.store.add_raw(kind, prepared)

    def delete_calls(self, kind: CallKind, count: int, *, among_newest: int | None = None,
                     after_requests: int = 0) -> int:
        """Delete ``count`` random rows of ``kind`` (among its ``among_newest`` newest), as
        calls deleted on the PBX; with ``after_requests``, just before that many more API
        requests are answered (so a test can delete in the middle of a scan).

        Returns the rows deleted now (0 when scheduled). ``reset`` does not bring them back.
        """
        if count < 0 or (among_newest is not None and among_newest < 0) or after_requests < 0:
            raise ValueError("count, among_newest and after_requests must be 0 or more")
        deletion = Deletion(kind, count, among_newest, after_requests)
        with self._lock:
            if after_requests == 0:
                return self._delete(deletion)
            self._deletions.append(deletion)
            return 0

    def _delete(self, deletion: Deletion) -> int:
        rng = random.Random(f"delete:{self._config.seed}:{deletion}")
        deleted = self._data.store.delete_newest(deletion.kind, deletion.count,
                                                 deletion.among_newest, rng)
        sandbox_log.info("Deleted %d %s calls", deleted, deletion.kind.value)
        return deleted

    # -- access, faults, traffic

    def set_allow_list(self, entries: Iterable[str]) -> None:
        self._guard.set_allow_list(list(entries))

    @property
    def allow_list(self) -> tuple[str, ...]:
        return self._guard.allow_list

    @property
    def rate_limit(self) -> tuple[int | None, float]:
        """(requests per window or None, window seconds)."""
        return self._guard.rate_limit

    def set_rate_limit(self, limit: int | None, window_seconds: float | None = None) -> None:
        """Requests per window per key (None: no limit); restarts the window."""
        self._guard.set_rate_limit(limit, window_seconds or self._guard.rate_limit[1])

    def inject_fault(self, kind: FaultKind | str | Fault, **options: Any) -> Fault:
        """Add a fault (see :class:`~pbxdesk.sandbox.faults.Fault` for the options)."""
        fault = kind if isinstance(kind, Fault) else Fault(kind=FaultKind(kind), **options)
        return self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def faults(self) -> list[Fault]:
        return self._faults.active()

    def set_live_traffic(self, enabled: bool, calls_per_minute: float | None = None) -> None:
        with self._lock:
            if enabled:
                self._live.start(self.clock.now(), calls_per_minute)
            else:
                self._live.stop()

    def set_focus_extension(self, extension: str | None,
                            calls_per_minute: float | None = None) -> None:
        """Ring this user's phone from outside about once a minute while live traffic runs."""
        with self._lock:
            self._live.set_focus(extension, self.clock.now(), calls_per_minute)

    @property
    def live_traffic(self) -> bool:
        return self._live.running

    def set_webhooks(self, urls: Iterable[str], secret: str) -> None:
        self._webhooks.configure(list(urls), secret)

    def webhook_deliveries(self) -> list[Delivery]:
        return self._webhooks.deliveries()

    def wait_for_webhooks(self, timeout: float = 5.0) -> bool:
        """Block until every event queued so far was attempted."""
        return self._webhooks.wait_idle(timeout)

    def advance(self, seconds: float) -> datetime:
        """Jump the simulated clock ahead and run everything that became due."""
        self.clock.advance(seconds)
        with self._lock:
            self._scheduler.run_due()
        self._scheduler.poke()
        return self.now()

    def reset(self) -> None:
        """Back to the state after construction (the clock keeps running)."""
        config = self._config
        with self._lock:
            self._scheduler.clear()
            self._data.store.truncate(self._data.generated_mark)
            self._click.reset()
            self._faults.clear()
            self._requests.clear()
            self._deletions.clear()
            self._guard.set_allow_list(config.allow_list)
            self._guard.set_rate_limit(config.rate_limit, config.rate_window_seconds)
            self._webhooks.configure(config.webhook_urls, config.webhook_secret,
                                     config.webhook_type_in_body)
            self._live.stop()
            if config.live_traffic:
                self._live.start(self.clock.now(), config.live_calls_per_minute)

    def reseed(self, *, seed: int | None = None, calls: int | None = None,
               days: int | None = None) -> None:
        """Rebuild account and history with a new seed and/or size, ending now."""
        old_config = self._config
        config = dataclasses.replace(
            old_config, seed=old_config.seed if seed is None else seed,
            calls=old_config.calls if calls is None else calls,
            days=old_config.days if days is None else days)
        with self._lock:
            self._scheduler.clear()
            self._live.stop()
            old = self._data.store
            self._config = config
            self._load(config, anchor=float(int(self.clock.now())))
            old.close()
            self._requests.clear()

    def close(self) -> None:
        """Stop the background threads and free the data. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._live.stop()
        self._scheduler.close()
        self._webhooks.close()
        with self._lock:
            self._data.store.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        c = self._config
        return f"<Sandbox seed={c.seed} calls={c.calls} days={c.days} country={c.country}>"

    # -- used by the HTTP layer (pbxdesk.sandbox.api)

    def admit_request(self, endpoint: str) -> Plan:
        """Count one API request, run deletions due before it, decide which faults hit it."""
        with self._lock:
            self._requests[endpoint] += 1
            due = [d for d in self._deletions if d.after_requests <= 1]
            self._deletions = [dataclasses.replace(d, after_requests=d.after_requests - 1)
                               for d in self._deletions if d.after_requests > 1]
            for deletion in due:
                self._delete(deletion)
        return self._faults.plan(endpoint)

    def check_access(self, token: str | None, client_host: str | None) -> None:
        """Raise ``ApiError`` 401 or 429, or return when the request may proceed."""
        self._guard.check(token, client_host)

    def history_body(self, kind: CallKind, query: RowQuery) -> bytes:
        """A whole history answer, envelope and rows, as JSON bytes."""
        with self._lock:
            self._scheduler.run_due()
            texts = self._data.store.page(kind, query)
        message = json.dumps(self.message_forms.message(_SUCCESS, ok=True),
                             separators=(",", ":"))
        head = f'{{"code":200,"status":"success","message":{message},"data":['
        return head.encode() + ",".join(texts).encode() + b"]}"

    def place_call(self, fields: Mapping[str, str], encoding: str) -> PlacedCall:
        """Check a click-to-call request (``ApiError`` 400) and start its simulation."""
        with self._lock:
            self._scheduler.run_due()
            request = parse_call_request(fields, self._data.account)
            placed = self._click.place(request, fields, encoding)
        sandbox_log.info("Click-to-call from %s to %s (%s body)", placed.user_number,
                         placed.destination, encoding)
        return placed

    def _store_rows(self, rows: CallRows) -> None:
        self._data.store.insert(rows.users, rows.groups)


@dataclass(frozen=True, slots=True)
class Deletion:
    """Calls to delete, now or before the ``after_requests``-th API request from now."""

    kind: CallKind
    count: int
    among_newest: int | None
    after_requests: int


def _start_ms(value: Any, fallback: int) -> int:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
    return fallback
