"""One page of the settings dialog: rows of label, field, help text and problem text.

Each row's label gets a mnemonic that is unique on the page, and its buddy is
the field, so Alt+letter jumps there. Under the field sit its help (always
shown, so nobody has to hover for it) and its problem, written out in words.
Full-width panels (the connection test's verdict, the link panel) go under all
the rows.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.ui.settings.mnemonics import with_mnemonic

_HELP_STYLE = "color: palette(placeholder-text);"
_MISSING_STYLE = "color: palette(placeholder-text);"
_ERROR_STYLE = "color: #a11b1b;"


class FormPage(QWidget):
    """A tab of the dialog; ``taken`` holds the mnemonic letters already in use."""

    def __init__(self, taken: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._taken = set(taken)
        # Full-width panels sit in a box under the form, not in a spanning form row:
        # QFormLayout under-counts a spanning row's height-for-width, so a wrapped
        # verdict was cut to one line per paragraph.
        self._column = QVBoxLayout(self)
        self._form = QFormLayout()
        self._column.addLayout(self._form)
        self._column.addStretch(1)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self._form.setVerticalSpacing(10)

    def mnemonic(self, text: str) -> str:
        """``text`` with a mnemonic free on this page (for check boxes, which label themselves)."""
        return with_mnemonic(text, self._taken)

    def add_field(self, key: str, label_text: str | None, field: QWidget, help_text: str, *,
                  buddy: QWidget | None = None) -> QLabel:
        """Add a row; returns its (hidden) problem label. ``label_text`` None: no label."""
        # A widget (not a bare layout) holds the column, so wrapped help text gets its
        # height for the real width instead of overlapping the next row.
        cell = QWidget(self)
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        # Choices and numbers keep their natural width; a stretched combo box reads oddly.
        compact = isinstance(field, QComboBox | QAbstractSpinBox)
        column.addWidget(field, 0, Qt.AlignmentFlag.AlignLeft if compact else Qt.AlignmentFlag(0))
        name = label_text or help_text
        if help_text:
            caption = QLabel(help_text, cell)
            caption.setObjectName(f"help_{key}")
            caption.setWordWrap(True)
            caption.setStyleSheet(_HELP_STYLE)
            caption.setAccessibleName(f"Help: {name}")
            column.addWidget(caption)
        problem = QLabel(cell)
        problem.setObjectName(f"problem_{key}")
        problem.setWordWrap(True)
        problem.setTextFormat(Qt.TextFormat.PlainText)
        problem.setAccessibleName(f"Problem with {name}")
        # Its line is kept while hidden: a message appearing as the user types must not
        # make the rows below jump (a longer one still pushes them down, once).
        # One line as drawn, with room for the sign (often from a taller fallback font).
        problem.setMinimumHeight(math.ceil(problem.fontMetrics().lineSpacing() * 1.25))
        policy = problem.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        problem.setSizePolicy(policy)
        problem.hide()
        column.addWidget(problem)
        if label_text is None:
            self._form.addRow(cell)
        else:
            label = QLabel(self.mnemonic(label_text), self)
            label.setBuddy(buddy or field)
            self._form.addRow(label, cell)
        return problem

    def add_indented(self, layout: QLayout) -> None:
        """A row under the fields, aligned with them (e.g. the Test connection button)."""
        self._form.addRow("", layout)

    def add_full_width(self, widget: QWidget) -> None:
        """A panel under all the rows, as wide as the page."""
        self._column.insertWidget(self._column.count() - 1, widget)


def show_problem(label: QLabel, message: str | None, *, missing: bool = False) -> None:
    """Write ``message`` under its field: plain when a required field is empty, else a warning."""
    label.setVisible(message is not None)
    if message is None:
        return
    label.setText(message if missing else f"⚠ {message}")
    label.setStyleSheet(_MISSING_STYLE if missing else _ERROR_STYLE)
