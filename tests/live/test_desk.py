"""End to end through real HTTP: webhooks → relay → the desk's live connection → store and pops.

The relay runs on loopback with its embedded store, and with a real
``redis-server`` where a test takes the parametrised ``relay`` fixture; the
desk is a :class:`LiveService` on the qasync loop with a real SQLite store
and the real pop windows (offscreen).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from pbxdesk.api.client import ClientSettings, PbxClient
from pbxdesk.api.models import CallKind, HistoryQuery, Outcome
from pbxdesk.live.client import StreamStatus
from pbxdesk.relay.server import RelayServer
from pbxdesk.sandbox import Sandbox
from pbxdesk.sandbox.server import SandboxServer
from pbxdesk.services.live import last_id_key
from pbxdesk.services.messages import Remedy
from pbxdesk.ui.screenpop import CallCard, EventCard, VoicemailCard
from tests.fixtures.sandbox import SANDBOX_API_KEY
from tests.live.deskenv import Desk, make_desk, run
from tests.relay.conftest import FAST_CONFIG
from tests.relay.helpers import RelayHarness, call_event


@pytest.fixture
def embedded_relay(tmp_path: Path) -> Iterator[RelayHarness]:
    with RelayServer(tmp_path / "relay-store", config=FAST_CONFIG) as server:
        account = server.add_account("acme")
        yield RelayHarness(server, "acme", account.secret)


@pytest.fixture
def desk(qtbot: QtBot, qloop: qasync.QEventLoop, embedded_relay: RelayHarness,
         tmp_path: Path) -> Iterator[Desk]:
    made = make_desk(qtbot, embedded_relay.base_url, embedded_relay.desk("1001"),
                     tmp_path / "calls.sqlite3")
    made.wait_live(qtbot)
    yield made
    made.stop(qtbot)
    made.store.close()


def live_flags(store_path: Path) -> dict[str, int]:
    with sqlite3.connect(store_path) as raw:
        return dict(raw.execute("SELECT key, live FROM calls"))


@pytest.mark.slow
def test_a_sandbox_call_to_me_pops_is_stored_live_and_the_sync_confirms_it(
        qtbot: QtBot, qloop: qasync.QEventLoop, relay: RelayHarness,
        make_sandbox: Callable[..., Sandbox], tmp_path: Path) -> None:
    """The whole path, on the embedded store and on a real redis-server."""
    sandbox = make_sandbox(clock_speed=0.001, webhook_type_in_body=False,
                           webhook_urls=(relay.hook_url("{trigger}"),),
                           webhook_secret=relay.secret)
    me = sandbox.account.users[0].extension
    store_path = tmp_path / "calls.sqlite3"
    desk = make_desk(qtbot, relay.base_url, relay.desk(me), store_path, extension=me)
    try:
        desk.wait_live(qtbot)
        sandbox.set_focus_extension(me)
        sandbox.set_live_traffic(True, calls_per_minute=0.0001)  # only the calls to me
        sandbox.advance(10)  # the first call to me starts ringing within 3-8 s
        qtbot.waitUntil(lambda: bool(desk.opened), timeout=15_000)
        pop = desk.opened[0]
        card = desk.pops.cards[pop.key]
        assert isinstance(card, CallCard)
        assert card.isVisible()
        assert card.number_label.text() == pop.display
        assert pop.display.startswith("0")  # formatted for Australia, not raw digits
        assert not desk.store.live_keys()  # nothing stored while it rings

        sandbox.set_live_traffic(False)  # no more calls; the ringing one goes on
        sandbox.advance(3 * 3600)
        assert sandbox.wait_for_webhooks(10)
        qtbot.waitUntil(lambda: pop.key in desk.closed, timeout=15_000)
        qtbot.waitUntil(lambda: bool(desk.store.live_keys()), timeout=15_000)
        assert pop.key not in desk.pops.cards
        [key] = desk.store.live_keys()
        stored = desk.store.get(key)
        assert stored is not None
        assert stored.unique_call_id == pop.unique_call_id

        # The sync brings the same call through the history API: one row, confirmed.
        with SandboxServer(sandbox) as server:
            client = PbxClient(ClientSettings(base_url=server.base_url,
                                              api_key=SANDBOX_API_KEY))
            page = run(qtbot, client.get_user_calls(HistoryQuery(limit=50)))
            run(qtbot, client.aclose())
        synced = next(row for row in page.rows if row.key == key)
        assert synced == stored  # the event's row is the history's row, field for field
        desk.store.upsert(page.rows)
        assert desk.store.live_keys() == []
        assert desk.store.count() == len({row.key for row in page.rows})
        assert live_flags(store_path)[key] == 0
    finally:
        desk.stop(qtbot)
        desk.store.close()


def test_the_same_webhook_twice_gives_one_row_and_one_pop(qtbot: QtBot, desk: Desk,
                                                           embedded_relay: RelayHarness) -> None:
    ringing = call_event("user_inbound", unique_call_id="11")
    completed = call_event("user_inbound_completed", unique_call_id="11", call_duration="25")
    embedded_relay.post(ringing)
    embedded_relay.post(ringing)  # the relay keeps one
    embedded_relay.post({**ringing, "attempt": "2"})  # a resend the relay cannot tell apart
    qtbot.waitUntil(lambda: bool(desk.opened))
    embedded_relay.post(completed)
    embedded_relay.post({**completed, "attempt": "2"})
    qtbot.waitUntil(lambda: len(desk.stored) >= 1 and bool(desk.closed))
    qtbot.wait(300)

    assert len(desk.opened) == 1
    assert desk.store.count() == 1
    assert desk.pops.cards == {}


def test_a_completion_before_its_ringing_leaves_no_pop(qtbot: QtBot, desk: Desk,
                                                        embedded_relay: RelayHarness) -> None:
    embedded_relay.post(call_event("user_inbound_completed", unique_call_id="21",
                                   call_duration="12"))
    embedded_relay.post(call_event("user_inbound", unique_call_id="21"))
    embedded_relay.post(call_event("user_inbound", unique_call_id="22"))  # a marker after it
    qtbot.waitUntil(lambda: bool(desk.opened))

    assert [pop.unique_call_id for pop in desk.opened] == ["22"]
    assert list(desk.pops.cards) == [desk.opened[0].key]
    [row] = desk.store.page()
    assert row.unique_call_id == "21"
    assert row.outcome is Outcome.MISSED


def test_answered_elsewhere_closes_the_pop_and_the_missed_leg_is_stored(
        qtbot: QtBot, desk: Desk, embedded_relay: RelayHarness) -> None:
    embedded_relay.post(call_event("user_inbound", unique_call_id="31"))
    qtbot.waitUntil(lambda: bool(desk.pops.cards))
    # Another agent picked up: my leg ends unanswered, then the queue's summary comes.
    embedded_relay.post(call_event("user_inbound_completed", unique_call_id="31",
                                   call_duration="9"))
    qtbot.waitUntil(lambda: not desk.pops.cards)
    assert desk.store.page()[0].outcome is Outcome.MISSED


def test_a_restarted_relay_loses_nothing_and_the_desk_repeats_nothing(
        qtbot: QtBot, qloop: qasync.QEventLoop, tmp_path: Path) -> None:
    folder = tmp_path / "relay-store"
    relay = RelayServer(folder, config=FAST_CONFIG)
    relay.start()
    secret = relay.add_account("acme").secret
    port = relay.port
    harness = RelayHarness(relay, "acme", secret)
    desk = make_desk(qtbot, relay.base_url, harness.desk("1001"), tmp_path / "calls.sqlite3")
    again: RelayServer | None = None
    try:
        desk.wait_live(qtbot)
        harness.post(call_event("user_inbound", unique_call_id="41"))
        qtbot.waitUntil(lambda: bool(desk.opened))
        relay.stop()
        qtbot.waitUntil(lambda: desk.service.state.status is StreamStatus.RECONNECTING)
        again = RelayServer(folder, port=port, config=FAST_CONFIG)
        again.start()
        harness = RelayHarness(again, "acme", secret)
        # Posted while the desk is still away: replayed to it after Last-Event-ID.
        harness.post(call_event("user_inbound_completed", unique_call_id="41",
                                call_duration="30"))
        harness.post(call_event("user_inbound", unique_call_id="42"))
        qtbot.waitUntil(lambda: len(desk.opened) == 2, timeout=15_000)
        qtbot.waitUntil(lambda: desk.store.count() == 1)
        qtbot.wait(500)
        assert [pop.unique_call_id for pop in desk.opened] == ["41", "42"]
        assert desk.closed == [desk.opened[0].key]
        assert len(desk.stored) == 1
        assert desk.store.values.get(last_id_key(again.base_url)) == \
            desk.service.last_event_id
    finally:
        desk.stop(qtbot)
        desk.store.close()
        relay.stop()
        if again is not None:
            again.stop()


def test_a_new_start_resumes_after_the_saved_event(qtbot: QtBot, qloop: qasync.QEventLoop,
                                                    embedded_relay: RelayHarness,
                                                    tmp_path: Path) -> None:
    token = embedded_relay.desk("1001")
    store_path = tmp_path / "calls.sqlite3"
    first = make_desk(qtbot, embedded_relay.base_url, token, store_path)
    first.wait_live(qtbot)
    embedded_relay.post(call_event("user_inbound_completed", unique_call_id="51"))
    qtbot.waitUntil(lambda: bool(first.stored))
    first.stop(qtbot)
    first.store.close()
    # pbxdesk is closed: a call ends meanwhile.
    embedded_relay.post(call_event("user_inbound_completed", unique_call_id="52",
                                   call_start_at="2026-11-27T10:00:00.000Z"))

    second = make_desk(qtbot, embedded_relay.base_url, token, store_path)
    try:
        qtbot.waitUntil(lambda: second.store.count() == 2)
        qtbot.wait(300)
        assert len(second.stored) == 1  # only the call it had not seen
        assert sorted(call.unique_call_id or "" for call in second.store.page()) == ["51", "52"]
    finally:
        second.stop(qtbot)
        second.store.close()


def test_queue_summaries_are_stored_and_close_the_pops_of_their_call(
        qtbot: QtBot, qloop: qasync.QEventLoop, embedded_relay: RelayHarness,
        tmp_path: Path) -> None:
    token = embedded_relay.server.add_desk("acme", "1001", ["Sales"]).token
    desk = make_desk(qtbot, embedded_relay.base_url, token, tmp_path / "calls.sqlite3")
    try:
        desk.wait_live(qtbot)
        embedded_relay.post(call_event("user_inbound", unique_call_id="61",
                                       queue_name="Sales"))
        qtbot.waitUntil(lambda: bool(desk.pops.cards))
        card = next(iter(desk.pops.cards.values()))
        assert "via Sales" in card.title.text()
        embedded_relay.post({"type": "queue_call", "unique_call_id": "61",
                             "queue_name": "Sales", "caller_id": "61300000000",
                             "status": "answered", "call_start_at": "2026-11-27T09:15:00Z",
                             "call_duration": "80", "conversation_duration": "60"})
        qtbot.waitUntil(lambda: not desk.pops.cards and desk.store.count() == 1)
        [row] = desk.store.page()
        assert row.kind is CallKind.QUEUE
        assert desk.store.live_keys() == [row.key]
    finally:
        desk.stop(qtbot)
        desk.store.close()


def test_voicemail_names_the_caller_and_listens_only_to_web_links(
        qtbot: QtBot, desk: Desk, embedded_relay: RelayHarness) -> None:
    embedded_relay.post({"type": "voicemail", "caller_id": "61412345678",
                         "caller_name": "Jane Citizen", "user_number": "1001",
                         "audio_file": ["https://recordings.example.com/1.wav"]})
    embedded_relay.post({"type": "voicemail", "caller_id": "61412345679",
                         "user_number": "1001", "audio_file": "javascript:alert(1)"})
    qtbot.waitUntil(lambda: len(desk.voicemails) == 2)
    cards = [card for card in desk.pops.cards.values() if isinstance(card, VoicemailCard)]
    assert [card.title.text() for card in cards] == ["Voicemail from Jane Citizen",
                                                    "Voicemail from 0412 345 679"]
    assert cards[0].button_by_name["listen"].isEnabled()
    assert not cards[1].button_by_name["listen"].isEnabled()
    with qtbot.waitSignal(desk.pops.sig_listen_requested) as listened:
        qtbot.mouseClick(cards[0].button_by_name["listen"], Qt.MouseButton.LeftButton)
    assert listened.args == ["https://recordings.example.com/1.wav"]


def test_unknown_events_are_kept_and_shown_as_plain_text(qtbot: QtBot, desk: Desk,
                                                         embedded_relay: RelayHarness) -> None:
    embedded_relay.post({"user_number": "1001", "note": "<b>bold?</b>"},
                        trigger="call-flow-component")
    qtbot.waitUntil(lambda: bool(desk.service.unknown_events))
    [event] = desk.service.unknown_events
    assert event.type == "call_flow_component"
    [card] = [card for card in desk.pops.cards.values() if isinstance(card, EventCard)]
    assert card.title.text() == "Event from the PBX: call_flow_component"
    texts = [label.text() for label in card.findChildren(QLabel, "popField")]
    assert "note: <b>bold?</b>" in texts
    assert all(label.textFormat() is Qt.TextFormat.PlainText
               for label in card.findChildren(QLabel))


def test_pops_never_take_the_keyboard(qtbot: QtBot, desk: Desk,
                                      embedded_relay: RelayHarness) -> None:
    embedded_relay.post(call_event("user_inbound", unique_call_id="71"))
    qtbot.waitUntil(lambda: bool(desk.pops.cards))
    card = next(iter(desk.pops.cards.values()))
    flags = card.windowFlags()
    for flag in (Qt.WindowType.WindowStaysOnTopHint, Qt.WindowType.WindowDoesNotAcceptFocus,
                 Qt.WindowType.Tool, Qt.WindowType.FramelessWindowHint):
        assert flags & flag
    assert card.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert all(button.focusPolicy() is Qt.FocusPolicy.NoFocus
               for button in card.findChildren(QPushButton))


def test_a_revoked_token_stops_the_stream_and_asks_for_settings(
        qtbot: QtBot, qloop: qasync.QEventLoop, embedded_relay: RelayHarness, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    credentials = embedded_relay.server.add_desk("acme", "1001")
    desk = make_desk(qtbot, embedded_relay.base_url, credentials.token,
                     tmp_path / "calls.sqlite3")
    try:
        desk.wait_live(qtbot)
        embedded_relay.post(call_event("user_inbound", unique_call_id="81"))
        qtbot.waitUntil(lambda: bool(desk.opened))
        embedded_relay.server.revoke_desk(credentials.desk.id)
        qtbot.waitUntil(lambda: desk.service.state.status is StreamStatus.STOPPED
                        and bool(desk.messages), timeout=30_000)
        assert desk.messages[-1].remedy is Remedy.OPEN_SETTINGS
        assert "token" in desk.messages[-1].text
    finally:
        desk.stop(qtbot)
        desk.store.close()
    assert credentials.token not in caplog.text
    log_file_text = "\n".join(record.getMessage() for record in caplog.records)
    assert credentials.token not in log_file_text


def test_the_token_is_sent_only_to_the_relay_as_a_bearer(
        qtbot: QtBot, desk: Desk, embedded_relay: RelayHarness) -> None:
    """Sanity check of what the desk sends: the relay accepts it, a wrong one is refused."""
    response = httpx.get(f"{embedded_relay.base_url}/events", timeout=5,
                         headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert desk.service.state.status is StreamStatus.LIVE
