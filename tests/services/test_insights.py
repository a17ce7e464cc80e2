"""InsightsService: sections computed on a worker thread, only the newest request delivered."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from pytestqt.qtbot import QtBot

from pbxdesk.services.insights import InsightsService, Section, SectionResult
from pbxdesk.store import CallFilter, CallStore
from pbxdesk.store.daygroups import Grain, GroupedDays
from pbxdesk.store.insights import InsightsQuery, Scope

QUERY = InsightsQuery(start=datetime(2024, 1, 1, tzinfo=UTC),
                      end=datetime(2024, 2, 1, tzinfo=UTC), scope=Scope.USERS, zone=UTC)


def test_sections_arrive_on_the_gui_thread_computed_elsewhere(
        qtbot: QtBot, call_store: CallStore, call_factory: object) -> None:
    call_store.upsert(call_factory.calls(2000))  # type: ignore[attr-defined]
    service = InsightsService(call_store)
    results: list[SectionResult] = []
    threads: list[threading.Thread] = []
    original = call_store.aggregate

    def spy(compute: object) -> object:
        threads.append(threading.current_thread())
        return original(compute)  # type: ignore[arg-type]

    call_store.aggregate = spy  # type: ignore[method-assign]
    service.sig_section_computed.connect(results.append)
    with qtbot.waitSignal(service.sig_computed, timeout=10_000):
        number = service.request(QUERY)
    service.shutdown()
    assert [result.section for result in results] == list(Section)
    assert all(result.request == number for result in results)
    assert isinstance(results[0].figures, GroupedDays)  # the days and their bars
    assert results[0].figures.grain is Grain.DAY  # a month: a bar a day
    assert results[0].figures.total.calls == call_store.count(CallFilter(
        start=QUERY.start, end=QUERY.end, kinds=frozenset({QUERY.scope.kind})))
    assert threads
    assert all(thread is not threading.main_thread() for thread in threads)


def test_only_the_newest_request_is_delivered(qtbot: QtBot, call_store: CallStore) -> None:
    service = InsightsService(call_store)
    results: list[SectionResult] = []
    service.sig_section_computed.connect(results.append)
    older = service.request(QUERY)
    with qtbot.waitSignal(service.sig_computed, timeout=10_000) as done:
        newer = service.request(QUERY)
    assert done.args == [newer]
    qtbot.wait(100)  # anything of the older request still queued would arrive now
    service.shutdown()
    assert {result.request for result in results} == {newer}
    assert older != newer
    assert not service.busy


def test_a_paced_worker_computes_the_next_section_once_the_view_resumes(
        qtbot: QtBot, call_store: CallStore, call_factory: object,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pbxdesk.services import insights as module

    monkeypatch.setattr(module, "PACE_TIMEOUT_S", 30.0)  # only resume() moves it on
    call_store.upsert(call_factory.calls(200))  # type: ignore[attr-defined]
    service = InsightsService(call_store)
    service.paced = True
    results: list[SectionResult] = []
    service.sig_section_computed.connect(results.append)
    service.request(QUERY)
    qtbot.waitUntil(lambda: len(results) == 1, timeout=10_000)
    qtbot.wait(300)
    assert len(results) == 1  # waiting for the view to show the first section
    for count in range(2, len(Section) + 1):
        service.resume()
        qtbot.waitUntil(lambda n=count: len(results) == n, timeout=10_000)
    assert [result.section for result in results] == list(Section)
    service.shutdown()  # returns at once: a waiting worker is let go
