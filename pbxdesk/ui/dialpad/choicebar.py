"""The dial pad's questions: one prompt and a button for each answer, below Call.

The pad asks instead of guessing when digits are both a known extension and a
number ("Extension 131234, or call 13 12 34?"), when copied text holds several
numbers, and before a premium-rate number is called. The bar sits below the
Call button, so the keys never move under the fingers and a second click on
Call cannot land on an answer that has just appeared. Hidden while there is no
question; a new question replaces the old one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from pbxdesk.phone import DialTarget

# ChoiceBar.kind of each question.
BOTH_READINGS: Final = "both-readings"
COPIED_NUMBERS: Final = "copied-numbers"
PREMIUM_RATE: Final = "premium-rate"


@dataclass(frozen=True, slots=True)
class Answer:
    """One button of a question.

    Attributes:
        label: the button's text ("Extension 131234", "Call 13 12 34", "Cancel").
        action: run when the button is pressed (the bar hides first).
        description: the button's accessible description, when the label is not enough.
    """

    label: str
    action: Callable[[], None]
    description: str = ""


class ChoiceBar(QFrame):
    """A question with its answers as buttons; Escape or any answer puts it away.

    Signals:
        sig_dismissed(bool): the question went away unanswered; True when one of
            its buttons had the focus (the pad then gives it back to the number).

    Attributes:
        kind: what the question is about ("both-readings", "copied-numbers",
            "premium-rate"), so the pad knows which question is up; "" when hidden.
        buttons: the answers' buttons, in order.
    """

    sig_dismissed = Signal(bool)
    """The question was put away without an answer (True: it had the focus)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialChoices")
        self.setAccessibleName("Choose what to call")
        self.kind = ""
        self.buttons: list[QPushButton] = []
        self._tab_between: tuple[QWidget, QWidget] | None = None
        self.prompt = QLabel(self)
        self.prompt.setObjectName("dialChoicesPrompt")
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.PlainText)  # numbers and copied text only
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 6, 8, 8)
        self._layout.setSpacing(4)
        self._layout.addWidget(self.prompt)
        self.hide()

    def set_tab_neighbours(self, before: QWidget, after: QWidget) -> None:
        """The answers come between ``before`` and ``after`` in the Tab order."""
        self._tab_between = (before, after)

    def ask(self, kind: str, prompt: str, answers: Sequence[Answer], *,
            focus: int | None = None) -> None:
        """Show ``prompt`` with a button per answer; ``focus`` gives that button the focus."""
        self._drop_buttons()
        self.kind = kind
        self.prompt.setText(prompt)
        self.prompt.setVisible(bool(prompt))
        self.setAccessibleDescription(prompt)
        previous: QWidget | None = None
        for answer in answers:
            button = QPushButton(answer.label, self)
            button.setObjectName("dialChoice")
            button.setAutoDefault(True)  # Enter presses the focused answer
            button.setMinimumHeight(32)
            button.setAccessibleName(answer.label)
            if answer.description:
                button.setAccessibleDescription(answer.description)
                button.setToolTip(answer.description)
            button.clicked.connect(self._answer_slot(answer))
            self._layout.addWidget(button)
            self.buttons.append(button)
            if previous is not None:
                QWidget.setTabOrder(previous, button)
            previous = button
        if self._tab_between is not None and self.buttons:
            QWidget.setTabOrder(self._tab_between[0], self.buttons[0])
            QWidget.setTabOrder(self.buttons[-1], self._tab_between[1])
        self.show()
        if focus is not None and 0 <= focus < len(self.buttons):
            self.buttons[focus].setFocus(Qt.FocusReason.OtherFocusReason)

    def ask_which_reading(self, target: DialTarget, call: Callable[[DialTarget], None], *,
                          focus: bool) -> None:
        """"Extension 131234" or "Call 13 12 34": ``call`` gets the reading chosen.

        Asked again about the same digits, the question stays (only the focus moves).
        """
        number = target.alternative
        if number is None:
            return
        if not self.is_asking_which_reading(target):
            self.ask(BOTH_READINGS, target.question, [
                Answer(f"Extension {target.extension}",
                       functools.partial(call, target.without_alternative()),
                       "Ring your phones, then this internal extension"),
                Answer(f"Call {number.display}", functools.partial(call, number),
                       number.description),
            ])
        if focus:
            self.focus_answer(0)

    def is_asking_which_reading(self, target: DialTarget) -> bool:
        return self.kind == BOTH_READINGS and self.accessibleDescription() == target.question

    def ask_premium_rate(self, target: DialTarget, confirmed: Callable[[], None]) -> None:
        """Call a premium-rate number anyway, or not; Cancel has the focus."""
        self.ask(PREMIUM_RATE, f"{target.display} is a premium-rate number: calls to it cost "
                 "extra. Call it anyway?", [
                     Answer(f"Call {target.display} (premium rate)", confirmed),
                     # Answered like Escape: the focus goes back to the number.
                     Answer("Cancel", functools.partial(self.sig_dismissed.emit, True)),
                 ], focus=1)  # the safe answer: a second Enter does not call

    def ask_copied_number(self, numbers: Sequence[tuple[str, str]],
                          choose: Callable[[str], None]) -> None:
        """Which of the copied (dial pad text, label) numbers; the first has the focus."""
        self.ask(COPIED_NUMBERS, "Which number do you want to call?",
                 [Answer(label, functools.partial(choose, text)) for text, label in numbers],
                 focus=0)

    def focus_answer(self, index: int = 0) -> None:
        if 0 <= index < len(self.buttons):
            self.buttons[index].setFocus(Qt.FocusReason.OtherFocusReason)

    def labels(self) -> list[str]:
        """The answers' labels, in order (for tests and accessibility checks)."""
        return [button.text() for button in self.buttons]

    @Slot()
    def dismiss(self) -> None:
        """Put the question away without an answer."""
        if not self.kind:
            return
        had_focus = self._put_away()
        self.sig_dismissed.emit(had_focus)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape and self.kind:
            self.dismiss()
            event.accept()
            return
        super().keyPressEvent(event)

    def _answer_slot(self, answer: Answer) -> Callable[[], None]:
        def answered() -> None:
            self._put_away()
            answer.action()

        return answered

    def _put_away(self) -> bool:
        """Hide the question; True when one of its buttons had the focus."""
        # The window's focus widget, not hasFocus(): that is False while it is inactive.
        had_focus = self.window().focusWidget() in self.buttons
        self._drop_buttons()
        self.kind = ""
        self.hide()
        return had_focus

    def _drop_buttons(self) -> None:
        for button in self.buttons:
            self._layout.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.buttons = []
