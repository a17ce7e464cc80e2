"""Agents' median talk time read in talk-time order is the median of the calls.

The talk-time index (:mod:`pbxdesk.store.talktimes`) answers long ranges, the
sort of the range's talk times short ones; both are held to the median worked
out call by call, over random stores (batches, updates that change talk times,
users and starts, live rows, deletes behind the store's back) and random
ranges, and the index to exactly the calls it is defined to hold.
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

from pbxdesk.api.models import AnyCall, UserCall
from pbxdesk.store import CallStore, talktimes
from pbxdesk.store import insights as ins
from pbxdesk.store.insights import InsightsQuery, Scope
from pbxdesk.store.migrations import MIGRATIONS
from tests.fixtures.store import CallFactory, write_as_release
from tests.store.test_insight_totals import (
    SPAN,
    START,
    agent_tuples,
    expected_agents,
    has_talk,
    moments,
    random_store,
    stored,
)

ALWAYS, NEVER = 0.0, 2.0  # WALK_SHARE: walk the index whenever there are calls / never


def agents(store: CallStore, query: InsightsQuery, share: float,
           monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    with monkeypatch.context() as patch:
        patch.setattr(talktimes, "WALK_SHARE", share)
        return agent_tuples(store.aggregate(lambda conn: ins.per_agent(conn, query)))


def indexed(path: Path) -> Counter[tuple[Any, ...]]:
    """The index's entries, read through it (the planner is told to)."""
    conn = sqlite3.connect(path)
    try:
        return Counter(conn.execute(
            f"SELECT user_ref, conversation_duration, start_us FROM calls INDEXED BY "
            f"{talktimes.TALK_INDEX} WHERE {talktimes._TALKED}"))
    finally:
        conn.close()


def expected_entries(calls: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter((c["user_ref"], c["conversation_duration"], c["start_us"])
                   for c in calls if c["kind"] == 0 and has_talk(c))


def query_of(low: int, high: int, numbers: frozenset[str]) -> InsightsQuery:
    def at(us: int) -> datetime:
        return datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)

    return InsightsQuery(start=at(low), end=at(high), scope=Scope.USERS, user_numbers=numbers,
                         zone=UTC)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_both_ways_give_the_median_of_the_calls(tmp_path_factory: pytest.TempPathFactory,
                                               monkeypatch: pytest.MonkeyPatch,
                                               data: st.DataObject) -> None:
    path = tmp_path_factory.mktemp("talk") / "calls.sqlite3"
    store = random_store(path, data)
    try:
        calls = stored(path)
        assert indexed(path) == expected_entries(calls)
        low, high = sorted(data.draw(st.tuples(moments, moments), label="range"))
        numbers = frozenset(data.draw(st.lists(st.sampled_from(
            [c["user_number"] for c in calls if c["user_number"]] or ["none"]), max_size=2),
            label="users"))
        query = query_of(low, high, numbers)
        expected = expected_agents(calls, query)
        assert agents(store, query, ALWAYS, monkeypatch) == expected
        assert agents(store, query, NEVER, monkeypatch) == expected
    finally:
        store.close()


