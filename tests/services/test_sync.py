"""SyncService against the sandbox PBX: waiting out a rate limit and resuming by itself.

The client is built without retries, so the sandbox's 429 (with its real
``Retry-After`` of a second or two) reaches the service at once, as a long
one does in the app. The service's clock text is a recorder, so a test can
check *which* moment the banner names.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import ClientSettings, PbxClient
from pbxdesk.api.models import CallKind
from pbxdesk.api.retry import NO_RETRY
from pbxdesk.phone import parse_dial_input
from pbxdesk.sandbox import Sandbox
from pbxdesk.services import waits
from pbxdesk.services.calls import CallService, CallState
from pbxdesk.services.messages import Message, MessageBridge, Remedy, Severity
from pbxdesk.services.sync import QUIET_SECONDS, SyncService
from pbxdesk.store import CallStore
from pbxdesk.sync.engine import SyncEngine
from pbxdesk.tasks import TaskKeeper
from tests.services.helpers import run

CLOCK = "3:41 pm"  # what the recording clock text shows


@dataclass
class SyncEnv:
    sandbox: Sandbox
    client: PbxClient
    service: SyncService
    posted: list[Message] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    started: list[datetime] = field(default_factory=list)
    finished: list[datetime] = field(default_factory=list)
    failed: list[tuple[datetime, str]] = field(default_factory=list)
    moments: list[datetime] = field(default_factory=list)
    """Each moment the service asked the clock text for."""

    def time_text(self, moment: datetime) -> str:
        self.moments.append(moment)
        return CLOCK


MakeSync = Callable[..., SyncEnv]


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def make_sync(qtbot: QtBot, qloop: qasync.QEventLoop, tmp_path: Path,
              sandbox: Sandbox) -> Iterator[MakeSync]:
    made: list[tuple[SyncEnv, CallStore, list[BaseException]]] = []

    def make(*, budget: RequestBudget | None = None, refresh_minutes: float = 0,
             monotonic: Callable[[], float] = time.monotonic) -> SyncEnv:
        client = PbxClient(
            ClientSettings(base_url="http://127.0.0.1:1", api_key=sandbox.api_key,
                           default_region="AU"),
            transport=httpx.ASGITransport(app=sandbox.app),
            budget=budget or RequestBudget(limit=1000), retry=NO_RETRY)
        store = CallStore(tmp_path / f"calls-{len(made)}.sqlite3", default_region="AU")
        messages = MessageBridge()
        errors: list[BaseException] = []
        env = SyncEnv(sandbox, client, None)  # type: ignore[arg-type]  # set just below
        env.service = SyncService(SyncEngine(client, store), messages,
                                  TaskKeeper(on_error=errors.append),
                                  refresh_minutes=refresh_minutes, time_text=env.time_text,
                                  monotonic=monotonic)
        messages.sig_message_posted.connect(env.posted.append)
        messages.sig_message_cleared.connect(env.cleared.append)
        env.service.sig_sync_started.connect(lambda: env.started.append(_now()))
        env.service.sig_sync_finished.connect(lambda _result: env.finished.append(_now()))
        env.service.sig_sync_failed.connect(lambda text: env.failed.append((_now(), text)))
        made.append((env, store, errors))
        return env

    yield make
    for env, store, errors in made:
        run(qtbot, env.service.shutdown())
        run(qtbot, env.client.aclose())
        store.close()
        assert errors == [], "a background task of the sync service failed"


def test_a_429_is_a_warning_that_says_when_syncing_resumes_and_then_it_does(
        qtbot: QtBot, make_sync: MakeSync) -> None:
    env = make_sync(refresh_minutes=0)  # no periodic refresh to lean on
    env.sandbox.set_rate_limit(2, 2.0)
    env.service.start_sync()
    qtbot.waitUntil(lambda: bool(env.posted), timeout=5000)
    failed_at = env.failed[0][0]
    env.sandbox.set_rate_limit(None)  # the PBX lets requests through again
    text = f"The PBX asked pbxdesk to slow down; syncing resumes at {CLOCK}."
    # A warning with nothing to press: a Retry could not succeed before then.
    assert env.posted == [Message(text, Severity.WARNING, Remedy.NONE, source="sync")]
    assert env.failed[0][1] == text
    # The time named is the end of the PBX's Retry-After (1-2 s in the sandbox).
    (resume_at,) = env.moments
    assert failed_at + timedelta(seconds=0.9) <= resume_at <= failed_at + timedelta(seconds=2.1)
    qtbot.waitUntil(lambda: bool(env.finished), timeout=8000)
    assert len(env.started) == 2
    assert env.started[1] >= resume_at
    assert env.cleared == ["sync"]  # the banner goes once the sync got through


def test_the_periodic_refresh_does_not_jump_a_rate_limit_wait(
        qtbot: QtBot, make_sync: MakeSync) -> None:
    env = make_sync(refresh_minutes=0.1 / 60)  # every 100 ms: many times inside the wait
    env.sandbox.set_rate_limit(2, 2.0)
    env.service.start_sync()
    qtbot.waitUntil(lambda: bool(env.posted), timeout=5000)
    requests_at_429 = env.sandbox.request_count
    env.sandbox.set_rate_limit(None)
    (resume_at,) = env.moments
    qtbot.waitUntil(lambda: bool(env.finished), timeout=8000)
    # Nothing was sent, and no sync started, before the time the banner named.
    assert env.started[1] >= resume_at
    assert env.finished[0] >= resume_at
    assert requests_at_429 == 3  # two allowed, the third refused


def test_a_429_without_retry_after_resumes_after_a_default_wait(
        qtbot: QtBot, make_sync: MakeSync, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(waits, "DEFAULT_WAIT_SECONDS", 1.0)
    env = make_sync(refresh_minutes=0)
    env.sandbox.inject_fault("status", status=429)  # one refusal, no Retry-After header
    env.service.start_sync()
    qtbot.waitUntil(lambda: bool(env.posted), timeout=5000)
    assert env.posted[0].text == f"The PBX asked pbxdesk to slow down; syncing resumes at {CLOCK}."
    assert env.posted[0].remedy is Remedy.NONE
    qtbot.waitUntil(lambda: bool(env.finished), timeout=5000)
    assert env.started[1] >= env.moments[0]


def test_a_spent_budget_names_the_budget_and_the_resume_time(
        qtbot: QtBot, make_sync: MakeSync) -> None:
    budget = RequestBudget(limit=2, window=2.0)
    env = make_sync(budget=budget)
    env.service.start_sync()
    qtbot.waitUntil(lambda: bool(env.posted), timeout=5000)
    available_at = budget.next_available_at()
    budget.limit = 1000  # the user raised it in Settings; the wait already set stands
    assert env.posted == [Message(
        "pbxdesk has used its budget of 2 requests per 2 seconds to stay inside the PBX's "
        f"limit; syncing resumes at {CLOCK}.", Severity.WARNING, Remedy.NONE, source="sync")]
    (resume_at,) = env.moments
    assert abs(resume_at - available_at) < timedelta(milliseconds=1)  # float seconds
    assert env.sandbox.request_count == 2
    qtbot.waitUntil(lambda: bool(env.finished), timeout=8000)
    assert env.started[1] >= available_at


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX; CI runs Linux")
def test_a_full_disk_stops_the_sync_with_what_to_do_and_the_next_sync_completes(
        qtbot: QtBot, make_sync: MakeSync, tmp_path: Path) -> None:
    import resource

    env = make_sync()
    store = env.service.engine.store
    files = [tmp_path / "calls-0.sqlite3", tmp_path / "calls-0.sqlite3-wal"]
    biggest = max(file.stat().st_size for file in files if file.exists())
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # No file of this process may grow past this: the disk is "full" for the store.
    resource.setrlimit(resource.RLIMIT_FSIZE, (biggest + 64 * 1024, hard))
    try:
        env.service.start_sync()
        qtbot.waitUntil(lambda: bool(env.failed), timeout=20_000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    text = env.failed[0][1]
    # What to do, not just what went wrong. A file-size limit reads to SQLite as an I/O
    # error rather than SQLITE_FULL (tests/store covers that message); both say it.
    assert "Free some space" in text or "Check that the disk" in text, text
    assert env.posted
    assert env.posted[-1].severity is Severity.ERROR
    stored_before = store.count()

    env.service.start_sync()  # space was freed: the next sync picks up where it stopped
    qtbot.waitUntil(lambda: bool(env.finished), timeout=30_000)
    expected = sum(env.sandbox.row_count(kind) for kind in CallKind)
    assert store.count() == expected >= stored_before
    assert env.cleared[-1] == "sync"


class Ticker:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_refresh_while_one_runs_or_just_after_sends_nothing(
        qtbot: QtBot, make_sync: MakeSync) -> None:
    ticker = Ticker()
    env = make_sync(monotonic=ticker)
    skipped: list[str] = []
    env.service.sig_refresh_skipped.connect(skipped.append)
    first = env.service.refresh_by_hand()
    assert all(env.service.refresh_by_hand() is first for _ in range(20))  # F5 while it runs
    qtbot.waitUntil(lambda: bool(env.finished), timeout=8000)
    sent = env.sandbox.request_count
    ticker.now += QUIET_SECONDS - 1
    for _ in range(20):  # F5 seconds after it
        assert env.service.refresh_by_hand() is None
    assert env.sandbox.request_count == sent
    assert skipped[0].startswith("Already up to date")
    assert len(env.started) == 1
    ticker.now += 2
    assert env.service.refresh_by_hand() is not None  # later, a refresh goes out again
    qtbot.waitUntil(lambda: len(env.finished) == 2, timeout=8000)
    assert env.sandbox.request_count > sent


def test_f5_right_after_an_automatic_sync_is_sent(qtbot: QtBot, make_sync: MakeSync) -> None:
    # The sync at start, the timer's and live calls' are not the agent's presses: the
    # call they have just finished may be newer than what that sync fetched.
    ticker = Ticker()
    env = make_sync(monotonic=ticker)
    env.service.start_sync()
    qtbot.waitUntil(lambda: bool(env.finished), timeout=8000)
    sent = env.sandbox.request_count
    assert env.service.refresh_by_hand() is not None
    qtbot.waitUntil(lambda: len(env.finished) == 2, timeout=8000)
    assert env.sandbox.request_count > sent
    assert env.service.refresh_by_hand() is None  # and then the quiet seconds hold


def test_f5_in_the_quiet_seconds_refreshes_once_when_they_end(
        qtbot: QtBot, make_sync: MakeSync) -> None:
    ticker = Ticker()
    env = make_sync(monotonic=ticker)
    skipped: list[str] = []
    env.service.sig_refresh_skipped.connect(skipped.append)
    env.service.refresh_by_hand()
    qtbot.waitUntil(lambda: bool(env.finished), timeout=8000)
    sent = env.sandbox.request_count
    ticker.now += QUIET_SECONDS - 0.3  # 0.3 s of quiet left
    for _ in range(5):
        assert env.service.refresh_by_hand() is None
    assert skipped == ["Already up to date: synced a few seconds ago. Checking again in 1 s."] * 5
    assert env.sandbox.request_count == sent
    ticker.now += 1  # what the deferred timer waits for, on the real clock
    qtbot.waitUntil(lambda: len(env.finished) == 2, timeout=8000)
    assert env.sandbox.request_count > sent
    qtbot.wait(500)
    assert len(env.started) == 2  # five presses, one refresh


def test_fifty_refreshes_then_a_call_the_post_is_sent(qtbot: QtBot, make_sync: MakeSync,
                                                     tmp_path: Path) -> None:
    # Each refresh is let through (the clock jumps past the quiet time): the budget's
    # reserve alone has to keep the call's requests.
    ticker = Ticker()
    env = make_sync(budget=RequestBudget(limit=100, window=900, reserve=15), monotonic=ticker)
    for _ in range(50):
        ticker.now += QUIET_SECONDS + 1
        task = env.service.refresh_by_hand()
        if task is not None:
            qtbot.waitUntil(task.done, timeout=8000)
    assert env.client.budget.remaining(background=True) == 0  # the sync took all it may
    assert env.sandbox.request_count == 85
    store = CallStore(tmp_path / "calls-for-calls.sqlite3", default_region="AU")
    errors: list[BaseException] = []
    calls = CallService(env.client, store, MessageBridge(), TaskKeeper(on_error=errors.append),
                        my_extension=env.sandbox.account.users[0].extension)
    states: list[CallState] = []
    calls.sig_call_state_changed.connect(lambda attempt: states.append(attempt.state))
    try:
        assert calls.place_call(parse_dial_input("+61412345678", "AU"))
        qtbot.waitUntil(lambda: CallState.RINGING in states, timeout=5000)
        assert len(env.sandbox.placed_calls()) == 1
        assert env.client.budget.remaining() == 14  # left to follow the call
    finally:
        run(qtbot, calls.shutdown())
        store.close()
    assert errors == []
