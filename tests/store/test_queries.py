"""Reads for the views: filters, sorts, paging, counts, search and export.

Every result is compared with plain-Python ground truth (``truth.py``) over a
few thousand generated rows stored in a real SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pbxdesk.api.models import AnyCall, CallKind, Direction, Outcome, UserCall
from pbxdesk.store import ALL_CALLS, CallFilter, CallStore, GroupInfo, Sort, SortColumn, pager
from tests.fixtures.store import CallFactory
from tests.store import truth

ROWS = 2500


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CallStore, list[AnyCall]]]:
    factory = CallFactory(seed=7)
    calls = factory.calls(ROWS)
    # A few rows the search tests look for, and a re-sync of some rows with new values.
    calls.append(factory.user_call(caller_id="61412345678", caller_e164="+61412345678",
                                   caller_name="Quentin O'Brien", type="user_inbound_missed"))
    calls.append(factory.user_call(caller_id="0298765432", caller_e164="+61298765432",
                                   caller_name="Ärlig ÅNGSTRÖM", type="user_inbound_answered"))
    store = CallStore(tmp_path_factory.mktemp("queries") / "calls.sqlite3",
                      default_region="AU")
    for start in range(0, len(calls), 700):  # several batches, as a sync would write
        store.upsert(calls[start:start + 700])
    resynced: list[AnyCall] = [
        factory.user_call(unique_call_id=c.unique_call_id, user_number=c.user_number)
        for c in calls[:50] if isinstance(c, UserCall)]
    store.upsert(resynced)
    yield store, calls + resynced
    store.close()


def keys(calls: list[AnyCall]) -> list[str]:
    return [call.key for call in calls]


SORTS = [Sort(column, descending) for column in SortColumn for descending in (False, True)]
some_user = CallFactory(seed=7).users[3]
FILTERS = {
    "all": ALL_CALLS,
    "range": CallFilter(start=datetime(2024, 3, 1, tzinfo=UTC),
                        end=datetime(2024, 6, 1, tzinfo=UTC)),
    "start only": CallFilter(start=datetime(2024, 11, 1, tzinfo=UTC)),
    "end only": CallFilter(end=datetime(2024, 2, 1, tzinfo=UTC)),
    "queues": CallFilter(kinds=frozenset({CallKind.QUEUE})),
    "user and ring groups": CallFilter(kinds=frozenset({CallKind.USER, CallKind.RING_GROUP})),
    "user number": CallFilter(user_numbers=frozenset({some_user[0]})),
    "user name": CallFilter(user_names=frozenset({some_user[1]})),
    "number or name": CallFilter(user_numbers=frozenset({"1001"}),
                                 user_names=frozenset({some_user[1]})),
    "unknown user": CallFilter(user_numbers=frozenset({"9999"})),
    "groups": CallFilter(group_names=frozenset({"Queue Sales", "RG warehouse"})),
    "missed or abandoned": CallFilter(outcomes=frozenset({Outcome.MISSED, Outcome.ABANDONED})),
    "every outcome": CallFilter(outcomes=frozenset(Outcome)),
    "outbound": CallFilter(directions=frozenset({Direction.OUTBOUND})),
    "unknown direction": CallFilter(directions=frozenset({Direction.UNKNOWN})),
    "text number": CallFilter(text="0412"),
    "text name": CallFilter(text="smith"),
    "everything": CallFilter(start=datetime(2024, 2, 1, tzinfo=UTC),
                             end=datetime(2024, 12, 1, tzinfo=UTC),
                             kinds=frozenset({CallKind.USER}),
                             outcomes=frozenset({Outcome.ANSWERED}),
                             directions=frozenset({Direction.INBOUND}), text="61"),
}


def sort_id(sort: Sort) -> str:
    return f"{sort.column}-{'desc' if sort.descending else 'asc'}"


@pytest.mark.parametrize("sort", SORTS, ids=sort_id)
def test_every_sort_matches_python_ground_truth(stored: tuple[CallStore, list[AnyCall]],
                                                sort: Sort) -> None:
    store, calls = stored
    got = keys(store.page(ALL_CALLS, sort, 0, 10_000))
    assert got == truth.expected(calls, ALL_CALLS, sort)
    missed = CallFilter(outcomes=frozenset({Outcome.MISSED}))
    assert keys(store.page(missed, sort, 0, 10_000)) == truth.expected(calls, missed, sort)


@pytest.mark.parametrize("name", FILTERS)
def test_every_filter_matches_python_ground_truth(stored: tuple[CallStore, list[AnyCall]],
                                                  name: str) -> None:
    store, calls = stored
    flt = FILTERS[name]
    want = truth.expected(calls, flt, Sort(SortColumn.CALLER_NAME))
    assert store.count(flt) == len(want)
    assert keys(store.page(flt, Sort(SortColumn.CALLER_NAME), 0, 10_000)) == want
    if name not in ("unknown user", "everything"):
        assert want, f"the data set should have rows for filter {name!r}"


def test_pages_tile_the_result_in_any_order_of_requests(
        stored: tuple[CallStore, list[AnyCall]]) -> None:
    store, calls = stored
    flt = CallFilter(kinds=frozenset({CallKind.USER, CallKind.QUEUE}))
    sort = Sort(SortColumn.DURATION, descending=True)
    want = truth.expected(calls, flt, sort)
    size = 37
    forwards = [key for offset in range(0, len(want), size)
                for key in keys(store.page(flt, sort, offset, size))]
    assert forwards == want
    # Backwards, then jumps (before and after the count is known), then past the end.
    backwards = [keys(store.page(flt, sort, offset, size))
                 for offset in reversed(range(0, len(want), size))]
    assert [key for page in reversed(backwards) for key in page] == want
    for offset in (len(want) - 5, 3, len(want) // 2, 1001, 999, len(want) - size):
        assert keys(store.page(flt, sort, offset, size)) == want[offset:offset + size]
    assert store.count(flt) == len(want)
    for offset in (len(want) - 1, len(want) // 3, len(want) - 40, 17):
        assert keys(store.page(flt, sort, offset, size)) == want[offset:offset + size]
    assert store.page(flt, sort, len(want), size) == []
    assert store.page(flt, sort, len(want) + 100, size) == []
    assert store.page(flt, sort, 0, 0) == []
    assert keys(store.page(flt, sort, -5, 3)) == want[:3]


def test_pages_follow_new_data_after_a_write(tmp_path: Path) -> None:
    factory = CallFactory(seed=3)
    calls = factory.calls(300)
    with CallStore(tmp_path / "c.sqlite3") as store:
        store.upsert(calls[:200])
        sort = Sort(SortColumn.START)
        for offset in range(0, 200, 50):
            store.page(ALL_CALLS, sort, offset, 50)  # leaves anchors behind
        assert store.count() == 200
        store.upsert(calls[200:])  # rows that sort in between the old ones
        want = truth.expected(calls, ALL_CALLS, sort)
        assert store.count() == 300
        assert keys(store.page(ALL_CALLS, sort, 120, 50)) == want[120:170]
        assert keys(store.page(ALL_CALLS, sort, 280, 50)) == want[280:]


@pytest.mark.parametrize("typed", ["0412 345 678", "+61412345678", "412345678", "0412 34",
                                   "+61 4 1234 5678", "(04) 1234-5678", "0061 412 345 678",
                                   "0011 61 412 345 678"])
def test_search_finds_a_number_in_any_format(stored: tuple[CallStore, list[AnyCall]],
                                             typed: str) -> None:
    store, _ = stored
    found = store.page(CallFilter(text=typed), limit=1000)
    assert "61412345678" in {call.caller_id for call in found}
    assert all("412345678" in (c.caller_id or "") + (c.dest_number or "") or
               "41234" in (c.caller_id or "") + (c.dest_number or "") for c in found)


def test_search_finds_a_national_number_by_its_international_form(
        stored: tuple[CallStore, list[AnyCall]]) -> None:
    store, _ = stored
    for typed in ("+61 2 9876 5432", "61298765432", "02 9876 5432", "0061 2 9876 5432"):
        found = store.page(CallFilter(text=typed), limit=1000)
        assert "0298765432" in {call.caller_id for call in found}, typed


@pytest.mark.parametrize("typed", ["o'brien", "QUENTIN", "quentin o'", "ångström", "ärlig"])
def test_search_finds_names_case_insensitively(stored: tuple[CallStore, list[AnyCall]],
                                               typed: str) -> None:
    store, calls = stored
    flt = CallFilter(text=typed)
    found = keys(store.page(flt, limit=1000))
    assert found
    assert found == truth.expected(calls, flt, Sort())


@pytest.mark.parametrize("typed", ["jo", "JO", "ö", "än", "ÅN", "o'", "oë", "b"])
def test_search_finds_one_or_two_letters_case_folded(stored: tuple[CallStore, list[AnyCall]],
                                                     typed: str) -> None:
    store, calls = stored
    flt = CallFilter(text=typed)
    want = truth.expected(calls, flt, Sort())
    assert want
    assert store.count(flt) == len(want)
    assert keys(store.page(flt, limit=10_000)) == want


def test_a_search_finds_calls_stored_since_the_last_search(tmp_path: Path) -> None:
    factory = CallFactory(seed=8)
    first, later = factory.calls(300), factory.calls(300)
    later.append(factory.user_call(caller_name="Xanthe Smithereen", caller_id="0733333333",
                                   caller_e164="+61733333333"))
    with CallStore(tmp_path / "calls.sqlite3", default_region="AU") as store:
        store.upsert(first)
        for text in ("smith", "0733"):
            assert store.count(CallFilter(text=text)) == len(
                truth.expected(first, CallFilter(text=text), Sort()))
        store.upsert(later)
        for text in ("smith", "smithereen", "0733", "+61 7 3333"):
            flt = CallFilter(text=text)
            want = truth.expected(first + later, flt, Sort())
            assert want, text
            assert store.count(flt) == len(want), text
            assert keys(store.page(flt, limit=1000)) == want, text


def test_search_covers_user_and_group_names_and_extensions(
        stored: tuple[CallStore, list[AnyCall]]) -> None:
    store, calls = stored
    for text in ("SALES", "warehouse", some_user[1].split()[1].lower(), some_user[0], "10"):
        flt = CallFilter(text=text)
        want = truth.expected(calls, flt, Sort())
        assert want, text
        assert keys(store.page(flt, limit=10_000)) == want, text
        assert store.count(flt) == len(want)


def test_search_that_can_match_nothing(stored: tuple[CallStore, list[AnyCall]]) -> None:
    store, _ = stored
    for text in ("zzzzqqq", "--", "()", "\"", "x\"y", "*", "NEAR(a b)", "a OR b"):
        assert store.count(CallFilter(text=text)) == 0, text
        assert store.page(CallFilter(text=text)) == []


def test_lists_for_the_filter_widgets(stored: tuple[CallStore, list[AnyCall]]) -> None:
    store, calls = stored
    users = {(u.number, u.name) for u in store.users()}
    assert users == {(c.user_number or "", c.user_name or "") for c in calls
                     if c.user_number or c.user_name}
    assert {g.name for g in store.groups(CallKind.QUEUE)} == {
        c.group_name for c in calls if c.kind is CallKind.QUEUE and c.group_name}
    assert GroupInfo(CallKind.RING_GROUP, "RG Night") in store.groups()
    starts = [c.call_start_at for c in calls if c.call_start_at]
    assert store.date_range() == (min(starts), max(starts))


def test_missed_calls_since(stored: tuple[CallStore, list[AnyCall]]) -> None:
    store, calls = stored
    since = datetime(2024, 12, 1, tzinfo=UTC)
    latest = {c.key: c for c in calls}.values()
    want = [c for c in latest if c.call_start_at and c.call_start_at >= since
            and c.outcome is Outcome.MISSED and c.direction is Direction.INBOUND]
    assert want
    assert store.missed_since(since) == len(want)
    mine = [c for c in want if c.user_number == some_user[0]]
    assert store.missed_since(since, [some_user[0]]) == len(mine)


@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_export_iterates_everything_in_order(stored: tuple[CallStore, list[AnyCall]],
                                             batch_size: int) -> None:
    store, calls = stored
    flt = CallFilter(end=datetime(2024, 9, 1, tzinfo=UTC))
    sort = Sort(SortColumn.USER_NAME)
    exported = list(store.iter_calls(flt, sort, batch_size))
    assert keys(exported) == truth.expected(calls, flt, sort)
    latest = {c.key: c for c in calls}
    assert all(c == latest[c.key] and dict(c.extra) == dict(latest[c.key].extra)
               for c in exported)


def test_export_is_a_snapshot_while_the_sync_writes(tmp_path: Path) -> None:
    factory = CallFactory(seed=5)
    with CallStore(tmp_path / "c.sqlite3") as store:
        store.upsert(factory.calls(100))
        exported = store.iter_calls(batch_size=10)
        first = next(exported)
        store.upsert(factory.calls(50))  # committed while the export is half-way
        rest = list(exported)
        assert len([first, *rest]) == 100
        assert store.count() == 150


def test_an_abandoned_export_releases_its_connection(tmp_path: Path) -> None:
    with CallStore(tmp_path / "c.sqlite3") as store:
        store.upsert(CallFactory().calls(30))
        exported = store.iter_calls(batch_size=5)
        next(exported)
        exported.close()
        assert store.upsert(CallFactory(seed=9).calls(5)).inserted == 5


def test_times_in_filters_may_be_naive_or_in_any_zone(
        stored: tuple[CallStore, list[AnyCall]]) -> None:
    store, _ = stored
    utc = CallFilter(start=datetime(2024, 3, 1, tzinfo=UTC), end=datetime(2024, 4, 1, tzinfo=UTC))
    naive = CallFilter(start=datetime(2024, 3, 1), end=datetime(2024, 4, 1))
    zone = timezone(timedelta(hours=10))
    sydney = CallFilter(start=datetime(2024, 3, 1, 10, tzinfo=zone),
                        end=datetime(2024, 4, 1, 10, tzinfo=zone))
    assert store.count(utc) == store.count(naive) == store.count(sydney) > 0


@pytest.mark.parametrize(("ratio", "budget", "kept"),
                         [(0, 1.0, 10**9), (0, 1.0, 0), (10**9, 1.0, 10**9), (10**9, 0.0, 10**9)],
                         ids=["sort-what-matches", "sort-each-page", "walk-sort-index",
                              "walk-gives-up"])
def test_every_way_of_reading_a_page_agrees_with_ground_truth(
        stored: tuple[CallStore, list[AnyCall]], monkeypatch: pytest.MonkeyPatch,
        ratio: int, budget: float, kept: int) -> None:
    # The pager chooses per page between walking the sort column's index and
    # sorting the filter's rows (all of them once, kept, unless too many), and
    # abandons a walk that runs too long; force each way and check every sort.
    store, calls = stored
    monkeypatch.setattr(pager, "ROW_VS_ENTRY", ratio)
    monkeypatch.setattr(pager, "WALK_BUDGET_S", budget)
    monkeypatch.setattr(pager, "WALK_ENTRY_S", 0.0)
    monkeypatch.setattr(pager, "SORTED_ROWS", kept)
    chosen = ["range", "queues", "user number", "user name", "groups", "outbound",
              "text name", "everything"]
    for sort in SORTS:
        for name in chosen:
            flt = FILTERS[name]
            want = expected(calls, name, sort)
            assert keys(store.page(flt, sort, 0, 200)) == want[:200], (sort, name)
            middle = len(want) // 2
            assert keys(store.page(flt, sort, middle, 20)) == want[middle:middle + 20]


_expected: dict[tuple[str, Sort], list[str]] = {}


def expected(calls: list[AnyCall], name: str, sort: Sort) -> list[str]:
    """Ground truth for a named filter, computed once per module run."""
    if (name, sort) not in _expected:
        _expected[name, sort] = truth.expected(calls, FILTERS[name], sort)
    return _expected[name, sort]
