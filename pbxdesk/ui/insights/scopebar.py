"""Insights' filter row: the date range (as in the histories) and whose calls.

Scope: "My calls" (the extension in Settings), users, queues or ring groups, each
with the same drop-down of names as the history tabs (none ticked: all).
:meth:`ScopeBar.build_query` turns the choices into an
:class:`~pbxdesk.store.insights.InsightsQuery`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date, tzinfo

from PySide6.QtCore import QDate, Signal, Slot
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from pbxdesk.store.insights import DEFAULT_SERVICE_LEVEL_S, InsightsQuery, Scope
from pbxdesk.ui.history.checklist import CheckList, Entry
from pbxdesk.ui.history.dates import DEFAULT_PRESET, DatePreset, DayRange, preset_days
from pbxdesk.ui.history.filterbar import EARLIEST_DAY, LATEST_DAY, USER_NAME, USER_NUMBER

SCOPE_CHOICES = ((Scope.ME, "My calls"), (Scope.USERS, "Users"), (Scope.QUEUES, "Queues"),
                 (Scope.RING_GROUPS, "Ring groups"))


def _to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _to_date(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class ScopeBar(QWidget):
    """Date range and scope.

    Signals:
        sig_changed(): any choice changed; read :meth:`build_query`.
    """

    sig_changed = Signal()
    """The range or the scope changed."""

    def __init__(self, today: Callable[[], date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self.my_extension = ""
        self.preset = QComboBox(self)
        for preset in DatePreset:
            self.preset.addItem(preset.value, preset)
        self.preset.setCurrentIndex(list(DatePreset).index(DEFAULT_PRESET))
        _describe(self.preset, "Date range", "Which days to count (your local days)")
        self.from_edit = self._date_edit("From date", "First day to count")
        self.to_edit = self._date_edit("To date", "Last day to count (included)")
        self.scope = QComboBox(self)
        for scope, text in SCOPE_CHOICES:
            self.scope.addItem(text, scope)
        _describe(self.scope, "Whose calls",
                  "Your own calls (the extension in Settings), or those of users, queues or "
                  "ring groups")
        self.targets = {
            Scope.USERS: CheckList("user", "users", self),
            Scope.QUEUES: CheckList("queue", "queues", self),
            Scope.RING_GROUPS: CheckList("ring group", "ring groups", self),
        }
        for scope, checklist in self.targets.items():
            noun = {Scope.USERS: "users", Scope.QUEUES: "queues",
                    Scope.RING_GROUPS: "ring groups"}[scope]
            _describe(checklist, noun.capitalize(), f"Count the calls of these {noun} only")
        self._layout()
        self._show_preset_days()
        self._show_scope()
        self._connect_signals()

    def _date_edit(self, name: str, tip: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setDateRange(_to_qdate(EARLIEST_DAY), _to_qdate(LATEST_DAY))
        short = edit.locale().dateFormat(edit.locale().FormatType.ShortFormat)
        edit.setDisplayFormat(short if "yyyy" in short else short.replace("yy", "yyyy"))
        _describe(edit, name, tip + "; changing it switches to a custom range")
        return edit

    def _layout(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preset)
        layout.addWidget(self.from_edit)
        dash = QLabel("–", self)
        dash.setAccessibleName("to")
        layout.addWidget(dash)
        layout.addWidget(self.to_edit)
        layout.addSpacing(8)
        layout.addWidget(self.scope)
        for checklist in self.targets.values():
            layout.addWidget(checklist)
        layout.addStretch(1)
        for first, second in itertools.pairwise(self.tab_chain):
            QWidget.setTabOrder(first, second)

    @property
    def tab_chain(self) -> list[QWidget]:
        return [self.preset, self.from_edit, self.to_edit, self.scope,
                *self.targets.values()]

    def _connect_signals(self) -> None:
        self.preset.currentIndexChanged.connect(self._on_preset_changed)
        self.from_edit.dateChanged.connect(self._on_date_edited)
        self.to_edit.dateChanged.connect(self._on_date_edited)
        self.scope.currentIndexChanged.connect(self._on_scope_changed)
        for checklist in self.targets.values():
            checklist.sig_selection_changed.connect(self.sig_changed)

    # -- reading -------------------------------------------------------------------------

    def current_scope(self) -> Scope:
        scope: Scope = self.scope.currentData()
        return scope

    def day_range(self) -> DayRange:
        preset: DatePreset = self.preset.currentData()
        custom = DayRange(_to_date(self.from_edit.date()), _to_date(self.to_edit.date()))
        return preset_days(preset, self._today(), custom)

    def build_query(self, *, zone: tzinfo | None = None,
                    service_level_s: int = DEFAULT_SERVICE_LEVEL_S) -> InsightsQuery:
        start, end = self.day_range().to_utc(zone)
        scope = self.current_scope()
        numbers: set[str] = set()
        names: set[str] = set()
        groups: set[str] = set()
        if scope is Scope.ME:
            numbers.add(self.my_extension or "")
        elif scope is Scope.USERS:
            for key in self.targets[scope].checked_keys():
                if isinstance(key, tuple) and key[0] == USER_NUMBER:
                    numbers.add(key[1])
                elif isinstance(key, tuple) and key[0] == USER_NAME:
                    names.add(key[1])
        else:
            groups = {key for key in self.targets[scope].checked_keys() if isinstance(key, str)}
        return InsightsQuery(start=start, end=end, scope=scope, user_numbers=frozenset(numbers),
                             user_names=frozenset(names), group_names=frozenset(groups),
                             zone=zone, service_level_s=service_level_s)

    def describe_scope(self) -> str:
        """"your calls (1010)", "3 users", "all queues" … for the summary line."""
        scope = self.current_scope()
        if scope is Scope.ME:
            return (f"your calls (extension {self.my_extension})" if self.my_extension
                    else "your calls — set your extension in Settings")
        text = self.targets[scope].full_text()
        return "all " + text[4:] if text.startswith("All ") else text

    # -- changing ------------------------------------------------------------------------

    def set_entries(self, scope: Scope, entries: Sequence[Entry]) -> None:
        self.targets[scope].set_entries(entries)

    def set_scope(self, scope: Scope) -> None:
        self.scope.setCurrentIndex([s for s, _ in SCOPE_CHOICES].index(scope))

    def set_custom_range(self, first: date, last: date) -> None:
        for widget in (self.preset, self.from_edit, self.to_edit):
            widget.blockSignals(True)
        self.preset.setCurrentIndex(list(DatePreset).index(DatePreset.CUSTOM))
        self.from_edit.setDate(_to_qdate(first))
        self.to_edit.setDate(_to_qdate(last))
        for widget in (self.preset, self.from_edit, self.to_edit):
            widget.blockSignals(False)
        self.sig_changed.emit()

    def refresh_today(self) -> None:
        """After midnight a preset's days move on (shown dates follow)."""
        if self.preset.currentData() is not DatePreset.CUSTOM:
            self._show_preset_days()

    def _show_preset_days(self) -> None:
        days = self.day_range()
        for edit, day in ((self.from_edit, days.first), (self.to_edit, days.last)):
            edit.blockSignals(True)
            edit.setDate(_to_qdate(day))
            edit.blockSignals(False)

    def _show_scope(self) -> None:
        scope = self.current_scope()
        for each, checklist in self.targets.items():
            checklist.setVisible(each is scope)

    @Slot(int)
    def _on_preset_changed(self, _index: int) -> None:
        if self.preset.currentData() is not DatePreset.CUSTOM:
            self._show_preset_days()
        self.sig_changed.emit()

    @Slot(QDate)
    def _on_date_edited(self, _day: QDate) -> None:
        if self.preset.currentData() is not DatePreset.CUSTOM:
            self.preset.blockSignals(True)
            self.preset.setCurrentIndex(list(DatePreset).index(DatePreset.CUSTOM))
            self.preset.blockSignals(False)
        self.sig_changed.emit()

    @Slot(int)
    def _on_scope_changed(self, _index: int) -> None:
        self._show_scope()
        self.sig_changed.emit()


def _describe(widget: QWidget, name: str, tip: str) -> None:
    widget.setAccessibleName(name)
    widget.setToolTip(tip)
