"""Fixtures for the history tab: a real store filled from the sandbox, tabs, fakes.

The store is filled once per test session through the real path (sandbox PBX
in process → ``PbxClient`` over ``httpx.ASGITransport`` → ``SyncEngine`` →
SQLite) and copied for each test, so tests may write to their copy. Besides
the sandbox's 1,500 generated calls the sandbox serves a few odd rows (unknown
type and status, a withheld caller, unknown fields, a name Excel would run as
a formula) that travel the same way.

``truth[kind]`` is the sandbox's own rows for a kind, parsed as the client
parses them: the ground truth the tab is compared with.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import shiboken6
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.client import ClientSettings, PbxClient
from pbxdesk.api.models import AnyCall, CallKind
from pbxdesk.api.parse import parse_row
from pbxdesk.sandbox import Sandbox
from pbxdesk.store import CallStore
from pbxdesk.sync.engine import ALL_KINDS, SyncEngine
from pbxdesk.ui.dialogs import DialogService
from pbxdesk.ui.history import HistoryTab
from tests.fixtures.sandbox import sandbox_config
from tests.ui.history.helpers import settled

REGION = "AU"
ODD_CALL_ID = "990000000001"
ANONYMOUS_CALL_ID = "990000000002"
FORMULA_CALL_ID = "990000000003"
ODD_STATUS = "callback_requested"
ODD_TYPE = "user_inbound_voicemail_transcribed"
FORMULA_NAME = '=HYPERLINK("http://example.test","x")'
MARKUP_CALL_ID = "990000000004"
MARKUP_NAME = '<img src="file:///etc/hostname" width="90000" height="90000"><b>Bank</b>'


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _odd_rows(now: datetime) -> dict[CallKind, list[dict[str, Any]]]:
    start = now - timedelta(hours=2)
    user: list[dict[str, Any]] = [
        {"unique_call_id": ODD_CALL_ID, "type": ODD_TYPE, "caller_id": "61412345678",
         "caller_name": "Zoë Ångström", "dest_number": "61290000000",
         "user_name": "Liam Scott", "user_number": "1020", "call_start_at": _iso(start),
         "connected_at": None, "call_duration": 3725, "conversation_duration": 0,
         "recording_url": "https://example.test/rec/1.mp3", "tags": ["vip", 3]},
        {"unique_call_id": ANONYMOUS_CALL_ID, "type": "user_inbound_missed",
         "caller_id": "anonymous", "caller_name": None, "dest_number": "61290000000",
         "user_name": "Liam Scott", "user_number": "1020",
         "call_start_at": _iso(start + timedelta(minutes=1)), "connected_at": None,
         "call_duration": 12, "conversation_duration": 0},
        {"unique_call_id": FORMULA_CALL_ID, "type": "user_inbound_answered",
         "caller_id": "61412345678", "caller_name": FORMULA_NAME,
         "dest_number": "61290000000", "user_name": "Liam Scott", "user_number": "1020",
         "call_start_at": _iso(start + timedelta(minutes=2)),
         "connected_at": _iso(start + timedelta(minutes=2, seconds=5)),
         "call_duration": 65, "conversation_duration": 60},
        {"unique_call_id": MARKUP_CALL_ID, "type": "user_inbound_answered",
         "caller_id": "61412345679", "caller_name": MARKUP_NAME,
         "dest_number": "61290000000", "user_name": "Liam Scott", "user_number": "1020",
         "call_start_at": _iso(start + timedelta(minutes=3)),
         "connected_at": _iso(start + timedelta(minutes=3, seconds=5)),
         "call_duration": 65, "conversation_duration": 60},
    ]
    queue: list[dict[str, Any]] = [
        {"unique_call_id": None, "queue_name": "Bookings", "callerid": "61412345678",
         "caller_name": None, "dest_number": "61290000000", "user_name": None,
         "user_number": None, "call_start_at": _iso(start), "connected_at": None,
         "call_duration": 40, "conversation_duration": 0, "status": ODD_STATUS,
         "wrapup_code": "CB-7"},
    ]
    return {CallKind.USER: user, CallKind.QUEUE: queue}


@dataclass
class Filled:
    """The template database and the sandbox's truth."""

    path: Path
    truth: dict[CallKind, list[AnyCall]] = field(default_factory=dict)


