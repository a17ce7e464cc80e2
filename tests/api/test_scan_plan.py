"""The pieces of a history scan: what it learns of the server, what it expects, its state."""

from __future__ import annotations

import base64
import json
import struct
from datetime import date, timedelta

import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.api.scanestimate import Density, pack_cheapest, pack_names
from pbxdesk.api.scanevidence import CLOSED, PAGES, Evidence
from pbxdesk.api.scanmodel import HOUR, ServerTraits, midnight
from pbxdesk.api.scanplan import ScanPlan
from pbxdesk.api.scansweep import RowInfo
from tests.api.test_history_scan import FROM, TO, USERS, crowded_month, small_client
from tests.fixtures.api import MakeClient

DAY = date(2024, 5, 15)


def test_an_inclusive_utc_to_date_is_recognised() -> None:
    traits = ServerTraits()
    assert traits.inclusive is None
    assert traits.zone_shift == 0.0
    # The last row before the cut of to_date=15 May: 23:59:40; the next row: 00:00:20.
    traits.learn_cut(DAY, midnight(DAY) + 86380, midnight(DAY) + 86420)
    assert traits.inclusive is True
    assert traits.zone_known
    assert abs(traits.zone_shift) < 60
    assert traits.query_to(DAY) == DAY


def test_an_exclusive_to_date_in_sydney_is_recognised() -> None:
    traits = ServerTraits()
    # Exclusive, UTC+10: to_date=15 May cuts at 14 May 14:00 UTC.
    traits.learn_cut(DAY, midnight(DAY) - 10 * HOUR - 30, midnight(DAY) - 10 * HOUR + 30)
    assert traits.inclusive is False
    assert traits.zone_shift == pytest.approx(10 * HOUR, abs=60)
    assert traits.server_day(midnight(DAY) - 9 * HOUR) == DAY
    assert traits.query_to(DAY) == DAY + timedelta(days=1)


@pytest.mark.parametrize(("cut_hours", "inclusive"), [(9.5, False), (10.5, None), (11.5, None),
                                                     (12.5, True)])
def test_a_cut_both_rules_fit_leaves_to_date_unknown(cut_hours: float,
                                                     inclusive: bool | None) -> None:
    # Exclusive cuts lie from -14 h to +12 h (UTC+14 to UTC-12), inclusive ones from
    # +10 h to +36 h: an exclusive UTC-11 server cuts where an inclusive UTC+13 one does.
    traits = ServerTraits()
    cut = midnight(DAY) + cut_hours * HOUR
    traits.learn_cut(DAY, cut - 30, cut + 30)
    assert traits.inclusive is inclusive


def test_a_one_day_answer_proves_an_inclusive_to_date() -> None:
    traits = ServerTraits(one_day_rows=True)
    assert traits.inclusive is True
    assert not traits.zone_known  # where the day ends is not known from that


def test_contradicting_answers_are_believed_over_old_ones() -> None:
    traits = ServerTraits()
    traits.learn_cut(DAY, midnight(DAY) + 13 * HOUR, midnight(DAY) + 14 * HOUR)
    traits.learn_cut(DAY, midnight(DAY) + 15 * HOUR, None)  # daylight saving moved it
    assert traits.cut_low == 15 * HOUR
    assert traits.inclusive is True


@pytest.mark.parametrize("saved", [None, "text", {"cut_low": "x"}, {"cut_low": 5, "cut_high": 1},
                                   {"selectors": {"user": "no"}, "oldest_first": 1}])
def test_odd_saved_traits_are_ignored(saved: object) -> None:
    traits = ServerTraits()
    traits.restore(saved)
    assert traits == ServerTraits()


def test_traits_survive_json() -> None:
    traits = ServerTraits(oldest_first=False, selectors={"user": False})
    traits.learn_cut(DAY, midnight(DAY) + 86380, midnight(DAY) + 86420)
    again = ServerTraits()
    again.restore(json.loads(json.dumps(traits.to_json())))
    assert again == traits


def test_a_day_is_expected_like_the_same_weekday_a_week_later() -> None:
    density = Density()
    density.count([DAY + timedelta(days=7)] * 4000 + [DAY + timedelta(days=8)] * 300
                  + [DAY + timedelta(days=9)] * 10, [])
    density.mark_complete(DAY + timedelta(days=7), DAY + timedelta(days=9))
    assert density.expected(DAY) == 4000
    assert density.sure(DAY)
    assert density.expected(DAY + timedelta(days=1)) == 300
    # No such weekday: the busiest known day, and not sure.
    assert density.expected(DAY - timedelta(days=1)) == 4000
    assert not density.sure(DAY - timedelta(days=1))
    density.observed(4000, 400)  # the last window held a tenth of what was expected
    assert density.expected(DAY) == pytest.approx(400)


def test_names_are_packed_into_the_fewest_pages() -> None:
    expected = {"a": 7000.0, "b": 6000.0, "c": 5000.0, "d": 1000.0, "e": 500.0}
    groups = pack_names(expected, 9000)
    assert sorted(name for group in groups for name in group) == sorted(expected)
    assert all(sum(expected[name] for name in group) <= 9000 for group in groups)

    def pages(rows: float) -> int | None:
        return 1 if rows <= 10_000 else 2 if rows <= 19_999 else None

    cheapest = pack_cheapest(expected, [9000, 18000], pages)
    assert sum(pages(sum(expected[n] for n in g)) or 99 for g in cheapest) == 3


