"""Two desks share one callbacks worklist through a real relay, over real HTTP.

Each desk is what the app runs for an account with a relay: a real SQLite
store synced from one sandbox PBX, a :class:`CallbacksService`, a
:class:`LiveService` on the relay and the :class:`RelayRecordTransport`
between them. The relay runs with its embedded store and with a real
``redis-server`` (the parametrised ``relay`` fixture). Desks go offline by
stopping their connection (or the relay itself), work on, and come back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.live.client import StreamStatus
from pbxdesk.relay.server import RelayServer
from pbxdesk.services.callbackrelay import RelayRecordTransport, cursor_key
from pbxdesk.services.callbacks import CallbacksService
from pbxdesk.services.callbackshare import LocalTransport
from pbxdesk.services.callbacktexts import claim_text
from pbxdesk.services.live import LiveService
from pbxdesk.services.messages import MessageBridge
from pbxdesk.store.callbackrules import CallbackRecord, ItemRow, ItemState
from pbxdesk.tasks import TaskKeeper
from tests.fixtures.callbacks import (
    ANA,
    ANA_NAME,
    BOB,
    JANE,
    JANE_E164,
    MAIN_DID,
    ME,
    ME_NAME,
    SCOPE,
    Line,
    MakeLine,
)
from tests.live.deskenv import QUICK, run
from tests.relay.conftest import FAST_CONFIG
from tests.relay.helpers import RelayHarness


class Clock:
    """Epoch seconds that move only when told (records carry this desk's time)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class TeamDesk:
    """One agent's pbxdesk: its worklist, and its connection to the relay while online."""

    name: str
    line: Line
    callbacks: CallbacksService
    clock: Clock
    extension: str
    relay_url: str
    token: str
    tasks: TaskKeeper
    errors: list[BaseException]
    live: LiveService | None = None
    transport: RelayRecordTransport | None = None
    lists: list[object] = field(default_factory=list)

    def connect(self, qtbot: QtBot, relay_url: str | None = None) -> None:
        """Online: the app's wiring (desktop.live) for a relay address and token."""
        self.relay_url = relay_url or self.relay_url
        live = LiveService(self.line.store, MessageBridge(), self.tasks,
                           relay_url=self.relay_url, token=self.token,
                           my_extension=self.extension, region="AU", backoff=QUICK)
        self.transport = RelayRecordTransport(live, self.tasks, relay_url=self.relay_url,
                                              token=self.token, retry_seconds=0.2,
                                              parent=live)
        self.callbacks.set_transport(self.transport)
        self.live = live
        live.start()

    def wait_ready(self, qtbot: QtBot) -> None:
        qtbot.waitUntil(lambda: self.transport is not None and self.transport.ready,
                        timeout=15_000)

    def disconnect(self, qtbot: QtBot) -> None:
        """Offline: the connection stops; the worklist goes on alone."""
        live, self.live, self.transport = self.live, None, None
        self.callbacks.set_transport(None)
        if live is not None:
            run(qtbot, live.shutdown())
            live.deleteLater()

    def item(self) -> ItemRow:
        return self.callbacks.worklist.by_number[JANE_E164]

    def settled(self, qtbot: QtBot) -> None:
        qtbot.waitUntil(lambda: self.callbacks.idle, timeout=10_000)

    def records(self) -> set[tuple[str, str, int, str]]:
        return {(r.field, r.value, r.at_us, r.desk)
                for r in self.line.store.callback_records.records(JANE_E164)}


MakeDesk = Callable[..., TeamDesk]


@pytest.fixture
def team(qtbot: QtBot, qloop: qasync.QEventLoop, make_line: MakeLine,
         ) -> Iterator[MakeDesk]:
    """Desks on one sandbox PBX: Jane's missed call waits in every desk's worklist."""
    made: list[TeamDesk] = []
    shared: dict[str, Line] = {}

    def make(name: str, extension: str, relay_url: str, token: str) -> TeamDesk:
        first = shared.get("line")
        line = make_line(sandbox=first.sandbox if first else None)
        if first is None:
            shared["line"] = line
            line.missed(JANE, minutes_ago=30)
            line.user_row("user_inbound_answered", minutes_ago=200, caller=BOB, dest=MAIN_DID,
                          user=ANA, user_name=ANA_NAME, talk=60)  # Ana's name in the history
        run(qtbot, line.sync())
        errors: list[BaseException] = []
        tasks = TaskKeeper(on_error=errors.append)
        clock = Clock(time.time())
        callbacks = CallbacksService(line.store, MessageBridge(), tasks, scope=SCOPE,
                                     extension=extension, clock=clock)
        desk = TeamDesk(name, line, callbacks, clock, extension, relay_url, token, tasks,
                        errors)
        callbacks.sig_worklist_changed.connect(desk.lists.append)
        callbacks.request_update()
        qtbot.waitUntil(lambda: JANE_E164 in callbacks.worklist.by_number, timeout=10_000)
        made.append(desk)
        return desk

    yield make
    for desk in made:
        desk.disconnect(qtbot)
        run(qtbot, desk.callbacks.shutdown())
        assert desk.errors == []


def mine_and_theirs(ours: TeamDesk, theirs: TeamDesk) -> tuple[str, str]:
    return (claim_text(ours.item(), ours.callbacks.now_us(), ours.callbacks.desk, str),
            claim_text(theirs.item(), theirs.callbacks.now_us(), theirs.callbacks.desk, str))


def test_a_claim_on_one_desk_shows_on_the_other(qtbot: QtBot, team: MakeDesk,
                                                relay: RelayHarness) -> None:
    mia = team("Mia", ME, relay.base_url, relay.desk(ME))
    ana = team("Ana", ANA, relay.base_url, relay.desk(ANA))
    # Mia wrote a note before her desk ever knew a relay: it waits, unshared, and goes
    # out on her first connection.
    mia.callbacks.set_note(JANE_E164, "Asked for the manager")
    mia.settled(qtbot)
    assert isinstance(mia.callbacks.transport, LocalTransport)
    assert len(mia.line.store.callback_records.unshared_records()) == 1
    mia.connect(qtbot)
    ana.connect(qtbot)
    mia.wait_ready(qtbot)
    ana.wait_ready(qtbot)
    qtbot.waitUntil(lambda: ana.item().note == "Asked for the manager", timeout=10_000)

    mia.callbacks.claim(JANE_E164)  # Enter on the item: she is calling Jane back
    qtbot.waitUntil(lambda: ana.item().claim_us > 0, timeout=10_000)
    mine, theirs = mine_and_theirs(mia, ana)
    assert mine.startswith("You are calling back (")
    assert theirs == f"{ME_NAME} is calling back (just now)"
    assert ana.item().claim_desk == mia.callbacks.desk == mia.transport.relay_desk  # type: ignore[union-attr]
    # Every record went out once and is marked so; the copies that came back are the
    # same records (no second row), and Ana's desk never sent Mia's records on.
    mia.settled(qtbot)
    assert mia.line.store.callback_records.unshared_records() == []
    assert ana.line.store.callback_records.unshared_records() == []
    assert mia.records() == ana.records()
    assert len(mia.records()) == 2
    assert {desk for *_, desk in ana.records()} == {mia.callbacks.desk}
    cursor = ana.line.store.values.get(cursor_key(relay.base_url))
    assert cursor["desk"] == ana.callbacks.desk


def test_both_change_a_field_offline_and_the_last_writer_wins_everywhere(
        qtbot: QtBot, team: MakeDesk, relay: RelayHarness) -> None:
    mia = team("Mia", ME, relay.base_url, relay.desk(ME))
    ana = team("Ana", ANA, relay.base_url, relay.desk(ANA))
    for desk in (mia, ana):
        desk.connect(qtbot)
        desk.wait_ready(qtbot)
        desk.disconnect(qtbot)
    # Offline, both write a note; Ana's is the later one. Mia also marks the item done.
    mia.callbacks.set_note(JANE_E164, "Mia: ring after 3")
    ana.clock.now += 5
    ana.callbacks.set_note(JANE_E164, "Ana: wants a quote for 20 handsets")
    mia.clock.now += 1
    mia.callbacks.mark_done(JANE_E164)
    for desk in (mia, ana):
        desk.settled(qtbot)
    assert mia.item().note == "Mia: ring after 3"  # each desk works on alone
    assert mia.item().state is ItemState.DONE
    assert ana.item().note.startswith("Ana")
    assert ana.item().state is ItemState.OPEN

    # The later writer comes back first; the earlier one's note must not win anywhere.
    ana.connect(qtbot)
    ana.wait_ready(qtbot)
    mia.connect(qtbot)
    mia.wait_ready(qtbot)
    for desk in (mia, ana):
        qtbot.waitUntil(lambda desk=desk: (  # type: ignore[misc]
            desk.item().note == "Ana: wants a quote for 20 handsets"
            and desk.item().state is ItemState.DONE), timeout=10_000)
    assert mia.item().closed_by == ana.item().closed_by == ME_NAME
    mia.settled(qtbot)
    ana.settled(qtbot)
    qtbot.waitUntil(lambda: mia.records() == ana.records(), timeout=10_000)
    assert len(mia.records()) == 3
    assert mia.line.store.callback_records.unshared_records() == []


def test_a_relay_that_goes_away_and_comes_back_merges_what_both_did(
        qtbot: QtBot, team: MakeDesk, tmp_path: Path) -> None:
    folder = tmp_path / "relay-store"
    relay = RelayServer(folder, config=FAST_CONFIG)
    relay.start()
    relay.add_account("acme")
    port, again = relay.port, None
    try:
        mia = team("Mia", ME, relay.base_url, relay.add_desk("acme", ME).token)
        ana = team("Ana", ANA, relay.base_url, relay.add_desk("acme", ANA).token)
        for desk in (mia, ana):
            desk.connect(qtbot)
            desk.wait_ready(qtbot)
        relay.stop()
        for desk in (mia, ana):
            qtbot.waitUntil(lambda desk=desk: desk.live.state.status  # type: ignore[misc]
                            is StreamStatus.RECONNECTING, timeout=10_000)
        ana.callbacks.snooze(JANE_E164, None)  # (a snooze record: "" wakes it)
        mia.clock.now += 3
        mia.callbacks.claim(JANE_E164)
        ana.clock.now += 10
        ana.callbacks.claim(JANE_E164)  # both dial Jane while the relay is down
        for desk in (mia, ana):
            desk.settled(qtbot)
            assert len(desk.line.store.callback_records.unshared_records()) >= 1
        again = RelayServer(folder, port=port, config=FAST_CONFIG)
        again.start()
        for desk in (mia, ana):
            qtbot.waitUntil(lambda desk=desk: desk.item().claim_desk  # type: ignore[misc]
                            == ana.callbacks.desk, timeout=20_000)
        assert mine_and_theirs(mia, ana)[0] == f"{ANA_NAME} is calling back (just now)"
        qtbot.waitUntil(lambda: mia.records() == ana.records(), timeout=10_000)
        assert len(mia.records()) == 3
    finally:
        relay.stop()
        if again is not None:
            again.stop()


def test_a_desk_cannot_sign_for_another(qtbot: QtBot, team: MakeDesk,
                                        relay: RelayHarness) -> None:
    mia = team("Mia", ME, relay.base_url, relay.desk(ME))
    ana = team("Ana", ANA, relay.base_url, relay.desk(ANA))
    for desk in (mia, ana):
        desk.connect(qtbot)
        desk.wait_ready(qtbot)
    # A tampered store on Ana's desk holds a record "by Mia" that was never shared.
    forged = CallbackRecord(JANE_E164, "state", "not_needed", ana.callbacks.now_us() - 10,
                            mia.callbacks.desk, ME_NAME)
    ana.line.store.callback_records.add_records([forged])
    ana.callbacks.share_pending()
    qtbot.waitUntil(lambda: mia.item().state is ItemState.NOT_NEEDED, timeout=10_000)
    (kept,) = [r for r in mia.line.store.callback_records.records(JANE_E164) if r.field == "state"]
    assert (kept.desk, kept.agent) == (ana.callbacks.desk, ANA_NAME)
    assert mia.item().closed_by == ANA_NAME


def test_a_desk_of_another_account_never_gets_the_records(
        qtbot: QtBot, team: MakeDesk, relay: RelayHarness) -> None:
    mia = team("Mia", ME, relay.base_url, relay.desk(ME))
    relay.server.add_account("globex")
    stranger = team("Stranger", ANA, relay.base_url,
                    relay.server.add_desk("globex", ANA).token)
    ana = team("Ana", ANA, relay.base_url, relay.desk(ANA))
    for desk in (mia, stranger, ana):
        desk.connect(qtbot)
        desk.wait_ready(qtbot)
    mia.callbacks.claim(JANE_E164)
    mia.callbacks.set_note(JANE_E164, "Private to acme")
    qtbot.waitUntil(lambda: ana.item().note == "Private to acme", timeout=10_000)
    qtbot.wait(500)
    assert stranger.records() == set()
    assert stranger.item().claim_us < 0
    assert stranger.item().note == ""


def test_copies_of_its_own_posts_are_left_out_but_a_twin_with_the_same_token_is_heard(
        qtbot: QtBot, team: MakeDesk, relay: RelayHarness) -> None:
    token = relay.desk(ME)
    mia = team("Mia", ME, relay.base_url, token)
    twin = team("Mia at home", ME, relay.base_url, token)  # the same desk on a second PC
    for desk in (mia, twin):
        desk.connect(qtbot)
        desk.wait_ready(qtbot)
    assert mia.callbacks.desk == twin.callbacks.desk
    taken: list[CallbackRecord] = []
    keep = mia.callbacks.take

    async def spy(records: Sequence[CallbackRecord],
                  cursor: tuple[str, Any] | None = None) -> bool:
        taken.extend(records)
        return await keep(records, cursor)

    mia.callbacks.take = spy  # type: ignore[method-assign]
    mia.callbacks.claim(JANE_E164)
    qtbot.waitUntil(lambda: twin.item().claim_us > 0, timeout=10_000)  # heard at once
    twin.callbacks.set_note(JANE_E164, "Left a voicemail")
    # The relay streams in order: once the twin's note is here, the claim's copy came first.
    qtbot.waitUntil(lambda: mia.item().note == "Left a voicemail", timeout=10_000)
    assert [(r.field, r.value) for r in taken] == [("note", "Left a voicemail")]
    qtbot.waitUntil(lambda: mia.records() == twin.records(), timeout=10_000)
    assert len(mia.records()) == 2