async def _sync(sandbox: Sandbox, path: Path) -> None:
    client = PbxClient(
        ClientSettings(base_url="http://127.0.0.1:1", api_key=sandbox.api_key,
                       default_region=REGION),
        transport=httpx.ASGITransport(app=sandbox.app), budget=RequestBudget(limit=1000))
    store = CallStore(path, default_region=REGION)
    engine = SyncEngine(client, store, sync_days=45)
    try:
        await engine.sync()
    finally:
        engine.close()
        await client.aclose()
        store.close()


@pytest.fixture(scope="session")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Filled:
    path = tmp_path_factory.mktemp("history") / "template.sqlite3"
    sandbox = Sandbox(sandbox_config())
    try:
        for kind, rows in _odd_rows(datetime.now(UTC)).items():
            sandbox.add_rows(kind, rows)
        # A plain loop of its own: no Qt loop is involved in filling the file. The sync
        # writes on a worker thread, which never collects garbage: the suite keeps
        # collection to the main thread between tests (tests/fixtures/garbage.py).
        asyncio.run(_sync(sandbox, path))
        result = Filled(path)
        for kind in ALL_KINDS:
            parsed = [parse_row(raw, kind, REGION) for raw in sandbox.rows(kind)]
            result.truth[kind] = [row for row in parsed if row is not None]
    finally:
        sandbox.close()
    return result


@pytest.fixture
def truth(filled: Filled) -> dict[CallKind, list[AnyCall]]:
    return filled.truth


@pytest.fixture
def store(filled: Filled, tmp_path: Path) -> Iterator[CallStore]:
    copy = tmp_path / "calls.sqlite3"
    shutil.copyfile(filled.path, copy)
    calls = CallStore(copy, default_region=REGION)
    yield calls
    calls.close()


@pytest.fixture(autouse=True)
def history_in_australian(australian_locale: QLocale) -> QLocale:
    """Every history test sees dates and numbers as an Australian agent does."""
    return australian_locale


class RecordingDialogs(DialogService):
    """Answers file questions from a list and records errors; never opens a dialog."""

    def __init__(self) -> None:
        self.save_paths: list[Path | None] = []
        self.asked: list[Path] = []
        self.errors: list[tuple[str, str]] = []
        self.save_type: str | None = None  # the "Save as type" picked; None keeps the offer
        self.offered_types: list[tuple[list[str], str]] = []

    def ask_save_path(self, parent: QWidget | None, *, title: str, suggested: Path,
                      name_filter: str) -> Path | None:
        self.asked.append(suggested)
        return self.save_paths.pop(0) if self.save_paths else None

    def ask_save_path_and_type(self, parent: QWidget | None, *, title: str, suggested: Path,
                               types: Sequence[str], chosen_type: str) -> tuple[Path, str] | None:
        self.offered_types.append((list(types), chosen_type))
        path = self.ask_save_path(parent, title=title, suggested=suggested, name_filter="")
        return None if path is None else (path, self.save_type or chosen_type)

    def confirm(self, parent: QWidget | None, *, title: str, text: str,
                confirm_text: str = "OK") -> bool:
        return True

    def show_error(self, parent: QWidget | None, *, title: str, text: str) -> None:
        self.errors.append((title, text))

    def show_info(self, parent: QWidget | None, *, title: str, text: str) -> None:
        pass


@pytest.fixture
def dialogs() -> RecordingDialogs:
    return RecordingDialogs()


MakeTab = Callable[..., HistoryTab]


@pytest.fixture
def make_tab(qtbot: QtBot, store: CallStore, dialogs: RecordingDialogs) -> Iterator[MakeTab]:
    made: list[HistoryTab] = []

    def make(kind: CallKind = CallKind.USER, **options: Any) -> HistoryTab:
        tab = HistoryTab(kind, options.pop("store", store), default_region=REGION,
                         dialogs=dialogs, **options)
        made.append(tab)
        tab.resize(1400, 700)
        with qtbot.waitExposed(tab):
            tab.show()
        return settled(tab)  # the first page has arrived

    yield make
    # Deleted here, before the store closes: a failed test's traceback can keep a tab's
    # wrapper alive, and the garbage collector would then delete the window at random.
    for tab in made:
        if shiboken6.isValid(tab):
            tab.close()
            shiboken6.delete(tab)
