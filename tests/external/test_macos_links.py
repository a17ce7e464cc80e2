"""FileOpenFilter: links delivered as QFileOpenEvent (how macOS hands them over)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from pbxdesk.desktop.macos import FileOpenFilter
from pbxdesk.external import ExternalRequest
from pbxdesk.phone import DialTarget


@pytest.fixture
def file_open(qapp: QApplication) -> Iterator[FileOpenFilter]:
    made = FileOpenFilter()
    qapp.installEventFilter(made)
    yield made
    qapp.removeEventFilter(made)
    made.deleteLater()


@pytest.mark.parametrize(("link", "e164", "extension"), [
    ("tel:+61-2-9876-5432;ext=12", "+61298765432", "12"),
    ("TEL:%2B61%20412%20345%20678", "+61412345678", None),
    ("sip:1002@pbx.example;user=phone", None, "1002"),
])
def test_a_dial_link_is_taken_and_reads_as_the_same_number(
        qtbot: QtBot, qapp: QApplication, file_open: FileOpenFilter, link: str,
        e164: str | None, extension: str | None) -> None:
    with qtbot.waitSignal(file_open.sig_url_opened, timeout=1000) as opened:
        handled = QCoreApplication.sendEvent(qapp, QFileOpenEvent(QUrl(link)))

    assert handled
    target = ExternalRequest("dial", opened.args[0], source="uri").target("AU")
    assert isinstance(target, DialTarget)
    assert (target.e164, target.extension) == (e164, extension)


def test_files_pass_through(qtbot: QtBot, qapp: QApplication,
                            file_open: FileOpenFilter) -> None:
    with qtbot.assertNotEmitted(file_open.sig_url_opened):
        QCoreApplication.sendEvent(qapp, QFileOpenEvent(QUrl("file:///tmp/calls.csv")))
