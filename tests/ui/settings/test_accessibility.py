"""Keyboard and screen-reader use of the settings dialog."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from pbxdesk.settings import Settings
from pbxdesk.ui.settings.mnemonics import mnemonic_letter, with_mnemonic
from pbxdesk.ui.settingsdialog import SettingsDialog
from tests.ui.settings.conftest import MakeDialog
from tests.ui.settings.helpers import click, key_click

URL = "https://ie.voipcloud.online"
KEY = "a11y-key-7788-secret"


def controls(root: QWidget) -> list[QWidget]:
    """The widgets a user operates by keyboard.

    Inner editors of spin boxes are part of their box; clear buttons in line edits
    and the tab bar's scroll arrows take no focus (mouse extras).
    """
    found: list[QWidget] = []
    for widget in root.findChildren(QWidget):
        if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QAbstractSpinBox):
            continue
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        if isinstance(widget, QAbstractButton | QLineEdit | QComboBox | QAbstractSpinBox):
            found.append(widget)
    return found


def page_of(dialog: SettingsDialog, index: int) -> QWidget:
    page = dialog.tabs.widget(index)
    assert page is not None
    return page


def tab_through(qtbot: QtBot, dialog: SettingsDialog, presses: int) -> set[QWidget]:
    reached: set[QWidget] = set()
    for _ in range(presses):
        current = QApplication.focusWidget()
        assert current is not None
        reached.add(current)
        key_click(qtbot, current, Qt.Key.Key_Tab)
    return reached


def test_every_control_has_an_accessible_name(make_dialog: MakeDialog) -> None:
    dialog = make_dialog(Settings(base_url=URL), api_key=KEY)
    unnamed = [f"{type(w).__name__} {w.objectName()!r}" for w in controls(dialog)
               if not w.accessibleName().strip()]
    assert unnamed == []
    assert dialog.editors["base_url"].widget.accessibleName() == "PBX address"
    assert dialog.key_field.edit.accessibleName() == "API key"
    assert dialog.editors["sync_days"].widget.accessibleDescription() == \
        "Fetched on first connect; older days on demand."


def test_the_key_is_in_no_name_description_or_tooltip(qtbot: QtBot,
                                                      make_dialog: MakeDialog) -> None:
    dialog = make_dialog(Settings(base_url=URL), api_key=KEY)
    click(qtbot, dialog.key_field.toggle)  # shown on screen
    for widget in [dialog, *dialog.findChildren(QWidget)]:
        for text in (widget.accessibleName(), widget.accessibleDescription(),
                     widget.toolTip(), widget.whatsThis(), widget.statusTip()):
            assert KEY not in text, widget.objectName()


def test_labels_have_mnemonics_that_do_not_collide(make_dialog: MakeDialog) -> None:
    dialog = make_dialog(Settings(base_url=URL), api_key=KEY)
    shared = [mnemonic_letter(dialog.tabs.tabText(i)) for i in range(dialog.tabs.count())]
    shared += [mnemonic_letter(dialog.save_button.text()),
               mnemonic_letter(dialog.test_button.text())]
    for index in range(dialog.tabs.count()):
        page = page_of(dialog, index)
        letters = list(shared)
        for label in page.findChildren(QLabel):
            if label.buddy() is not None:
                letter = mnemonic_letter(label.text())
                assert letter is not None, label.text()
                letters.append(letter)
        for box in page.findChildren(QCheckBox):
            letters.append(mnemonic_letter(box.text()))
        assert None not in letters
        # Buttons on the page too (Alt+Y ran neither "Test relay" nor showed the Sync tab).
        letters += [letter for button in page.findChildren(QPushButton)
                    if button not in (dialog.save_button, dialog.test_button)
                    and (letter := mnemonic_letter(button.text())) is not None]
        duplicates = [letter for letter, count in Counter(letters).items() if count > 1]
        assert duplicates == [], dialog.tabs.tabText(index)


def test_tab_reaches_every_control_of_the_connection_page(qtbot: QtBot,
                                                          make_dialog: MakeDialog) -> None:
    dialog = make_dialog(Settings(base_url=URL), api_key=KEY)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    dialog.editors["base_url"].widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=2000)
    reached = tab_through(qtbot, dialog, 40)
    page = page_of(dialog, 0)
    wanted = {w for w in controls(page) if w.isVisible() and w.isEnabled()}
    # Radio buttons of one group are one Tab stop (arrows move inside it).
    radios = set(dialog.storage.buttons.values())
    assert {"setting_base_url", "setting_api_version", "setting_api_key", "show_api_key",
            "testConnection"} <= {w.objectName() for w in wanted}
    missing = {w.objectName() or type(w).__name__ for w in wanted - radios - reached}
    assert missing == set()
    assert reached & radios
    assert dialog.save_button in reached


def test_buttons_do_not_steal_enter_from_save(make_dialog: MakeDialog) -> None:
    dialog = make_dialog(Settings(base_url=URL), api_key=KEY)
    assert dialog.save_button.isDefault()
    others = [b for b in dialog.findChildren(QPushButton) if b is not dialog.save_button]
    assert others
    assert not any(button.autoDefault() for button in others)


def test_with_mnemonic_prefers_word_starts_and_escapes_ampersands() -> None:
    taken = {"n"}
    assert with_mnemonic("Numbers & calls", taken) == "Numbers && &calls"
    assert with_mnemonic("Sync", {"s"}) == "S&ync"
    assert with_mnemonic("ab", {"a", "b"}) == "ab"
    assert mnemonic_letter("Numbers && &calls") == "c"
    assert mnemonic_letter("Fish && chips") is None
