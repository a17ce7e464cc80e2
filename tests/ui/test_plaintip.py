"""Tooltips show outside text (callers' names, the PBX's fields) as typed, never as markup."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6 import QtGui
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from pbxdesk.ui.history.checklist import CheckList
from pbxdesk.ui.plaintip import plain_tip

HOSTILE = (
    '<img src="file:///etc/hostname" width="90000" height="90000">',
    "<b>Your bank</b> (verified)",
    "Jane &lt;3",
    "  <table><tr><td>x</td></tr></table>",
    "<!DOCTYPE html><p>x</p>",
)


def shown_as(tip: str) -> QTextDocument:
    """The tooltip as Qt lays it out: markup when Qt guesses it is, else plain text."""
    document = QTextDocument()
    if QtGui.Qt.mightBeRichText(tip):
        document.setHtml(tip)
    else:
        document.setPlainText(tip)
    return document


def words(text: str) -> list[str]:
    return text.split()


def test_markup_is_shown_as_the_characters_typed(qtbot: QtBot) -> None:
    for text in HOSTILE:
        document = shown_as(plain_tip(text))
        assert words(document.toPlainText()) == words(text)
        assert "<img" not in document.toHtml()
        assert "font-weight:700" not in document.toHtml()


def test_plain_text_stays_as_it_is(qtbot: QtBot) -> None:
    for text in ("Jane Citizen", "0412 345 678\nAs sent by the PBX: 61412345678", "a < b"):
        assert plain_tip(text) == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/&;!ab ipmg=\"'\n#x")), max_size=40))
def test_any_text_reads_back_word_for_word(text: str) -> None:
    assert words(shown_as(plain_tip(text)).toPlainText()) == words(text)


def test_the_user_filter_tooltip_names_users_as_typed(qtbot: QtBot) -> None:
    checklist = CheckList("user", "users")
    qtbot.addWidget(checklist)
    checklist.set_entries([("1001", "<b>Boss</b>"), ("1002", "Ann")])
    checklist.set_checked_keys(["1001"])
    document = shown_as(checklist.toolTip())
    assert "<b>Boss</b>" in document.toPlainText()
    assert "font-weight:700" not in document.toHtml()
