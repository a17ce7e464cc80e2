"""Queues' waits read in wait order give the figures of the calls.

The wait index (:mod:`pbxdesk.store.waittimes`) answers long ranges, the sort of
the range's waits short ones; both are held to the figures worked out call by
call (median, 90th percentile, answered within the service level), over random
stores (batches, updates that move calls and change their waits, live rows,
deletes behind the store's back) and random ranges and scopes, and the index
to exactly the calls it is defined to hold.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbxdesk.api.models import CallKind, GroupCall
from pbxdesk.store import CallStore, waittimes
from pbxdesk.store import insights as ins
from pbxdesk.store.insights import InsightsQuery, Scope
from pbxdesk.store.migrations import MIGRATIONS
from tests.fixtures.store import CallFactory, write_as_release
from tests.store.test_insight_totals import (
    SPAN,
    START,
    expected_groups,
    group_tuples,
    moments,
    random_store,
    stored,
    wait_us,
)

ALWAYS, NEVER = 0.0, 2.0  # WALK_SHARE: walk the index whenever there are calls / never


def groups(store: CallStore, query: InsightsQuery, share: float,
           monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    with monkeypatch.context() as patch:
        patch.setattr(waittimes, "WALK_SHARE", share)
        return group_tuples(store.aggregate(lambda conn: ins.per_group(conn, query)))


def names_of(path: Path) -> dict[int, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT id, name FROM call_groups"))
    finally:
        conn.close()


def indexed(path: Path) -> Counter[tuple[Any, ...]]:
    """The index's entries, read through it (the planner is told to)."""
    conn = sqlite3.connect(path)
    try:
        return Counter(conn.execute(
            f"SELECT c.kind, c.group_ref, {waittimes.WAIT}, c.start_us FROM calls AS c "
            f"INDEXED BY {waittimes.WAIT_INDEX} WHERE {waittimes.waited('c.')}"))
    finally:
        conn.close()


def expected_entries(calls: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter((c["kind"], c["group_ref"], wait_us(c), c["start_us"])
                   for c in calls if c["kind"] != 0 and wait_us(c) is not None)


def at(us: int) -> datetime:
    return datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_both_ways_give_the_figures_of_the_calls(tmp_path_factory: pytest.TempPathFactory,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 data: st.DataObject) -> None:
    path = tmp_path_factory.mktemp("wait") / "calls.sqlite3"
    store = random_store(path, data)
    try:
        calls = stored(path)
        assert indexed(path) == expected_entries(calls)
        low, high = sorted(data.draw(st.tuples(moments, moments), label="range"))
        scope = data.draw(st.sampled_from(Scope), label="scope")
        names = frozenset(data.draw(st.lists(st.sampled_from(
            [c["group_name"] for c in calls if c["group_name"]] or ["none"]), max_size=2),
            label="groups")) if scope in {Scope.QUEUES, Scope.RING_GROUPS} else frozenset()
        query = InsightsQuery(start=at(low), end=at(high), scope=scope, group_names=names,
                              zone=UTC, service_level_s=data.draw(st.integers(0, 60)))
        expected = expected_groups(calls, query, names_of(path))
        assert groups(store, query, ALWAYS, monkeypatch) == expected
        assert groups(store, query, NEVER, monkeypatch) == expected
    finally:
        store.close()


def test_hand_counted_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Odd and even counts, calls without a group, and calls outside the range."""
    factory = CallFactory(seed=21, queues=1, ring_groups=0, start=START, span=SPAN)

    def answered(minute: int, wait: int, group: str | None = "Sales") -> GroupCall:
        call = factory.group_call(CallKind.QUEUE)
        began = START + timedelta(minutes=minute)
        return replace(call, group=group, status="answered", call_start_at=began,
                       connected_at=began + timedelta(seconds=wait))

    inside = [answered(minute, wait) for minute, wait in
              ((1, 30), (2, 10), (3, 50), (4, 10), (5, 400), (6, 20))]
    unnamed = [answered(7, 8, None), answered(8, 2, None)]
    outside = [answered(-10, 1), answered(90, 5000)]
    start_us = int(START.timestamp() * 1e6)
    minute = 60_000_000
    with CallStore(tmp_path / "calls.sqlite3") as store:
        store.upsert([*inside, *unnamed, *outside])
        for share in (ALWAYS, NEVER):
            # 10 10 20 30 50 400: median (20 + 30) / 2, 90th: rank 4.5, (50 + 400) / 2.
            query = InsightsQuery(start=at(start_us + minute), end=at(start_us + 9 * minute),
                                  scope=Scope.QUEUES, zone=UTC, service_level_s=20)
            assert groups(store, query, share, monkeypatch) == sorted([
                (1, "Sales", 6, 6, 0, 0, 3, 25.0, 225.0, 0),
                (1, "(no name)", 2, 2, 0, 0, 2, 5.0, 7.4, 0)], key=repr), share
            # 10 10 30 50: median 20, 90th: rank 2.7, 30 + 0.7 × 20 = 44.
            query = replace(query, end=at(start_us + 5 * minute), service_level_s=9)
            assert groups(store, query, share, monkeypatch) == [
                (1, "Sales", 4, 4, 0, 0, 0, 20.0, 44.0, 0)], share


def test_the_migration_indexes_the_calls_already_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "calls.sqlite3"
    write_as_release(path, MIGRATIONS.index(waittimes.create_index),
                     CallFactory(seed=22, start=START, span=SPAN).calls(400))
    conn = sqlite3.connect(path)
    names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert waittimes.WAIT_INDEX not in names
    with CallStore(path) as store:
        calls = stored(path)
        assert sum(expected_entries(calls).values()) > 30
        assert indexed(path) == expected_entries(calls)
        query = InsightsQuery(start=START, end=START + SPAN, zone=UTC)
        assert groups(store, query, ALWAYS, monkeypatch) == expected_groups(
            calls, query, names_of(path))


def test_a_long_range_reads_the_waits_in_order_and_sorts_nothing(
        tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    with CallStore(path) as store:
        store.upsert(CallFactory(seed=23, start=START, span=SPAN).calls(400))
        plans: list[str] = []

        def read(conn: sqlite3.Connection) -> list[ins.GroupFigures]:
            real = conn.execute

            class Traced:
                def execute(self, sql: str, *args: Any) -> Any:
                    if waittimes.WAIT_INDEX in sql:
                        plans.extend(row[3] for row in real(f"EXPLAIN QUERY PLAN {sql}", *args))
                    return real(sql, *args)

            query = InsightsQuery(start=START, end=START + SPAN, zone=UTC)
            return ins.per_group(Traced(), query)  # type: ignore[arg-type]

        assert store.aggregate(read)
    assert any(waittimes.WAIT_INDEX in plan for plan in plans), plans
    assert not any("TEMP B-TREE" in plan for plan in plans), plans
