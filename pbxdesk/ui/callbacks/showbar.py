"""Which callbacks to show, as a row of buttons that each carry their count.

"To call back (12) · Snoozed (1) · Reached or done (40) · All (53)": the
agent sees at a glance what each state holds without opening a list. One
button is down at a time; arrow keys move between them, as in a tab bar.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QAbstractButton, QButtonGroup, QHBoxLayout, QPushButton, QWidget

from pbxdesk.ui.callbacks.model import Show


class ShowBar(QWidget):
    """The state filter.

    Signals:
        sig_show_changed(object): the :class:`Show` chosen.
    """

    sig_show_changed = Signal(object)
    """The Show now chosen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Show callbacks")
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: dict[Show, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for show in Show:
            button = QPushButton(show.label, self)
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setAccessibleName(show.label)
            self._group.addButton(button)
            self.buttons[show] = button
            layout.addWidget(button)
        self.buttons[Show.TO_DO].setChecked(True)
        self._group.buttonToggled.connect(self._on_group_button_toggled)

    @property
    def chosen(self) -> Show:
        return next(show for show, button in self.buttons.items() if button.isChecked())

    def choose(self, show: Show) -> None:
        self.buttons[show].setChecked(True)

    def set_counts(self, counts: Mapping[Show, int]) -> None:
        for show, button in self.buttons.items():
            count = counts.get(show, 0)
            button.setText(f"{show.label} ({count})")
            button.setAccessibleDescription(f"{count} callbacks")

    @Slot(QAbstractButton, bool)
    def _on_group_button_toggled(self, button: QAbstractButton, checked: bool) -> None:
        if checked:
            show = next(show for show, made in self.buttons.items() if made is button)
            self.sig_show_changed.emit(show)
