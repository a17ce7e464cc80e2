"""Insights' figures from a known set of calls, each expected value worked out by hand.

The zone is Australia/Sydney: UTC+11 until 2024-04-07 03:00 local (16:00 UTC the
day before), then UTC+10, so Sunday 7 April 2024 has 25 local hours and 02:30
happens twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pbxdesk.api.models import AnyCall, CallKind, GroupCall, UserCall
from pbxdesk.store import CallStore
from pbxdesk.store import insights as ins
from pbxdesk.store.insights import InsightsQuery, Scope

SYDNEY = ZoneInfo("Australia/Sydney")
_serial = iter(range(1, 10**6))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def user_call(start: str | None, call_type: str, *, user: str = "1010", name: str = "Ann",
              wait: float | None = None, talk: int | None = 0) -> UserCall:
    began = utc(start) if start else None
    return UserCall(
        unique_call_id=str(next(_serial)), type=call_type, caller_id="61412345678",
        caller_name=None, dest_number="61290000000", user_name=name, user_number=user,
        call_start_at=began,
        connected_at=None if wait is None or began is None else began + timedelta(seconds=wait),
        call_duration=(talk or 0) + 5, conversation_duration=talk)


def group_call(start: str, status: str, *, group: str = "Sales",
               kind: CallKind = CallKind.QUEUE, wait: float | None = None,
               talk: int = 0) -> GroupCall:
    began = utc(start)
    return GroupCall(
        call_kind=kind, group=group, status=status, unique_call_id=str(next(_serial)),
        caller_id="61412345678", caller_name=None, dest_number="61290000000",
        user_name=None, user_number=None, call_start_at=began,
        connected_at=None if wait is None else began + timedelta(seconds=wait),
        call_duration=talk + 5, conversation_duration=talk)


@pytest.fixture
def store(call_store: CallStore) -> CallStore:
    return call_store


def figures(store: CallStore, compute: Callable[[sqlite3.Connection, InsightsQuery], Any],
            query: InsightsQuery) -> Any:
    return store.aggregate(lambda conn: compute(conn, query))


def sydney_days(first: date, last: date, **changes: Any) -> InsightsQuery:
    start = datetime.combine(first, datetime.min.time(), SYDNEY).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(),
                           SYDNEY).astimezone(UTC)
    return InsightsQuery(start=start, end=end, zone=SYDNEY, **changes)


# -- local time ---------------------------------------------------------------------------

def test_a_fixed_zone_is_one_segment() -> None:
    zone = timezone(timedelta(hours=5, minutes=30))
    start, end = ins.rows.to_micros(utc("2024-01-01T00:00:00")), ins.rows.to_micros(
        utc("2024-12-31T00:00:00"))
    assert ins.offset_segments(start, end, zone) == [(start, 19_800_000_000)]


def test_a_daylight_saving_change_splits_the_range_at_the_exact_instant() -> None:
    start = ins.rows.to_micros(utc("2024-04-01T00:00:00"))
    end = ins.rows.to_micros(utc("2024-04-30T00:00:00"))
    change = ins.rows.to_micros(utc("2024-04-06T16:00:00"))
    assert ins.offset_segments(start, end, SYDNEY) == [
        (start, 11 * 3_600_000_000), (change, 10 * 3_600_000_000)]


def test_local_days_of_a_range() -> None:
    query = sydney_days(date(2024, 4, 6), date(2024, 4, 8))
    assert ins.local_days(query.start_us, query.end_us, SYDNEY) == [
        date(2024, 4, 6), date(2024, 4, 7), date(2024, 4, 8)]
    assert ins.local_days(query.start_us, query.start_us, SYDNEY) == []


# -- calls per day and per hour -----------------------------------------------------------

def test_an_empty_range_lists_every_day_with_zeros(store: CallStore) -> None:
    store.upsert([user_call("2024-03-01T01:00:00", "user_inbound_answered", wait=3, talk=10)])
    query = sydney_days(date(2024, 5, 1), date(2024, 5, 3))
    days = figures(store, ins.calls_per_day, query)
    assert [item.day for item in days.days] == [date(2024, 5, 1), date(2024, 5, 2),
                                                date(2024, 5, 3)]
    assert all(item.counts == ins.Counts() for item in days.days)
    assert days.total.calls == 0
    assert days.total.missed_rate is None
    heat = figures(store, ins.calls_per_hour, query)
    assert len(heat.cells) == 7 * 24
    assert heat.peak == 0
    assert figures(store, ins.per_group, query) == []
    assert figures(store, ins.per_agent, query) == []


def test_one_call(store: CallStore) -> None:
    # 2024-05-01 23:15 UTC is Thursday 2 May, 09:15 in Sydney (UTC+10).
    store.upsert([user_call("2024-05-01T23:15:00", "user_inbound_missed")])
    query = sydney_days(date(2024, 5, 1), date(2024, 5, 2))
    days = figures(store, ins.calls_per_day, query)
    assert [(item.day, item.counts.calls) for item in days.days] == [
        (date(2024, 5, 1), 0), (date(2024, 5, 2), 1)]
    assert days.days[1].counts == ins.Counts(missed=1, incoming=1)
    assert days.total.missed_rate == 1.0
    heat = figures(store, ins.calls_per_hour, query)
    assert heat.cell(3, 9).counts == ins.Counts(missed=1, incoming=1)
    assert sum(cell.counts.calls for cell in heat.cells) == 1
    [agent] = figures(store, ins.per_agent, query)
    assert (agent.number, agent.calls, agent.inbound, agent.outbound, agent.answered,
            agent.missed, agent.talk_total, agent.talk_median) == ("1010", 1, 1, 0, 0, 1, 0,
                                                                   None)


def test_calls_either_side_of_local_midnight_fall_on_their_local_days(
        store: CallStore) -> None:
    # Both are on 1 May in UTC; in Sydney one is 1 May 23:59:59, the other 2 May 00:00.
    store.upsert([user_call("2024-05-01T13:59:59", "user_inbound_answered", wait=1, talk=5),
                  user_call("2024-05-01T14:00:00", "user_outbound_answered", wait=2,
                            talk=7)])
    query = sydney_days(date(2024, 5, 1), date(2024, 5, 2))
    days = figures(store, ins.calls_per_day, query)
    assert days.days[0].counts == ins.Counts(answered=1, incoming=1)
    assert days.days[1].counts == ins.Counts(answered=1, incoming=0)
    heat = figures(store, ins.calls_per_hour, query)
    assert heat.cell(2, 23).counts.calls == 1  # Wednesday 23:00
    assert heat.cell(3, 0).counts.calls == 1   # Thursday 00:00


def test_the_day_clocks_go_back_has_25_hours_and_both_half_past_twos(
        store: CallStore) -> None:
    store.upsert([
        user_call("2024-04-06T12:59:00", "user_inbound_answered", wait=1),  # Sat 6 Apr 23:59
        user_call("2024-04-06T13:30:00", "user_inbound_answered", wait=1),  # Sun 00:30 AEDT
        user_call("2024-04-06T15:30:00", "user_inbound_missed"),            # Sun 02:30 AEDT
        user_call("2024-04-06T16:30:00", "user_inbound_missed"),            # Sun 02:30 AEST
        user_call("2024-04-07T13:30:00", "user_outbound_missed"),           # Sun 23:30 AEST
        user_call("2024-04-07T14:30:00", "user_inbound_answered", wait=1),  # Mon 8 Apr 00:30
    ])
    query = sydney_days(date(2024, 4, 7), date(2024, 4, 7))
    days = figures(store, ins.calls_per_day, query)
    assert [item.day for item in days.days] == [date(2024, 4, 7)]
    # The outbound call nobody answered is "other", not missed, and not incoming.
    assert days.days[0].counts == ins.Counts(answered=1, missed=2, other=1, incoming=3)
    assert days.total.missed_rate == pytest.approx(2 / 3)
    heat = figures(store, ins.calls_per_hour, query)
    assert heat.cell(6, 0).counts.calls == 1
    assert heat.cell(6, 2).counts == ins.Counts(missed=2, incoming=2)
    assert heat.cell(6, 23).counts.calls == 1
    assert sum(cell.counts.calls for cell in heat.cells) == 4


def test_categories_of_every_outcome(store: CallStore) -> None:
    store.upsert([
        user_call("2024-05-02T01:00:00", "user_inbound_answered", wait=2, talk=30),
        user_call("2024-05-02T01:01:00", "user_inbound_missed"),
        user_call("2024-05-02T01:02:00", "user_internal_busy"),
        user_call("2024-05-02T01:03:00", "User_Outbound_Failed"),
        user_call("2024-05-02T01:04:00", "user_inbound_voicemail"),
        group_call("2024-05-02T01:05:00", "abandoned"),
        group_call("2024-05-02T01:06:00", "answered", wait=4, talk=20),
        group_call("2024-05-02T01:07:00", "noanswer", kind=CallKind.RING_GROUP,
                   group="Front desk"),
    ])
    query = sydney_days(date(2024, 5, 2), date(2024, 5, 2))
    users = figures(store, ins.calls_per_day, query).total
    # missed: inbound missed + internal busy; other: outbound failed + unknown type.
    assert users == ins.Counts(answered=1, missed=2, other=2, incoming=4)
    queues = figures(store, ins.calls_per_day, sydney_days(
        date(2024, 5, 2), date(2024, 5, 2), scope=Scope.QUEUES)).total
    assert queues == ins.Counts(answered=1, abandoned=1, incoming=2)
    rings = figures(store, ins.calls_per_day, sydney_days(
        date(2024, 5, 2), date(2024, 5, 2), scope=Scope.RING_GROUPS)).total
    assert rings == ins.Counts(missed=1, incoming=1)


def test_calls_without_a_start_time_are_outside_every_range(store: CallStore) -> None:
    store.upsert([user_call(None, "user_inbound_answered"),
                  user_call("2024-05-02T01:00:00", "user_inbound_answered", wait=1)])
    query = InsightsQuery(start=utc("1970-01-01T00:00:00"), end=utc("2100-01-01T00:00:00"),
                          zone=SYDNEY)
    assert figures(store, ins.calls_per_hour, query).peak == 1


# -- queues and ring groups ---------------------------------------------------------------

def sales_and_front_desk() -> list[AnyCall]:
    day = "2024-05-02T0{}:00:00"
    return [
        group_call(day.format(1), "answered", wait=5),
        group_call(day.format(2), "answered", wait=10),
        group_call(day.format(3), "answered", wait=30),
        group_call(day.format(4), "answered", wait=60),
        group_call(day.format(5), "answered", wait=None),  # no connected_at: no wait
        group_call(day.format(6), "abandoned"),
        group_call(day.format(7), "answered", wait=3, kind=CallKind.RING_GROUP,
                   group="Front desk"),
        group_call(day.format(8), "noanswer", kind=CallKind.RING_GROUP, group="Front desk"),
    ]


def test_queue_figures(store: CallStore) -> None:
    store.upsert(sales_and_front_desk())
    query = sydney_days(date(2024, 5, 2), date(2024, 5, 2), scope=Scope.QUEUES)
    [sales] = figures(store, ins.per_group, query)
    assert (sales.kind, sales.name, sales.calls, sales.answered, sales.abandoned,
            sales.missed) == (CallKind.QUEUE, "Sales", 6, 5, 1, 0)
    assert sales.abandon_rate == pytest.approx(1 / 6)
    # Waits 5, 10, 30, 60: median (10 + 30) / 2; 90th: rank 0.9 × 3 = 2.7 → 30 + 0.7 × 30.
    assert sales.wait_median == 20.0
    assert sales.wait_p90 == pytest.approx(51.0)
    # Answered within 20 s: the 5 s and 10 s waits, of 6 calls.
    assert sales.answered_in_time == 2
    assert sales.service_level == pytest.approx(2 / 6)
    # The service level follows the setting; "within" includes the limit itself.
    [strict] = figures(store, ins.per_group, InsightsQuery(
        start=query.start, end=query.end, scope=Scope.QUEUES, zone=SYDNEY,
        service_level_s=30))
    assert strict.answered_in_time == 3


def test_user_scopes_list_every_queue_and_ring_group(store: CallStore) -> None:
    store.upsert(sales_and_front_desk())
    query = sydney_days(date(2024, 5, 2), date(2024, 5, 2), scope=Scope.USERS)
    found = {(f.kind, f.name): f for f in figures(store, ins.per_group, query)}
    assert set(found) == {(CallKind.QUEUE, "Sales"), (CallKind.RING_GROUP, "Front desk")}
    desk = found[(CallKind.RING_GROUP, "Front desk")]
    assert (desk.calls, desk.answered, desk.missed, desk.wait_median, desk.wait_p90) == (
        2, 1, 1, 3.0, 3.0)


def test_a_chosen_group_and_an_unknown_one(store: CallStore) -> None:
    store.upsert(sales_and_front_desk())
    day = date(2024, 5, 2)
    chosen = sydney_days(day, day, scope=Scope.RING_GROUPS,
                         group_names=frozenset({"Front desk"}))
    assert [f.name for f in figures(store, ins.per_group, chosen)] == ["Front desk"]
    assert figures(store, ins.calls_per_day, chosen).total.calls == 2
    unknown = sydney_days(day, day, scope=Scope.QUEUES, group_names=frozenset({"Nobody"}))
    assert figures(store, ins.per_group, unknown) == []
    assert figures(store, ins.calls_per_day, unknown).total.calls == 0


# -- agents -------------------------------------------------------------------------------

def test_agent_figures(store: CallStore) -> None:
    day = "2024-05-02T01:0{}:00"
    store.upsert([
        user_call(day.format(1), "user_inbound_answered", wait=2, talk=60),
        user_call(day.format(2), "user_inbound_answered", wait=2, talk=120),
        user_call(day.format(3), "user_inbound_missed"),
        user_call(day.format(4), "user_outbound_answered", wait=9, talk=30),
        user_call(day.format(5), "user_outbound_missed"),
        user_call(day.format(6), "user_internal_busy"),
        user_call(day.format(7), "user_inbound_answered", wait=1, talk=None),  # talk unknown
        user_call(day.format(8), "user_inbound_answered", user="1020", name="Bob", wait=1,
                  talk=45),
    ])
    query = sydney_days(date(2024, 5, 2), date(2024, 5, 2))
    ann, bob = figures(store, ins.per_agent, query)
    assert (ann.label, ann.calls, ann.inbound, ann.outbound, ann.answered, ann.missed) == (
        "Ann (1010)", 7, 4, 2, 4, 2)
    assert ann.talk_total == 210  # 60 + 120 + 30; the unknown talk time is left out
    assert ann.talk_median == 60.0
    assert (bob.label, bob.calls, bob.talk_total, bob.talk_median) == ("Bob (1020)", 1, 45,
                                                                        45.0)
    only_bob = sydney_days(date(2024, 5, 2), date(2024, 5, 2), scope=Scope.ME,
                           user_numbers=frozenset({"1020"}))
    assert [a.number for a in figures(store, ins.per_agent, only_bob)] == ["1020"]
    assert figures(store, ins.calls_per_day, only_bob).total.calls == 1
    nobody = sydney_days(date(2024, 5, 2), date(2024, 5, 2), scope=Scope.ME,
                         user_numbers=frozenset({"9999"}))
    assert figures(store, ins.per_agent, nobody) == []
    assert figures(store, ins.calls_per_day, nobody).total.calls == 0


def test_garbage_durations_stay_out_of_talk_and_wait(store: CallStore) -> None:
    began = utc("2024-05-02T01:00:00")
    store.upsert([
        user_call("2024-05-02T01:00:00", "user_inbound_answered", wait=1, talk=10**12),
        group_call("2024-05-02T01:00:00", "answered", wait=-30),   # connected before start
        GroupCall(call_kind=CallKind.QUEUE, group="Sales", status="answered",
                  unique_call_id="x1", caller_id="1", caller_name=None, dest_number="2",
                  user_name=None, user_number=None, call_start_at=began,
                  connected_at=began + timedelta(days=400), call_duration=1,
                  conversation_duration=1),
    ])
    query = sydney_days(date(2024, 5, 2), date(2024, 5, 2))
    [agent] = figures(store, ins.per_agent, query)
    assert (agent.answered, agent.talk_total, agent.talk_median) == (1, 0, None)
    [sales] = figures(store, ins.per_group, query)
    assert (sales.answered, sales.wait_median, sales.answered_in_time) == (2, None, 0)


# -- live calls ---------------------------------------------------------------------------

def test_live_calls_are_counted_and_said_so_when_the_store_marks_them(
        store: CallStore) -> None:
    store.upsert([user_call("2024-05-02T01:00:00", "user_inbound_answered", wait=1, talk=9),
                  user_call("2024-05-02T01:05:00", "user_inbound_missed"),
                  group_call("2024-05-02T01:06:00", "answered", wait=3)])
    query = sydney_days(date(2024, 5, 2), date(2024, 5, 2))
    assert figures(store, ins.calls_per_day, query).total.live == 0
    conn = sqlite3.connect(store.path)  # calls.live: the store's own column (store/live.py)
    conn.execute(f"UPDATE calls SET {ins.LIVE_COLUMN} = 1 WHERE type = 'user_inbound_missed' "
                 "OR kind = 1")
    conn.commit()
    conn.close()
    days = figures(store, ins.calls_per_day, query)
    assert (days.total.calls, days.total.live) == (2, 1)
    assert figures(store, ins.calls_per_hour, query).cell(3, 11).counts.live == 1
    [agent] = figures(store, ins.per_agent, query)
    assert (agent.calls, agent.live) == (2, 1)
    [sales] = figures(store, ins.per_group, query)
    assert (sales.calls, sales.live) == (1, 1)


# -- percentiles --------------------------------------------------------------------------

@pytest.mark.parametrize(("table", "fraction", "expected"), [
    ([], 0.5, None),
    ([(7, 1)], 0.5, 7.0),
    ([(7, 1)], 0.9, 7.0),
    ([(1, 1), (3, 1)], 0.5, 2.0),
    ([(1, 1), (2, 1), (3, 1)], 0.5, 2.0),
    ([(10, 3), (20, 1)], 0.5, 10.0),            # 10 10 10 20
    ([(20, 1), (10, 3)], 0.9, 17.0),            # unsorted input; rank 2.7: 10 + 0.7 × 10
    ([(5, 0), (9, 2)], 0.5, 9.0),               # a value seen no times does not count
])
def test_percentile(table: list[tuple[int, int]], fraction: float,
                    expected: float | None) -> None:
    assert ins.percentile(table, fraction) == expected


# -- the calls behind a heat-map cell -----------------------------------------------------

def test_hour_periods_hold_exactly_the_calls_of_their_cell(store: CallStore,
                                                           call_factory: Any) -> None:
    from pbxdesk.store import CallFilter

    store.upsert(call_factory.calls(3000))
    query = InsightsQuery(start=utc("2024-03-20T00:00:00"), end=utc("2024-05-20T00:00:00"),
                          zone=SYDNEY)
    heat = figures(store, ins.calls_per_hour, query)
    checked = 0
    for weekday, hour in ((6, 2), (6, 3), (0, 9), (2, 23), (4, 0)):
        periods = ins.hour_periods(query.start_us, query.end_us, SYDNEY, weekday, hour)
        flt = CallFilter(start=query.start, end=query.end, kinds=frozenset({CallKind.USER}),
                         periods=tuple(periods))
        assert store.count(flt) == heat.cell(weekday, hour).counts.calls
        checked += heat.cell(weekday, hour).counts.calls
    assert checked > 0


@pytest.mark.parametrize("zone", [SYDNEY, ZoneInfo("Asia/Kathmandu"),
                                  ZoneInfo("America/St_Johns")])
def test_the_heat_maps_periods_are_every_cells_hours_joined(zone: ZoneInfo) -> None:
    """Worked out for all cells in one pass, the same as each cell's hours one by one."""
    from pbxdesk.store.localtime import buckets

    query = InsightsQuery(start=utc("2024-03-01T07:20:00"), end=utc("2024-04-20T13:50:00"),
                          zone=zone)
    conn = sqlite3.connect(":memory:")
    try:
        from pbxdesk.store.migrations import MIGRATIONS
        for migration in MIGRATIONS:
            migration(conn)
        heat = ins.calls_per_hour(conn, query)
    finally:
        conn.close()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    expected: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for bucket in buckets(query.start_us, query.end_us, zone, hours=True):
        periods = expected.setdefault((bucket.weekday, bucket.hour), [])
        if periods and periods[-1][1] == bucket.lo:
            periods[-1] = (periods[-1][0], bucket.hi)
        else:
            periods.append((bucket.lo, bucket.hi))
    assert len(heat.periods) == 7 * 24
    for index, cell in enumerate(heat.cells):
        assert list(heat.periods[index]) == [
            (epoch + timedelta(microseconds=lo), epoch + timedelta(microseconds=hi))
            for lo, hi in expected.get((cell.weekday, cell.hour), [])], (cell.weekday, cell.hour)
        assert list(heat.periods[index]) == ins.hour_periods(
            query.start_us, query.end_us, zone, cell.weekday, cell.hour)
    assert sum(len(periods) for periods in heat.periods) >= 50 * 24 - 2


