"""The status bar says times the way the rest of the window does: in the user's locale."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest
from pytestqt.qtbot import QtBot

from pbxdesk.ui.statusbar import SyncStatusBar


@pytest.mark.usefixtures("australian_locale")
def test_an_exhausted_budget_names_the_next_request_in_the_locales_clock(
        qtbot: QtBot) -> None:
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    next_at = datetime.now().astimezone().replace(hour=15, minute=41, second=1)
    bar.on_budget_changed(0, 100, next_at)
    # (Qt's newer locale data puts a narrow no-break space before "pm".)
    text = bar.budget_label.text().replace("\u202f", " ")
    assert text == "API budget 0/100 — next request at 3:41 pm"
    bar.set_last_synced(next_at.replace(hour=9, minute=5))
    # The same clock as "Last synced" beside it.
    assert bar.synced_label.text().replace("\u202f", " ") == "Last synced 9:05 am"
    bar.on_budget_changed(42, 100, None)
    assert bar.budget_label.text() == "API budget 42/100"


def test_without_an_account_the_bar_says_nothing_about_syncs(qtbot: QtBot) -> None:
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.on_budget_changed(97, 100, None)
    bar.on_sync_started()
    bar.set_connected(False)
    assert not bar.synced_label.isVisible()
    assert not bar.budget_label.isVisible()
    assert not bar.busy.isVisible()
    assert bar.progress_label.text() == ""
    bar.set_connected(True)
    assert bar.synced_label.text() == "Not synced yet"
    assert bar.budget_label.isVisible()


def test_a_finished_sync_counts_its_calls_in_words_that_fit(qtbot: QtBot) -> None:
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    for inserted, text in ((1, "Sync complete: 1 new call"), (0, "Sync complete: 0 new calls"),
                           (2, "Sync complete: 2 new calls")):
        bar.on_sync_finished(SimpleNamespace(inserted=inserted, finished_at=datetime.now()))
        assert bar.progress_label.text() == text


def test_a_long_passing_message_ends_with_an_ellipsis_before_the_permanent_labels(
        qtbot: QtBot) -> None:
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    bar.resize(600, 30)
    bar.show()
    bar.set_last_synced(datetime.now().astimezone())
    bar.on_budget_changed(96, 100, None)
    bar.set_live_status("Live", "")
    qtbot.waitUntil(lambda: bar.synced_label.geometry().left() > 0, timeout=2000)
    bar.showMessage("Short note", 5000)
    assert bar.currentMessage() == "Short note"
    long = ("43 callbacks waiting: 0433 811 753 (Siobhan Kaur) tried once, Withheld or "
            "anonymous callers tried twice, 0422 865 044 (Olivia Papadopoulos) tried once")
    bar.showMessage(long, 5000)
    shown = bar.currentMessage()
    assert shown.endswith("…")
    assert long.startswith(shown[:-1])
    assert bar.fontMetrics().horizontalAdvance(shown) < bar.synced_label.geometry().left()