def test_odd_talk_times_are_left_out_of_the_index_and_the_median(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "calls.sqlite3"
    huge = 10**30  # too big for SQLite's integers: stored as text
    factory = CallFactory(seed=11, users=2, start=START, span=SPAN)
    users = [call for call in factory.calls(200) if isinstance(call, UserCall)]
    talks = (huge, -huge, -1, 0, 10**9, None, 1, 1, 2, 7)
    odd = [replace(call, type="user_inbound_answered", conversation_duration=talk)
           for call, talk in zip(users, talks, strict=False)]
    with CallStore(path) as store:
        store.upsert([*odd, *users[len(talks):]])
        calls = stored(path)
        assert indexed(path) == expected_entries(calls)
        query = query_of(int((START - SPAN).timestamp() * 1e6),
                         int((START + 2 * SPAN).timestamp() * 1e6), frozenset())
        expected = expected_agents(calls, query)
        assert any(agent[7] is not None for agent in expected)
        assert agents(store, query, ALWAYS, monkeypatch) == expected
        assert agents(store, query, NEVER, monkeypatch) == expected


def test_hand_counted_medians(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Odd and even counts, a tie, and calls outside the range that the walk passes."""
    factory = CallFactory(seed=12, users=1, start=START, span=timedelta(hours=1))

    def answered(minute: int, talk: int) -> AnyCall:
        return factory.user_call(call_start_at=START + timedelta(minutes=minute),
                                 type="user_inbound_answered", conversation_duration=talk)

    inside = [answered(minute, talk) for minute, talk in
              ((1, 30), (2, 10), (3, 50), (4, 10), (5, 400), (6, 20))]
    outside = [answered(-10, 1), answered(-9, 2), answered(90, 5000), answered(91, 3)]
    minute = 60_000_000
    start_us = int(START.timestamp() * 1e6)
    with CallStore(tmp_path / "calls.sqlite3") as store:
        store.upsert([*inside, *outside])
        for share in (ALWAYS, NEVER):
            # Minutes 1-6: 10 10 20 30 50 400 → (20 + 30) / 2; 1-5: 10 10 30 50 400 → 30;
            # 1-4: 10 10 30 50 → 20; 2-4: 10 10 50 → 10 (the tie); 1-2: 10 30 → 20.
            for first, end_minute, median in ((1, 7, 25.0), (1, 6, 30.0), (1, 5, 20.0),
                                              (2, 5, 10.0), (1, 3, 20.0), (0, 2, 30.0)):
                query = query_of(start_us + first * minute, start_us + end_minute * minute,
                                 frozenset())
                assert [agent[7] for agent in agents(store, query, share, monkeypatch)] == [
                    median], (share, first, end_minute)


def test_the_migration_indexes_the_calls_already_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "calls.sqlite3"
    write_as_release(path, MIGRATIONS.index(talktimes.create_index),
                     CallFactory(seed=13, start=START, span=SPAN).calls(400))
    conn = sqlite3.connect(path)
    names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert talktimes.TALK_INDEX not in names
    with CallStore(path) as store:
        calls = stored(path)
        assert sum(expected_entries(calls).values()) > 50
        assert indexed(path) == expected_entries(calls)
        query = query_of(int(START.timestamp() * 1e6), int((START + SPAN).timestamp() * 1e6),
                         frozenset())
        assert agents(store, query, ALWAYS, monkeypatch) == expected_agents(calls, query)


def test_the_walk_reads_the_index_and_sorts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    with CallStore(path) as store:
        store.upsert(CallFactory(seed=14, start=START, span=SPAN).calls(300))
        plans: list[str] = []

        def walk(conn: sqlite3.Connection) -> dict[int, float]:
            real = conn.execute

            class Traced:
                def execute(self, sql: str, *args: Any) -> Any:
                    plans.extend(row[3] for row in real(f"EXPLAIN QUERY PLAN {sql}", *args))
                    return real(sql, *args)

            return talktimes.medians(Traced(), None, 0, 2**62)  # type: ignore[arg-type]

        assert store.aggregate(walk)
    assert plans
    assert all(talktimes.TALK_INDEX in plan for plan in plans if "calls" in plan), plans
    assert not any("TEMP B-TREE" in plan for plan in plans), plans


def test_a_long_range_walks_and_a_short_one_sorts(tmp_path: Path) -> None:
    with CallStore(tmp_path / "calls.sqlite3") as store:
        store.upsert(CallFactory(seed=15, start=START, span=SPAN).calls(600))

        def worth(days: int) -> bool:
            query = InsightsQuery(start=START, end=START + timedelta(days=days), zone=UTC)

            def check(conn: sqlite3.Connection) -> bool:
                answered = sum(agent.answered for agent in ins.per_agent(conn, query))
                return talktimes.worth_walking(conn, None, answered)

            return store.aggregate(check)

        assert worth(40)
        assert worth(20)
        assert not worth(3)
