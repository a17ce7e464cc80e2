"""Insights' running totals answer exactly as the calls do, whatever was written.

Random stores (inserts in batches, updates that move calls between times, codes,
users and groups, live rows and their confirmation, deletes behind the store's
back) are checked two ways: the totals tables against a count of the calls in
Python, and every Insights figure against the same figure worked out call by
call in Python (each call's local time from ``zoneinfo``), over random ranges
(any microsecond) in zones with daylight saving, half-hour and 45-minute
offsets, and an offset that is no whole number of quarter hours.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbxdesk.api.models import AnyCall, CallKind, GroupCall, Outcome, UserCall
from pbxdesk.store import CallStore, insighttotals, rows
from pbxdesk.store import insights as ins
from pbxdesk.store.insights import InsightsQuery, Scope
from pbxdesk.store.migrations import MIGRATIONS
from tests.fixtures.store import CallFactory, write_as_release

START = datetime(2024, 3, 2, tzinfo=UTC)
SPAN = timedelta(days=40)  # St John's changes on 10 March, Sydney and Adelaide on 7 April
ZONES: tuple[tzinfo, ...] = (
    UTC, ZoneInfo("Australia/Sydney"), ZoneInfo("Australia/Adelaide"),
    ZoneInfo("Asia/Kolkata"), ZoneInfo("Asia/Kathmandu"), ZoneInfo("America/St_Johns"),
    timezone(-timedelta(minutes=44, seconds=30)))  # Monrovia's mean time: no quarter hours
QUARTER_US = insighttotals.QUARTER_US
DAY_US = insighttotals.DAY_US
ANSWERED = rows.OUTCOME_CODES[Outcome.ANSWERED]
ABANDONED = rows.OUTCOME_CODES[Outcome.ABANDONED]
NOT_REACHED = {rows.OUTCOME_CODES[o] for o in (Outcome.MISSED, Outcome.BUSY, Outcome.FAILED)}
INBOUND, OUTBOUND = 1, 2
NULL_CONNECTED = 1 << rows.NULLABLE_FIELDS.index("connected_at")
NULL_TALK = 1 << rows.NULLABLE_FIELDS.index("conversation_duration")
COLUMNS = ("kind", "start_us", "direction", "outcome", "user_ref", "group_ref", "nulls",
           "connected_us", "conversation_duration", "live", "user_number", "group_name")


# -- the calls, read back and counted in Python ------------------------------------------

def stored(path: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(path)
    try:
        return [dict(zip(COLUMNS, row, strict=True))
                for row in conn.execute(f"SELECT {', '.join(COLUMNS)} FROM calls")]
    finally:
        conn.close()


def slot(start_us: object, size: int) -> int:
    if type(start_us) is not int:
        return insighttotals.FAR_SLOT
    return insighttotals.NO_SLOT if start_us < 0 else start_us // size


def has_talk(call: dict[str, Any]) -> bool:
    talk = call["conversation_duration"]  # bytes where too big for SQLite's integers
    return bool(call["outcome"] == ANSWERED and not call["nulls"] & NULL_TALK
                and type(talk) is int and 0 <= talk <= ins.MAX_TALK_S)


def shares(call: dict[str, Any]) -> dict[str, int]:
    answered = call["outcome"] == ANSWERED
    return {
        "calls": 1, "answered": int(answered),
        "missed": int(call["outcome"] in NOT_REACHED and call["direction"] != OUTBOUND),
        "abandoned": int(call["outcome"] == ABANDONED),
        "outbound": int(call["direction"] == OUTBOUND), "live": int(call["live"] != 0),
        "inbound": int(call["direction"] == INBOUND),
        "talk_total": call["conversation_duration"] if has_talk(call) else 0,
    }


def expected_tables(calls: Iterable[dict[str, Any]]
                    ) -> tuple[dict[tuple[int, ...], tuple[int, ...]], ...]:
    quarters: dict[tuple[int, ...], Counter[str]] = defaultdict(Counter)
    ref_days: dict[tuple[int, ...], Counter[str]] = defaultdict(Counter)
    for call in calls:
        share = shares(call)
        quarters[(call["kind"], slot(call["start_us"], QUARTER_US))].update(share)
        ref = call["user_ref"] if call["kind"] == 0 else call["group_ref"]
        ref_days[(call["kind"], ref or 0, slot(call["start_us"], DAY_US))].update(share)
    return ({key: tuple(c[m] for m in insighttotals.QUARTER_MEASURES)
             for key, c in quarters.items()},
            {key: tuple(c[m] for m in insighttotals.REF_DAY_MEASURES)
             for key, c in ref_days.items()})


def stored_tables(path: Path) -> tuple[dict[tuple[int, ...], tuple[int, ...]], ...]:
    conn = sqlite3.connect(path)
    try:
        found = []
        for table, keys, measures in (
                (insighttotals.QUARTERS, 2, insighttotals.QUARTER_MEASURES),
                (insighttotals.REF_DAYS, 3, insighttotals.REF_DAY_MEASURES)):
            found.append({tuple(row[:keys]): tuple(row[keys:]) for row in conn.execute(
                f"SELECT * FROM {table}") if any(row[keys:])})
            assert [name for _, name, *_ in conn.execute(f"PRAGMA table_info({table})")
                    ][keys:] == list(measures)
        return found[0], found[1]
    finally:
        conn.close()


# -- every figure, call by call ----------------------------------------------------------

def in_scope(call: dict[str, Any], query: InsightsQuery) -> bool:
    start = call["start_us"]
    if type(start) is not int or not query.start_us <= start < query.end_us:
        return False
    if call["kind"] != rows.KIND_CODES[query.scope.kind]:
        return False
    if query.scope in {Scope.ME, Scope.USERS}:
        return not query.user_numbers or call["user_number"] in query.user_numbers
    return not query.group_names or call["group_name"] in query.group_names


def local(call: dict[str, Any], zone: tzinfo) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC).astimezone(zone) + timedelta(
        microseconds=call["start_us"])


def counts_of(calls: list[dict[str, Any]]) -> ins.Counts:
    total: Counter[str] = Counter()
    for call in calls:
        total.update(shares(call))
    return ins.Counts(answered=total["answered"], missed=total["missed"],
                      abandoned=total["abandoned"],
                      other=total["calls"] - total["answered"] - total["missed"]
                      - total["abandoned"], incoming=total["calls"] - total["outbound"],
                      live=total["live"])


def expected_days(calls: list[dict[str, Any]], query: InsightsQuery) -> dict[date, ins.Counts]:
    assert query.zone is not None
    per_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for call in calls:
        if in_scope(call, query):
            per_day[(datetime.fromtimestamp(0, UTC) + timedelta(microseconds=call["start_us"])
                     ).astimezone(query.zone).date()].append(call)
    return {day: counts_of(found) for day, found in per_day.items()}


def expected_cells(calls: list[dict[str, Any]],
                   query: InsightsQuery) -> dict[tuple[int, int], ins.Counts]:
    assert query.zone is not None
    per_cell: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for call in calls:
        if in_scope(call, query):
            moment = (datetime.fromtimestamp(0, UTC) + timedelta(microseconds=call["start_us"])
                      ).astimezone(query.zone)
            per_cell[(moment.weekday(), moment.hour)].append(call)
    return {cell: counts_of(found) for cell, found in per_cell.items()}


def wait_us(call: dict[str, Any]) -> int | None:
    if (call["outcome"] != ANSWERED or call["nulls"] & NULL_CONNECTED
            or not 0 <= call["connected_us"] - call["start_us"] <= ins.MAX_WAIT_US):
        return None
    return int(call["connected_us"] - call["start_us"])


def expected_groups(calls: list[dict[str, Any]], query: InsightsQuery,
                    names: dict[int, str]) -> list[tuple[Any, ...]]:
    kinds = ({rows.KIND_CODES[query.scope.kind]} if query.scope in {Scope.QUEUES,
             Scope.RING_GROUPS} else {1, 2})
    groups: dict[tuple[int, int | None], list[dict[str, Any]]] = defaultdict(list)
    for call in calls:
        start = call["start_us"]
        if (call["kind"] in kinds and type(start) is int
                and query.start_us <= start < query.end_us
                and (query.scope not in {Scope.QUEUES, Scope.RING_GROUPS}
                     or not query.group_names or call["group_name"] in query.group_names)):
            groups[(call["kind"], call["group_ref"])].append(call)
    found = []
    for (kind, ref), members in groups.items():
        counts = counts_of(members)
        waits = [w for w in map(wait_us, members) if w is not None]
        table = list(Counter(waits).items())
        median, p90 = ins.percentile(table, 0.5), ins.percentile(table, 0.9)
        found.append((kind, names.get(ref or 0, "") or "(no name)", counts.calls,
                      counts.answered, counts.abandoned, counts.missed,
                      sum(w <= query.service_level_s * 1_000_000 for w in waits),
                      None if median is None else median / 1e6,
                      None if p90 is None else p90 / 1e6, counts.live))
    return sorted(found, key=repr)


def expected_agents(calls: list[dict[str, Any]], query: InsightsQuery) -> list[tuple[Any, ...]]:
    agents: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for call in calls:
        start = call["start_us"]
        if (call["kind"] == 0 and type(start) is int and query.start_us <= start < query.end_us
                and (query.scope not in {Scope.ME, Scope.USERS} or not query.user_numbers
                     or call["user_number"] in query.user_numbers)):
            agents[call["user_ref"]].append(call)
    found = []
    for members in agents.values():
        counts = counts_of(members)
        share = Counter[str]()
        for call in members:
            share.update(shares(call))
        talks = [c["conversation_duration"] for c in members if has_talk(c)]
        found.append((members[0]["user_number"] if members[0]["user_ref"] else "",
                      counts.calls, share["inbound"], share["outbound"], counts.answered,
                      counts.missed, share["talk_total"],
                      ins.percentile(list(Counter(talks).items()), 0.5), counts.live))
    return sorted(found, key=repr)


def group_tuples(figures: list[ins.GroupFigures]) -> list[tuple[Any, ...]]:
    return sorted(((rows.KIND_CODES[f.kind], f.name, f.calls, f.answered, f.abandoned, f.missed,
                    f.answered_in_time, f.wait_median, f.wait_p90, f.live) for f in figures),
                  key=repr)


def agent_tuples(figures: list[ins.AgentFigures]) -> list[tuple[Any, ...]]:
    return sorted(((f.number, f.calls, f.inbound, f.outbound, f.answered, f.missed,
                    f.talk_total, f.talk_median, f.live) for f in figures), key=repr)


# -- writing a random store ---------------------------------------------------------------

def changed(call: AnyCall, rnd: st.DataObject, factory: CallFactory) -> AnyCall:
    """The same call (same key) as a later sync might bring it, or an event replaced it."""
    other = factory.calls(1)[0]
    start = call.call_start_at or START
    moved = start + timedelta(microseconds=rnd.draw(
        st.integers(-2 * DAY_US, 2 * DAY_US), label="moved by"))
    changes: dict[str, Any] = {"conversation_duration": rnd.draw(st.integers(0, 900)),
                               "connected_at": moved + timedelta(seconds=rnd.draw(
                                   st.integers(-5, 120)))}
    if call.unique_call_id:  # the start is part of a hashed key, not of an id's
        changes["call_start_at"] = moved
    if isinstance(call, UserCall) and isinstance(other, UserCall):
        changes |= {"type": other.type, "user_name": other.user_name}
    elif isinstance(call, GroupCall) and isinstance(other, GroupCall):
        changes["status"] = other.status
        if call.unique_call_id and call.kind is other.kind:
            changes["group"] = other.group
    return replace(call, **changes)


def random_store(path: Path, data: st.DataObject) -> CallStore:
    factory = CallFactory(seed=data.draw(st.integers(0, 10**6), label="seed"), users=4,
                          queues=2, ring_groups=2, callers=50, start=START, span=SPAN)
    calls = factory.calls(data.draw(st.integers(0, 160), label="calls"))
    store = CallStore(path, default_region="AU")
    cut = data.draw(st.integers(0, len(calls)), label="batch cut")
    for batch in (calls[:cut], calls[cut:]):
        store.upsert(batch)
    if calls:
        picks = data.draw(st.lists(st.sampled_from(calls), max_size=25), label="updated")
        store.upsert([changed(call, data, factory) for call in picks])
    events = factory.calls(data.draw(st.integers(0, 12), label="live events"))
    store.store_live(events)
    if events:
        store.store_live([changed(call, data, factory) for call in data.draw(
            st.lists(st.sampled_from(events), max_size=4), label="later events")])
        store.upsert(data.draw(st.lists(st.sampled_from(events), max_size=6),
                               label="confirmed by a sync"))
    doomed = data.draw(st.lists(st.integers(1, len(calls) + len(events) + 1), max_size=8),
                       label="deleted ids")
    conn = sqlite3.connect(path)
    conn.executemany("DELETE FROM calls WHERE id = ?", [(i,) for i in doomed])
    conn.commit()
    conn.close()
    return store


moments = st.integers(int((START - timedelta(days=2)).timestamp() * 1e6),
                      int((START + SPAN + timedelta(days=2)).timestamp() * 1e6))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_totals_and_figures_match_the_calls(tmp_path_factory: pytest.TempPathFactory,
                                            data: st.DataObject) -> None:
    path = tmp_path_factory.mktemp("totals") / "calls.sqlite3"
    store = random_store(path, data)
    try:
        calls = stored(path)
        assert stored_tables(path) == tuple(
            {key: value for key, value in table.items() if any(value)}
            for table in expected_tables(calls))
        # Edges near calls, so that partial quarters, hours and days hold some.
        starts = [c["start_us"] for c in calls if type(c["start_us"]) is int]
        near = (st.sampled_from(starts).flatmap(
            lambda at: st.integers(at - 20 * 60_000_000, at + 20 * 60_000_000))
            if starts else moments)
        low, high = sorted(data.draw(st.tuples(near | moments, near | moments), label="range"))
        zone = data.draw(st.sampled_from(ZONES), label="zone")
        scope = data.draw(st.sampled_from(Scope), label="scope")
        numbers = frozenset(data.draw(st.lists(st.sampled_from(
            [c["user_number"] for c in calls if c["user_number"]] or ["none"]), max_size=2),
            label="users")) if scope is Scope.USERS else frozenset()
        groups = frozenset(data.draw(st.lists(st.sampled_from(
            [c["group_name"] for c in calls if c["group_name"]] or ["none"]), max_size=2),
            label="groups")) if scope in {Scope.QUEUES, Scope.RING_GROUPS} else frozenset()
        query = InsightsQuery(start=datetime.fromtimestamp(low / 1e6, UTC).replace(
            microsecond=low % 1_000_000), end=datetime.fromtimestamp(high / 1e6, UTC).replace(
            microsecond=high % 1_000_000), scope=scope, user_numbers=numbers,
            group_names=groups, zone=zone, service_level_s=data.draw(st.integers(0, 60)))
        days = store.aggregate(lambda conn: ins.calls_per_day(conn, query))
        expected = expected_days(calls, query)
        assert {d.day: d.counts for d in days.days if d.counts.calls} == expected
        if days.days:
            assert days.days[0].day == datetime.fromtimestamp(
                query.start_us / 1e6, zone).date()
            assert days.days[-1].day == datetime.fromtimestamp(
                (query.end_us - 1) / 1e6, zone).date()
        heat = store.aggregate(lambda conn: ins.calls_per_hour(conn, query))
        assert {(c.weekday, c.hour): c.counts for c in heat.cells if c.counts.calls} == (
            expected_cells(calls, query))
        conn = sqlite3.connect(path)
        names = dict(conn.execute("SELECT id, name FROM call_groups"))
        conn.close()
        assert group_tuples(store.aggregate(lambda conn: ins.per_group(conn, query))) == (
            expected_groups(calls, query, names))
        assert agent_tuples(store.aggregate(lambda conn: ins.per_agent(conn, query))) == (
            expected_agents(calls, query))
    finally:
        store.close()


# -- upgrades, damage, plans ---------------------------------------------------------------

def test_the_migration_counts_the_calls_already_stored(tmp_path: Path) -> None:
    calls = CallFactory(seed=5, start=START, span=SPAN).calls(400)
    path = tmp_path / "calls.sqlite3"
    write_as_release(path, MIGRATIONS.index(insighttotals.create), calls)
    with CallStore(path) as store:
        assert store.count() == 400
    found = stored(path)
    assert stored_tables(path) == expected_tables(found)
    assert sum(value[0] for value in stored_tables(path)[0].values()) == 400


def test_totals_changed_behind_the_stores_back_are_rebuilt_on_opening(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    with CallStore(path) as store:
        store.upsert(CallFactory(seed=6, start=START, span=SPAN).calls(200))
    conn = sqlite3.connect(path)
    conn.execute(f"DELETE FROM {insighttotals.QUARTERS}")
    conn.execute(f"UPDATE {insighttotals.REF_DAYS} SET calls = calls + 3, answered = 9")
    conn.commit()
    conn.close()
    with CallStore(path):
        pass
    assert stored_tables(path) == expected_tables(stored(path))


def test_the_totals_are_read_through_their_keys(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    with CallStore(path) as store:
        store.upsert(CallFactory(seed=7, start=START, span=SPAN).calls(300))
        plans: list[str] = []

        def explain(conn: sqlite3.Connection) -> None:
            real = conn.execute

            def traced(sql: str, *args: Any) -> Any:
                if "call_quarter_totals" in sql or "call_ref_day_totals" in sql:
                    plans.extend(row[3] for row in real(f"EXPLAIN QUERY PLAN {sql}", *args))
                return real(sql, *args)

            proxy = _Traced(conn, traced)
            query = InsightsQuery(start=START, end=START + SPAN, zone=ZoneInfo("Asia/Kolkata"))
            ins.calls_per_day(proxy, query)  # type: ignore[arg-type]
            ins.calls_per_hour(proxy, query)  # type: ignore[arg-type]
            ins.per_group(proxy, query)  # type: ignore[arg-type]
            ins.per_agent(proxy, query)  # type: ignore[arg-type]

        store.aggregate(explain)
    quarters = [plan for plan in plans if "call_quarter_totals" in plan]
    ref_days = [plan for plan in plans if "call_ref_day_totals" in plan]
    assert quarters
    assert all("SEARCH" in plan and "quarter>? AND quarter<?" in plan for plan in quarters)
    assert ref_days
    assert all("SEARCH" in plan and "kind=?" in plan for plan in ref_days), ref_days


class _Traced:
    """A connection whose ``execute`` is traced (sqlite3's own cannot be replaced)."""

    def __init__(self, conn: sqlite3.Connection, execute: Any) -> None:
        self._conn = conn
        self.execute = execute

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_a_live_row_counts_until_a_sync_confirms_it(tmp_path: Path) -> None:
    factory = CallFactory(seed=8, start=START, span=timedelta(hours=2))
    calls = factory.calls(30)
    with CallStore(tmp_path / "calls.sqlite3") as store:
        store.store_live(calls)
        query = InsightsQuery(start=START, end=START + timedelta(days=1), zone=UTC)
        user_calls = sum(1 for call in calls if call.kind is CallKind.USER
                         and call.call_start_at is not None)
        days = store.aggregate(lambda conn: ins.calls_per_day(conn, query))
        assert (days.total.calls, days.total.live) == (user_calls, user_calls)
        store.upsert(calls[:10])
        confirmed = sum(1 for call in calls[:10] if call.kind is CallKind.USER
                        and call.call_start_at is not None)
        days = store.aggregate(lambda conn: ins.calls_per_day(conn, query))
        assert (days.total.calls, days.total.live) == (user_calls, user_calls - confirmed)
        agents = store.aggregate(lambda conn: ins.per_agent(conn, query))
        assert sum(agent.live for agent in agents) == user_calls - confirmed


@pytest.mark.parametrize("zone", [UTC, ZoneInfo("Asia/Kolkata"), ZoneInfo("Asia/Kathmandu")])
def test_calls_in_the_partial_quarters_at_the_edges_count_only_inside_the_range(
        tmp_path: Path, zone: tzinfo) -> None:
    def at(minute: int, second: int = 0) -> datetime:
        return datetime(2024, 3, 2, 10, 0, tzinfo=UTC) + timedelta(minutes=minute,
                                                                  seconds=second)

    factory = CallFactory(seed=9)
    calls = [factory.user_call(call_start_at=at(minute, 30), type="user_inbound_answered")
             for minute in (7, 11, 48, 52)]
    with CallStore(tmp_path / "calls.sqlite3") as store:
        store.upsert(calls)
        for start, end, expected in ((at(10), at(50), 2), (at(5), at(55), 4),
                                     (at(8), at(51), 2), (at(11, 31), at(48, 30), 0),
                                     (at(-60), at(24 * 60), 4)):
            query = InsightsQuery(start=start, end=end, scope=Scope.ME, zone=zone)
            days = store.aggregate(lambda conn, q=query: ins.calls_per_day(conn, q))
            heat = store.aggregate(lambda conn, q=query: ins.calls_per_hour(conn, q))
            agents = store.aggregate(lambda conn, q=query: ins.per_agent(conn, q))
            assert days.total.answered == expected, (start, end)
            assert sum(cell.counts.answered for cell in heat.cells) == expected
            assert sum(agent.answered for agent in agents) == expected


def test_the_writers_count_of_odd_values_is_the_same_as_the_count_in_sql(
        tmp_path: Path) -> None:
    """The writer counts in Python what it inserts; a rebuild counts in SQL: the same."""
    path = tmp_path / "calls.sqlite3"
    huge = 10**30  # too big for SQLite's integers: kept as text, never summed as talk
    calls: list[AnyCall] = list(CallFactory(seed=8, start=START, span=SPAN).calls(300))
    users = [call for call in calls if isinstance(call, UserCall)]
    talks = (huge, -huge, -1, 0, 10**9, None)
    odd = [replace(call, type="user_inbound_answered", conversation_duration=talk)
           for call, talk in zip(users, talks, strict=False)]
    with CallStore(path) as store:
        store.upsert(odd)
        store.upsert([call for call in calls if call not in users[:len(talks)]])
    written = stored_tables(path)
    assert written == expected_tables(stored(path))
    conn = sqlite3.connect(path)
    with conn:
        insighttotals.rebuild(conn)
    conn.close()
    assert stored_tables(path) == written
