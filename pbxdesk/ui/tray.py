"""The system tray icon: a badge (callbacks waiting), notifications, and a small menu.

:class:`TrayIcon` wraps ``QSystemTrayIcon``. Where the desktop has no tray
(GNOME without an extension, offscreen runs) it keeps its state but shows
nothing: ``available`` is False and the controller lets closing the window
quit. The icon is ``resources/icons/pbxdesk-tray.svg``, a black mask tinted to
the palette's text colour (on macOS a template image the menu bar tints), with
the number of callbacks waiting drawn as a badge (missed calls before an
account has a worklist). Notifications use
``showMessage``, which never takes the focus.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QObject, QRectF, Qt, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QGuiApplication,
    QIcon,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from pbxdesk.resources import TRAY_ICON, resource_path
from pbxdesk.services.callbacktexts import tray_line
from pbxdesk.ui.icons import render_tinted

ICON_SIZES: Final = (16, 22, 24, 32, 48, 64)
BADGE_COLOR: Final = QColor("#c62828")
BADGE_TEXT_COLOR: Final = QColor("#ffffff")
NOTIFY_MS: Final = 8000


def badge_text(count: int) -> str:
    """What the badge says: the count, "9+" beyond nine (the badge has room for two)."""
    return "" if count <= 0 else (str(count) if count <= 9 else "9+")


def missed_summary(count: int) -> str:
    if count <= 0:
        return "No missed calls"
    return "1 missed call" if count == 1 else f"{count} missed calls"


def render_icon(renderer: QSvgRenderer, size: int, tint: QColor | None, count: int) -> QImage:
    """The tray mask at ``size`` px, tinted (None: left black), with a badge for ``count``."""
    image = render_tinted(renderer, size, tint)
    text = badge_text(count)
    if text:
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        diameter = size * 0.62
        badge = QRectF(size - diameter, size - diameter, diameter, diameter)
        gap = max(1.0, size * 0.06)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BADGE_COLOR)
        # A transparent ring around the badge keeps it apart from the handset.
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        painter.drawEllipse(badge.adjusted(-gap, -gap, gap, gap))
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        painter.drawEllipse(badge)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(6, round(diameter * (0.72 if len(text) == 1 else 0.55))))
        painter.setFont(font)
        painter.setPen(BADGE_TEXT_COLOR)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
    return image


class TrayIcon(QObject):
    """The tray icon and its menu.

    Signals:
        sig_open_requested(): click on the icon, or "Open pbxdesk".
        sig_show_missed_requested(): "Show missed calls".
        sig_missed_calls_requested(object): a click on a missed-calls
            notification; the keys of the calls it was about (a tuple of str).
        sig_dial_clipboard_requested(): "Dial copied number".
        sig_offer_accepted(str): a click on a "call this copied number?"
            notification; the number (dial pad text).
        sig_callback_requested(str): "Callbacks" in the menu (""), or a click on
            a callbacks notification (the number of the item it named first).
        sig_quit_requested(): "Quit".

    Attributes:
        available: False when the desktop has no tray: nothing is shown.
        menu: the context menu (also usable elsewhere, e.g. a dock menu).
    """

    sig_open_requested = Signal()
    """The user wants the window."""
    sig_show_missed_requested = Signal()
    """The user wants to see the missed calls."""
    sig_missed_calls_requested = Signal(object)
    """The user clicked a missed-calls notification: show these calls (tuple of keys)."""
    sig_dial_clipboard_requested = Signal()
    """The user wants to dial the copied number."""
    sig_offer_accepted = Signal(str)
    """The user clicked the offer to call a copied number (dial pad text)."""
    sig_quit_requested = Signal()
    """The user chose Quit."""
    sig_callback_requested = Signal(str)
    """The user wants the callbacks ("" or the number of the item to open)."""

    def __init__(self, *, available: bool | None = None, parent: QObject | None = None) -> None:
        """``available``: whether to use a tray; None asks Qt (tests pass a value)."""
        super().__init__(parent)
        self.available = (QSystemTrayIcon.isSystemTrayAvailable() if available is None
                          else available)
        self._missed = 0
        # Waiting callbacks, once the account has a worklist: the badge then counts them.
        self._callbacks: int | None = None
        # What a click on the shown notification does (the signal it emits).
        self._on_click: Callable[[], None] | None = None
        self._renderer = QSvgRenderer(str(resource_path(TRAY_ICON)), self)
        self.menu = QMenu()
        self.callbacks_action = QAction("Callbacks", self)
        self.menu.addAction(self.callbacks_action)
        self.show_missed_action = QAction("Show missed calls", self)
        self.dial_clipboard_action = QAction("Dial copied number", self)
        self.open_action = QAction("Open pbxdesk", self)
        self.quit_action = QAction("Quit", self)
        self.menu.addAction(self.show_missed_action)
        self.menu.addAction(self.dial_clipboard_action)
        self.menu.addSeparator()
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.quit_action)
        self._tray: QSystemTrayIcon | None = None
        if self.available:
            self._tray = QSystemTrayIcon(self)
            self._tray.setContextMenu(self.menu)
        self._icon = QIcon()
        self._connect_signals()
        self._update()

    def _connect_signals(self) -> None:
        self.show_missed_action.triggered.connect(self.sig_show_missed_requested)
        self.callbacks_action.triggered.connect(lambda: self.sig_callback_requested.emit(""))
        self.dial_clipboard_action.triggered.connect(self.sig_dial_clipboard_requested)
        self.open_action.triggered.connect(self.sig_open_requested)
        self.quit_action.triggered.connect(self.sig_quit_requested)
        hints = QGuiApplication.styleHints()
        if hints is not None:  # a light/dark switch changes the text colour
            hints.colorSchemeChanged.connect(self._on_style_hints_color_scheme_changed)
        if self._tray is not None:
            self._tray.activated.connect(self._on_tray_activated)
            self._tray.messageClicked.connect(self._on_tray_message_clicked)

    # -- state -----------------------------------------------------------------------------

    @property
    def missed_count(self) -> int:
        return self._missed

    def icon(self) -> QIcon:
        """The icon as shown now (badge included)."""
        return self._icon

    def tooltip(self) -> str:
        if self._callbacks is not None:
            return f"pbxdesk — {tray_line(self._callbacks)}"
        return f"pbxdesk — {missed_summary(self._missed)}"

    @property
    def callback_count(self) -> int | None:
        return self._callbacks

    def set_callback_count(self, count: int | None) -> None:
        """The badge and tooltip count ``count`` waiting callbacks (None: missed calls)."""
        count = None if count is None else max(0, count)
        if count != self._callbacks:
            self._callbacks = count
            self._update()

    def set_missed_count(self, count: int) -> None:
        """The badge, tooltip and menu show ``count`` unseen missed calls."""
        count = max(0, count)
        if count != self._missed:
            self._missed = count
            self._update()

    def show(self) -> None:
        if self._tray is not None:
            self._tray.show()

    def hide(self) -> None:
        if self._tray is not None:
            self._tray.hide()

    def close(self) -> None:
        """Remove the icon and free the menu (call at shutdown)."""
        self.hide()
        self.menu.deleteLater()

    # -- notifications ------------------------------------------------------------------

    def notify_missed(self, new: int, notice: str = "", keys: tuple[str, ...] = ()) -> bool:
        """Tell about ``new`` missed calls a sync found; False when nothing could be shown.

        ``notice`` names the callers ("Missed: 0412 345 678, Jane Citizen, and 1 more");
        a click asks for the calls of ``keys``.
        """
        if new <= 0:
            return False
        count = "1 new missed call" if new == 1 else f"{new} new missed calls"
        title = notice or count
        text = f"{count}. Click to see them." if notice else "Click to see who called."
        return self._show(title, text, QSystemTrayIcon.MessageIcon.Information,
                          lambda: self.sig_missed_calls_requested.emit(keys))

    def notify_callbacks(self, title: str, text: str, number: str) -> bool:
        """Tell about waiting callbacks; a click opens the item of ``number``."""
        return self._show(title, text, QSystemTrayIcon.MessageIcon.Information,
                          lambda: self.sig_callback_requested.emit(number))

    def notify(self, title: str, text: str) -> bool:
        """A plain notification (a click opens the window); False when none could be shown."""
        return self._show(title, text, QSystemTrayIcon.MessageIcon.Information,
                          self.sig_open_requested.emit)

    def offer_call(self, number: str, display: str) -> bool:
        """Offer to call a copied number; a click emits ``sig_offer_accepted(number)``."""
        return self._show("Call the copied number?", f"Click to call {display}.",
                          QSystemTrayIcon.MessageIcon.NoIcon,
                          lambda: self.sig_offer_accepted.emit(number))

    def _show(self, title: str, text: str, icon: QSystemTrayIcon.MessageIcon,
              on_click: Callable[[], None]) -> bool:
        if self._tray is None or not self._tray.isVisible():
            return False
        self._on_click = on_click  # only the notification shown last can be clicked
        self._tray.showMessage(title, text, icon, NOTIFY_MS)
        return True

    # -- slots -----------------------------------------------------------------------------

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.sig_open_requested.emit()

    @Slot()
    def _on_tray_message_clicked(self) -> None:
        on_click, self._on_click = self._on_click, None
        if on_click is not None:
            on_click()

    @Slot(Qt.ColorScheme)
    def _on_style_hints_color_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        self._update()

    def _update(self) -> None:
        self._icon = self._make_icon()
        self.show_missed_action.setText(
            f"Show missed calls ({self._missed})" if self._missed else "Show missed calls")
        self.callbacks_action.setText(f"Callbacks ({self._callbacks})" if self._callbacks
                                      else "Callbacks")
        if self._tray is not None:
            self._tray.setIcon(self._icon)
            self._tray.setToolTip(self.tooltip())

    def _make_icon(self) -> QIcon:
        icon = QIcon()
        if not self._renderer.isValid():
            return QIcon.fromTheme("call-start")
        # macOS tints a template image itself; a badge needs its own colours, though.
        badge = self._missed if self._callbacks is None else self._callbacks
        template = sys.platform == "darwin" and badge == 0
        tint = None if template else QGuiApplication.palette().color(
            QPalette.ColorRole.WindowText)
        for size in ICON_SIZES:
            icon.addPixmap(QPixmap.fromImage(render_icon(self._renderer, size, tint, badge)))
        icon.setIsMask(template)
        return icon
