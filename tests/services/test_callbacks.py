"""CallbacksService on a real store synced from the sandbox, with an injected clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.services import worklist as worklist_module
from pbxdesk.services.callbacks import (
    NOTE_MAX_CHARS,
    NOTIFIED_KEY,
    CallbacksService,
    note_text,
    scope_for,
)
from pbxdesk.services.callbacktexts import ShownState, claim_text, shown_state
from pbxdesk.services.messages import MessageBridge
from pbxdesk.services.worklist import Worklist
from pbxdesk.settings import Settings
from pbxdesk.store import CallStore
from pbxdesk.store.bookkeeping import KeyValues
from pbxdesk.store.callbackrules import ItemState
from pbxdesk.store.callbacks import ALL_GROUPS, Scope
from pbxdesk.store.contactbound import ContactBound
from pbxdesk.tasks import TaskKeeper
from tests.fixtures.callbacks import BOB, BOB_E164, JANE, JANE_E164, ME, SCOPE, Line, MakeLine
from tests.services.helpers import run


class Clock:
    """Epoch seconds that move only when told."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def service_for(qtbot: QtBot, make_line: MakeLine, qloop: qasync.QEventLoop) -> Iterator[
        type[CallbacksService]]:
    made: list[CallbacksService] = []
    errors: list[BaseException] = []

    class Made(CallbacksService):
        def __init__(self, line: Line, clock: Clock, scope: Scope = SCOPE) -> None:
            super().__init__(line.store, MessageBridge(), TaskKeeper(on_error=errors.append),
                             scope=scope, extension=ME, clock=clock)
            made.append(self)

    yield Made
    for service in made:
        run(qtbot, service.shutdown())
    assert errors == []


def synced_service(qtbot: QtBot, line: Line, make: type[CallbacksService],
                   ) -> tuple[CallbacksService, Clock]:
    """Sync the line's calls and start a service on it, its clock at the line's now."""
    run(qtbot, line.sync())
    clock = Clock(line.now.timestamp())
    return make(line, clock), clock  # type: ignore[call-arg]


def settled(qtbot: QtBot, service: CallbacksService) -> Worklist:
    qtbot.waitUntil(lambda: service.idle, timeout=5000)
    return service.worklist


def test_scope_follows_the_settings() -> None:
    settings = Settings(my_extension=" 1001 ", callback_groups="Sales, Reception ,, Sales",
                        callback_days=3)
    assert scope_for(settings) == Scope(("1001",), ("Sales", "Reception"), 3)
    assert scope_for(settings.replace(callback_groups="Sales, *")).groups == (ALL_GROUPS,)
    assert scope_for(settings.replace(my_extension="")).extensions == ()


def test_a_snooze_hides_the_item_until_its_time_then_wakes_it(
        qtbot: QtBot, make_line: MakeLine, service_for: type[CallbacksService]) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=30)
    service, clock = synced_service(qtbot, line, service_for)
    service.request_update()
    assert [item.number for item in settled(qtbot, service).waiting()] == [JANE_E164]

    service.snooze(JANE_E164, line.now + timedelta(seconds=2))
    qtbot.waitUntil(lambda: service.worklist.by_number[JANE_E164].snooze_until_us > 0,
                    timeout=5000)
    jane = service.worklist.by_number[JANE_E164]
    assert shown_state(jane, service.now_us()) is ShownState.SNOOZED
    assert service.worklist.waiting() == []
    assert 1000 <= service._wake.remainingTime() <= 3000

    clock.now += 3  # its time came: the wake-up publishes the list again, nothing stored
    with qtbot.waitSignal(service.sig_worklist_changed, timeout=5000) as woken:
        pass
    assert isinstance(woken.args[0], Worklist)
    assert [item.number for item in woken.args[0].waiting()] == [JANE_E164]
    assert shown_state(service.worklist.by_number[JANE_E164], service.now_us()) \
        is ShownState.OPEN


