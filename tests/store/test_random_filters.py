"""Random filters, sorts and page sizes: never an error, and the pages add up.

For any filter and sort, paging through the result gives exactly the rows the
count announces, in the order and with the contents the ground truth expects.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbxdesk.api.models import AnyCall, CallKind, Direction, Outcome
from pbxdesk.store import CallFilter, CallStore, Sort, SortColumn
from tests.fixtures.store import CallFactory
from tests.store import truth

FACTORY = CallFactory(seed=99, users=8, queues=3, ring_groups=2, callers=60)
CALLS = FACTORY.calls(400)
CALLS += [FACTORY.user_call(unique_call_id=c.unique_call_id, user_number=c.user_number)
          for c in CALLS[:40] if c.kind is CallKind.USER]  # re-synced with new values


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CallStore]:
    path: Path = tmp_path_factory.mktemp("random") / "calls.sqlite3"
    with CallStore(path, default_region="AU") as opened:
        opened.upsert(CALLS[:200])
        opened.upsert(CALLS[200:])
        yield opened


moments = st.datetimes(min_value=datetime(2023, 12, 1), max_value=datetime(2025, 1, 31),
                       timezones=st.just(UTC))
numbers = [number for number, _ in FACTORY.users] + ["9999", ""]
names = [name for _, name in FACTORY.users] + ["Nobody Here"]
groups = [*FACTORY.queues, *FACTORY.ring_groups, "Queue Unknown"]
texts = st.one_of(
    st.just(""),
    st.sampled_from(["smith", "SMI", "o", "jo", "zoë", "ångström", "sales", "rg ", "1003",
                     "04", "0412", "+61 4", "61", "\"", "*", "a OR b", "NEAR(x y)", "-", "+"]),
    st.sampled_from([c.caller_id or "" for c in CALLS[:50]]),
    st.text(alphabet="0123456789 +()-", max_size=12),
    st.text(alphabet=string.ascii_letters + " '", max_size=6),
)


def some(values: list[str] | type[CallKind] | type[Outcome] | type[Direction],
         max_size: int = 3) -> st.SearchStrategy[frozenset[object]]:
    """Mostly no restriction (else most random filters would match nothing)."""
    return st.one_of(st.just(frozenset()), st.just(frozenset()),
                     st.frozensets(st.sampled_from(values), min_size=1, max_size=max_size))


filters = st.builds(
    CallFilter,
    start=st.none() | moments, end=st.none() | moments,
    kinds=some(CallKind), user_numbers=some(numbers), user_names=some(names, 2),
    group_names=some(groups, 2), outcomes=some(Outcome, 4), directions=some(Direction),
    text=st.one_of(st.just(""), texts),
)
sorts = st.builds(Sort, st.sampled_from(SortColumn), st.booleans())


@settings(max_examples=120, deadline=None)
@given(flt=filters, sort=sorts, size=st.integers(min_value=1, max_value=120),
       probe=st.integers(min_value=0, max_value=500))
def test_pages_add_up_to_the_count(store: CallStore, flt: CallFilter, sort: Sort, size: int,
                                   probe: int) -> None:
    want = truth.expected(CALLS, flt, sort)
    total = store.count(flt)
    pages: list[AnyCall] = []
    offset = 0
    while page := store.page(flt, sort, offset, size):
        assert len(page) <= size
        pages.extend(page)
        offset += size
    assert total == len(pages) == len(want)
    assert [call.key for call in pages] == want
    assert [call.key for call in store.page(flt, sort, probe, size)] == want[probe:probe + size]
    assert [call.key for call in store.iter_calls(flt, sort, batch_size=size)] == want


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=40))
def test_any_search_text_is_safe(store: CallStore, text: str) -> None:
    # NULs, lone surrogates, FTS5 syntax, SQL wildcards: never an error. (Which
    # rows match is checked against the ground truth in the test above, with an
    # alphabet where Python's and SQLite's case folding agree.)
    flt = CallFilter(text=text)
    found = store.page(flt, limit=1000)
    assert store.count(flt) == len(found)
    assert len({call.key for call in found}) == len(found)
