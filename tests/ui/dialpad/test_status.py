"""The call status box: its icon tells how the call went, not only its words."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QStyle
from pytestqt.qtbot import QtBot

from pbxdesk.services.calls import CallState
from pbxdesk.ui.dialpad.status import ICON_SIZE, CallStatus

Pixmap = QStyle.StandardPixmap


@pytest.mark.parametrize(("state", "icon"), [
    (CallState.CONNECTED, Pixmap.SP_DialogApplyButton),
    (CallState.NOT_ANSWERED, Pixmap.SP_MessageBoxWarning),
    (CallState.BUSY, Pixmap.SP_MessageBoxWarning),
    (CallState.FAILED, Pixmap.SP_MessageBoxCritical),
    (CallState.ERROR, Pixmap.SP_MessageBoxCritical),
    (CallState.ENDED, Pixmap.SP_MessageBoxInformation),
    (CallState.UNKNOWN, Pixmap.SP_MessageBoxInformation),
])
def test_each_outcome_has_its_icon(qtbot: QtBot, state: CallState, icon: Pixmap) -> None:
    status = CallStatus()
    qtbot.addWidget(status)
    status.show_status("0412 345 678", "words", state)
    assert status.icon_label.isVisibleTo(status)
    assert not status.spinner.spinning
    shown = status.icon_label.pixmap().toImage()
    expected = status.style().standardIcon(icon).pixmap(ICON_SIZE, ICON_SIZE).toImage()
    assert shown == expected