def test_a_new_call_after_a_snooze_wakes_it_at_once(
        qtbot: QtBot, make_line: MakeLine, service_for: type[CallbacksService]) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=30)
    service, clock = synced_service(qtbot, line, service_for)
    service.snooze(JANE_E164, line.now + timedelta(hours=3))
    service.request_update()
    qtbot.waitUntil(lambda: JANE_E164 in service.worklist.by_number
                    and service.worklist.by_number[JANE_E164].snooze_until_us > 0, timeout=5000)
    line.missed(JANE, minutes_ago=-1)  # she calls again, after the snooze was set
    clock.now += 120
    run(qtbot, line.sync())
    service.request_update()
    qtbot.waitUntil(lambda: service.worklist.by_number[JANE_E164].attempts == 2, timeout=5000)
    assert [item.number for item in service.worklist.waiting()] == [JANE_E164]


def test_publishing_leaves_the_store_and_the_items_to_the_worker_thread(
        qtbot: QtBot, make_line: MakeLine, service_for: type[CallbacksService],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # What is announced is remembered in the store, and who waits is worked out over
    # every item: on the GUI thread, both froze the window (a write waits for the sync's).
    line = make_line()
    line.missed(JANE, minutes_ago=60)
    service, clock = synced_service(qtbot, line, service_for)
    on_gui: list[str] = []

    def watched(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is threading.main_thread():
                on_gui.append(name)
            return function(*args, **kwargs)
        return call

    monkeypatch.setattr(KeyValues, "get", watched("values.get", KeyValues.get))
    monkeypatch.setattr(KeyValues, "set", watched("values.set", KeyValues.set))
    monkeypatch.setattr(worklist_module, "shown_state",
                        watched("shown_state", worklist_module.shown_state))
    arrived: list[object] = []
    service.sig_callbacks_arrived.connect(arrived.append)
    service.request_update()
    settled(qtbot, service)
    line.missed(BOB, minutes_ago=-2, caller_name="Bob Stone")
    clock.now += 180
    run(qtbot, line.sync())
    service.request_update()
    qtbot.waitUntil(lambda: bool(arrived), timeout=5000)
    service.snooze(BOB_E164, line.now + timedelta(hours=1))
    qtbot.waitUntil(lambda: service.worklist.wake_us > 0, timeout=5000)
    settled(qtbot, service)

    assert [item.number for item in arrived[0]] == [BOB_E164, JANE_E164]  # type: ignore[attr-defined]
    assert service.store.values.get(NOTIFIED_KEY) > 0
    assert on_gui == ["values.get"]  # only this test's own look just above
    assert 3_000_000 <= service._wake.remainingTime() <= 3_601_000


def test_actions_become_signed_records_and_new_callers_are_announced(
        qtbot: QtBot, make_line: MakeLine, service_for: type[CallbacksService]) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=60)
    service, clock = synced_service(qtbot, line, service_for)
    arrived: list[object] = []
    service.sig_callbacks_arrived.connect(arrived.append)
    service.request_update()
    settled(qtbot, service)
    assert arrived == []  # calls from before the first run are not news

    line.missed(BOB, minutes_ago=-2, caller_name="Bob Stone")
    clock.now += 180
    run(qtbot, line.sync())
    service.request_update()
    qtbot.waitUntil(lambda: bool(arrived), timeout=5000)
    announced = arrived[0]
    assert isinstance(announced, list)
    assert [item.number for item in announced] == [BOB_E164, JANE_E164]  # the new one first

    service.claim(BOB_E164)
    service.mark_not_needed(JANE_E164, "Spam")
    qtbot.waitUntil(lambda: service.worklist.by_number[JANE_E164].state
                    is ItemState.NOT_NEEDED, timeout=5000)
    qtbot.waitUntil(lambda: service.worklist.by_number[BOB_E164].claim_us > 0, timeout=5000)
    bob = service.worklist.by_number[BOB_E164]
    assert claim_text(bob, service.now_us(), service.who.desk, str) == \
        "You are calling back (just now)"
    records = line.store.callback_records.records(JANE_E164)
    assert {(r.field, r.value, r.desk, r.agent) for r in records} == {
        ("state", "not_needed", service.who.desk, "Mia Chen"),  # the history names ext 1001
        ("note", "Spam", service.who.desk, "Mia Chen")}
    assert len({r.at_us for r in records}) == 1  # one action, one moment
    assert len(line.store.callback_records.unshared_records()) == 3  # no relay: kept for one
    # Read in parts after each change, the list is the one stored.
    assert dict(service.worklist.by_number) == {
        item.number: item for item in line.store.callbacks.items()}


def test_notes_are_kept_as_any_relay_takes_them(
        qtbot: QtBot, make_line: MakeLine, service_for: type[CallbacksService]) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=30)
    service, _clock = synced_service(qtbot, line, service_for)
    service.request_update()
    assert JANE_E164 in settled(qtbot, service).by_number
    pasted = "  Rang twice\r\nsecond\rline\x07\ttab\x00 " + "x" * (2 * NOTE_MAX_CHARS)
    service.set_note(JANE_E164, pasted)
    qtbot.waitUntil(lambda: service.worklist.by_number[JANE_E164].note != "", timeout=5000)
    note = service.worklist.by_number[JANE_E164].note
    assert note.startswith("Rang twice\nsecond\nline \ttab  x")
    assert len(note) == NOTE_MAX_CHARS
    service.mark_not_needed(JANE_E164, " \x1b\x7f\x00 ")  # nothing left of it: no note record
    qtbot.waitUntil(lambda: service.worklist.by_number[JANE_E164].state
                    is ItemState.NOT_NEEDED, timeout=5000)
    records = line.store.callback_records.records(JANE_E164)
    assert [r.value for r in records if r.field == "note"] == [note]
    assert [r.value for r in records if r.field == "state"] == ["not_needed"]
    assert note_text("Wrong number: " + "\u2028ok\ud800") == "Wrong number: \u2028ok"


