"""What the worklist says, without Qt: states against the clock, words, snooze times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pbxdesk.services.callbacktexts import (
    ShownState,
    ago_text,
    duration_text,
    notification_text,
    shown_state,
    snooze_times,
    status_text,
    times,
)
from pbxdesk.store.callbackrules import WITHHELD, ItemRow, ItemState
from pbxdesk.store.rows import to_micros

NOW = datetime(2026, 3, 2, 14, 7, 30, tzinfo=UTC)
NOW_US = to_micros(NOW)
SYDNEY = timezone(timedelta(hours=11))


def item(number: str = "+61412345678", *, state: ItemState = ItemState.OPEN,
         **changes: object) -> ItemRow:
    base = ItemRow(number, number.lstrip("+"), "", state, 1, NOW_US - 3_600_000_000,
                   NOW_US - 3_600_000_000, "", 20, 0, -1, "", -1, "", 0, -1, "", -1, "", "")
    return base._replace(**changes)


def clock(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M")


@pytest.mark.parametrize(("now", "later", "tomorrow"), [
    (datetime(2026, 3, 2, 9, 7, 30, tzinfo=SYDNEY), datetime(2026, 3, 2, 12, 15, tzinfo=SYDNEY),
     datetime(2026, 3, 3, 9, 0, tzinfo=SYDNEY)),
    (datetime(2026, 3, 2, 9, 15, 0, tzinfo=SYDNEY), datetime(2026, 3, 2, 12, 15, tzinfo=SYDNEY),
     datetime(2026, 3, 3, 9, 0, tzinfo=SYDNEY)),
    (datetime(2026, 3, 2, 9, 15, 1, tzinfo=SYDNEY), datetime(2026, 3, 2, 12, 30, tzinfo=SYDNEY),
     datetime(2026, 3, 3, 9, 0, tzinfo=SYDNEY)),
    (datetime(2026, 3, 31, 22, 50, tzinfo=SYDNEY), datetime(2026, 4, 1, 2, 0, tzinfo=SYDNEY),
     datetime(2026, 4, 1, 9, 0, tzinfo=SYDNEY)),
])
def test_snooze_times_round_up_to_a_quarter_hour_and_tomorrow_is_nine(
        now: datetime, later: datetime, tomorrow: datetime) -> None:
    assert snooze_times(now) == (later, tomorrow)
    assert snooze_times(now)[0] >= now + timedelta(hours=3)


def test_a_snooze_counts_only_while_it_lasts_and_only_for_waiting_items() -> None:
    snoozed = item(snooze_until_us=NOW_US + 1)
    assert shown_state(snoozed, NOW_US) is ShownState.SNOOZED
    assert shown_state(snoozed, NOW_US + 1) is ShownState.OPEN
    assert shown_state(snoozed._replace(state=ItemState.DONE), NOW_US) is ShownState.DONE


def test_words() -> None:
    assert [times(n) for n in (1, 2, 3)] == ["once", "twice", "3 times"]
    assert [duration_text(s) for s in (30, 60 * 25, 3600 * 3 + 600, 86_400 * 2 + 3600 * 4,
                                       86_400)] == [
        "under a minute", "25 min", "3 h 10 min", "2 days 4 h", "1 day"]
    assert ago_text(20) == "just now"
    assert ago_text(125) == "2 min ago"


def test_where_an_item_stands() -> None:
    reached = item(state=ItemState.REACHED, closed_us=NOW_US, closed_by="Ana", closed_direction=2)
    assert status_text(reached, NOW_US, "me", clock) == "Reached: Ana called back at 14:07"
    through = reached._replace(closed_direction=1, closed_by="Ben")
    assert status_text(through, NOW_US, "me", clock) == \
        "Reached: they got through to Ben at 14:07"
    spam = item(state=ItemState.NOT_NEEDED, closed_us=NOW_US, closed_by="Ana", note="Spam")
    assert status_text(spam, NOW_US, "me", clock) == "Not needed: Spam (Ana, 14:07)"
    claimed = item(claim_us=NOW_US - 120_000_000, claim_by="Ana", claim_desk="desk-a")
    assert status_text(claimed, NOW_US, "me", clock) == "Ana is calling back (2 min ago)"
    assert status_text(claimed, NOW_US, "desk-a", clock) == "You are calling back (2 min ago)"
    stale = claimed._replace(claim_us=NOW_US - 3_600_000_000)
    assert status_text(stale, NOW_US, "me", clock) == "Ana called back at 13:07"
    tried = item(state=ItemState.TRIED, tries=2, last_try_us=NOW_US, last_try_by="Ben")
    assert status_text(tried, NOW_US, "me", clock) == \
        "Called back twice, no answer (last by Ben at 14:07)"
    assert status_text(item(), NOW_US, "me", clock) == "Not called back yet"


def test_the_notification_names_the_first_three_and_counts_the_rest() -> None:
    waiting = [item("+61412345678", caller_name="Jane Citizen", attempts=2),
               item(WITHHELD, attempts=3), item("+61298765432"), item("+61298765433")]
    title, text = notification_text(waiting, lambda raw: f"<{raw}>")
    assert title == "4 callbacks waiting"
    assert text == ("<61412345678> (Jane Citizen) tried twice, Withheld or anonymous callers "
                    "tried 3 times, <61298765432> tried once and 1 more")
    assert notification_text(waiting[:1], str)[0] == "1 callback waiting"
