"""The callbacks worklist on real SQLite, fed through the sandbox PBX and the real sync.

Each test writes the calls of a scenario into a quiet sandbox (the API's own
row shapes), syncs them into a store over HTTP and reads the worklist the
store derives from them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.store import CallStore
from pbxdesk.store.callbackrules import WITHHELD, CallbackRecord, Field, ItemState, StateValue
from pbxdesk.store.callbacks import ALL_GROUPS, Scope
from pbxdesk.store.rows import to_micros
from tests.fixtures.callbacks import (
    ANA,
    ANA_NAME,
    BEN,
    BEN_NAME,
    BOB,
    BOB_E164,
    JANE,
    JANE_E164,
    MAIN_DID,
    ME,
    RECEPTION,
    SALES,
    SCOPE,
    SUPPORT,
    MakeLine,
)

pytestmark = pytest.mark.asyncio


def record(number: str, field: Field, value: str, at_us: int, desk: str = "desk-a",
           agent: str = ANA_NAME) -> CallbackRecord:
    return CallbackRecord(number, str(field), value, at_us, desk, agent)


async def test_one_item_per_caller_across_user_queue_and_ring_group_legs(
        make_line: MakeLine) -> None:
    line = make_line()
    # Jane, 1: a Sales queue call that rang me and Ana, then was abandoned. The queue's
    # row has no id (as the API may send); the agents' legs share one.
    first = line.call_id()
    line.group_row(CallKind.QUEUE, SALES, "abandoned", minutes_ago=120, caller=JANE,
                   wait=90, caller_name="Jane Citizen")
    line.missed(JANE, minutes_ago=119, call_id=first, caller_name="Jane Citizen")
    line.missed(JANE, minutes_ago=119, user=ANA, user_name=ANA_NAME, call_id=first)
    # Jane, 2: the Reception ring group, nobody answered; it rang me too (same id).
    second = line.call_id()
    line.group_row(CallKind.RING_GROUP, RECEPTION, "noanswer", minutes_ago=60,
                   caller=JANE, wait=30, call_id=second)
    line.missed(JANE, minutes_ago=60, call_id=second)
    # Jane, 3: my direct line.
    line.missed(JANE, minutes_ago=10)
    # Bob: a Sales call Ana took after it had rung me: reached, nothing to call back.
    third = line.call_id()
    line.group_row(CallKind.QUEUE, SALES, "answered", minutes_ago=50, caller=BOB, wait=40,
                   talk=200, agent=ANA_NAME, call_id=third)
    line.missed(BOB, minutes_ago=50, call_id=third)
    line.user_row("user_inbound_answered", minutes_ago=49.7, caller=BOB, dest=MAIN_DID,
                  user=ANA, user_name=ANA_NAME, call_id=third, talk=200)
    # Not mine: a queue nobody chose, and another agent's direct line.
    line.group_row(CallKind.QUEUE, SUPPORT, "abandoned", minutes_ago=30, caller="61400000001")
    line.missed("61400000002", minutes_ago=20, user=BEN, user_name=BEN_NAME)

    items = await line.synced()

    assert set(items) == {JANE_E164, BOB_E164}
    jane = items[JANE_E164]
    assert jane.state is ItemState.OPEN
    assert jane.attempts == 3  # not 6 rows
    assert jane.caller_name == "Jane Citizen"
    assert jane.raw_number == JANE
    assert jane.first_us == to_micros(line.at(120))
    assert jane.last_us == to_micros(line.at(10))
    assert jane.via == f"{SALES}, {RECEPTION}"  # in the order she came; direct adds none
    assert jane.wait_s == 90  # the longest hold
    assert items[BOB_E164].state is ItemState.REACHED
    assert items[BOB_E164].closed_by == ANA_NAME
    # Every user's missed calls, and all groups, when the scope says so.
    wide = Scope(extensions=(), groups=(ALL_GROUPS,), days=7)
    line.update(wide)
    assert {item.number for item in line.store.callbacks.items()} == {
        JANE_E164, BOB_E164, "+61400000001", "+61400000002"}


async def test_a_call_back_answered_later_closes_the_item(make_line: MakeLine) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=90)
    assert (await line.synced())[JANE_E164].state is ItemState.OPEN

    line.called_back(JANE_E164.lstrip("+"), minutes_ago=5, answered=True)
    jane = (await line.synced())[JANE_E164]

    assert jane.state is ItemState.REACHED
    assert (jane.closed_by, jane.closed_direction) == (ANA_NAME, 2)  # "Ana called back"
    assert jane.closed_us == to_micros(line.at(5))
    assert [item for item in line.store.callbacks.items() if item.state.waiting] == []


async def test_a_caller_who_gets_through_later_closes_it_too(make_line: MakeLine) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=90)
    line.user_row("user_inbound_answered", minutes_ago=30, caller=JANE, dest=MAIN_DID,
                  user=BEN, user_name=BEN_NAME, talk=60)
    jane = (await line.synced())[JANE_E164]
    assert (jane.state, jane.closed_by, jane.closed_direction) == (
        ItemState.REACHED, BEN_NAME, 1)


async def test_a_call_back_nobody_answered_marks_it_tried(make_line: MakeLine) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=90)
    line.called_back(JANE, minutes_ago=60, answered=False)
    line.called_back(JANE, minutes_ago=20, answered=False, user=ME, user_name="Mia Chen")
    line.called_back(JANE, minutes_ago=200, answered=False)  # before she called: no try

    jane = (await line.synced())[JANE_E164]

    assert jane.state is ItemState.TRIED
    assert jane.tries == 2
    assert (jane.last_try_us, jane.last_try_by) == (to_micros(line.at(20)), "Mia Chen")
    assert [item.number for item in line.store.callbacks.items()
            if item.state.waiting] == [JANE_E164]


async def test_a_new_missed_call_reopens_a_done_item(make_line: MakeLine) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=90)
    line.missed(JANE, minutes_ago=80)
    await line.synced()
    done_at = to_micros(line.at(40))
    line.store.callback_records.add_records(
        [record(JANE_E164, Field.STATE, StateValue.DONE, done_at)])
    jane = line.store.callbacks.item(JANE_E164)
    assert jane is not None
    assert (jane.state, jane.attempts, jane.closed_by) == (ItemState.DONE, 2, ANA_NAME)

    line.missed(JANE, minutes_ago=15)
    jane = (await line.synced())[JANE_E164]

    assert jane.state is ItemState.OPEN
    assert jane.attempts == 1  # the new episode, since she was done
    assert jane.first_us == to_micros(line.at(15))
    assert jane.closed_us == -1
    # Undoing a manual Done brings the old episode back too.
    line.store.callback_records.add_records([record(JANE_E164, Field.STATE, StateValue.NOT_NEEDED,
                                                   to_micros(line.at(5)))])
    assert line.store.callbacks.item(JANE_E164).state is ItemState.NOT_NEEDED  # type: ignore[union-attr]
    line.store.callback_records.add_records([record(JANE_E164, Field.STATE, StateValue.OPEN,
                                                   to_micros(line.at(4)))])
    reopened = line.store.callbacks.item(JANE_E164)
    assert reopened is not None
    assert (reopened.state, reopened.attempts) == (ItemState.OPEN, 3)


async def test_withheld_and_anonymous_callers_are_one_item_no_answer_closes(
        make_line: MakeLine) -> None:
    line = make_line()
    line.missed("anonymous", minutes_ago=100)
    line.missed(None, minutes_ago=70)
    line.group_row(CallKind.QUEUE, SALES, "abandoned", minutes_ago=40, caller="")
    line.missed("1004", minutes_ago=30)  # a colleague's extension: no callback
    # Someone answered another withheld call: that says nothing about these callers.
    line.user_row("user_inbound_answered", minutes_ago=20, caller="anonymous",
                  dest=MAIN_DID, talk=30)

    items = await line.synced()

    assert set(items) == {WITHHELD}
    withheld = items[WITHHELD]
    assert (withheld.state, withheld.attempts) == (ItemState.OPEN, 3)
    assert withheld.via == SALES


async def test_items_and_states_survive_a_restart_and_a_rebuild(make_line: MakeLine) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=90)
    line.missed(BOB, minutes_ago=80)
    line.missed("61400000009", minutes_ago=70)
    line.called_back(BOB, minutes_ago=30, answered=False)
    await line.synced()
    at = to_micros(line.at(10))
    line.store.callback_records.add_records([
        record(JANE_E164, Field.STATE, StateValue.DONE, at),
        record("+61400000009", Field.SNOOZE, str(at + 3_600_000_000), at),
        record("+61400000009", Field.NOTE, "Call after lunch", at)])
    before = sorted(line.store.callbacks.items(), key=lambda item: item.number)
    assert [(item.number, item.state) for item in before] == [
        (BOB_E164, ItemState.TRIED), ("+61400000009", ItemState.OPEN),
        (JANE_E164, ItemState.DONE)]
    assert (before[1].snooze_until_us, before[1].note) == (at + 3_600_000_000,
                                                           "Call after lunch")
    path = line.store.path
    line.close()

    with CallStore(path, default_region="AU") as reopened:
        assert sorted(reopened.callbacks.items(), key=lambda item: item.number) == before
        # Nothing new: an update changes nothing.
        result = reopened.callbacks.update(SCOPE, to_micros(line.now))
        assert (result.rows_read, result.items_changed) == (0, 0)
        # Another scope rebuilds from the calls; what agents did is kept.
        reopened.callbacks.update(Scope(extensions=(ME, ANA), groups=(SALES,)),
                                  to_micros(line.now))
        assert reopened.callbacks.update(SCOPE, to_micros(line.now)).rebuilt
        assert sorted(reopened.callbacks.items(), key=lambda item: item.number) == before


async def test_a_row_that_changes_after_it_was_read_is_read_again(make_line: MakeLine) -> None:
    line = make_line()
    ident = line.missed(JANE, minutes_ago=30)
    assert (await line.synced())[JANE_E164].state is ItemState.OPEN
    # The PBX now reports the same call (same key) as answered: the trigger marks it.
    stored = next(iter(line.store.iter_calls()))
    assert stored.unique_call_id == ident
    line.store.upsert([replace(stored, type="user_inbound_answered", conversation_duration=40,
                               call_duration=55, connected_at=line.at(29.8))])
    result = line.update()
    assert result.rows_read == 1
    # Answered after all: Jane was never missed, so she leaves the list (as a rebuild
    # from these calls finds; not "Reached" by the very call that was her attempt).
    assert line.store.callbacks.item(JANE_E164) is None
    assert JANE_E164 in result.numbers  # the view reads her again
    assert line.update(replace(SCOPE, days=SCOPE.days + 1)).rebuilt
    assert line.store.callbacks.items() == []


async def test_calls_older_than_the_horizon_leave_the_list(make_line: MakeLine) -> None:
    line = make_line()
    line.missed(JANE, minutes_ago=3 * 24 * 60)
    line.missed(BOB, minutes_ago=60)
    items = await line.synced()
    assert set(items) == {JANE_E164, BOB_E164}
    # Five days on, Jane's call is older than the seven days kept.
    line.update(later=timedelta(days=5))
    assert {item.number for item in line.store.callbacks.items()} == {BOB_E164}
    # A scope of two days never took her in.
    line.update(Scope(extensions=(ME,), groups=(), days=2))
    assert {item.number for item in line.store.callbacks.items()} == {BOB_E164}
