"""Fixtures for the Callbacks tab: a worklist synced from the sandbox, a tab, fake dialogs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.services.callbacks import CallbacksService
from pbxdesk.services.messages import MessageBridge
from pbxdesk.tasks import TaskKeeper
from pbxdesk.ui.callbacks import CallbacksTab
from pbxdesk.ui.dialogs import DialogService
from tests.fixtures.callbacks import BOB, JANE, ME, SALES, SCOPE, Line, MakeLine
from tests.services.helpers import run

FORMULA_NAME = '=HYPERLINK("http://example.test","x")'
OLD = "61398765001"     # waited longest
NAMED = "61412000002"   # "Zoë Ångström"
QUEUED = "61412000003"  # through the Sales queue, called back unanswered


class FakeDialogs:
    """Answers the tab's questions; records what was asked."""

    def __init__(self) -> None:
        self.note: str | None = "Call after 3"
        self.reason: str | None = "Wrong number"
        self.time: datetime | None = None
        self.asked: list[str] = []

    def ask_note(self, parent: QWidget | None, *, caller: str, current: str) -> str | None:
        self.asked.append(f"note:{caller}:{current}")
        return self.note

    def ask_not_needed(self, parent: QWidget | None, *, caller: str) -> str | None:
        self.asked.append(f"not_needed:{caller}")
        return self.reason

    def ask_snooze_time(self, parent: QWidget | None, *, caller: str,
                        suggested: datetime) -> datetime | None:
        self.asked.append(f"time:{caller}")
        return self.time


class FakeFiles(DialogService):
    """Answers the save dialog with ``path`` and the type at ``type_index``."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.type_index = 0
        self.offered: list[str] = []
        self.errors: list[str] = []

    def ask_save_path(self, parent: QWidget | None, *, title: str, suggested: Path,
                      name_filter: str) -> Path | None:
        raise AssertionError("the export asks for the type too")

    def ask_save_path_and_type(self, parent: QWidget | None, *, title: str, suggested: Path,
                               types: Sequence[str], chosen_type: str) -> tuple[Path, str] | None:
        self.offered = [chosen_type, *types]
        return None if self.path is None else (self.path, types[self.type_index])

    def show_error(self, parent: QWidget | None, *, title: str, text: str) -> None:
        self.errors.append(text)


@dataclass
class TabEnv:
    line: Line
    service: CallbacksService
    tab: CallbacksTab
    dialogs: FakeDialogs
    files: FakeFiles
    called: list[str] = field(default_factory=list)

    def numbers(self) -> list[str]:
        return [item.number for item in self.tab.model.items()]


@pytest.fixture
def tab_env(qtbot: QtBot, make_line: MakeLine, qloop: qasync.QEventLoop,
            tmp_path: Path) -> Iterator[TabEnv]:
    line = make_line()
    line.missed(OLD, minutes_ago=300)
    line.missed(NAMED, minutes_ago=200, caller_name="Zoë Ångström")
    line.group_row(CallKind.QUEUE, SALES, "abandoned", minutes_ago=150, caller=QUEUED)
    line.called_back(QUEUED, minutes_ago=100, answered=False)
    line.missed(JANE, minutes_ago=120, caller_name=FORMULA_NAME)
    line.missed("anonymous", minutes_ago=400)
    line.missed(BOB, minutes_ago=90)
    line.called_back(BOB, minutes_ago=30, answered=True)  # reached
    run(qtbot, line.sync())
    errors: list[BaseException] = []
    service = CallbacksService(line.store, MessageBridge(), TaskKeeper(on_error=errors.append),
                               scope=SCOPE, extension=ME, clock=lambda: line.now.timestamp())
    dialogs, files = FakeDialogs(), FakeFiles(tmp_path / "worklist.csv")
    tab = CallbacksTab(service, default_region="AU", dialogs=dialogs, files=files,  # type: ignore[arg-type]
                       now=lambda: line.now.astimezone())
    qtbot.addWidget(tab)
    tab.resize(1400, 700)
    tab.show()
    env = TabEnv(line, service, tab, dialogs, files)
    tab.sig_call_back_requested.connect(env.called.append)
    service.request_update()
    qtbot.waitUntil(lambda: service.idle and tab.model.rowCount() > 0, timeout=5000)
    yield env
    run(qtbot, service.shutdown())
    assert errors == []
