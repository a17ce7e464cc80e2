"""The note above a history table that names the days the PBX could not hand over whole."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.store import CallStore
from tests.ui.history.conftest import MakeTab

FOUND = datetime(2026, 5, 20, 12, tzinfo=UTC)


def test_the_tab_names_each_incomplete_day_with_about_how_many_calls(
        qtbot: QtBot, make_tab: MakeTab, store: CallStore) -> None:
    store.sync.incomplete.update(
        CallKind.USER, date(2026, 5, 1), date(2026, 5, 21),
        [(date(2026, 5, 19), 9612, "the PBX ignores the user selector, so it cannot be split "
          "by user"), (date(2026, 5, 18), 9274, "the PBX ignores the user selector")], FOUND)
    store.sync.incomplete.update(CallKind.QUEUE, date(2026, 5, 1), date(2026, 5, 21),
                                 [(date(2026, 5, 12), 0, "rows kept moving")], FOUND)
    users = make_tab(CallKind.USER)
    note = users.incomplete
    assert note.isVisible()
    text = note.text.text()
    # Australian dates (the locale of these tests), newest first, estimates rounded.
    assert text.startswith("Some user calls could not be fetched from the PBX: 19/5/26 "
                           "(about 9,600 missing) and 18/5/26 (about 9,300 missing).")
    assert "tries again by itself" in text
    assert "ignores the user selector" in note.toolTip()
    assert note.accessibleName() == "Incomplete days"
    assert note.focusPolicy() == Qt.FocusPolicy.NoFocus
    queues = make_tab(CallKind.QUEUE)
    assert "12/5/26 (some calls missing)" in queues.incomplete.text.text()
    rings = make_tab(CallKind.RING_GROUP)
    assert not rings.incomplete.isVisible()  # no warning for what lost nothing


def test_the_note_stays_through_reloads_and_goes_once_the_days_are_whole(
        qtbot: QtBot, make_tab: MakeTab, store: CallStore) -> None:
    store.sync.incomplete.update(CallKind.USER, date(2026, 5, 1), date(2026, 5, 21),
                                 [(date(2026, 5, 19), 120, "too many")], FOUND)
    tab = make_tab(CallKind.USER)
    tab.reload()  # a refresh re-reads the table: the note is not a banner it overwrites
    assert tab.incomplete.isVisible()
    store.sync.incomplete.update(CallKind.USER, date(2026, 5, 19), date(2026, 5, 19), [],
                                 FOUND, retried=True)
    tab.incomplete.refresh()
    assert not tab.incomplete.isVisible()


def test_many_days_are_summed_up(qtbot: QtBot, make_tab: MakeTab, store: CallStore) -> None:
    store.sync.incomplete.update(
        CallKind.USER, date(2026, 5, 1), date(2026, 5, 21),
        [(date(2026, 5, day), 40_000 + day, "too many") for day in range(4, 20)], FOUND)
    tab = make_tab(CallKind.USER)
    text = tab.incomplete.text.text()
    assert "19/5/26 (about 40,000 missing)" in text
    assert text.count("missing") == 3
    assert "and 13 more days." in text
    assert tab.incomplete.toolTip().count("\n") == 15  # every day in the tooltip
