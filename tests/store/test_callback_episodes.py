"""The callbacks worklist's less common paths, on real SQLite through the sandbox and sync.

An item that reopens after its caller was reached shows only the new episode
(its attempts, vias, hold and call-backs are summed again), while its number
and name are the newest the caller gave; a leg stored in a later sync joins
the attempt its call already has. (The update takes shortcuts for the common
case, a caller with one attempt; these are the cases it must not shortcut.)
"""

from __future__ import annotations

import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.store.callbackrules import ItemState
from pbxdesk.store.rows import to_micros
from tests.fixtures.callbacks import (
    BEN,
    BEN_NAME,
    BOB,
    BOB_E164,
    JANE,
    JANE_E164,
    MAIN_DID,
    RECEPTION,
    SALES,
    MakeLine,
)

pytestmark = pytest.mark.asyncio


async def test_a_reopened_item_shows_the_new_episode_and_the_newest_number_and_name(
        make_line: MakeLine) -> None:
    line = make_line()
    # The first episode: Sales, then Reception; then Jane got through to Ben.
    line.group_row(CallKind.QUEUE, SALES, "abandoned", minutes_ago=300, caller=JANE,
                   wait=120, caller_name="Jane Citizen")
    line.group_row(CallKind.RING_GROUP, RECEPTION, "noanswer", minutes_ago=280, caller=JANE,
                   wait=50)
    line.user_row("user_inbound_answered", minutes_ago=200, caller=JANE, dest=MAIN_DID,
                  user=BEN, user_name=BEN_NAME, talk=60)
    line.called_back(JANE, minutes_ago=250, answered=False)  # in the first episode
    # The new one: Reception, Sales, Reception again (the last from "+61…", no name).
    line.group_row(CallKind.RING_GROUP, RECEPTION, "noanswer", minutes_ago=100, caller=JANE,
                   wait=30, caller_name="J. Citizen")
    line.group_row(CallKind.QUEUE, SALES, "abandoned", minutes_ago=90, caller=JANE, wait=20)
    line.group_row(CallKind.RING_GROUP, RECEPTION, "noanswer", minutes_ago=80,
                   caller=JANE_E164, wait=10)
    line.called_back(JANE, minutes_ago=85, answered=False)

    jane = (await line.synced())[JANE_E164]

    assert jane.state is ItemState.TRIED
    assert jane.attempts == 3
    assert (jane.first_us, jane.last_us) == (to_micros(line.at(100)), to_micros(line.at(80)))
    assert jane.via == f"{RECEPTION}, {SALES}"  # in the order she came, each once
    assert jane.wait_s == 30  # the longest hold of this episode, not the 120 s before
    assert (jane.tries, jane.last_try_us) == (1, to_micros(line.at(85)))
    assert jane.raw_number == JANE_E164  # as she called last
    assert jane.caller_name == "J. Citizen"  # the newest name she gave

    # Ana gets through: closed, the item shows every attempt again.
    line.called_back(JANE, minutes_ago=5, answered=True)
    jane = (await line.synced())[JANE_E164]

    assert jane.state is ItemState.REACHED
    assert jane.attempts == 5
    assert jane.first_us == to_micros(line.at(300))
    assert jane.via == f"{SALES}, {RECEPTION}"
    assert jane.wait_s == 120


async def test_a_leg_stored_in_a_later_sync_joins_its_call(make_line: MakeLine) -> None:
    line = make_line()
    ident = line.call_id()
    line.group_row(CallKind.QUEUE, SALES, "abandoned", minutes_ago=60, caller=JANE, wait=40,
                   call_id=ident)
    jane = (await line.synced())[JANE_E164]
    assert (jane.attempts, jane.via, jane.wait_s) == (1, SALES, 40)

    # The agent's leg of the same call arrives with the next sync, with a new caller's.
    line.missed(JANE, minutes_ago=59.5, call_id=ident, ring=45, caller_name="Jane Citizen")
    line.missed(BOB, minutes_ago=30)
    items = await line.synced()

    jane = items[JANE_E164]
    assert (jane.attempts, jane.via, jane.wait_s) == (1, SALES, 45)
    assert jane.first_us == to_micros(line.at(60))
    assert jane.caller_name == "Jane Citizen"
    assert (items[BOB_E164].state, items[BOB_E164].attempts) == (ItemState.OPEN, 1)
    assert len(line.store.callbacks.items()) == 2
