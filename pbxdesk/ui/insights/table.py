"""The numbers under each chart: a read-only table model, and the same rows as CSV.

A :class:`FigureTable` is the columns (title, tooltip, kind of value) and the
rows as plain values; :class:`FigureTableModel` shows it in the locale's format
(thousands separators, percentages, m:ss durations), and :func:`write_table_csv`
writes the plain values with the call export's conventions (UTF-8 with a
byte-order mark, Excel's dialect, text that Excel would run as a formula
prefixed with an apostrophe, the file appearing only when complete).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QWidget

from pbxdesk.ui.history.csvfile import atomic_csv, excel_text

Value = str | int | float | date | None
_Index = QModelIndex | QPersistentModelIndex


class Kind(Enum):
    """How a column's values read: on screen, and in the CSV file."""

    TEXT = "text"
    COUNT = "count"
    RATE = "rate"          # a fraction: "16.7 %" on screen, 0.1667 in the CSV
    SECONDS = "seconds"    # "1:05" on screen, 65 in the CSV
    DATE = "date"          # the locale's date on screen, YYYY-MM-DD in the CSV
    MONTH = "month"        # "March 2025" on screen, 2025-03 in the CSV


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    kind: Kind = Kind.COUNT
    tip: str = ""
    csv_name: str = ""

    @property
    def csv_title(self) -> str:
        return self.csv_name or self.title


@dataclass(frozen=True, slots=True)
class FigureTable:
    """A section's numbers: columns, and one tuple of values per row."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...] = ()
    targets: tuple[Any, ...] = field(default=(), compare=False)
    """Per row, what a double-click on it opens (see the tab); may be empty."""
    shown: tuple[tuple[str, ...], ...] = field(default=(), compare=False)
    """The rows as the locale shows them (:func:`with_shown_text`), worked out beside the
    figures: a table's paint then asks Python for stored strings only."""


def with_shown_text(table: FigureTable, locale: QLocale | None = None) -> FigureTable:
    """``table`` with :attr:`FigureTable.shown` filled in."""
    locale = locale or QLocale()
    kinds = [column.kind for column in table.columns]
    shown = tuple(tuple(display_text(value, kind, locale) for value, kind in zip(
        row, kinds, strict=True)) for row in table.rows)
    return replace(table, shown=shown)


def duration_text(seconds: float | None) -> str:
    """``"0:45"``, ``"12:05"``, ``"1:02:03"``; empty for None."""
    if seconds is None:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def display_text(value: Value, kind: Kind, locale: QLocale) -> str:
    if value is None:
        return "–" if kind in {Kind.RATE, Kind.SECONDS} else ""
    if kind is Kind.COUNT and isinstance(value, int):
        return locale.toString(value)
    if kind is Kind.RATE and isinstance(value, int | float):
        return f"{locale.toString(float(value) * 100, 'f', 1)} %"
    if kind is Kind.SECONDS and isinstance(value, int | float):
        return duration_text(value)
    if kind is Kind.DATE and isinstance(value, date):
        return locale.toString(qdate(value), QLocale.FormatType.ShortFormat)
    if kind is Kind.MONTH and isinstance(value, date):
        return locale.toString(qdate(value), "MMMM yyyy")
    return str(value)


def csv_text(value: Value, kind: Kind) -> str:
    if value is None:
        return ""
    if kind is Kind.RATE and isinstance(value, int | float):
        return f"{float(value):.4f}"
    if kind is Kind.SECONDS and isinstance(value, float):
        return f"{value:.1f}"
    if kind is Kind.MONTH and isinstance(value, date):
        return f"{value:%Y-%m}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    return excel_text(value)


_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_USER = Qt.ItemDataRole.UserRole
_ROLES_ANSWERED = frozenset({_DISPLAY, Qt.ItemDataRole.AccessibleTextRole, _ALIGNMENT, _USER})
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT_KINDS = frozenset({Kind.TEXT, Kind.DATE, Kind.MONTH})


class FigureTableModel(QAbstractTableModel):
    """A :class:`FigureTable` for a ``QTableView``: read-only, numbers right-aligned."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = FigureTable(())

    def set_table(self, table: FigureTable) -> None:
        self.beginResetModel()
        self.table = table
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.table.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.table.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Asked ~8 times per cell on every paint (a heat-map table is 182 cells): the roles
        # not answered leave first, the texts are the ones worked out with the figures.
        if role not in _ROLES_ANSWERED or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if row >= len(self.table.rows):
            return None
        if role == _ALIGNMENT:
            kind = self.table.columns[column].kind
            return _LEFT if kind in _LEFT_KINDS else _RIGHT
        value = self.table.rows[row][column]
        if role == _USER:
            return value
        if self.table.shown:
            return self.table.shown[row][column]
        return display_text(value, self.table.columns[column].kind, QLocale())

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not (
                0 <= section < len(self.table.columns)):
            return None
        column = self.table.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tip or None
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def write_table_csv(path: Path, table: FigureTable) -> int:
    """Write ``table`` to ``path`` atomically; returns the number of rows written.

    Raises the ``OSError`` that stopped it; ``path`` is then untouched and no
    temporary file is left.
    """
    with atomic_csv(path) as writer:
        writer.writerow([excel_text(column.csv_title) for column in table.columns])
        for row in table.rows:
            writer.writerow([csv_text(value, column.kind)
                             for value, column in zip(row, table.columns, strict=True)])
    return len(table.rows)
