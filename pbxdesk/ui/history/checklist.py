"""A drop-down button for choosing several entries (users, queues), with "All".

The menu stays open while entries are ticked, so several can be chosen in one
go; "All" and the entries exclude each other (ticking an entry clears "All",
clearing the last entry ticks "All" again). An empty choice means "all".

The button shows the ticked name in full where there is room; where there is
not, it shrinks no further than "All users" and the name ends in "…" (the
tooltip has it all), so a long name never widens the window.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QMenu, QPushButton, QSizePolicy, QWidget

from pbxdesk.ui.plaintip import plain_tip

Entry = tuple[Hashable, str]
"""A key (what the filter uses) and its label."""


class StayOpenMenu(QMenu):
    """A menu whose checkable actions toggle without closing it."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        action = self.activeAction()
        if action is not None and action.isEnabled() and action.isCheckable():
            action.trigger()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        action = self.activeAction()
        if (event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and action is not None and action.isEnabled() and action.isCheckable()):
            action.trigger()
            return
        super().keyPressEvent(event)


class CheckList(QPushButton):
    """Several-of-many choice in a drop-down.

    Signals:
        sig_selection_changed(): the ticked entries changed.
    """

    sig_selection_changed = Signal()
    """The ticked entries changed (read :meth:`checked_keys`)."""

    def __init__(self, singular: str, plural: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._singular = singular
        self._plural = plural
        self._menu = StayOpenMenu(self)
        self._menu.setAccessibleName(f"Choose {plural}")
        self._all = QAction(f"All {plural}", self._menu)
        self._all.setCheckable(True)
        self._all.setChecked(True)
        self._all.triggered.connect(self._on_all_triggered)
        self._actions: dict[Hashable, QAction] = {}
        self._menu.addAction(self._all)
        self._menu.addSeparator()
        self.setMenu(self._menu)
        self.setAutoDefault(False)
        # Preferred, not a button's Minimum: it may shrink below its text (see above).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, self.sizePolicy().verticalPolicy())
        self._full_text = self._all.text()
        super().setText(_escaped(self._full_text))
        # What the button adds around its text (margins, the menu arrow).
        self._chrome = super().sizeHint().width() - self._text_width(self._full_text)
        self._update_text()

    @property
    def menu_widget(self) -> QMenu:
        return self._menu

    def entries(self) -> list[Entry]:
        return [(key, self._label(action)) for key, action in self._actions.items()]

    def action_for(self, key: Hashable) -> QAction | None:
        return self._actions.get(key)

    def all_action(self) -> QAction:
        return self._all

    def set_entries(self, entries: Sequence[Entry]) -> None:
        """Replace the entries, keeping the ticks of those that remain (no signal)."""
        if [(key, label) for key, label in entries] == self.entries():
            return
        checked = self.checked_keys()
        for action in self._actions.values():
            self._menu.removeAction(action)
            action.deleteLater()
        self._actions = {}
        for key, label in entries:
            # "&" in a name is a character, not a keyboard mnemonic ("Sales & Support").
            action = QAction(_escaped(label), self._menu)
            action.setData(label)  # the name as given, for entries() and the button
            action.setCheckable(True)
            action.setChecked(key in checked)
            action.triggered.connect(self._on_entry_triggered)
            self._menu.addAction(action)
            self._actions[key] = action
        self._all.setChecked(not self.checked_keys())
        self._update_text()

    def checked_keys(self) -> frozenset[Hashable]:
        """The ticked entries' keys; empty when "All" is ticked."""
        return frozenset(key for key, action in self._actions.items() if action.isChecked())

    def set_checked_keys(self, keys: Iterable[Hashable]) -> None:
        wanted = set(keys)
        for key, action in self._actions.items():
            action.setChecked(key in wanted)
        self._settle()

    @Slot()
    def _on_all_triggered(self) -> None:
        for action in self._actions.values():
            action.setChecked(False)
        self._settle()

    @Slot()
    def _on_entry_triggered(self) -> None:
        self._settle()

    def _settle(self) -> None:
        self._all.setChecked(not self.checked_keys())
        self._update_text()
        self.sig_selection_changed.emit()

    def _update_text(self) -> None:
        checked = [self._label(action) for action in self._actions.values()
                   if action.isChecked()]
        if not checked:
            text = f"All {self._plural}"
        elif len(checked) == 1:
            text = checked[0]
        else:
            text = f"{len(checked)} {self._plural}"
        self._full_text = text
        self._show_text()
        self.updateGeometry()  # the size hint follows the full text
        self.setToolTip(plain_tip(f"Show the calls of these {self._plural} only"
                                  + (f": {', '.join(checked)}" if checked else " (now: all)")))

    @staticmethod
    def _label(action: QAction) -> str:
        return str(action.data())

    def full_text(self) -> str:
        """What the button says when it has room (``text()`` may end in "…")."""
        return self._full_text

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self._chrome + self._text_width(self._full_text),
                     super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self._chrome + self._text_width(self._all.text()),
                     super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._show_text()

    def _show_text(self) -> None:
        text = self._full_text
        if self.isVisible():  # before the first layout the width means nothing yet
            room = max(self.width() - self._chrome, self._text_width(self._all.text()))
            text = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room)
        if _escaped(text) != super().text():
            super().setText(_escaped(text))

    def _text_width(self, text: str) -> int:
        # A few pixels over the rounded advance: eliding measures in fractions, and
        # "All users" at exactly its width came out as "All us…".
        return self.fontMetrics().horizontalAdvance(text) + 4


def _escaped(text: str) -> str:
    """A name with "&" ("Sales & Support") shown as written, not as a shortcut key."""
    return text.replace("&", "&&")
