"""The dock that holds the dial pad beside the histories.

The dock exists for the window's whole life; the pad inside it belongs to the
connected account and comes and goes with it. The dock remembers whether the
user wants the pad shown: hiding it for want of an account, or with the window,
is not the user's choice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea, QWidget

from pbxdesk.settings import Settings

if TYPE_CHECKING:  # imported when an account connects: not on the way to the first paint
    from pbxdesk.session import Session
    from pbxdesk.ui.dialpad import DialPad


class DialPadDock(QDockWidget):
    """A dock with the current account's dial pad (or nothing, hidden).

    Signals:
        sig_settings_requested(): the pad's "set your extension in Settings" link.

    Attributes:
        pad: the account's dial pad; None while no account is connected.
        wanted: whether the user wants the pad shown (closing the dock says no).
    """

    sig_settings_requested = Signal()
    """The user asked for Settings from the pad."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("Dial pad", parent)
        self.setObjectName("dialPadDock")
        self.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea
                             | Qt.DockWidgetArea.RightDockWidgetArea)
        # The pad scrolls when the dock is short (a 768-pixel screen, a long call status)
        # instead of squeezing its keys or pushing the window past the bottom of the screen.
        self.scroller = QScrollArea(self)
        self.scroller.setObjectName("dialPadScroll")
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the pad's fields
        self.setWidget(self.scroller)
        self.pad: DialPad | None = None
        self.wanted = True
        self.visibilityChanged.connect(self._on_visibility_changed)

    def attach(self, session: Session) -> DialPad:
        """Put a dial pad for ``session`` in the dock; shown if the user wants it."""
        from pbxdesk.ui.dialpad import DialPad

        self.detach()
        settings = session.settings
        pad = DialPad(session.calls, session.store, default_region=settings.default_region,
                      my_extension=settings.my_extension,
                      default_caller_id=settings.default_caller_id, parent=self)
        pad.confirm_before_dialling = settings.confirm_before_dialling
        pad.sig_settings_requested.connect(self.sig_settings_requested)
        self.pad = pad
        self.scroller.setWidget(pad)
        # As wide as the pad and a scroll bar: the bar never covers the keys.
        self.scroller.setMinimumWidth(pad.minimumSizeHint().width()
                                    + self.scroller.verticalScrollBar().sizeHint().width())
        self.setVisible(self.wanted)
        return pad

    def detach(self) -> None:
        """Drop the pad (its account is closing)."""
        if self.pad is None:
            return
        pad, self.pad = self.pad, None  # first: hiding the dock now is not the user's choice
        self.hide()
        self.scroller.takeWidget()
        pad.setParent(None)
        pad.deleteLater()

    def show_pad(self) -> None:
        """Show the pad with the number field focused."""
        if self.pad is None:
            return
        self.show()
        self.raise_()
        self.pad.focus_number()

    def has_focus(self, widget: QWidget | None) -> bool:
        """True when ``widget`` (the window's focus) is inside the shown pad."""
        return (widget is not None and self.pad is not None and self.isVisible()
                and self.pad.isAncestorOf(widget))

    def apply_settings(self, settings: Settings) -> None:
        if self.pad is not None:
            self.pad.confirm_before_dialling = settings.confirm_before_dialling
            self.pad.set_default_region(settings.default_region)
            self.pad.set_my_extension(settings.my_extension)
            self.pad.set_default_caller_id(settings.default_caller_id)

    @Slot(bool)
    def _on_visibility_changed(self, visible: bool) -> None:
        # Also fires when the window minimises or hides; only a shown window's change counts.
        window = self.window()
        if self.pad is not None and window.isVisible() and not window.isMinimized():
            self.wanted = visible
