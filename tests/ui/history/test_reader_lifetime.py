"""A history read that finishes as its table goes answers nobody, and crashes nothing.

The reader's worker thread emits the answer; the GUI thread may delete the
table (and the reader, its child) at that moment. The reader stops answering,
under a lock the emit holds, as its C++ object is destroyed.
"""

from __future__ import annotations

import threading
import time

import pytest
import shiboken6
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.store import CallStore
from pbxdesk.store.filters import ALL_CALLS, NEWEST_FIRST
from pbxdesk.ui.history import reader as reader_module
from pbxdesk.ui.history.reader import HistoryReader, ReadRequest, ReadResult


def test_a_read_that_ends_after_its_table_went_answers_nobody(
        qtbot: QtBot, call_store: CallStore, monkeypatch: pytest.MonkeyPatch) -> None:
    started, release = threading.Event(), threading.Event()
    finished: list[ReadRequest] = []

    def slow_read(store: CallStore, job: ReadRequest) -> ReadResult:
        started.set()
        release.wait(10)
        finished.append(job)
        return ReadResult(job, 0, 0)

    monkeypatch.setattr(reader_module, "read", slow_read)
    table = QObject()
    reader = HistoryReader(call_store, table)
    answers: list[object] = []
    reader.sig_read.connect(answers.append)
    reader.request(CallKind.USER, ALL_CALLS, NEWEST_FIRST, 0, 100, (0,), 100, recount=True)
    assert started.wait(10)

    shiboken6.delete(table)  # the tab closes while the read runs (the reader goes with it)
    assert not shiboken6.isValid(reader)
    release.set()
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    time.sleep(0.05)  # the worker's emit, had it happened, is queued by now
    qtbot.wait(20)
    assert answers == []
