"""A note above a history table naming the days the PBX could not hand over whole.

The sync keeps those days in the store (per call kind, with an estimate of
how many calls each lacks) until a later sync reads them whole. The note
reads that list: it stays as long as a day is listed (a refresh does not
overwrite it) and disappears by itself once the list is empty. It is a
warning in words and an icon, not only colour, and it takes no focus.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QDate, QLocale, Qt, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QStyle, QWidget

from pbxdesk.api.models import CallKind
from pbxdesk.store import CallStore, StoreError
from pbxdesk.store.bookkeeping import IncompleteDay

log = logging.getLogger("pbxdesk.ui")

SHOWN_DAYS = 3
_KIND_WORDS = {CallKind.USER: "user calls", CallKind.QUEUE: "queue calls",
               CallKind.RING_GROUP: "ring group calls"}


def describe(days: Sequence[IncompleteDay], kind: CallKind, locale: QLocale) -> str:
    """The note's text: which days, about how many calls, and what happens next."""
    parts = [f"{_day(entry.day, locale)} ({_about(entry.missing, locale)})"
             for entry in days[:SHOWN_DAYS]]
    more = len(days) - SHOWN_DAYS
    if more > 0:
        parts.append(f"{more} more day{'' if more == 1 else 's'}")
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return (f"Some {_KIND_WORDS[kind]} could not be fetched from the PBX: {listed}. "
            "pbxdesk tries again by itself; the rest of the history is complete.")


def details(days: Sequence[IncompleteDay], locale: QLocale) -> str:
    """The tooltip: every day with its estimate and the reason."""
    return "\n".join(f"{_day(entry.day, locale)}: {_about(entry.missing, locale)} — "
                     f"{entry.reason}" for entry in days)


def _day(day: date, locale: QLocale) -> str:
    return locale.toString(QDate(day.year, day.month, day.day), QLocale.FormatType.ShortFormat)


def _about(missing: int, locale: QLocale) -> str:
    if missing <= 0:
        return "some calls missing"
    rounded = missing if missing < 100 else round(missing, -2 if missing < 10_000 else -3)
    return f"about {locale.toString(rounded)} missing"


class IncompleteDaysNote(QFrame):
    """Shows this kind's incomplete days (from the store); hidden when there are none."""

    def __init__(self, kind: CallKind, store: CallStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self._store = store
        self.setObjectName("incompleteDays")
        self.setAccessibleName("Incomplete days")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#incompleteDays { background: #fff4d6; color: #5c4400; }")
        icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.hide()

    @Slot()
    def refresh(self) -> None:
        """Read the list again (after a sync)."""
        try:
            days = self._store.sync.incomplete.of(self.kind)
        except StoreError as error:
            log.warning("Could not read the incomplete days: %s", error)
            return
        if not days:
            self.hide()
            return
        locale = QLocale()
        self.text.setText(describe(days, self.kind, locale))
        self.setToolTip(details(days, locale))
        self.show()
