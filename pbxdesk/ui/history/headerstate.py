"""Keeping a history table's columns in the account's store: which are hidden,
their order and their widths, one entry per call kind.

The entry is the header's own ``saveState()`` in base64, in a JSON object with
a version and the fields of the columns it was saved for: a state saved by a
build whose columns differ (one added, or moved in columns.py) would put the
widths and ticks on the wrong columns, so it is dropped for the defaults, as is
a damaged one (logged, never shown). Writing waits for a short pause, as
dragging a column's edge resizes it once per pixel. A store that cannot be
written (a full disk) costs the layout, never the session: logged and carried on.

Qt's state also carries the header's own settings (movable sections, the
stretched last section, alignment): raise :data:`STATE_VERSION` when view.py
changes those, or old states would bring the old settings back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final

from PySide6.QtCore import QByteArray, QObject, QTimer, Slot
from PySide6.QtWidgets import QHeaderView

from pbxdesk.api.models import CallKind
from pbxdesk.store import KeyValues, StoreError
from pbxdesk.ui.qtstate import state_from_text, state_to_text

log = logging.getLogger("pbxdesk.ui")

STATE_VERSION: Final = 1
SAVE_DELAY_MS: Final = 400


def state_key(kind: CallKind) -> str:
    """The store key of ``kind``'s column layout."""
    return f"ui.history.header.{kind.value}"


class HeaderMemory(QObject):
    """Restores and saves the layout of one table header under one store key.

    Connect the header's changes to :meth:`schedule_save`; call :meth:`flush` when
    the table is hidden or goes away (a pending save is written at once).
    """

    def __init__(self, header: QHeaderView, values: KeyValues, key: str,
                 fields: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._header = header
        self._values = values
        self.key = key
        self._fields = list(fields)
        self._saved: str | None = None  # the state last read or written, in base64
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save)

    def save_pending(self) -> bool:
        """Whether a change waits to be written."""
        return self._timer.isActive()

    def restore(self) -> bool:
        """Apply the stored layout; False (the header untouched) without a usable one.

        It also restores the sort indicator saved with it, and announces it: call it
        before the view's sorting is switched on.
        """
        try:
            stored = self._values.get(self.key)
        except StoreError as error:
            log.warning("Could not read the column layout (%s): %s", self.key, error)
            return False
        if stored is None:
            return False
        state = self._decode(stored)
        if state is None:
            log.warning("The stored column layout %s is damaged or was saved for other "
                        "columns; using the default columns", self.key)
            return False
        header = self._header
        defaults = header.saveState()
        if not header.restoreState(state):
            log.warning("The stored column layout %s could not be read; using the default "
                        "columns", self.key)
            return False
        if header.hiddenSectionCount() >= header.count():
            header.restoreState(defaults)
            log.warning("The stored column layout %s hides every column; using the default "
                        "columns", self.key)
            return False
        self._saved = stored["state"]
        return True

    @Slot()
    def schedule_save(self) -> None:
        """Save after a short pause; every change within it restarts the wait.

        Not while the header is hidden: only a shown table is changed by the user (a
        hidden tab's last column is merely stretched to a new window size), and a save
        waiting in a hidden tab could outlive the store, which closes once the tabs of
        its account are removed. Hiding the table flushes (see :meth:`flush`).
        """
        if self._header.isVisible():
            self._timer.start()

    @Slot()
    def flush(self) -> None:
        """Write a pending save now."""
        if self._timer.isActive():
            self._timer.stop()
            self.save()

    @Slot()
    def save(self) -> None:
        """Write the header's layout now (nothing when it is what the store has)."""
        self._timer.stop()
        text = state_to_text(self._header.saveState())
        if text == self._saved:
            return
        value = {"version": STATE_VERSION, "columns": self._fields, "state": text}
        try:
            self._values.set(self.key, value)
        except StoreError as error:
            log.warning("Could not keep the column layout (%s): %s", self.key, error)
            return
        self._saved = text

    def _decode(self, stored: Any) -> QByteArray | None:
        if (not isinstance(stored, dict) or stored.get("version") != STATE_VERSION
                or stored.get("columns") != self._fields
                or not isinstance(stored.get("state"), str)):
            return None
        return state_from_text(stored["state"])