def test_a_new_scope_rebuilds_the_worklist(
        qtbot: QtBot, make_line: MakeLine, service_for: type[CallbacksService]) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=60)
    line.missed(BOB, minutes_ago=50, user="1002", user_name="Ana Silva")
    service, _clock = synced_service(qtbot, line, service_for)
    service.request_update()
    assert set(settled(qtbot, service).by_number) == {JANE_E164}
    service.set_scope(Scope((), (), 7))
    qtbot.waitUntil(lambda: set(service.worklist.by_number) == {JANE_E164, BOB_E164},
                    timeout=5000)


def test_a_new_session_shows_the_stored_items_before_its_first_update(
        qtbot: QtBot, make_line: MakeLine, service_for: type[CallbacksService],
        monkeypatch: pytest.MonkeyPatch) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=30)
    first, clock = synced_service(qtbot, line, service_for)
    first.request_update()
    assert [item.number for item in settled(qtbot, first).waiting()] == [JANE_E164]

    # Another session on the file: its first update must read the contact bound,
    # held up here as it would be at a million calls.
    gate = threading.Event()
    build = ContactBound.build

    def slow_build(bound: ContactBound, conn: Any) -> None:
        gate.wait(10)
        build(bound, conn)

    monkeypatch.setattr(ContactBound, "build", slow_build)
    store = CallStore(line.store.path)
    errors: list[BaseException] = []
    service = CallbacksService(store, MessageBridge(), TaskKeeper(on_error=errors.append),
                               scope=SCOPE, extension=ME, clock=clock)
    arrived: list[object] = []
    service.sig_callbacks_arrived.connect(arrived.append)
    try:
        service.request_update()
        qtbot.waitUntil(lambda: JANE_E164 in service.worklist.by_number, timeout=5000)
        assert not service.idle  # the update is still waiting for the bound
        gate.set()
        assert [item.number for item in settled(qtbot, service).waiting()] == [JANE_E164]
        assert store.callbacks.contacts.ready
        assert arrived == []  # announced by the first session already: not again
    finally:
        gate.set()
        run(qtbot, service.shutdown())
        store.close()
    assert errors == []
