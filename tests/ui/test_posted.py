"""Settling widgets before a grab without stepping asyncio tasks re-entrantly."""

from __future__ import annotations

import asyncio

import qasync
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from pbxdesk.ui.posted import deliver_posted_events


class _Queued(QObject):
    sig_poke = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.sig_poke.connect(self._on_poke, Qt.ConnectionType.QueuedConnection)

    @Slot()
    def _on_poke(self) -> None:
        self.seen += 1


def test_posted_events_are_delivered_at_once(qapp: QApplication) -> None:
    queued = _Queued()
    queued.sig_poke.emit()
    queued.sig_poke.emit()
    assert queued.seen == 0  # queued: posted, not yet delivered
    deliver_posted_events()
    assert queued.seen == 2


def test_called_from_a_task_it_never_steps_another_task(qtbot: QtBot,
                                                        qloop: qasync.QEventLoop) -> None:
    # processEvents() here would run the other tasks' due steps inside this one's:
    # asyncio refuses them ("Cannot enter into task") and they are never woken again.
    errors: list[object] = []
    qloop.set_exception_handler(lambda _loop, context: errors.append(context.get("message")))

    async def ticking(steps: int) -> int:
        for _ in range(steps):
            await asyncio.sleep(0)
        return steps

    async def settling(times: int) -> int:
        for _ in range(times):
            deliver_posted_events()
            await asyncio.sleep(0)
        return times

    tasks = [qloop.create_task(ticking(300)) for _ in range(4)]
    tasks.append(qloop.create_task(settling(300)))
    qtbot.waitUntil(lambda: all(task.done() for task in tasks), timeout=10_000)
    assert [task.result() for task in tasks] == [300] * 5
    assert errors == []
