"""Counts from the per-day totals: any range, edges at any hour, kept right by every write."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbxdesk.api.models import AnyCall, CallKind, Direction, Outcome, UserCall
from pbxdesk.store import CallFilter, CallStore, Sort, SortColumn, pager
from tests.fixtures.store import CallFactory
from tests.store import truth

FACTORY = CallFactory(seed=31, span=timedelta(days=40))
CALLS: list[AnyCall] = FACTORY.calls(1200)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CallStore]:
    path = tmp_path_factory.mktemp("days") / "calls.sqlite3"
    with CallStore(path, default_region="AU") as opened:
        for start in range(0, len(CALLS), 300):
            opened.upsert(CALLS[start:start + 300])
        yield opened


moments = st.datetimes(min_value=datetime(2023, 12, 25), max_value=datetime(2024, 2, 20),
                       timezones=st.just(UTC))


@settings(max_examples=60, deadline=None)
@given(start=st.none() | moments, end=st.none() | moments,
       kinds=st.frozensets(st.sampled_from(CallKind), max_size=2),
       outcomes=st.frozensets(st.sampled_from(Outcome), max_size=2),
       directions=st.frozensets(st.sampled_from(Direction), max_size=2),
       groups=st.frozensets(st.sampled_from(FACTORY.queues + FACTORY.ring_groups), max_size=2))
def test_counts_of_any_range_match_the_rows(store: CallStore, start: datetime | None,
                                            end: datetime | None, kinds: frozenset[CallKind],
                                            outcomes: frozenset[Outcome],
                                            directions: frozenset[Direction],
                                            groups: frozenset[str]) -> None:
    flt = CallFilter(start=start, end=end, kinds=kinds, outcomes=outcomes,
                     directions=directions, group_names=groups)
    assert store.count(flt) == len(truth.expected(CALLS, flt, Sort()))


def test_a_range_inside_one_day_and_across_midnight(store: CallStore) -> None:
    day = datetime(2024, 1, 10, tzinfo=UTC)
    for start, end in ((day + timedelta(hours=3), day + timedelta(hours=9)),
                       (day + timedelta(hours=13), day + timedelta(days=1, hours=13)),
                       (day, day + timedelta(days=3)),
                       (day - timedelta(microseconds=1), day + timedelta(microseconds=1))):
        flt = CallFilter(start=start, end=end)
        assert store.count(flt) == len(truth.expected(CALLS, flt, Sort()))


def test_updates_that_move_a_call_keep_the_totals_right(tmp_path: Path) -> None:
    calls = CallFactory(seed=32, span=timedelta(days=10)).calls(300)
    with CallStore(tmp_path / "calls.sqlite3") as store:
        store.upsert(calls)
        moved: list[AnyCall] = []
        for call in calls[:60]:
            if isinstance(call, UserCall) and call.call_start_at is not None:
                # A later sync brings another outcome and a start a day later.
                moved.append(replace(call, type="user_inbound_missed",
                                     call_start_at=call.call_start_at + timedelta(days=1)))
        store.upsert(moved)
        everything = calls + moved
        for flt in (CallFilter(), CallFilter(outcomes=frozenset({Outcome.MISSED})),
                    CallFilter(start=datetime(2024, 1, 3, tzinfo=UTC),
                               end=datetime(2024, 1, 6, 7, tzinfo=UTC))):
            assert store.count(flt) == len(truth.expected(everything, flt, Sort()))


def test_calls_deleted_around_the_store_leave_the_totals_right(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    with CallStore(path) as store:
        store.upsert(CALLS[:400])
    with sqlite3.connect(path) as raw:  # another tool deletes calls
        raw.execute("DELETE FROM calls WHERE kind = 1")
    kept = [call for call in CALLS[:400] if call.kind is not CallKind.QUEUE]
    with CallStore(path) as store:
        assert store.count() == len(kept)
        assert store.count(CallFilter(kinds=frozenset({CallKind.QUEUE}))) == 0


def test_damaged_totals_are_rebuilt_on_opening(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    with CallStore(path) as store:
        store.upsert(CALLS[:400])
    with sqlite3.connect(path) as raw:
        raw.execute("DELETE FROM call_day_counts WHERE kind = 0")
    with CallStore(path) as store:
        flt = CallFilter(kinds=frozenset({CallKind.USER}))
        assert store.count(flt) == len(truth.expected(CALLS[:400], flt, Sort())) > 0


@pytest.mark.parametrize("descending", [True, False])
def test_far_pages_in_start_order_start_at_their_day(store: CallStore,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    descending: bool) -> None:
    monkeypatch.setattr(pager, "DAY_JUMP_ROWS", 1)  # every jump starts at its day
    sort = Sort(SortColumn.START, descending)
    for flt in (CallFilter(kinds=frozenset({CallKind.USER})),
                CallFilter(start=datetime(2024, 1, 5, 13, tzinfo=UTC),
                           end=datetime(2024, 1, 30, 2, tzinfo=UTC),
                           outcomes=frozenset({Outcome.ANSWERED})),
                CallFilter()):
        want = truth.expected(CALLS, flt, sort)
        for offset in (5, len(want) // 3, len(want) // 2 + 7, len(want) - 3, len(want) + 5):
            store._connections.session()._seen = (-1, -1)  # forget anchors, as a commit does
            got = [call.key for call in store.page(flt, sort, offset, 25)]
            assert got == want[offset:offset + 25], (flt, offset)
