"""The filter bar above the history table: dates, users or groups, outcome, search.

It only collects the user's choices and says when they changed
(``sig_filter_changed``); :meth:`FilterBar.build_filter` turns them into a
:class:`~pbxdesk.store.CallFilter`. Typing in the search box is debounced so a
number typed digit by digit queries the store once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date, datetime
from typing import Final

from PySide6.QtCore import QDate, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from pbxdesk.api.models import CallKind, Direction, Outcome
from pbxdesk.store import CallFilter
from pbxdesk.ui.flowlayout import FlowLayout
from pbxdesk.ui.history.checklist import CheckList, Entry
from pbxdesk.ui.history.dates import DEFAULT_PRESET, DatePreset, DayRange, local_today, preset_days

SEARCH_DELAY_MS: Final = 250
EARLIEST_DAY: Final = date(2000, 1, 1)
LATEST_DAY: Final = date(2099, 12, 31)
MISSED_CHOICE: Final = "Missed"
INBOUND_CHOICE: Final = "Inbound"
OUTCOME_CHOICES: Final[tuple[tuple[str, frozenset[Outcome]], ...]] = (
    ("All outcomes", frozenset()),
    ("Answered", frozenset({Outcome.ANSWERED})),
    ("Not answered", frozenset({Outcome.MISSED, Outcome.ABANDONED, Outcome.BUSY,
                                Outcome.FAILED})),
    (MISSED_CHOICE, frozenset({Outcome.MISSED})),
    ("Abandoned", frozenset({Outcome.ABANDONED})),
    ("Busy", frozenset({Outcome.BUSY})),
    ("Failed", frozenset({Outcome.FAILED})),
    ("Other", frozenset({Outcome.UNKNOWN})),
)
DIRECTION_CHOICES: Final[tuple[tuple[str, frozenset[Direction]], ...]] = (
    ("All directions", frozenset()),
    (INBOUND_CHOICE, frozenset({Direction.INBOUND})),
    ("Outbound", frozenset({Direction.OUTBOUND})),
    ("Internal", frozenset({Direction.INTERNAL})),
)
USER_NUMBER: Final = "number"
USER_NAME: Final = "name"


def _to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _to_date(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class FilterBar(QWidget):
    """The history tab's filter controls.

    Signals:
        sig_filter_changed(): any choice changed (search text after a short pause).
    """

    sig_filter_changed = Signal()
    """A filter choice changed; read :meth:`build_filter`."""

    def __init__(self, kind: CallKind, *, today: Callable[[], date] = local_today,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self._today = today
        self.preset = QComboBox(self)
        for preset in DatePreset:
            self.preset.addItem(preset.value, preset)
        self.preset.setCurrentIndex(list(DatePreset).index(DEFAULT_PRESET))
        _describe(self.preset, "Date range", "Which days to show (your local days)")
        self.from_edit = self._date_edit("From date", "First day to show")
        self.to_edit = self._date_edit("To date", "Last day to show (included)")
        if kind is CallKind.USER:
            self.targets = CheckList("user", "users", self)
            _describe(self.targets, "Users filter", "Show the calls of these users only")
        else:
            noun = "queue" if kind is CallKind.QUEUE else "ring group"
            self.targets = CheckList(noun, f"{noun}s", self)
            _describe(self.targets, f"{noun.capitalize()}s filter",
                      f"Show the calls of these {noun}s only")
        self.outcome = self._choice(OUTCOME_CHOICES, "Outcome filter",
                                    "Show only answered, missed, abandoned … calls")
        self.direction: QComboBox | None = None
        if kind is CallKind.USER:
            self.direction = self._choice(DIRECTION_CHOICES, "Direction filter",
                                          "Show only inbound, outbound or internal calls")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search number or name")
        self.search.setClearButtonEnabled(True)
        # Room for the placeholder (the clear button shows only over text), no more: the
        # window must fit a 1280-pixel screen beside the dial pad. It widens with the
        # window (see _layout).
        self.search.setMinimumWidth(
            self.search.fontMetrics().horizontalAdvance(self.search.placeholderText()) + 16)
        self.search.setMaximumWidth(360)
        _describe(self.search, "Search calls",
                  "A number in any format (0412 345 678, +61 412 345 678) or part of a name")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._applied_text = ""
        # Set from Insights ("Mondays 9–10 am"): hours within the date range; cleared by the
        # chip's button or when the dates change.
        self._periods: tuple[tuple[datetime, datetime], ...] = ()
        self.periods_chip = QToolButton(self)
        self.periods_chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.periods_chip.setAccessibleName("Clear the hours filter")
        self._set_periods((), "")
        self._layout()
        self._show_preset_days()
        self._connect_signals()

    def _date_edit(self, name: str, tip: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        # Qt allows 1752 to 9999; local midnights that far out overflow the C library.
        edit.setDateRange(_to_qdate(EARLIEST_DAY), _to_qdate(LATEST_DAY))
        edit.setDisplayFormat(_four_digit_year(
            edit.locale().dateFormat(edit.locale().FormatType.ShortFormat)))
        _describe(edit, name, tip + "; changing it switches to a custom range")
        return edit

    def _choice(self, choices: Sequence[tuple[str, object]], name: str, tip: str) -> QComboBox:
        combo = QComboBox(self)
        for text, value in choices:
            combo.addItem(text, value)
        _describe(combo, name, tip)
        return combo

    def _layout(self) -> None:
        # The date range is one piece (it wraps as one); the rest wrap one by one when
        # the window is narrow (half a screen beside the dial pad).
        dates = QWidget(self)
        dates_row = QHBoxLayout(dates)
        dates_row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.preset, self.from_edit):
            widget.setParent(dates)
            dates_row.addWidget(widget)
        dash = QLabel("–", dates)
        dash.setAccessibleName("to")
        dates_row.addWidget(dash)
        self.to_edit.setParent(dates)
        dates_row.addWidget(self.to_edit)
        self.flow = FlowLayout(self, spacing=8)
        self.flow.add_widget(dates)
        self.flow.add_widget(self.periods_chip)
        self.flow.add_widget(self.targets)
        self.flow.add_widget(self.outcome)
        if self.direction is not None:
            self.flow.add_widget(self.direction)
        self.flow.add_widget(self.search, stretch=1)
        # Tab order follows the layout, left to right.
        for first, second in itertools.pairwise(self.tab_chain):
            QWidget.setTabOrder(first, second)

    def add_trailing(self, widget: QWidget) -> None:
        """Put ``widget`` (the tab's Export button) after the filters, in the same flow."""
        widget.setParent(self)
        self.flow.add_widget(widget)

    def _connect_signals(self) -> None:
        self.preset.currentIndexChanged.connect(self._on_preset_changed)
        self.from_edit.dateChanged.connect(self._on_date_edited)
        self.to_edit.dateChanged.connect(self._on_date_edited)
        self.targets.sig_selection_changed.connect(self.sig_filter_changed)
        self.outcome.currentIndexChanged.connect(self.sig_filter_changed)
        if self.direction is not None:
            self.direction.currentIndexChanged.connect(self.sig_filter_changed)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_timer_timeout)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.periods_chip.clicked.connect(self._on_periods_chip_clicked)

    @property
    def tab_chain(self) -> list[QWidget]:
        """The bar's controls in tab order (the last one is the search box)."""
        chain: list[QWidget] = [self.preset, self.from_edit, self.to_edit, self.periods_chip,
                                self.targets, self.outcome]
        if self.direction is not None:
            chain.append(self.direction)
        return [*chain, self.search]

    # -- reading -------------------------------------------------------------------------

    def current_preset(self) -> DatePreset:
        preset: DatePreset = self.preset.currentData()
        return preset

    def day_range(self) -> DayRange:
        """The chosen local days (a preset is worked out against today's date)."""
        custom = DayRange(_to_date(self.from_edit.date()), _to_date(self.to_edit.date()))
        return preset_days(self.current_preset(), self._today(), custom)

    def narrowing_hint(self) -> str:
        """What to change when nothing matches, naming only the choices that narrow.

        "Try a longer date range, clear the search or choose All outcomes." A hint to
        clear a search that is empty sends the agent looking for what is not there.
        """
        steps = ["a longer date range"]
        if self._applied_text:
            steps.append("clear the search")
        if self.targets.checked_keys():
            steps.append(f"choose {self.targets.all_action().text()}")
        for combo in (self.outcome, self.direction):
            if combo is not None and combo.currentIndex() > 0:
                steps.append(f"choose {combo.itemText(0)}")
        if len(steps) == 1:
            return f"Try {steps[0]}."
        return f"Try {', '.join(steps[:-1])} or {steps[-1]}."

    def build_filter(self) -> CallFilter:
        start, end = self.day_range().to_utc()
        keys = self.targets.checked_keys()
        users: dict[str, set[str]] = {USER_NUMBER: set(), USER_NAME: set()}
        groups: set[str] = set()
        for key in keys:
            if self.kind is CallKind.USER and isinstance(key, tuple):
                users[key[0]].add(key[1])
            elif isinstance(key, str):
                groups.add(key)
        directions: frozenset[Direction] = frozenset()
        if self.direction is not None:
            directions = self.direction.currentData()
        return CallFilter(start=start, end=end, kinds=frozenset({self.kind}),
                          user_numbers=frozenset(users[USER_NUMBER]),
                          user_names=frozenset(users[USER_NAME]),
                          group_names=frozenset(groups), outcomes=self.outcome.currentData(),
                          directions=directions, text=self._applied_text,
                          periods=self._periods)

    # -- changing ------------------------------------------------------------------------

    def set_targets(self, entries: Sequence[Entry]) -> None:
        """The users (user tab) or groups offered in the drop-down; ticks are kept."""
        self.targets.set_entries(entries)

    def set_preset(self, preset: DatePreset) -> None:
        self.preset.setCurrentIndex(list(DatePreset).index(preset))

    def set_custom_range(self, first: date, last: date) -> None:
        """Choose a custom range (one signal)."""
        with _Blocked(self.preset, self.from_edit, self.to_edit):
            self.preset.setCurrentIndex(list(DatePreset).index(DatePreset.CUSTOM))
            self.from_edit.setDate(_to_qdate(first))
            self.to_edit.setDate(_to_qdate(last))
        self.sig_filter_changed.emit()

    def set_search_text(self, text: str) -> None:
        """Put ``text`` in the search box and apply it at once (no pause)."""
        self.search.setText(text)
        self._on_search_timer_timeout()

    def show_missed(self, user_number: str, preset: DatePreset) -> None:
        """Inbound missed calls over ``preset`` (of ``user_number`` when given); one signal.

        The search box is cleared: a forgotten search must not hide a missed call.
        """
        blocked = [self.preset, self.outcome, self.targets, self.search]
        if self.direction is not None:
            blocked.append(self.direction)
        with _Blocked(*blocked):
            self.preset.setCurrentIndex(list(DatePreset).index(preset))
            self.outcome.setCurrentIndex(self.outcome.findText(MISSED_CHOICE))
            if self.direction is not None:
                self.direction.setCurrentIndex(self.direction.findText(INBOUND_CHOICE))
            if user_number:
                self.targets.set_checked_keys({(USER_NUMBER, user_number)})
            self.search.clear()
        self._search_timer.stop()
        self._applied_text = ""
        self._show_preset_days()
        self.sig_filter_changed.emit()

    def show_calls(self, first: date, last: date, keys: Iterable[Hashable],
                   periods: Sequence[tuple[datetime, datetime]] = (),
                   periods_label: str = "") -> None:
        """Days ``first``..``last`` of these users or groups (all when none), every
        outcome and direction, no search; only ``periods`` of those days when given
        (shown as a chip that clears them). One signal."""
        blocked = [self.preset, self.from_edit, self.to_edit, self.outcome, self.targets,
                   self.search]
        if self.direction is not None:
            blocked.append(self.direction)
        with _Blocked(*blocked):
            self.preset.setCurrentIndex(list(DatePreset).index(DatePreset.CUSTOM))
            self.from_edit.setDate(_to_qdate(first))
            self.to_edit.setDate(_to_qdate(last))
            self.outcome.setCurrentIndex(0)
            if self.direction is not None:
                self.direction.setCurrentIndex(0)
            self.targets.set_checked_keys(keys)
            self.search.clear()
        self._search_timer.stop()
        self._applied_text = ""
        self._set_periods(tuple(periods), periods_label)
        self.sig_filter_changed.emit()

    def _set_periods(self, periods: tuple[tuple[datetime, datetime], ...], label: str) -> None:
        self._periods = periods
        self.periods_chip.setText(f"{label}  ✕")
        self.periods_chip.setToolTip(f"Only calls of {label or 'some hours (from Insights)'}; "
                                     "click to show every hour")
        self.periods_chip.setVisible(bool(periods))

    @Slot()
    def _on_periods_chip_clicked(self) -> None:
        self._set_periods((), "")
        self.sig_filter_changed.emit()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh_today(self) -> bool:
        """Move a preset's dates on after midnight; True if they changed."""
        if self.current_preset() is DatePreset.CUSTOM:
            return False
        shown = DayRange(_to_date(self.from_edit.date()), _to_date(self.to_edit.date()))
        if shown == self.day_range():
            return False
        self._show_preset_days()
        return True

    def _show_preset_days(self) -> None:
        days = self.day_range()
        with _Blocked(self.from_edit, self.to_edit):
            self.from_edit.setDate(_to_qdate(days.first))
            self.to_edit.setDate(_to_qdate(days.last))

    @Slot(int)
    def _on_preset_changed(self, _index: int) -> None:
        self._set_periods((), "")
        if self.current_preset() is not DatePreset.CUSTOM:
            self._show_preset_days()
        self.sig_filter_changed.emit()

    @Slot(QDate)
    def _on_date_edited(self, _day: QDate) -> None:
        self._set_periods((), "")
        if self.current_preset() is not DatePreset.CUSTOM:
            with _Blocked(self.preset):
                self.preset.setCurrentIndex(list(DatePreset).index(DatePreset.CUSTOM))
        self.sig_filter_changed.emit()

    @Slot(str)
    def _on_search_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self._search_timer.stop()
        text = self.search.text().strip()
        if text != self._applied_text:
            self._applied_text = text
            self.sig_filter_changed.emit()


