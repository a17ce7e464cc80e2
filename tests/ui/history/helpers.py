"""Reading a HistoryTab's table back, and ground truth in plain Python."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from PySide6.QtCore import Qt

from pbxdesk.api.models import AnyCall
from pbxdesk.ui.history import HistoryTab
from pbxdesk.ui.history.columns import Field
from pbxdesk.ui.history.model import CALL_ROLE


def page_calls(tab: HistoryTab) -> list[AnyCall]:
    """The calls the table shows on its current page, top to bottom."""
    model = tab.model
    return [model.data(model.index(row, 0), CALL_ROLE) for row in range(model.rowCount())]


def page_keys(tab: HistoryTab) -> list[str]:
    return [call.key for call in page_calls(tab)]


def all_keys(tab: HistoryTab) -> list[str]:
    """Every row of the filter, page by page through the model (ends on the last page)."""
    keys: list[str] = []
    tab.model.set_page(0)
    while True:
        keys += page_keys(tab)
        if not tab.model.set_page(tab.model.page + 1):
            return keys


def column_texts(tab: HistoryTab, field: Field) -> list[str]:
    model = tab.model
    column = model.column_of(field)
    return [model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
            for row in range(model.rowCount())]


def between(calls: Iterable[AnyCall], start: datetime, end: datetime) -> list[AnyCall]:
    return [call for call in calls
            if call.call_start_at is not None and start <= call.call_start_at < end]


def newest_first(calls: Iterable[AnyCall]) -> list[AnyCall]:
    dated = [call for call in calls if call.call_start_at is not None]
    return sorted(dated, key=lambda call: call.call_start_at or datetime.min, reverse=True)


def keys_where(calls: Iterable[AnyCall], test: Callable[[AnyCall], bool]) -> set[str]:
    return {call.key for call in calls if test(call)}
