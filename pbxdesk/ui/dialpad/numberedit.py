"""The dial pad's number field: formats as you type, cleans what is pasted.

Formatting is :func:`pbxdesk.phone.format_as_you_type`'s; this widget only
keeps the cursor after the same digit it was after, and makes Backspace and
Delete next to a space the formatter added remove the digit beyond it (else
the formatter would put the space straight back). A paste (keyboard, context
menu, middle click, drop) goes through :func:`pbxdesk.phone.find_number_in_text`:
text holding a number is replaced by that number; anything else is inserted
as one line, capped, for the preview line to explain. Pasted text is never
logged or kept.

The whole number stays in view: when it is wider than the field (a long
international number in a narrow dock), the font steps down to at most
:data:`SMALLEST_FONT` of its full size before the text would scroll, since a
scrolled "+44 20 7946 0958" loses its "+" and reads as "-44 20 7946 095".
"""

from __future__ import annotations

import math
from typing import Final

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import (
    QAction,
    QClipboard,
    QContextMenuEvent,
    QDropEvent,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QLineEdit, QMenu, QStyle, QStyleOptionFrame, QToolButton, QWidget

from pbxdesk.phone import DialTarget, find_number_in_text, format_as_you_type

# Longest text the field holds: a number with an extension and separators fits
# easily; a pasted document does not belong here.
MAX_LENGTH: Final = 64
# How small the font may get to keep a long number whole (of the size the pad chose).
SMALLEST_FONT: Final = 0.7
# QLineEdit keeps this many pixels free on each side of its text (qlineedit_p.h).
_TEXT_MARGIN: Final = 2
_FONT_STEP: Final = 0.5


def is_significant(char: str) -> bool:
    """True for what the agent typed (digits, letters, + * #), False for layout."""
    return char.isalnum() or char in "+*#"


def position_after(text: str, count: int) -> int:
    """The cursor position just after the ``count``-th significant character of ``text``."""
    if count <= 0:
        return 0
    seen = 0
    for index, char in enumerate(text):
        if is_significant(char):
            seen += 1
            if seen == count:
                return index + 1
    return len(text)


class NumberEdit(QLineEdit):
    """A line edit for one phone number or extension."""

    def __init__(self, region: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._region = region
        self._full_size = self.font().pointSizeF()
        self.setMaxLength(MAX_LENGTH)
        self.setClearButtonEnabled(True)
        self.textEdited.connect(self._on_text_edited)
        self.textChanged.connect(self._fit_text)

    @property
    def region(self) -> str:
        return self._region

    def set_display_font(self, font: QFont) -> None:
        """The font at full size; a number too long for the field is shown smaller."""
        self._full_size = font.pointSizeF()
        self.setFont(font)
        self._fit_text()

    def text_room(self) -> float:
        """The width the text can take without scrolling (the clear button excluded)."""
        option = QStyleOptionFrame()
        self.initStyleOption(option)
        contents = self.style().subElementRect(QStyle.SubElement.SE_LineEditContents,
                                               option, self)
        right = contents.x() + contents.width()
        if self.text():  # the clear button shows over any text
            for button in self.findChildren(QToolButton):
                if button.parent() is self:
                    right = min(right, button.x())
        margins = self.textMargins()
        return float(right - contents.x() - margins.left() - margins.right()
                     - 2 * _TEXT_MARGIN)

    def text_fits(self) -> bool:
        """Whether the whole text shows at the current font size."""
        return self.fontMetrics().horizontalAdvance(self.text()) <= self.text_room()

    @Slot()
    def _fit_text(self) -> None:
        font = QFont(self.font())
        room, text = self.text_room(), self.text()
        size, smallest = self._full_size, self._full_size * SMALLEST_FONT
        while size - _FONT_STEP >= smallest:
            font.setPointSizeF(size)
            if math.ceil(QFontMetricsF(font).horizontalAdvance(text)) <= room:
                break
            size -= _FONT_STEP
        if size != self.font().pointSizeF():
            font.setPointSizeF(size)
            self.setFont(font)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_text()

    def set_region(self, region: str) -> None:
        self._region = region
        self.reformat()

    # -- editing from outside (keypad, prefill) --------------------------------------------

    def insert_key(self, key: str) -> None:
        """Type ``key`` at the cursor, as the keyboard would."""
        self.insert(key)
        self.reformat()

    def backspace_key(self) -> None:
        """Delete what is before the cursor (the selection, else a digit)."""
        if self.hasSelectedText():
            self.del_()
        else:
            self._delete_significant(backwards=True)
        self.reformat()

    def set_number_text(self, text: str) -> None:
        self.setText(" ".join(text.split())[:MAX_LENGTH])
        self.reformat()
        self.end(False)

    def paste_text(self, text: str) -> None:
        """Paste ``text``: a number found in it replaces the field; else it is inserted."""
        found = find_number_in_text(text, self._region)
        if isinstance(found, DialTarget):
            self.set_number_text(found.display)
            return
        self.insert(" ".join(text.split())[:MAX_LENGTH])
        self.reformat()

    def reformat(self) -> None:
        """Format the text for the region, keeping the cursor after the same character."""
        text = self.text()
        before = sum(1 for char in text[: self.cursorPosition()] if is_significant(char))
        formatted = format_as_you_type(text, self._region)
        if formatted != text:
            self.setText(formatted)
            self.setCursorPosition(position_after(formatted, before))

    # -- Qt events ----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.matches(QKeySequence.StandardKey.Paste):
            self._paste_from(QClipboard.Mode.Clipboard)
            return
        if event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete) and (
                event.modifiers() == Qt.KeyboardModifier.NoModifier
                and not self.hasSelectedText()):
            backwards = event.key() == Qt.Key.Key_Backspace
            if self._next_to_layout(backwards):
                self._delete_significant(backwards=backwards)
                self.reformat()
                return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt's name
        menu = self.build_context_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())

    def build_context_menu(self) -> QMenu:
        """Qt's standard menu, with a Paste that cleans what it pastes."""
        menu = self.createStandardContextMenu()
        for action in menu.actions():
            if action.objectName() == "edit-paste":
                # Qt's own Paste would bypass the clean-up: put ours in its place.
                ours = QAction(action.text(), menu)
                ours.setShortcut(action.shortcut())
                ours.setEnabled(action.isEnabled())
                ours.triggered.connect(self._on_paste_triggered)
                menu.insertAction(action, ours)
                menu.removeAction(action)
                break
        return menu

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        clipboard = QGuiApplication.clipboard()
        if event.button() == Qt.MouseButton.MiddleButton and clipboard.supportsSelection():
            self._paste_from(QClipboard.Mode.Selection)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        data = event.mimeData()
        if data is not None and data.hasText():
            self.paste_text(data.text())
            self.setFocus(Qt.FocusReason.OtherFocusReason)
            event.acceptProposedAction()
            return
        super().dropEvent(event)

    # -- helpers ------------------------------------------------------------------------

    @Slot()
    def _on_paste_triggered(self) -> None:
        self._paste_from(QClipboard.Mode.Clipboard)

    @Slot(str)
    def _on_text_edited(self, _text: str) -> None:
        self.reformat()

    def _paste_from(self, mode: QClipboard.Mode) -> None:
        if self.isReadOnly():
            return
        text = QGuiApplication.clipboard().text(mode)
        if text:
            self.paste_text(text)

    def _next_to_layout(self, backwards: bool) -> bool:
        """True when the character the key would delete is layout, not a digit."""
        text, cursor = self.text(), self.cursorPosition()
        index = cursor - 1 if backwards else cursor
        return 0 <= index < len(text) and not is_significant(text[index])

    def _delete_significant(self, *, backwards: bool) -> None:
        """Delete the nearest typed character before (or after) the cursor."""
        text, cursor = self.text(), self.cursorPosition()
        indices = range(cursor - 1, -1, -1) if backwards else range(cursor, len(text))
        for index in indices:
            if is_significant(text[index]):
                self.setText(text[:index] + text[index + 1:])
                self.setCursorPosition(index)
                return