def _four_digit_year(date_format: str) -> str:
    """The locale's short date with the whole year: "1/1/20" reads as a day or a year."""
    return date_format if "yyyy" in date_format else date_format.replace("yy", "yyyy")


def _describe(widget: QWidget, name: str, tip: str) -> None:
    widget.setAccessibleName(name)
    widget.setToolTip(tip)


class _Blocked:
    """Blocks the widgets' signals for a ``with`` block (programmatic changes)."""

    def __init__(self, *widgets: QWidget) -> None:
        self._widgets = widgets
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous = [widget.blockSignals(True) for widget in self._widgets]

    def __exit__(self, *_exc: object) -> None:
        for widget, previous in zip(self._widgets, self._previous, strict=True):
            widget.blockSignals(previous)


def user_entries(users: Sequence[tuple[str, str]]) -> list[Entry]:
    """Drop-down entries for (number, name) pairs: one per extension, plus names seen
    without one (group calls often send no user number) that no extension carries."""
    entries: list[Entry] = []
    named = {name for number, name in users if number and name}
    for number, name in users:
        key: Hashable
        if number:
            key, label = (USER_NUMBER, number), f"{name} ({number})" if name else number
        elif name and name not in named:
            key, label = (USER_NAME, name), name
        else:
            continue
        entries.append((key, label))
    return entries
