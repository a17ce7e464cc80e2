"""CSV export: every row of the filter in the table's order, atomic, cancellable, and
calm about unwritable places and full disks."""

from __future__ import annotations

import csv
import resource
import signal
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import AnyCall, CallKind, UserCall
from pbxdesk.store import CallStore
from pbxdesk.ui.history import HistoryTab
from pbxdesk.ui.history.columns import Field
from pbxdesk.ui.history.csvfile import CsvFlavour, api_time, header
from pbxdesk.ui.history.tab import EXPORT_TYPES
from tests.ui.history.conftest import FORMULA_NAME, MakeTab, RecordingDialogs
from tests.ui.history.helpers import all_calls


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    names = rows[0]
    return names, [dict(zip(names, row, strict=True)) for row in rows[1:]]


def identity(call: AnyCall) -> tuple[str, str, str]:
    return (call.unique_call_id or "", call.user_number or "", api_time(call.call_start_at))


def hold_export(monkeypatch: pytest.MonkeyPatch, store: CallStore,
                after: int) -> threading.Event:
    """Exports read the real rows but stop after ``after`` until the event is set."""
    release = threading.Event()
    real_iter_calls = store.iter_calls

    def held(*args: Any, **kwargs: Any) -> Generator[AnyCall, None, None]:
        for number, call in enumerate(real_iter_calls(*args, **kwargs)):
            if number == after:
                release.wait(10)
            yield call

    monkeypatch.setattr(store, "iter_calls", held)
    return release


def run_export(tab: HistoryTab, qtbot: QtBot) -> None:
    with qtbot.waitSignal(tab.exporter.sig_finished, timeout=20_000):
        tab.export_csv()


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_export_writes_every_filtered_row_in_the_table_order(
        make_tab: MakeTab, dialogs: RecordingDialogs, qtbot: QtBot, tmp_path: Path) -> None:
    tab = make_tab(CallKind.USER)
    tab.filter_bar.outcome.setCurrentText("Answered")
    tab.view.sortByColumn(tab.model.column_of(Field.CALLER_NAME), Qt.SortOrder.AscendingOrder)
    expected = all_calls(tab)
    assert len(expected) > tab.model.page_size  # more than the page on screen
    out = tmp_path / "exports"
    out.mkdir()
    dialogs.save_paths = [out / "answered"]  # no suffix: .csv is added
    dialogs.save_type = EXPORT_TYPES[CsvFlavour.API]
    messages: list[str] = []
    tab.sig_status_message.connect(messages.append)
    run_export(tab, qtbot)
    target = out / "answered.csv"
    names, rows = read_csv(target)
    assert names == header(CallKind.USER)
    assert names[:3] == ["unique_call_id", "type", "caller_id"]  # the API's own names
    assert [(row["unique_call_id"], row["user_number"], row["call_start_at"])
            for row in rows] == [identity(call) for call in expected]
    first, call = rows[0], expected[0]
    assert isinstance(call, UserCall)
    assert first["caller_id"] == (call.caller_id or "")  # raw digits, as the API sent them
    assert first["caller_e164"] == (call.caller_e164 or "")
    assert first["outcome"] == "answered"
    assert first["direction"] == call.direction.value
    assert call.call_start_at is not None
    assert first["start_local"] == call.call_start_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert messages[-1] == f"Exported {len(expected):,} calls to answered.csv"
    assert leftovers(out) == ["answered.csv"]  # no temporary file left behind


def test_export_of_group_calls_and_unsafe_text(make_tab: MakeTab, dialogs: RecordingDialogs,
                                               qtbot: QtBot, tmp_path: Path) -> None:
    queue = make_tab(CallKind.QUEUE)
    dialogs.save_type = EXPORT_TYPES[CsvFlavour.API]
    dialogs.save_paths = [tmp_path / "queue.csv"]
    run_export(queue, qtbot)
    names, rows = read_csv(tmp_path / "queue.csv")
    assert names[:3] == ["unique_call_id", "queue_name", "callerid"]
    assert names[11] == "status"
    assert len(rows) == queue.model.total
    odd = [row for row in rows if row["status"] == "callback_requested"]
    assert len(odd) == 1
    assert odd[0]["extra"] == '{"wrapup_code": "CB-7"}'  # unknown fields are kept
    user = make_tab(CallKind.USER)
    user.filter_bar.set_search_text("61412345678")
    dialogs.save_paths = [tmp_path / "user.csv"]
    run_export(user, qtbot)
    _names, rows = read_csv(tmp_path / "user.csv")
    names_written = {row["caller_name"] for row in rows}
    assert "'" + FORMULA_NAME in names_written  # Excel shows it as text, never runs it
    assert FORMULA_NAME not in names_written
    assert "Zoë Ångström" in names_written
    assert {row["caller_e164"] for row in rows} == {"+61412345678"}


