"""A desk for the live-calls tests: LiveService and PopStack on a real relay and a real store.

:func:`make_desk` starts a :class:`~pbxdesk.services.live.LiveService` for
extension 1001 (quick reconnects) on a :class:`RelayHarness`, shows its pops in
a :class:`~pbxdesk.ui.screenpop.PopStack`, and records what it signalled;
:func:`run` drives a coroutine on the qasync loop from a pytest-qt test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from pbxdesk.live.client import Backoff, StreamState, StreamStatus
from pbxdesk.live.pop import PopInfo, VoicemailNote
from pbxdesk.services.live import LiveService
from pbxdesk.services.messages import Message, MessageBridge
from pbxdesk.store import CallStore
from pbxdesk.tasks import TaskKeeper
from pbxdesk.ui.screenpop import PopStack

QUICK = Backoff(first=0.05, longest=0.3, healthy_after=60)


def run(qtbot: QtBot, coroutine: Coroutine[Any, Any, Any], timeout_ms: int = 20_000) -> Any:
    future = asyncio.ensure_future(coroutine)
    qtbot.waitUntil(future.done, timeout=timeout_ms)
    return future.result()


@dataclass
class Desk:
    service: LiveService
    store: CallStore
    pops: PopStack
    messages: list[Message]
    states: list[StreamState] = field(default_factory=list)
    opened: list[PopInfo] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    voicemails: list[VoicemailNote] = field(default_factory=list)
    stored: list[None] = field(default_factory=list)
    outbound: list[object] = field(default_factory=list)

    def wait_live(self, qtbot: QtBot) -> None:
        qtbot.waitUntil(lambda: self.service.state.status is StreamStatus.LIVE, timeout=15_000)

    def stop(self, qtbot: QtBot) -> None:
        run(qtbot, self.service.shutdown())
        self.pops.close_all()


def make_desk(qtbot: QtBot, relay_url: str, token: str, store_path: Path, *,
              extension: str = "1001") -> Desk:
    store = CallStore(store_path, default_region="AU")
    bridge = MessageBridge()
    posted: list[Message] = []
    bridge.sig_message_posted.connect(posted.append)
    service = LiveService(store, bridge, TaskKeeper(), relay_url=relay_url, token=token,
                          my_extension=extension, region="AU", backoff=QUICK)
    pops = PopStack()
    desk = Desk(service, store, pops, posted)
    service.sig_state_changed.connect(desk.states.append)
    service.sig_pop_opened.connect(desk.opened.append)
    service.sig_pop_opened.connect(pops.show_call)
    service.sig_pop_changed.connect(pops.update_call)
    service.sig_pop_closed.connect(desk.closed.append)
    service.sig_pop_closed.connect(pops.close)
    service.sig_voicemail.connect(desk.voicemails.append)
    service.sig_voicemail.connect(pops.show_voicemail)
    service.sig_unknown_event.connect(pops.show_event)
    service.sig_calls_stored.connect(lambda: desk.stored.append(None))
    service.sig_outbound_event.connect(desk.outbound.append)
    service.start()
    return desk
