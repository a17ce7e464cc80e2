"""Records from several desks: last writer per caller and field wins, in any order.

Without a relay in the way (tests/live/test_team_callbacks.py has one), these
tests merge two desks' records as it does, by handing each store the other's.
"""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbxdesk.store.callbackrules import CallbackRecord, Field, ItemState, StateValue, newest
from pbxdesk.store.rows import to_micros
from tests.fixtures.callbacks import ANA_NAME, BEN_NAME, BOB, BOB_E164, JANE, JANE_E164, MakeLine

records = st.builds(
    CallbackRecord, number=st.sampled_from(["+61412345678", "+61298765432", ""]),
    field=st.sampled_from([str(field) for field in Field]),
    value=st.text(max_size=5), at_us=st.integers(0, 50),
    desk=st.sampled_from(["desk-a", "desk-b", "desk-c"]), agent=st.sampled_from(["Ana", "Ben"]))


@given(st.lists(records, max_size=30), st.randoms())
def test_the_winner_does_not_depend_on_order_or_repeats(batch: list[CallbackRecord],
                                                         shuffler: random.Random) -> None:
    # Within one desk a moment holds one record per caller and field (the store's key).
    unique = list({(r.number, r.field, r.at_us, r.desk): r for r in batch}.values())
    again = unique + unique[: len(unique) // 2]
    shuffler.shuffle(again)
    assert newest(again) == newest(unique)
    for (number, field), winner in newest(unique).items():
        rivals = [r for r in unique if (r.number, r.field) == (number, field)]
        assert winner.order() == max(r.order() for r in rivals)


@pytest.mark.asyncio
async def test_two_desks_exchanging_records_see_the_same_worklist(make_line: MakeLine) -> None:
    first = make_line()
    first.missed(JANE, minutes_ago=120)
    first.missed(BOB, minutes_ago=100)
    second = make_line(sandbox=first.sandbox)  # another agent's pbxdesk, same account
    await first.synced()
    await second.synced()
    at = to_micros(first.at(60))
    # Desk A (Ana) marks Jane done; desk B (Ben), offline, snoozes her a little later
    # and notes Bob; then B marks Bob not needed while A notes him later still.
    desk_a = [CallbackRecord(JANE_E164, Field.STATE, StateValue.DONE, at, "desk-a", ANA_NAME),
              CallbackRecord(BOB_E164, Field.NOTE, "Rang the wrong office", at + 30,
                             "desk-a", ANA_NAME)]
    desk_b = [CallbackRecord(JANE_E164, Field.SNOOZE, str(at + 10**10), at + 5, "desk-b",
                             BEN_NAME),
              CallbackRecord(BOB_E164, Field.NOTE, "Spam?", at + 10, "desk-b", BEN_NAME),
              CallbackRecord(BOB_E164, Field.STATE, StateValue.NOT_NEEDED, at + 20, "desk-b",
                             BEN_NAME)]
    first.store.callback_records.add_records(desk_a)
    second.store.callback_records.add_records(desk_b)
    # They reconnect: each gets the other's records, one of them twice and backwards.
    assert second.store.callback_records.add_records(list(reversed(desk_a))) == 2
    assert first.store.callback_records.add_records(desk_b) == 3
    assert first.store.callback_records.add_records(desk_b[:1]) == 0  # already kept

    mine, theirs = first.store.callbacks.items(), second.store.callbacks.items()
    assert sorted(mine, key=lambda item: item.number) == sorted(
        theirs, key=lambda item: item.number)
    items = {item.number: item for item in mine}
    jane, bob = items[JANE_E164], items[BOB_E164]
    assert (jane.state, jane.closed_by) == (ItemState.DONE, ANA_NAME)
    assert (bob.state, bob.closed_by) == (ItemState.NOT_NEEDED, BEN_NAME)
    assert bob.note == "Rang the wrong office"  # A's note came last
    # Every record is kept, with its time and who: the history of the item.
    assert [(r.field, r.agent) for r in first.store.callback_records.records(BOB_E164)] == [
        ("note", BEN_NAME), ("state", BEN_NAME), ("note", ANA_NAME)]


@pytest.mark.asyncio
async def test_records_wait_unshared_until_a_transport_takes_them(make_line: MakeLine) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=30)
    await line.synced()
    mine = [CallbackRecord(JANE_E164, Field.CLAIM, "calling", 10 + i, "desk-a", ANA_NAME)
            for i in range(3)]
    line.store.callback_records.add_records(mine)
    line.store.callback_records.add_records(
        [CallbackRecord(JANE_E164, Field.NOTE, "x", 99, "desk-b", BEN_NAME)], shared=True)
    assert line.store.callback_records.unshared_records() == mine  # oldest first, not B's
    line.store.callback_records.mark_shared(mine[:2])
    assert line.store.callback_records.unshared_records() == mine[2:]
    assert list(itertools.chain(line.store.callback_records.records(JANE_E164))) == [*mine, *[
        CallbackRecord(JANE_E164, Field.NOTE, "x", 99, "desk-b", BEN_NAME)]]
