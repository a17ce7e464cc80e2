"""The callbacks table's model: the worklist's items, filtered and sorted in memory.

The worklist is small (one row per caller over the last days: hundreds, a
few thousand at most) and already read on the service's worker thread, so the
model keeps it in a list; filtering and sorting are plain Python on it. Cells
are formatted when ``data()`` asks (numbers cost ~17 µs each to format, so
their forms are kept in a small cache shared by the app's lists).
"""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

from pbxdesk.phone import format_for_display
from pbxdesk.services.callbacktexts import (
    ShownState,
    caller_text,
    duration_text,
    shown_state,
    status_text,
)
from pbxdesk.services.worklist import Worklist
from pbxdesk.store.callbackrules import WITHHELD, ItemRow
from pbxdesk.store.search import parse_text

NUMBER_CACHE_SIZE: Final = 8192
ITEM_ROLE: Final = Qt.ItemDataRole.UserRole + 1
"""The row's :class:`ItemRow`."""
STANDOUT_COLOR: Final = QColor("#b3261e")
Index = QModelIndex | QPersistentModelIndex


class Column(Enum):
    """The columns, in order: (title, sample text for its width)."""

    CALLER = ("Caller", "+86 159 7674 7890")
    NAME = ("Name", "Jane Citizen-Smith")
    STATE = ("State", "Not needed")
    STATUS = ("Where it stands", "Reached: Ana Silva called back at 12:45 pm")
    WAITING = ("Waiting", "2 days 23 h")
    ATTEMPTS = ("Called", "12 ×")
    VIA = ("Through", "Sales queue, Reception")
    FIRST = ("First call", "")
    LAST = ("Last call", "")
    CALLBACKS = ("Call-backs", "3")

    @property
    def title(self) -> str:
        return self.value[0]

    @property
    def sample(self) -> str:
        return self.value[1]


COLUMNS: Final = tuple(Column)
TIME_COLUMNS: Final = frozenset({Column.FIRST, Column.LAST})


class Show(Enum):
    """The state filter's choices: (label, states shown)."""

    TO_DO = ("To call back", frozenset({ShownState.OPEN, ShownState.TRIED}))
    SNOOZED = ("Snoozed", frozenset({ShownState.SNOOZED}))
    CLOSED = ("Reached or done", frozenset({ShownState.REACHED, ShownState.DONE,
                                            ShownState.NOT_NEEDED}))
    ALL = ("All", frozenset(ShownState))

    @property
    def label(self) -> str:
        return self.value[0]

    @property
    def states(self) -> frozenset[ShownState]:
        return self.value[1]


