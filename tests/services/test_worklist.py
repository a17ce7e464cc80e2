"""A worklist reading: the default order, the states at its time, the next reading."""

from __future__ import annotations

from pbxdesk.services.callbacktexts import ShownState
from pbxdesk.services.worklist import build, refreshed
from pbxdesk.store.callbackrules import WITHHELD, ItemRow, ItemState

NOW = 1_800_000_000_000_000


def item(number: str, first_minutes_ago: int, state: ItemState = ItemState.OPEN,
         snooze_until_us: int = -1) -> ItemRow:
    first = NOW - first_minutes_ago * 60_000_000
    return ItemRow(number, number, "", state, 1, first, first, "", 0, 0, -1, "", -1, "", 0,
                   snooze_until_us, "", -1, "", "")


def test_waiting_oldest_first_withheld_last_then_snoozed_then_closed() -> None:
    items = [item("+61400000001", 10), item(WITHHELD, 500), item("+61400000002", 300),
             item("+61400000003", 900, ItemState.DONE),
             item("+61400000004", 600, snooze_until_us=NOW + 1),
             item("+61400000005", 20, ItemState.TRIED)]
    reading = build({i.number: i for i in items}, NOW, "desk")
    assert [i.number for i in reading.items] == [
        "+61400000002", "+61400000005", "+61400000001", WITHHELD, "+61400000004",
        "+61400000003"]
    assert reading.states["+61400000004"] is ShownState.SNOOZED
    assert [i.number for i in reading.waiting()] == [WITHHELD, "+61400000002",
                                                     "+61400000005", "+61400000001"]
    # At the snooze's end it waits again (the service re-reads then).
    assert "+61400000004" in {i.number for i in reading.waiting(NOW + 1)}


def test_the_next_reading_replaces_adds_and_drops_only_what_changed() -> None:
    first = build({n: item(n, 60) for n in ("+61400000001", "+61400000002")}, NOW, "desk")
    done = item("+61400000001", 60, ItemState.DONE)
    new = item("+61400000003", 5)
    after = refreshed(first, {"+61400000001", "+61400000002", "+61400000003"}, [done, new],
                      NOW + 1)
    assert dict(after.by_number) == {"+61400000001": done, "+61400000003": new}
    assert after.states["+61400000001"] is ShownState.DONE
    assert first.by_number.keys() == {"+61400000001", "+61400000002"}  # left as it was


def test_a_reading_has_its_waiting_callers_and_its_next_wake_ready_made() -> None:
    items = [item("+61400000001", 10), item("+61400000002", 300),
             item("+61400000003", 20, snooze_until_us=NOW + 9_000_000),
             item("+61400000004", 30, ItemState.TRIED, snooze_until_us=NOW + 5_000_000),
             item("+61400000005", 40, ItemState.DONE, snooze_until_us=NOW + 1_000_000),
             item("+61400000006", 50, snooze_until_us=NOW - 1)]
    reading = build({i.number: i for i in items}, NOW, "desk")
    # The first snooze to end of a waiting item (a closed item's snooze wakes nothing).
    assert reading.wake_us == NOW + 5_000_000
    assert [i.number for i in reading.waiting_then] == [
        "+61400000002", "+61400000006", "+61400000001"]
    assert reading.waiting() == list(reading.waiting_then)
    calm = build({i.number: i for i in items[:2]}, NOW, "desk")
    assert calm.wake_us == -1
