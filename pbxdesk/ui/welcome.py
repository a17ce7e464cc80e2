"""The first-run welcome page: what pbxdesk does, and two ways to start.

The main window shows it while ``Settings.is_configured`` is false. It only
emits intents ("Connect to your PBX", "Try the demo"); the application
controller opens the settings dialog or starts the demo PBX.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.resources import APP_ICON, resource_path

ICON_SIZE = 96
TITLE = "Welcome to pbxdesk"
EXPLANATION = (
    "See the calls of your extension, your queues and your ring groups in one place, find "
    "any caller in seconds, and call back with one click. pbxdesk works with hosted PBX "
    "accounts from Phone Cloud, VoIPLine and VoIPcloud.")
NEEDS = (
    "<b>To connect you need</b>, from your portal's <i>Integration / API</i> page: the "
    "portal's address and an API key. This computer's public IP address must be on the "
    "allow-list on that same page.")
DEMO_NOTE = "The demo runs a pretend PBX on this computer: nothing is sent anywhere."


class WelcomePage(QWidget):
    """A friendly first page with two big buttons.

    Signals:
        sig_connect_requested(): "Connect to your PBX" was pressed.
        sig_demo_requested(): "Try the demo" was pressed.
    """

    sig_connect_requested = Signal()
    """The user wants to enter their PBX's address and key."""
    sig_demo_requested = Signal()
    """The user wants to try pbxdesk on the built-in demo PBX."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        self.setAccessibleName("Welcome")
        self.icon = QLabel(self)
        self.icon.setObjectName("welcomeIcon")
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.icon.setAccessibleName("pbxdesk logo")
        pixmap = QIcon(str(resource_path(APP_ICON))).pixmap(QSize(ICON_SIZE, ICON_SIZE))
        if not pixmap.isNull():  # a bare install without resources/ still shows the page
            self.icon.setPixmap(pixmap)
        self.title = self._label(TITLE, "welcomeTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.title.setFont(font)
        self.explanation = self._label(EXPLANATION, "welcomeText")
        # Alt+P and Alt+D: the main window's menus already use C (Calls), F, V, T and H.
        self.connect_button = self._button("Connect to your &PBX", "connectButton",
                                           "Enter your portal's address and API key")
        self.connect_button.setDefault(True)
        self.demo_button = self._button("Try the &demo", "demoButton", DEMO_NOTE)
        self.needs = self._label(NEEDS, "welcomeNeeds", rich=True)
        self.needs.setAccessibleName("What pbxdesk needs")
        self.demo_note = self._label(DEMO_NOTE, "welcomeDemoNote")
        self.demo_note.setStyleSheet("color: palette(placeholder-text);")
        self.setStyleSheet(
            "#connectButton { background: #2463b6; color: white; border: 1px solid #1b4f93; "
            "border-radius: 6px; padding: 10px 22px; font-weight: bold; }"
            "#connectButton:hover { background: #1f57a1; }"
            "#connectButton:focus { border: 2px solid #0d2e5c; }"
            "#demoButton { background: palette(base); color: palette(text); "
            "border: 1px solid palette(mid); border-radius: 6px; padding: 10px 22px; }"
            "#demoButton:hover { background: palette(alternate-base); }"
            "#demoButton:focus { border: 2px solid #2463b6; }"
            "#welcomeNeeds { background: palette(alternate-base); border-radius: 6px; "
            "padding: 10px; }")
        self.connect_button.clicked.connect(self.sig_connect_requested)
        self.demo_button.clicked.connect(self.sig_demo_requested)
        self._lay_out()
        self.setFocusProxy(self.connect_button)

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addStretch(1)
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(14)
        column.addWidget(self.icon)
        column.addWidget(self.title)
        column.addWidget(self.explanation)
        column.addSpacing(6)
        column.addLayout(buttons)
        column.addWidget(self.demo_note)
        column.addSpacing(10)
        column.addWidget(self.needs)
        card = QFrame(self)
        card.setObjectName("welcomeCard")
        card.setMaximumWidth(620)
        card.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        card.setLayout(column)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def _label(self, text: str, name: str, *, rich: bool = False) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        return label

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", ""))
        button.setAccessibleDescription(tip)
        button.setToolTip(tip)
        button.setMinimumHeight(44)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        return button
