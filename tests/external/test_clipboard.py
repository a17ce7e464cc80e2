"""ClipboardService against the real (offscreen, in-process) clipboard."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from pbxdesk.phone import DialTarget, parse_dial_input
from pbxdesk.services.clipboard import WATCH_MAX_CHARS, ClipboardService

SECRET_TEXT = "Hi Sam, please ring Dana back on 0412 345 678 about invoice 99812."


@pytest.fixture
def clipboard(qapp: QApplication) -> Iterator[QClipboard]:
    board = QGuiApplication.clipboard()
    board.clear()
    yield board
    board.clear()


@pytest.fixture
def service(qtbot: QtBot, clipboard: QClipboard) -> Iterator[ClipboardService]:
    made = ClipboardService(clipboard, default_region="AU", poll_ms=0)
    yield made
    made.set_watching(False)
    made.deleteLater()


@pytest.mark.parametrize(("copied", "expected_e164", "expected_ext"), [
    (SECRET_TEXT, "+61412345678", None),
    ("tel:+61-2-9876-5432;ext=12", "+61298765432", "12"),
    ("Reception: (02) 9876 5432", "+61298765432", None),
    ("1002", None, "1002"),
    ("  +44 20 7946 0958\n", "+442079460958", None),
])
def test_dial_copied_number_finds_the_number_in_the_text(
        qtbot: QtBot, clipboard: QClipboard, service: ClipboardService, copied: str,
        expected_e164: str | None, expected_ext: str | None) -> None:
    clipboard.setText(copied)

    with qtbot.waitSignal(service.sig_number_found, timeout=1000) as found:
        assert service.dial_copied_number()

    text = found.args[0]
    target = parse_dial_input(text, "AU")  # what the dial pad will make of it
    assert isinstance(target, DialTarget)
    assert (target.e164, target.extension) == (expected_e164, expected_ext)


@pytest.mark.parametrize(("copied", "reason"), [
    ("", "The copied text is empty."),
    ("Lunch at 12:30 in room 4?", "No phone number found in that text."),
    ("000", "000 is an emergency number. pbxdesk never calls emergency numbers: use a phone."),
])
def test_nothing_dialable_gives_the_reason(qtbot: QtBot, clipboard: QClipboard,
                                           service: ClipboardService, copied: str,
                                           reason: str) -> None:
    clipboard.setText(copied)

    with qtbot.waitSignal(service.sig_nothing_found, timeout=1000) as nothing, \
            qtbot.assertNotEmitted(service.sig_number_found):
        assert not service.dial_copied_number()

    assert nothing.args == [reason]


def test_the_default_country_decides_local_numbers(qtbot: QtBot, clipboard: QClipboard,
                                                   service: ClipboardService) -> None:
    clipboard.setText("0412 345 678")
    service.set_default_region("GB")

    with qtbot.waitSignal(service.sig_nothing_found, timeout=1000):
        service.dial_copied_number()


def test_watching_is_off_by_default(qtbot: QtBot, clipboard: QClipboard,
                                    service: ClipboardService) -> None:
    assert not service.watching
    with qtbot.assertNotEmitted(service.sig_offer_call, wait=50):
        clipboard.setText("0412 345 678")


def test_watching_offers_a_copied_number_once_and_never_plain_text(
        qtbot: QtBot, clipboard: QClipboard, service: ClipboardService) -> None:
    clipboard.setText("0412 345 678")  # copied before watching: not offered
    offers: list[tuple[str, str]] = []
    service.sig_offer_call.connect(lambda number, shown: offers.append((number, shown)))

    service.set_watching(True)
    clipboard.setText("see you at 3")
    clipboard.setText("Call me: 02 9876 5432")
    clipboard.changed.emit(QClipboard.Mode.Clipboard)  # the same copy signalled twice
    clipboard.setText("x" * WATCH_MAX_CHARS + " 0412 345 679")  # a document, not an offer
    clipboard.setText("1002")
    qtbot.wait(20)
    service.set_watching(False)
    clipboard.setText("0412 345 670")

    assert offers == [("+61 2 9876 5432", "(02) 9876 5432"), ("1002", "1002")]


def test_the_primary_selection_is_ignored(qtbot: QtBot, clipboard: QClipboard,
                                          service: ClipboardService) -> None:
    service.set_watching(True)
    clipboard.blockSignals(True)
    clipboard.setText("0412 345 678")  # present, but only "selection" is signalled
    clipboard.blockSignals(False)

    with qtbot.assertNotEmitted(service.sig_offer_call, wait=50):
        clipboard.changed.emit(QClipboard.Mode.Selection)


def test_polling_sees_changes_nobody_signalled(qtbot: QtBot, clipboard: QClipboard) -> None:
    """The macOS case: no change signal while the app is inactive, so watching polls."""
    service = ClipboardService(clipboard, default_region="AU", poll_ms=10)
    service.set_watching(True)
    try:
        clipboard.blockSignals(True)
        with qtbot.waitSignal(service.sig_offer_call, timeout=2000) as offer:
            clipboard.setText("0412 345 678")
        clipboard.blockSignals(False)
        assert offer.args == ["+61 412 345 678", "0412 345 678"]
    finally:
        clipboard.blockSignals(False)
        service.set_watching(False)


def test_clipboard_text_never_reaches_the_log(
        qtbot: QtBot, clipboard: QClipboard, service: ClipboardService,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pbxdesk")
    service.set_watching(True)
    for text in (SECRET_TEXT, "Dana 000", "nothing here", "0412 345 678"):
        clipboard.setText(text)
        service.dial_copied_number()

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged  # something was logged, just not the text
    for fragment in ("Dana", "invoice", "345", "412", "000", "nothing here"):
        assert fragment not in logged


def test_several_numbers_are_all_offered_in_order(qtbot: QtBot, clipboard: QClipboard,
                                                  service: ClipboardService) -> None:
    clipboard.setText("Dana: 0412 345 678 (mobile) or the front desk on (02) 9876 5432; "
                      "mobile again 0412-345-678")

    with qtbot.waitSignal(service.sig_numbers_found, timeout=1000) as found, \
            qtbot.assertNotEmitted(service.sig_number_found):
        assert service.dial_copied_number()

    assert found.args == [[("+61 412 345 678", "0412 345 678"),
                           ("+61 2 9876 5432", "(02) 9876 5432")]]


def test_copied_digits_that_are_a_known_extension_stay_one(
        qtbot: QtBot, clipboard: QClipboard, service: ClipboardService) -> None:
    clipboard.setText("131234")
    with qtbot.waitSignal(service.sig_number_found, timeout=1000) as as_number:
        service.dial_copied_number()
    service.known_extensions = lambda: frozenset({"131234"})
    with qtbot.waitSignal(service.sig_number_found, timeout=1000) as as_extension:
        service.dial_copied_number()

    assert as_number.args == ["+61 131234"]
    # The pad reads "131234" with the same extensions, and asks which is meant.
    assert as_extension.args == ["131234"]
