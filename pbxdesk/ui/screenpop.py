"""The screen pop: small windows near the tray corner that stay on top and never take the keyboard.

One :class:`PopCard` per ringing call (and per voicemail or unknown event),
each its own frameless tool window with ``WindowStaysOnTopHint`` and
``WindowDoesNotAcceptFocus``, shown with ``WA_ShowWithoutActivating``; its
buttons take no focus either, so an agent typing in another window keeps
typing while the phone rings. :class:`PopStack` places the cards in the
available area of the screen the main window is on, in the corner where the
tray is (bottom right; top right on macOS), the newest nearest the corner,
and moves the others up when one closes.

Every text comes from outside (webhooks): labels are plain text, never rich
text, and the only links opened are ``http``/``https`` ones, on a click.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QFont, QGuiApplication, QScreen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.live.events import UnknownEvent
from pbxdesk.live.pop import PopInfo, VoicemailNote
from pbxdesk.ui.poptext import history_text, when_text

CARD_WIDTH: Final = 360
MARGIN: Final = 12
GAP: Final = 8
MAX_CARDS: Final = 6
NOTE_MS: Final = 10 * 60_000
UNKNOWN_MS: Final = 30_000
_UNKNOWN_FIELDS: Final = 8
POP_FLAGS: Final = (Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint
                    | Qt.WindowType.WindowStaysOnTopHint
                    | Qt.WindowType.WindowDoesNotAcceptFocus)
_STYLE: Final = """
#popCard { background: palette(window); border: 1px solid palette(mid); border-radius: 8px; }
#popCard[answered="true"] { border: 2px solid #2e7d32; }
#popTitle { color: palette(placeholder-text); }
#popWaiting { color: #a11b1b; font-weight: bold; }
"""


class PopCard(QFrame):
    """One small always-on-top window (a call, a voicemail or an event).

    Signals:
        sig_close_requested(str): its × was clicked (the key).
        sig_history_requested(str), sig_copy_requested(str): a number (E.164 or raw).
        sig_crm_requested(str): the CRM address to open.
        sig_listen_requested(str): the recording to open.
    """

    sig_close_requested = Signal(str)
    """The user closed this card (its key)."""
    sig_history_requested = Signal(str)
    """Open history for this number."""
    sig_copy_requested = Signal(str)
    """Copy this number."""
    sig_crm_requested = Signal(str)
    """Open this CRM address."""
    sig_listen_requested = Signal(str)
    """Open this recording."""

    def __init__(self, key: str, title: str) -> None:
        super().__init__(None, POP_FLAGS)
        self.key = key
        self.setObjectName("popCard")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_X11DoNotAcceptFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(_STYLE)
        self.setFixedWidth(CARD_WIDTH)
        self.setAccessibleName(title)
        self.title = self._label("popTitle")
        self.title.setText(title)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.setAccessibleName("Close")
        self.close_button.setToolTip("Close")
        self.close_button.clicked.connect(lambda: self.sig_close_requested.emit(self.key))
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.body = QVBoxLayout()
        self.body.setSpacing(2)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 10)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addLayout(self.body)
        layout.addLayout(self.buttons)
        self.button_by_name: dict[str, QPushButton] = {}

    def _label(self, name: str, *, size: float = 1.0, bold: bool = False) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)  # webhook text is never markup
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        font = QFont(label.font())
        if size != 1.0:
            font.setPointSizeF(font.pointSizeF() * size)
        font.setBold(bold)
        label.setFont(font)
        return label

    def add_line(self, name: str, text: str, *, size: float = 1.0,
                 bold: bool = False) -> QLabel:
        label = self._label(name, size=size, bold=bold)
        label.setText(text)
        label.setVisible(bool(text))
        self.body.addWidget(label)
        return label

    def add_button(self, name: str, text: str, tip: str,
                   on_click: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a click never takes the keyboard
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.clicked.connect(on_click)
        self.buttons.addWidget(button)
        self.button_by_name[name] = button
        return button


class CallCard(PopCard):
    """The pop of one call ringing on my phone."""

    def __init__(self, pop: PopInfo, *, crm_url: Callable[[PopInfo], str | None]) -> None:
        super().__init__(pop.key, "Incoming call")
        self.pop = pop
        self._crm_url = crm_url
        self.name_label = self.add_line("popName", "", size=1.25, bold=True)
        self.number_label = self.add_line("popNumber", "", size=1.25 if not pop.name else 1.0)
        self.history_label = self.add_line("popHistory", "")
        self.waiting_label = self.add_line("popWaiting", "")
        number = pop.e164 or pop.raw_number or ""
        self.add_button("openHistory", "Open history",
                        "Show this number's calls in the User calls tab",
                        lambda: self.sig_history_requested.emit(number))
        self.add_button("copyNumber", "Copy number", "Copy the number to the clipboard",
                        lambda: self.sig_copy_requested.emit(number))
        self.crm_button = self.add_button("openCrm", "Open in CRM",
                                          "Look the caller up in the CRM (Settings, Live calls)",
                                          self._on_crm_clicked)
        for name in ("openHistory", "copyNumber"):
            self.button_by_name[name].setEnabled(bool(number))
        self.show_pop(pop)

    def show_pop(self, pop: PopInfo) -> None:
        self.pop = pop
        via = f" · via {pop.group}" if pop.group else ""
        state = "Answered" if pop.answered else "Incoming call"
        self.title.setText(f"{state}{via}")
        self.setProperty("answered", "true" if pop.answered else "false")
        self.style().unpolish(self)
        self.style().polish(self)
        name = pop.name or ""
        if name and pop.name_from_history:
            name += "  (from your history)"
        self.name_label.setText(name)
        self.name_label.setVisible(bool(name))
        self.number_label.setText(pop.display)
        self.number_label.show()
        self.history_label.setText(history_text(pop.summary))
        self.history_label.show()
        waiting = pop.summary.missed_waiting if pop.summary is not None else 0
        self.waiting_label.setText(
            "" if not waiting else ("1 missed call waiting" if waiting == 1
                                    else f"{waiting} missed calls waiting"))
        self.waiting_label.setVisible(bool(waiting))
        self.crm_button.setVisible(self._crm_url(pop) is not None)
        self.setAccessibleDescription(" ".join(part for part in (
            self.title.text(), name, pop.display, self.history_label.text(),
            self.waiting_label.text()) if part))
        self.adjustSize()

    def _on_crm_clicked(self) -> None:
        url = self._crm_url(self.pop)
        if url is not None:
            self.sig_crm_requested.emit(url)


class VoicemailCard(PopCard):
    """A voicemail left for me, with Listen."""

    def __init__(self, note: VoicemailNote) -> None:
        caller = note.name or note.display
        super().__init__(f"voicemail:{note.event_id}", f"Voicemail from {caller}")
        self.note = note
        when = when_text(note.recorded_at) if note.recorded_at else ""
        self.add_line("popName", caller, size=1.15, bold=True)
        self.add_line("popNumber", " · ".join(p for p in (
            note.display if note.name else "", when) if p))
        number = note.e164 or note.raw_number or ""
        link = note.link
        listen = self.add_button("listen", "Listen", "Play the message in your default app",
                                 lambda: self.sig_listen_requested.emit(link or ""))
        listen.setEnabled(link is not None)
        if link is None:
            listen.setToolTip("The PBX sent no recording link for this message")
        self.add_button("openHistory", "Open history",
                        "Show this number's calls in the User calls tab",
                        lambda: self.sig_history_requested.emit(number)).setEnabled(bool(number))
        self.add_button("copyNumber", "Copy number", "Copy the number to the clipboard",
                        lambda: self.sig_copy_requested.emit(number)).setEnabled(bool(number))
        self.adjustSize()


class EventCard(PopCard):
    """An event this version does not know, shown as the PBX sent it (plain text)."""

    def __init__(self, event: UnknownEvent) -> None:
        super().__init__(f"event:{event.id}", f"Event from the PBX: {_one_line(event.type)}")
        shown = [(name, value) for name, value in event.fields.items()
                 if name not in ("type", "received_at")]
        for name, value in shown[:_UNKNOWN_FIELDS]:
            self.add_line("popField", f"{_one_line(str(name))}: {_one_line(_text(value))}")
        if len(shown) > _UNKNOWN_FIELDS:
            self.add_line("popField", f"… and {len(shown) - _UNKNOWN_FIELDS} more fields")
        if not shown:
            self.add_line("popField", "(no fields)")
        self.adjustSize()


class PopStack(QObject):
    """Shows, stacks and closes the cards.

    Signals: those of the cards, passed on (see :class:`PopCard`).

    Attributes:
        cards: the cards shown, oldest first.
    """

    sig_close_requested = Signal(str)
    """A card's × was clicked (its key)."""
    sig_history_requested = Signal(str)
    """Open history for this number."""
    sig_copy_requested = Signal(str)
    """Copy this number."""
    sig_crm_requested = Signal(str)
    """Open this CRM address."""
    sig_listen_requested = Signal(str)
    """Open this recording."""
    sig_card_shown = Signal(object)
    """A card was shown (the PopCard)."""

    def __init__(self, anchor: Callable[[], QWidget | None] = lambda: None, *,
                 crm_url: Callable[[PopInfo], str | None] = lambda _pop: None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._anchor = anchor
        self.crm_url = crm_url
        self.cards: dict[str, PopCard] = {}

    def show_call(self, pop: PopInfo) -> CallCard:
        card = self.cards.get(pop.key)
        if isinstance(card, CallCard):
            card.show_pop(pop)
            self.arrange()
            return card
        made = CallCard(pop, crm_url=self.crm_url)
        self._add(made)
        return made

    def update_call(self, pop: PopInfo) -> None:
        card = self.cards.get(pop.key)
        if isinstance(card, CallCard):
            card.show_pop(pop)
            self.arrange()

    def show_voicemail(self, note: VoicemailNote) -> VoicemailCard:
        card = VoicemailCard(note)
        self._add(card, timeout_ms=NOTE_MS)
        return card

    def show_event(self, event: UnknownEvent) -> EventCard:
        card = EventCard(event)
        self._add(card, timeout_ms=UNKNOWN_MS)
        return card

    def close(self, key: str) -> None:
        card = self.cards.pop(key, None)
        if card is not None:
            card.close()
            self.arrange()

    def close_all(self) -> None:
        for key in list(self.cards):
            self.close(key)

    def _add(self, card: PopCard, *, timeout_ms: int | None = None) -> None:
        if card.key in self.cards:
            self.close(card.key)
        while len(self.cards) >= MAX_CARDS:  # the oldest note or event goes first
            oldest = next((key for key, shown in self.cards.items()
                           if not isinstance(shown, CallCard)), next(iter(self.cards)))
            self.close(oldest)
        self.cards[card.key] = card
        for name in ("sig_close_requested", "sig_history_requested", "sig_copy_requested",
                     "sig_crm_requested", "sig_listen_requested"):
            getattr(card, name).connect(getattr(self, name))
        if timeout_ms is not None:
            QTimer.singleShot(timeout_ms, card, lambda key=card.key: self.close(key))
        self.arrange()
        card.show()
        card.raise_()  # on top of the other windows, still without the focus
        self.sig_card_shown.emit(card)

    def arrange(self) -> None:
        """Stack the cards from the tray corner: the newest nearest it."""
        area = self._screen().availableGeometry()
        top_corner = sys.platform == "darwin"  # the menu bar's icons sit at the top there
        x = area.right() - CARD_WIDTH - MARGIN + 1
        y = area.top() + MARGIN if top_corner else area.bottom() - MARGIN + 1
        for card in reversed(list(self.cards.values())):
            card.adjustSize()
            height = card.sizeHint().height()
            if top_corner:
                card.move(QPoint(x, y))
                y += height + GAP
            else:
                y -= height
                card.move(QPoint(x, y))
                y -= GAP

    def _screen(self) -> QScreen:
        anchor = self._anchor()
        screen = anchor.screen() if anchor is not None and anchor.isVisible() else None
        screen = screen or QGuiApplication.screenAt(QCursor.pos())
        primary = QGuiApplication.primaryScreen()
        chosen = screen or primary
        assert chosen is not None, "Qt always has a screen (offscreen has one too)"
        return chosen


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _one_line(text: str, limit: int = 80) -> str:
    clean = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return clean if len(clean) <= limit else clean[:limit] + "…"


__all__ = ["CallCard", "EventCard", "PopCard", "PopStack", "VoicemailCard", "history_text"]