def test_the_first_export_is_for_spreadsheets_and_the_choice_is_kept(
        make_tab: MakeTab, dialogs: RecordingDialogs, qtbot: QtBot, tmp_path: Path) -> None:
    tab = make_tab(CallKind.USER)
    tab.filter_bar.set_search_text("61412345678")
    dialogs.save_paths = [tmp_path / "words.csv"]
    run_export(tab, qtbot)
    assert dialogs.offered_types[-1] == (list(EXPORT_TYPES.values()),
                                         EXPORT_TYPES[CsvFlavour.SPREADSHEET])
    names, rows = read_csv(tmp_path / "words.csv")
    assert names == header(CallKind.USER, CsvFlavour.SPREADSHEET)
    assert names[:4] == ["Call ID", "Type", "Caller", "Caller name"]
    assert "Start (local time)" in names
    assert not any("_" in name for name in names)  # no API field names
    calls = {call.unique_call_id: call for call in all_calls(tab)}
    assert len(rows) == len(calls)
    for row in rows:
        # Identifiers a spreadsheet would turn into numbers (losing the + or the digits)
        # are written as ="…", which it keeps as that text.
        call_id = row["Call ID"]
        assert call_id.startswith('="')
        assert call_id.endswith('"')
        call = calls[call_id[2:-1]]
        assert row["Caller (international)"] == '="+61412345678"'
        assert row["Caller"] == f'="{call.caller_id}"'
        assert "_" not in row["Type"]  # "Inbound, missed", not "user_inbound_missed"
        assert row["Direction"] in {"Inbound", "Outbound", "Internal", ""}
    assert "'" + FORMULA_NAME in {row["Caller name"] for row in rows}  # still defused
    assert "Inbound, voicemail transcribed" in {row["Type"] for row in rows}

    dialogs.save_type = EXPORT_TYPES[CsvFlavour.API]  # the agent picks the API's names
    dialogs.save_paths = [tmp_path / "api.csv"]
    run_export(tab, qtbot)
    names, rows = read_csv(tmp_path / "api.csv")
    assert names == header(CallKind.USER)
    assert {row["caller_e164"] for row in rows} == {"+61412345678"}  # as sent
    dialogs.save_type = None
    dialogs.save_paths = []
    tab.export_csv()  # cancelled, but the offer shows the last choice
    assert dialogs.offered_types[-1][1] == EXPORT_TYPES[CsvFlavour.API]


def test_cancelled_export_leaves_no_file(make_tab: MakeTab, store: CallStore,
                                         dialogs: RecordingDialogs, qtbot: QtBot,
                                         tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    release = hold_export(monkeypatch, store, after=600)  # so Cancel lands mid-export
    tab = make_tab(CallKind.USER)
    out = tmp_path / "exports"
    out.mkdir()
    dialogs.save_paths = [out / "calls.csv"]
    messages: list[str] = []
    tab.sig_status_message.connect(messages.append)
    tab.export_csv()
    progress = tab.exporter.progress
    assert progress is not None
    assert progress.windowModality() == Qt.WindowModality.NonModal
    qtbot.waitUntil(lambda: progress.value() >= 500, timeout=10_000)
    assert any(name.endswith(".part") for name in leftovers(out))  # partly written
    tab.export_csv()  # a second export while one runs is refused
    assert messages[-1] == "An export is already running"
    with qtbot.waitSignal(tab.exporter.sig_finished, timeout=10_000):
        cancel = progress.findChild(QPushButton)
        assert cancel is not None
        assert cancel.text() == "Cancel"
        cancel.click()
        release.set()
    assert messages[-1] == "Export cancelled: no file was written"
    assert leftovers(out) == []
    assert not tab.exporter.running


def test_export_to_an_unwritable_place_says_so(make_tab: MakeTab, dialogs: RecordingDialogs,
                                               qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    blocker = out / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    tab = make_tab(CallKind.RING_GROUP)
    dialogs.save_paths = [blocker / "calls.csv"]
    messages: list[str] = []
    tab.sig_status_message.connect(messages.append)
    run_export(tab, qtbot)
    assert messages[-1] == "Export failed: no file was written"
    [(title, text)] = dialogs.errors
    assert title == "Export failed"
    assert "that folder does not exist" in text
    assert leftovers(out) == ["not-a-folder"]


@pytest.fixture
def small_file_limit() -> Iterator[int]:
    """Files may grow to 64 KiB: beyond, writes fail (EFBIG) as on a full disk."""
    limit = 64 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write, not the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield limit
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_export_that_runs_out_of_space_leaves_nothing(
        make_tab: MakeTab, dialogs: RecordingDialogs, qtbot: QtBot, tmp_path: Path,
        request: pytest.FixtureRequest) -> None:
    tab = make_tab(CallKind.USER)
    out = tmp_path / "exports"
    out.mkdir()
    dialogs.save_paths = [out / "big.csv"]
    request.getfixturevalue("small_file_limit")
    messages: list[str] = []
    tab.sig_status_message.connect(messages.append)
    run_export(tab, qtbot)
    assert messages[-1] == "Export failed: no file was written"
    [(_title, text)] = dialogs.errors
    assert "too large for that disk" in text
    assert leftovers(out) == []


def test_closing_the_tab_during_an_export_does_not_kill_the_app(
        make_tab: MakeTab, store: CallStore, dialogs: RecordingDialogs, qtbot: QtBot,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = hold_export(monkeypatch, store, after=300)
    tab = make_tab(CallKind.USER)
    total = tab.model.total
    assert total > 300  # so the export is still held when the tab goes
    dialogs.save_paths = [tmp_path / "queue.csv"]
    tab.export_csv()
    job = tab.exporter.job
    assert job is not None
    assert job.isRunning()
    tab.close()
    shiboken6.delete(tab)  # the session was closed: its tabs go, the thread must not
    release.set()
    # The job ends and deletes itself (watched this way because a queued signal from an
    # object that is deleted right after may never reach a Python slot).
    qtbot.waitUntil(lambda: not shiboken6.isValid(job), timeout=10_000)
    _names, rows = read_csv(tmp_path / "queue.csv")
    assert len(rows) == total  # the export the user asked for still completed
