"""The settings dialog's "Phone links" part: who opens tel: links, Register, Test link.

:class:`TelHandlerPanel` shows a :class:`~pbxdesk.desktop.registration.Verdict`
as an icon and a sentence (never colour alone) and runs the registrar when a
button is pressed. The registrar's calls are short external commands
(``xdg-mime``), run on the GUI thread under a busy cursor.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.desktop.registration import Registrar, Status, Verdict

_ICONS = {
    Status.OURS: QStyle.StandardPixmap.SP_DialogApplyButton,
    Status.OTHER: QStyle.StandardPixmap.SP_MessageBoxInformation,
    Status.NONE: QStyle.StandardPixmap.SP_MessageBoxInformation,
    Status.BUNDLE: QStyle.StandardPixmap.SP_MessageBoxInformation,
    Status.TOOLS_MISSING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Status.BROKEN: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Status.FAILED: QStyle.StandardPixmap.SP_MessageBoxCritical,
}
_ICON_PX = 20


class TelHandlerPanel(QWidget):
    """Register pbxdesk for tel:/callto: links and check that links reach it.

    Signals:
        sig_verdict_changed(object): the :class:`Verdict` now shown.

    Attributes:
        verdict: the verdict shown (None until the first check has run).
    """

    sig_verdict_changed = Signal(object)
    """A new verdict is shown (a Verdict)."""

    def __init__(self, registrar: Registrar, parent: QWidget | None = None, *,
                 check_now: bool = True) -> None:
        """``check_now``: ask who handles links right after the panel shows."""
        super().__init__(parent)
        self._registrar = registrar
        self.verdict: Verdict | None = None
        self.setAccessibleName("Phone links")
        self.icon = QLabel(self)
        self.icon.setFixedSize(_ICON_PX, _ICON_PX)
        self.status = QLabel("Checking which app opens phone links…", self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setAccessibleName("Phone link status")
        self.register_button = QPushButton("&Open phone links with pbxdesk", self)
        self.register_button.setAccessibleName("Register pbxdesk for tel and callto links")
        self.register_button.setToolTip("Make pbxdesk the app that opens tel: and callto: "
                                        "links for your user account")
        self.register_button.setEnabled(registrar.can_register)
        self.test_button = QPushButton("&Test link", self)
        self.test_button.setAccessibleName("Test that a tel link reaches pbxdesk")
        self.test_button.setToolTip("Check that a tel: link would start this pbxdesk")

        status_row = QHBoxLayout()
        status_row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        status_row.addWidget(self.status, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.register_button)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(status_row)
        layout.addLayout(buttons)
        self._connect_signals()
        if check_now:
            QTimer.singleShot(0, self, self.refresh)  # after the dialog has painted

    def _connect_signals(self) -> None:
        self.register_button.clicked.connect(self._on_register_button_clicked)
        self.test_button.clicked.connect(self._on_test_button_clicked)

    def refresh(self) -> Verdict:
        """Ask again who opens tel: links, and show it."""
        return self._run(self._registrar.check_registration)

    @Slot()
    def _on_register_button_clicked(self) -> None:
        self._run(self._registrar.register)

    @Slot()
    def _on_test_button_clicked(self) -> None:
        self._run(self._registrar.test_link)

    def _run(self, step: Callable[[], Verdict]) -> Verdict:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        try:
            verdict = step()
        finally:
            QGuiApplication.restoreOverrideCursor()
        self._show(verdict)
        return verdict

    def _show(self, verdict: Verdict) -> None:
        self.verdict = verdict
        self.status.setText(verdict.message)
        icon = self.style().standardIcon(_ICONS[verdict.status])
        self.icon.setPixmap(icon.pixmap(_ICON_PX, _ICON_PX))
        self.icon.setAccessibleName(verdict.status.value)
        self.register_button.setText("Register &again" if verdict.ours
                                     else "&Open phone links with pbxdesk")
        self.sig_verdict_changed.emit(verdict)
