"""The dial pad asks instead of guessing: two readings of the digits, several copied
numbers, a premium-rate number. Every call is a real POST to the sandbox PBX."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from pbxdesk.store import CallStore
from pbxdesk.ui.dialpad import DialPad
from pbxdesk.ui.dialpad.choicebar import BOTH_READINGS, COPIED_NUMBERS, PREMIUM_RATE
from tests.fixtures.store import CallFactory
from tests.ui.dialpad.conftest import MakePad, env_of, fill_store
from tests.ui.dialpad.helpers import click, key, type_text


def add_users(store: CallStore, *numbers: str) -> None:
    """History rows of users with these extensions, as a sync would store them."""
    factory = CallFactory(seed=3)
    store.upsert([factory.user_call(user_number=number, user_name=f"User {number}")
                  for number in numbers])


def requested(pad: DialPad) -> list[str]:
    """The number_to_call of every call the pad asked the service to place."""
    return [attempt.number for attempt in env_of(pad).states if attempt.text.startswith("Calling")]


def test_a_13_number_is_dialled_as_the_number(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    type_text(qtbot, pad.number, "131234")

    assert pad.preview.text() == "Will dial +61 131234 (Australia, shared cost)"
    assert not pad.choice_bar.isVisible()
    key(qtbot, pad.number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(env_of(pad).sandbox.placed_calls()) == 1, timeout=5000)
    assert env_of(pad).sandbox.placed_calls()[0].fields["number_to_call"] == "+61131234"


def test_a_known_extension_that_is_a_number_offers_both_extension_first(
        qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    add_users(pad.store, "131234")
    pad.reload_choices()  # as after a sync
    assert "131234" in pad.known_extensions
    type_text(qtbot, pad.number, "13 12 34")

    assert pad.preview.text() == "Extension 131234, or call 13 12 34?"
    assert pad.choice_bar.isVisible()
    assert pad.choice_bar.kind == BOTH_READINGS
    assert pad.choice_bar.labels() == ["Extension 131234", "Call 13 12 34"]
    # Enter asks rather than guesses: the first answer takes the focus, nothing is sent.
    key(qtbot, pad.number, Qt.Key.Key_Return)
    assert pad.focusWidget() is pad.choice_bar.buttons[0]
    assert requested(pad) == []
    click(qtbot, pad.choice_bar.buttons[1])
    qtbot.waitUntil(lambda: len(env_of(pad).sandbox.placed_calls()) == 1, timeout=5000)
    assert env_of(pad).sandbox.placed_calls()[0].fields["number_to_call"] == "+61131234"


def test_choosing_the_extension_sends_the_extension(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    add_users(pad.store, "131234")
    pad.reload_choices()
    type_text(qtbot, pad.number, "131234")
    pad.choice_bar.focus_answer(0)
    key(qtbot, pad.choice_bar.buttons[0], Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: env_of(pad).posts() == 1, timeout=5000)
    assert requested(pad) == ["131234"]
    assert not pad.choice_bar.isVisible()


def test_typing_on_puts_the_question_away(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    add_users(pad.store, "131234")
    pad.reload_choices()
    type_text(qtbot, pad.number, "131234")
    assert pad.choice_bar.isVisible()
    type_text(qtbot, pad.number, "5")
    assert not pad.choice_bar.isVisible()
    key(qtbot, pad.number, Qt.Key.Key_Backspace)
    assert pad.choice_bar.labels() == ["Extension 131234", "Call 13 12 34"]


def test_a_link_with_confirm_off_asks_rather_than_guesses(qtbot: QtBot,
                                                          make_pad: MakePad) -> None:
    pad = make_pad()
    add_users(pad.store, "131234")
    pad.reload_choices()
    pad.confirm_before_dialling = False

    pad.set_number("tel:131234", dial=True)

    assert pad.preview.text() == "Extension 131234, or call 13 12 34?"
    assert pad.focusWidget() is pad.choice_bar.buttons[0]
    assert env_of(pad).posts() == 0
    # An unambiguous number still goes at once.
    pad.set_number("0412 345 678", dial=True)
    qtbot.waitUntil(lambda: env_of(pad).posts() == 1, timeout=5000)


def test_synced_users_become_known_extensions(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    assert pad.known_extensions == {env.extension}  # before any sync: only the agent's own
    fill_store(qtbot, env)
    pad.reload_choices()
    seen = {user.number for user in pad.store.users() if user.number}
    assert len(seen) > 3
    assert pad.known_extensions == seen | {env.extension}
    for extension in sorted(seen):
        pad.number.clear()
        type_text(qtbot, pad.number, extension)
        assert pad.preview.text().startswith(f"Will dial extension {extension}")


def test_keep_typing_hints_for_extensions_on_their_way(qtbot: QtBot,
                                                       make_pad: MakePad) -> None:
    pad = make_pad(my_extension="2001")
    add_users(pad.store, "10", "1002")
    pad.reload_choices()
    shown = []
    for digit in "1002":
        type_text(qtbot, pad.number, digit)
        shown.append(pad.preview.text())
    assert shown == ["That's too short for a phone number or an extension.",
                     "Will dial extension 10, or keep typing for extension 1002",
                     "Will dial extension 100, or keep typing for extension 1002",
                     "Will dial extension 1002"]
    pad.number.clear()
    type_text(qtbot, pad.number, "1312")  # on its way to the 13 number 13 12 34
    assert pad.preview.text() == "Will dial extension 1312, or keep typing for a phone number"


def test_a_premium_rate_number_is_called_only_after_a_second_yes(
        qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    type_text(qtbot, pad.number, "1900123456")

    assert pad.preview.text() == ("Premium-rate number: +61 1900 123 456 (Australia). "
                                  "Calls to it cost extra.")
    assert pad.call_button.isEnabled()
    key(qtbot, pad.number, Qt.Key.Key_Return)
    assert pad.choice_bar.kind == PREMIUM_RATE
    assert pad.choice_bar.prompt.text() == ("1900 123 456 is a premium-rate number: calls to "
                                            "it cost extra. Call it anyway?")
    assert pad.choice_bar.labels() == ["Call 1900 123 456 (premium rate)", "Cancel"]
    # A second Enter lands on Cancel, the safe answer.
    assert pad.focusWidget() is pad.choice_bar.buttons[1]
    key(qtbot, pad.choice_bar.buttons[1], Qt.Key.Key_Return)
    assert not pad.choice_bar.isVisible()
    assert pad.focusWidget() is pad.number
    assert env_of(pad).posts() == 0
    click(qtbot, pad.call_button)
    click(qtbot, pad.choice_bar.buttons[0])
    qtbot.waitUntil(lambda: len(env_of(pad).sandbox.placed_calls()) == 1, timeout=5000)
    assert env_of(pad).sandbox.placed_calls()[0].fields["number_to_call"] == "+611900123456"


def test_premium_rate_asks_even_with_confirm_off(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    pad.confirm_before_dialling = False
    for number, display in (("+44 909 876 5432", "+44 909 876 5432"),
                            ("+1 900 555 0123", "+1 900-555-0123")):
        pad.set_number(number, dial=True)
        assert pad.preview.text().startswith("Premium-rate number: ")
        assert pad.choice_bar.labels() == [f"Call {display} (premium rate)", "Cancel"]
    assert env_of(pad).posts() == 0


def test_several_copied_numbers_are_offered(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    pad.set_number("0412 345 000")  # the number from before
    pad.offer_numbers([("0412 345 678", "0412 345 678"), ("(02) 9876 5432", "(02) 9876 5432")])

    assert pad.number.text() == ""
    assert not pad.call_button.isEnabled()
    assert pad.preview.text() == "The copied text holds 2 numbers: choose one below."
    assert pad.choice_bar.kind == COPIED_NUMBERS
    assert pad.choice_bar.labels() == ["0412 345 678", "(02) 9876 5432"]
    assert pad.focusWidget() is pad.choice_bar.buttons[0]
    click(qtbot, pad.choice_bar.buttons[1])
    # Chosen: in the field, Call focused (Confirm before dialling is on).
    assert pad.number.text() == "02 9876 5432"
    assert pad.focusWidget() is pad.call_button
    assert not pad.choice_bar.isVisible()
    assert env_of(pad).posts() == 0


def test_nothing_copied_clears_the_number_from_before(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    pad.set_number("0412 345 678", dial=True)
    assert pad.focusWidget() is pad.call_button

    pad.show_nothing_to_dial("No phone number found in that text.")

    assert pad.number.text() == ""
    assert not pad.call_button.isEnabled()
    assert pad.focusWidget() is pad.number
    assert pad.preview.text() == ("Nothing to call in what you copied: No phone number found "
                                  "in that text.")
    type_text(qtbot, pad.number, "1")
    assert pad.preview.text() == "That's too short for a phone number or an extension."
