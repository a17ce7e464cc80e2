"""Each read walks the index named after it; on-demand indexes come and go as documented.

The plans are read with ``EXPLAIN QUERY PLAN`` on the SQL the store runs, so a
change that makes SQLite fall back to scanning the table, sorting a whole
history or reading a row per index entry fails here, not in a benchmark.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pbxdesk.api.models import CallKind, Direction, Outcome
from pbxdesk.store import CallFilter, CallStore, Sort, SortColumn, indexes, pager, query, terms
from tests.fixtures.store import CallFactory
from tests.store import truth

FACTORY = CallFactory(seed=5)
CALLS = FACTORY.calls(1500)
USER_CALLS = CallFilter(kinds=frozenset({CallKind.USER}))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CallStore]:
    with CallStore(tmp_path / "calls.sqlite3", default_region="AU") as opened:
        opened.upsert(CALLS)
        yield opened


def plan(conn: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> list[str]:
    return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


def window_plan(store: CallStore, flt: CallFilter, sort: Sort, *, walk: bool) -> list[str]:
    store.prepare(flt, sort)
    conn = store._connections.conn()  # the test reads the plan of the store's own SQL
    where = query.where(conn, flt, "AU")
    sql, params = pager.window_sql(where, sort, None, walk)
    return plan(conn, sql, (*params, 10, 0))


def uses(steps: list[str], index: str, *, covering: bool = True) -> bool:
    kind = "COVERING INDEX" if covering else "INDEX"
    return any(f"USING {kind} {index}" in step for step in steps)


def test_a_tab_newest_first_walks_the_kind_and_start_index(store: CallStore) -> None:
    steps = window_plan(store, USER_CALLS, Sort(), walk=True)
    assert uses(steps, indexes.BY_KIND_AND_START)
    assert not any("TEMP B-TREE" in step for step in steps)  # no sorting


def test_several_kinds_newest_first_merge_one_walk_per_kind(store: CallStore) -> None:
    steps = window_plan(store, CallFilter(directions=frozenset({Direction.INBOUND})), Sort(),
                        walk=True)
    assert any("MERGE (UNION ALL)" in step for step in steps)
    assert sum(uses([step], indexes.BY_KIND_AND_START) for step in steps) == 3
    assert not any("TEMP B-TREE" in step for step in steps)


@pytest.mark.parametrize("column", [c for c in SortColumn if c is not SortColumn.START])
def test_every_other_sort_walks_an_index_built_for_it(store: CallStore,
                                                      column: SortColumn) -> None:
    spec = indexes.sort_index(column, 0)
    assert spec is not None
    assert not indexes.exists(store._connections.conn(), spec.name)
    steps = window_plan(store, USER_CALLS, Sort(column), walk=True)
    assert uses(steps, spec.name)
    assert not any("TEMP B-TREE" in step for step in steps)


def test_a_user_filter_counts_and_pages_on_the_user_index(store: CallStore) -> None:
    flt = CallFilter(kinds=frozenset({CallKind.USER}),
                     user_numbers=frozenset({FACTORY.users[2][0]}))
    assert uses(window_plan(store, flt, Sort(), walk=False), indexes.BY_USER_AND_START)
    conn = store._connections.conn()
    [(_, sql, params)] = query.count_sql(query.where(conn, flt, "AU"))
    assert uses(plan(conn, sql, params), indexes.BY_USER_AND_START)


@pytest.mark.parametrize(("text", "wanted"), [
    ("smith", [indexes.SEARCHED[SortColumn.CALLER_NAME], indexes.BY_USER_AND_START]),
    ("0412", [indexes.SEARCHED[SortColumn.CALLER], indexes.SEARCHED[SortColumn.DESTINATION]]),
])
def test_a_search_seeks_its_matches_on_the_value_indexes(store: CallStore, text: str,
                                                         wanted: list[str]) -> None:
    flt = CallFilter(kinds=frozenset({CallKind.USER}), text=text)
    store.count(flt)  # fills the dictionaries and builds the indexes
    conn = store._connections.conn()
    terms = query.count_sql(query.where(conn, flt, "AU"))
    assert len(terms) == 3  # two parts counted by inclusion and exclusion: no set of ids
    steps = [step for _, sql, params in terms for step in plan(conn, sql, params)]
    for index in wanted:
        assert any(f"INDEX {index} (" in step and "=?" in step for step in steps), steps
    assert not any(step.startswith("SCAN calls") or "TEMP B-TREE" in step for step in steps)


def test_a_count_of_a_date_range_adds_up_days(store: CallStore) -> None:
    flt = CallFilter(kinds=frozenset({CallKind.QUEUE}), outcomes=frozenset({Outcome.ANSWERED}))
    where = query.where(store._connections.conn(), flt, "AU")
    assert where.day_query is not None  # counted from call_day_counts, not an index walk
    assert store.count(flt) == len(truth.expected(CALLS, flt, Sort()))


def test_an_index_is_dropped_when_a_bulk_load_outgrows_it_and_built_again(
        store: CallStore, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = store._connections.conn()
    by_duration = Sort(SortColumn.DURATION)
    store.page(USER_CALLS, by_duration, 0, 10)
    spec = indexes.sort_index(SortColumn.DURATION, 0)
    assert spec is not None
    assert indexes.exists(conn, spec.name)
    monkeypatch.setattr(indexes, "KEEP_BELOW_ROWS", 100)
    more = [replace(call, unique_call_id=f"later-{number}")  # keys the store has not seen
            for number, call in enumerate(CallFactory(seed=6).calls(len(CALLS) + 100))]
    store.upsert(more[:50])  # small: maintained as usual
    assert indexes.exists(conn, spec.name)
    store.upsert(more[50:])  # grows it past twice the rows it was built over: dropped
    assert not indexes.exists(conn, spec.name)
    assert store.count() == len(CALLS) + len(more)
    page = store.page(USER_CALLS, by_duration, 0, 50)  # built again, packed
    assert indexes.exists(conn, spec.name)
    want = truth.expected(CALLS + more, USER_CALLS, by_duration)[:50]
    assert [call.key for call in page] == want


def test_on_demand_indexes_stay_within_their_share_of_the_file(
        store: CallStore, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = store._connections.conn()
    user_share = sum(call.kind is CallKind.USER for call in CALLS) / len(CALLS)
    monkeypatch.setattr(indexes, "ONDEMAND_BUDGET", 2.2 * user_share)  # two user indexes
    columns = [SortColumn.DURATION, SortColumn.TALK_TIME, SortColumn.ANSWERED]
    for column in columns:
        store.page(USER_CALLS, Sort(column), 0, 5)
    built = {name for (name,) in conn.execute("SELECT name FROM ondemand_indexes")}
    names = [spec.name for column in columns
             if (spec := indexes.sort_index(column, 0)) is not None]
    assert built == set(names[1:])  # the one wanted longest ago went
    assert not indexes.exists(conn, names[0])
    # A sort whose index went is still right (it is built again).
    page = store.page(USER_CALLS, Sort(columns[0]), 0, 30)
    assert [c.key for c in page] == truth.expected(CALLS, USER_CALLS, Sort(columns[0]))[:30]
    assert indexes.exists(conn, names[0])
    assert not indexes.exists(conn, names[1])


def test_reads_still_work_when_an_index_cannot_be_built(store: CallStore) -> None:
    store._connections.conn().execute("PRAGMA query_only = ON")
    sort = Sort(SortColumn.CALLER_NAME, descending=False)
    page = store.page(USER_CALLS, sort, 0, 40)  # sorted without an index
    assert [call.key for call in page] == truth.expected(CALLS, USER_CALLS, sort)[:40]
    for text in ("smith", "jo", "0412", "61"):  # searched with the dictionaries empty
        flt = CallFilter(text=text)
        want = truth.expected(CALLS, flt, Sort())
        assert store.count(flt) == len(want) > 0
        assert [call.key for call in store.page(flt, Sort(), 0, 30)] == want[:30]


def test_search_is_prepared_in_idle_time_and_leaves_off_when_asked(store: CallStore) -> None:
    conn = store._connections.conn()
    searched = list(indexes.SEARCHED.values())
    store.prepare_search(stop=lambda: True)  # other work waits: at most one batch
    assert not any(indexes.exists(conn, name) for name in searched)
    store.prepare_search()
    assert all(indexes.exists(conn, name) for name in searched)
    assert terms.reached(conn) == len(CALLS)
    flt = CallFilter(text="smith")
    assert store.count(flt) == len(truth.expected(CALLS, flt, Sort()))