def test_hour_periods_on_the_day_clocks_go_back() -> None:
    query = sydney_days(date(2024, 4, 7), date(2024, 4, 7))
    # 02:00–03:00 happens twice: 15:00–16:00 UTC (AEDT) and 16:00–17:00 UTC (AEST), one
    # stretch of two hours.
    assert ins.hour_periods(query.start_us, query.end_us, SYDNEY, 6, 2) == [
        (utc("2024-04-06T15:00:00"), utc("2024-04-06T17:00:00"))]
    assert ins.hour_periods(query.start_us, query.end_us, SYDNEY, 6, 9) == [
        (utc("2024-04-06T23:00:00"), utc("2024-04-07T00:00:00"))]
    assert ins.hour_periods(query.start_us, query.end_us, SYDNEY, 0, 9) == []


def test_group_calls_without_a_group_name_are_one_row_with_their_waits(
        store: CallStore) -> None:
    unnamed = [group_call(f"2024-05-02T0{hour}:00:00", "answered", wait=wait)
               for hour, wait in ((1, 4), (2, 8))]
    store.upsert([GroupCall(**{**{f: getattr(c, f) for f in (
        "call_kind", "status", "unique_call_id", "caller_id", "caller_name", "dest_number",
        "user_name", "user_number", "call_start_at", "connected_at", "call_duration",
        "conversation_duration")}, "group": None}) for c in unnamed])
    [row] = figures(store, ins.per_group, sydney_days(date(2024, 5, 2), date(2024, 5, 2)))
    assert (row.name, row.calls, row.answered, row.wait_median) == ("(no name)", 2, 2, 6.0)


def test_the_day_clocks_go_forward_has_23_hours_and_no_two_oclock() -> None:
    from pbxdesk.store.localtime import buckets

    query = sydney_days(date(2024, 10, 6), date(2024, 10, 6))
    hours = buckets(query.start_us, query.end_us, SYDNEY, hours=True)
    assert [b.hour for b in hours] == [0, 1, *range(3, 24)]
    assert sum(b.hi - b.lo for b in hours) == 23 * 3_600_000_000
    [day] = buckets(query.start_us, query.end_us, SYDNEY, hours=False)
    assert (day.day, day.hi - day.lo) == (date(2024, 10, 6), 23 * 3_600_000_000)