# Default order: what to call back first (oldest waiting), then the rest.
@functools.lru_cache(maxsize=NUMBER_CACHE_SIZE)
def _number_text(raw: str, region: str) -> str:
    """A caller's number for display (~17 µs to format, so kept: the list repeats them)."""
    return format_for_display(raw, region)


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` for searching names."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def matches(item: ItemRow, text: str, region: str | None) -> bool:
    """The history's search rules: a number in any format, or part of a name."""
    query = parse_text(text, region)
    if query.name is not None:
        wanted = fold(query.name)
        return any(wanted in fold(value) for value in (item.caller_name, item.via, item.note))
    if not query.numbers:
        return True
    digits = (item.number.lstrip("+"), item.raw_number)
    return any(candidate in value for candidate in query.numbers for value in digits)


@dataclass(frozen=True, slots=True)
class SortKey:
    column: Column | None = None  # None: the default order
    descending: bool = False


class CallbacksModel(QAbstractTableModel):
    """The shown part of the worklist.

    Attributes:
        show: the state filter; text: the search; sort_key: the order.
    """

    def __init__(self, *, default_region: str,
                 moment_text: Callable[[int], str] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._region = default_region
        self._worklist = Worklist()
        self._rows: list[ItemRow] = []
        self._counts: dict[Show, int] = dict.fromkeys(Show, 0)
        self.show = Show.TO_DO
        self.text = ""
        self.sort_key = SortKey()
        self.now_us = 0
        self._locale = QLocale()
        self._moment_text = moment_text or self._locale_moment

    # -- what is shown ---------------------------------------------------------------------

    @property
    def worklist(self) -> Worklist:
        return self._worklist

    def set_worklist(self, worklist: Worklist) -> None:
        """Show this reading (its states and default order were worked out when read)."""
        self._worklist = worklist
        self.now_us = max(self.now_us, worklist.now_us)
        tally = Counter(worklist.states.values())
        self._counts = {show: sum(tally[state] for state in show.states) for show in Show}
        self._refill()

    def set_show(self, show: Show) -> None:
        self.show = show
        self._refill()

    def set_text(self, text: str) -> None:
        self.text = text.strip()
        self._refill()

    def set_default_region(self, region: str) -> None:
        self._region = region
        self._changed_all()

    def tick(self, now_us: int) -> None:
        """Time moved on: waiting times and claims read differently (a snooze's end
        comes as a new reading from the service)."""
        self.now_us = now_us
        self._changed_all()

    def counts(self) -> dict[Show, int]:
        """How many items each state choice would show (for the filter's labels)."""
        return dict(self._counts)

    def state_of(self, item: ItemRow) -> ShownState:
        """The item's state as of the reading (the service sends a new one when it moves)."""
        return self._worklist.states.get(item.number) or shown_state(item, self.now_us)

    def item_at(self, row: int) -> ItemRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, number: str) -> int | None:
        return next((row for row, item in enumerate(self._rows) if item.number == number), None)

    def items(self) -> list[ItemRow]:
        return list(self._rows)

    def number_text(self, raw: str) -> str:
        return _number_text(raw, self._region)

    def _refill(self) -> None:
        # The reading comes in the default order with each item's state (worked out on
        # the service's thread): here only the filter, and a sort if a column asks.
        self.beginResetModel()
        states, wanted = self._worklist.states, self.show.states
        rows = [item for item in self._worklist.items if states[item.number] in wanted]
        if self.text:
            rows = [item for item in rows if matches(item, self.text, self._region)]
        if self.sort_key.column is not None:
            rows.sort(key=self._key, reverse=self.sort_key.descending)
        self._rows = rows
        self.endResetModel()

    def _changed_all(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    def _key(self, item: ItemRow) -> tuple[Any, ...]:
        column = self.sort_key.column or Column.FIRST
        value: Any = {
            Column.CALLER: item.number, Column.NAME: fold(item.caller_name),
            Column.STATE: self.state_of(item).value, Column.ATTEMPTS: item.attempts,
            Column.FIRST: item.first_us, Column.LAST: item.last_us, Column.VIA: fold(item.via),
            Column.WAITING: -item.first_us if item.state.waiting else 1,
            Column.CALLBACKS: item.tries, Column.STATUS: self.status(item),
        }[column]
        return (value, item.first_us)

    # -- Qt's model interface ------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section].title
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_key = SortKey(COLUMNS[column] if 0 <= column < len(COLUMNS) else None,
                                order == Qt.SortOrder.DescendingOrder)
        self._refill()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item_at(index.row()) if index.isValid() else None
        if item is None or not 0 <= index.column() < len(COLUMNS):
            return None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{column.title}: {self._text(item, column) or 'none'}"
        if role == Qt.ItemDataRole.FontRole and column is Column.CALLER \
                and self.state_of(item).waiting:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            state = self.state_of(item)
            if state.waiting and column is Column.STATE:
                return STANDOUT_COLOR
            if not state.waiting:  # done with, or out of the way: quieter
                return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        return None

    def _text(self, item: ItemRow, column: Column) -> str:
        state = self.state_of(item)
        if column is Column.CALLER:
            return ("Withheld / anonymous" if item.number == WITHHELD
                    else self.number_text(item.raw_number))
        if column is Column.NAME:
            return item.caller_name
        if column is Column.STATE:
            return state.value
        if column is Column.ATTEMPTS:
            return f"{item.attempts} ×" if item.attempts != 1 else "1 ×"
        if column is Column.FIRST:
            return self.moment_text(item.first_us)
        if column is Column.LAST:
            return self.moment_text(item.last_us) if item.attempts > 1 else ""
        if column is Column.VIA:
            return item.via or "Direct"
        if column is Column.WAITING:
            if not state.waiting and state is not ShownState.SNOOZED:
                return ""
            return duration_text((self.now_us - item.first_us) / 1_000_000)
        if column is Column.CALLBACKS:
            return str(item.tries) if item.tries else ""
        return self.status(item)

    def status(self, item: ItemRow) -> str:
        """Where the item stands, with its note ("Reached: Ana called back at 2:14 pm")."""
        text = status_text(item, self.now_us, self._worklist.desk,
                           lambda when: self.moment_text(int(when.timestamp() * 1_000_000)))
        if item.note and self.state_of(item) is not ShownState.NOT_NEEDED:
            text += f" — Note: {item.note}"
        return text

    def _tooltip(self, item: ItemRow, column: Column) -> str:
        caller = caller_text(item, self.number_text)
        if column is Column.ATTEMPTS:
            span = duration_text((item.last_us - item.first_us) / 1_000_000)
            hold = f"; longest ring or hold {duration_text(item.wait_s)}" if item.wait_s else ""
            if item.attempts > 1:
                return f"{caller} called {item.attempts} times over {span}{hold}"
            return f"{caller} called once{hold}"
        if column is Column.STATUS or column is Column.STATE:
            return self.status(item)
        return caller

    def moment_text(self, micros: int) -> str:
        """A time in the locale's short date and time."""
        return self._moment_text(micros)

    def describe(self, item: ItemRow) -> str:
        """One sentence about an item, for the detail line and screen readers."""
        caller = caller_text(item, self.number_text)
        when = self.moment_text(item.first_us)
        called = (f"called {item.attempts} times since {when}" if item.attempts > 1
                  else f"called at {when}")
        return f"{caller} {called}. {self.status(item)}"

    def _locale_moment(self, micros: int) -> str:
        local = QDateTime.fromMSecsSinceEpoch(micros // 1000)
        return self._locale.toString(local, QLocale.FormatType.ShortFormat)
