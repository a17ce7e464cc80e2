"""Fixtures for the Insights tab: a store of a few hand-made calls and a shown tab.

The calls, in Sydney local time (UTC+10 in May 2024):

=========  ===========  =====================================================
1 May      08:00        ring group "Front desk", answered after 5 s
1 May      23:30        Bob (1020), inbound, missed
2 May      09:00        Ann (1010), inbound, answered after 2 s, 60 s talk
2 May      09:00        queue "Sales", answered after 10 s
2 May      09:05        queue "Sales", abandoned
2 May      09:30        Ann (1010), inbound, missed
2 May      10:00        Bob (1020), inbound, answered, 120 s talk
3 May      11:00        queue "Sales", answered after 40 s
3 May      14:00        Ann (1010), outbound, answered, 30 s talk
=========  ===========  =====================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import AnyCall, CallKind, GroupCall, UserCall
from pbxdesk.services.insights import InsightsService
from pbxdesk.store import CallStore
from pbxdesk.ui.dialogs import DialogService
from pbxdesk.ui.insights import InsightsTab

SYDNEY = ZoneInfo("Australia/Sydney")
TODAY = date(2024, 5, 3)


def sydney(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=SYDNEY).astimezone(UTC)


def user(day: int, hour: int, minute: int, call_type: str, number: str, name: str, *,
         wait: int | None = None, talk: int = 0) -> UserCall:
    start = sydney(day, hour, minute)
    return UserCall(
        unique_call_id=f"u{day}{hour:02d}{minute:02d}{number}", type=call_type,
        caller_id="61412345678", caller_name="Caller", dest_number="61290000000",
        user_name=name, user_number=number, call_start_at=start,
        connected_at=None if wait is None else start + timedelta(seconds=wait),
        call_duration=talk + 5, conversation_duration=talk)


def group(day: int, hour: int, minute: int, kind: CallKind, name: str, status: str, *,
          wait: int | None = None) -> GroupCall:
    start = sydney(day, hour, minute)
    return GroupCall(
        call_kind=kind, group=name, status=status,
        unique_call_id=f"g{day}{hour:02d}{minute:02d}", caller_id="61412345678",
        caller_name=None, dest_number="61290000000", user_name=None, user_number=None,
        call_start_at=start,
        connected_at=None if wait is None else start + timedelta(seconds=wait),
        call_duration=30, conversation_duration=20 if wait is not None else 0)


KNOWN_CALLS: list[AnyCall] = [
    group(1, 8, 0, CallKind.RING_GROUP, "Front desk", "answered", wait=5),
    user(1, 23, 30, "user_inbound_missed", "1020", "Bob"),
    user(2, 9, 0, "user_inbound_answered", "1010", "Ann", wait=2, talk=60),
    group(2, 9, 0, CallKind.QUEUE, "Sales", "answered", wait=10),
    group(2, 9, 5, CallKind.QUEUE, "Sales", "abandoned"),
    user(2, 9, 30, "user_inbound_missed", "1010", "Ann"),
    user(2, 10, 0, "user_inbound_answered", "1020", "Bob", wait=1, talk=120),
    group(3, 11, 0, CallKind.QUEUE, "Sales", "answered", wait=40),
    user(3, 14, 0, "user_outbound_answered", "1010", "Ann", wait=9, talk=30),
]


class RecordingDialogs(DialogService):
    """Answers save dialogs with a chosen path and records messages (no modal boxes)."""

    def __init__(self) -> None:
        self.save_path: object = None
        self.errors: list[str] = []
        self.infos: list[str] = []

    def ask_save_path(self, parent: object, *, title: str, suggested: object,  # type: ignore[override]
                      name_filter: str) -> object:
        return self.save_path

    def show_error(self, parent: object, *, title: str, text: str) -> None:  # type: ignore[override]
        self.errors.append(text)

    def show_info(self, parent: object, *, title: str, text: str) -> None:  # type: ignore[override]
        self.infos.append(text)


@pytest.fixture
def known_store(call_store: CallStore) -> CallStore:
    call_store.upsert(KNOWN_CALLS)
    return call_store


MakeTab = Callable[..., InsightsTab]


@pytest.fixture
def make_insights(qtbot: QtBot, known_store: CallStore) -> Iterator[MakeTab]:
    made: list[InsightsTab] = []

    def make(*, my_extension: str = "1010", dialogs: DialogService | None = None,
             store: CallStore = known_store) -> InsightsTab:
        tab = InsightsTab(InsightsService(store), store, my_extension=my_extension,
                          zone=SYDNEY, dialogs=dialogs, today=lambda: TODAY)
        qtbot.addWidget(tab)
        tab.resize(1000, 800)
        tab.scope_bar.set_custom_range(date(2024, 5, 1), date(2024, 5, 3))
        tab.show()
        settle(qtbot, tab)
        made.append(tab)
        return tab

    yield make
    for tab in made:
        tab.shutdown()


def settle(qtbot: QtBot, tab: InsightsTab) -> None:
    """Wait until every section shows the figures of the current choices."""
    qtbot.waitUntil(lambda: not tab.busy, timeout=10_000)