@pytest.mark.asyncio
async def test_the_state_survives_json_after_every_page(make_client: MakeClient) -> None:
    server = crowded_month()
    scan = small_client(make_client, server).iter_history(CallKind.USER, FROM, TO,
                                                            known_names=USERS)
    states = []
    async for _ in scan:
        states.append(json.loads(json.dumps(scan.checkpoint())))
    assert len(states) > 10
    for state in states:
        plan = ScanPlan("user", FROM, TO, limit=20, max_offset=19, traits=ServerTraits())
        assert plan.restore(state)
        assert plan.to_json() == state


def test_an_empty_range_plans_nothing() -> None:
    plan = ScanPlan("user", TO, FROM, limit=20, max_offset=19, traits=ServerTraits())
    assert plan.finished
    assert plan.next_request() is None


def _page(number: int) -> list[RowInfo]:
    return [RowInfo(1000.0 * number + row, f"{number}-{row}", None) for row in range(3)]


def test_evidence_keeps_the_first_pages_only_then_nothing_for_good() -> None:
    evidence = Evidence()
    for number in range(PAGES):
        evidence.add(_page(number))
    assert {key.split("-")[0] for key in evidence.read_keys()} == {str(n) for n in range(PAGES)}
    assert evidence.last_keys() == {f"{PAGES - 1}-{row}" for row in range(3)}
    again = Evidence.from_json(json.loads(json.dumps(evidence.to_json())))
    assert again.read_keys() == evidence.read_keys()
    assert again.times() == evidence.times()
    # Past the first pages a saved state carries no keys (they would be megabytes).
    evidence.add(_page(PAGES))
    assert evidence.read_keys() == set()
    assert evidence.to_json() == CLOSED
    closed = Evidence.from_json(json.loads(json.dumps(evidence.to_json())))
    closed.add(_page(PAGES + 1))  # a resumed scan does not start keeping again
    assert closed.read_keys() == set()
    assert closed.to_json() == CLOSED


def test_evidence_is_saved_as_a_few_strings_and_comes_back_bit_for_bit() -> None:
    # As lists, the eighth page's state was 60-80 ms of json.dumps holding the GIL.
    times = [1_700_000_000.123, 0.1 + 0.2, None, 1e-300, -5.5]
    evidence = Evidence()
    evidence.add([RowInfo(at, f"k{index}", None) for index, at in enumerate(times)])
    evidence.add([RowInfo(1.0, "odd\x1fkey", None), RowInfo(None, "", None)])
    evidence.add([])
    saved = json.loads(json.dumps(evidence.to_json()))
    assert isinstance(saved[0]["keys"], str)
    assert isinstance(saved[0]["at64"], str)
    assert saved[1]["keys"] == ["odd\x1fkey", ""]  # a key holding the separator: a list
    again = Evidence.from_json(saved)
    assert again.to_json() == saved
    assert again.read_keys() == {"k0", "k1", "k2", "k3", "k4", "odd\x1fkey", ""}
    assert again.times() == [[1_700_000_000.123, 0.1 + 0.2, 1e-300, -5.5], [1.0], []]


def test_evidence_saved_as_lists_by_an_older_pbxdesk_is_read() -> None:
    older = [{"keys": ["a", "b"], "at": [1.5, None]}, {"keys": ["c"], "at": [2.0]}]
    evidence = Evidence.from_json(older)
    assert evidence.read_keys() == {"a", "b", "c"}
    assert evidence.times() == [[1.5], [2.0]]
    assert evidence.last_keys() == {"c"}


@pytest.mark.parametrize("at64", [
    "not base64!", base64.b64encode(b"1234567").decode(),  # not whole floats
    base64.b64encode(struct.pack("<d", float("inf"))).decode(),
    base64.b64encode(struct.pack("<2d", 1.0, 2.0)).decode(),  # two times for one key
    7])
def test_damaged_packed_times_drop_the_evidence(at64: object) -> None:
    assert Evidence.from_json([{"keys": "a", "at64": at64}]).read_keys() == set()


@pytest.mark.parametrize("junk", [None, "x", [1], [{"keys": ["a"], "at": []}],
                                  [{"keys": [1], "at": [1.0]}], [{"keys": ["a"], "at": [True]}],
                                  [{"keys": ["a"], "at": [float("inf")]}], [{"at": [1.0]}]])
def test_missing_or_damaged_evidence_is_none(junk: object) -> None:
    assert Evidence.from_json(junk).read_keys() == set()


def test_density_without_names_or_with_damaged_ones_keeps_the_rest() -> None:
    density = Density()
    density.count([date(2024, 5, 1)], ["1001"])
    saved = density.to_json()
    assert Density.from_json(saved).names == {"1001": 1}
    for names in (None, [1], {"1001": "many"}):
        restored = Density.from_json({**saved, "names": names})
        assert not restored.names
        assert restored.day_rows == density.day_rows
