"""Editors for settings, generated from :data:`pbxdesk.settings.SETTINGS`.

Each :class:`Editor` wraps one input widget built from a :class:`SettingSpec`:
a check box for a flag, a spin box with the spec's limits for a number, a combo
box for choices, a line edit for text, and a searchable country list for the
default region. The spec's label becomes the accessible name and the help its
tooltip and accessible description, so nothing is written twice. The API key
has its own masked field (:class:`ApiKeyField`): it is not a setting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import phonenumbers
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

from pbxdesk.phone import country_name
from pbxdesk.settings import Settings, SettingSpec

Changed = Callable[[], None]

# How a choice reads in the dialog; the stored value stays the short code.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "api_version": {"v2": "v2 — current portals", "v1": "v1 — older portals"},
    "post_encoding": {"json": "JSON (as the vendor documents)",
                      "form": "Form data (as some portals expect)"},
}
# Codes phonenumbers supports but has no English name for.
_EXTRA_COUNTRY_NAMES = {"AC": "Ascension Island", "TA": "Tristan da Cunha", "XK": "Kosovo"}
_SPECIAL_ZERO = {"refresh_minutes": "Off", "own_calls_poll_seconds": "Off"}
_PLACEHOLDERS = {"base_url": "https://au.voipcloud.online", "my_extension": "e.g. 1010",
                 "default_caller_id": "The PBX's default",
                 "user_filter_param": "Empty: filter on this computer only",
                 "callback_groups": "e.g. Sales queue, Reception (* for all)",
                 "relay_url": "Empty: live calls off",
                 "crm_url_template": "https://crm.example.com/search?phone={e164}"}


class Editor:
    """One setting's input widget, read and written as the setting's value."""

    def __init__(self, spec: SettingSpec, widget: QWidget) -> None:
        self.spec = spec
        self.widget = widget
        widget.setObjectName(f"setting_{spec.key}")
        widget.setAccessibleName(spec.label)
        widget.setAccessibleDescription(spec.help)
        widget.setToolTip(spec.help)

    @property
    def key(self) -> str:
        return self.spec.key

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def input_problem(self) -> str | None:
        """Why the typed text has no value at all (e.g. an unknown country); None if it has."""
        return None

    def on_changed(self, slot: Changed) -> None:
        raise NotImplementedError


class CheckEditor(Editor):
    def __init__(self, spec: SettingSpec, parent: QWidget | None = None) -> None:
        self._box = QCheckBox(spec.label, parent)
        super().__init__(spec, self._box)

    def set_text(self, text: str) -> None:
        """The box's label (with its mnemonic)."""
        self._box.setText(text)

    def value(self) -> bool:
        return self._box.isChecked()

    def set_value(self, value: Any) -> None:
        self._box.setChecked(bool(value))

    def on_changed(self, slot: Changed) -> None:
        self._box.toggled.connect(lambda _checked: slot())


class SpinEditor(Editor):
    def __init__(self, spec: SettingSpec, parent: QWidget | None = None) -> None:
        self._spin = QSpinBox(parent)
        self._spin.setRange(spec.minimum if spec.minimum is not None else 0,
                            spec.maximum if spec.maximum is not None else 1_000_000)
        self._spin.setGroupSeparatorShown(True)
        self._spin.setAccelerated(True)
        self._spin.setMinimumWidth(110)
        if spec.key in _SPECIAL_ZERO and self._spin.minimum() == 0:
            self._spin.setSpecialValueText(_SPECIAL_ZERO[spec.key])
        super().__init__(spec, self._spin)

    def value(self) -> int:
        return self._spin.value()

    def set_value(self, value: Any) -> None:
        self._spin.setValue(int(value))

    def on_changed(self, slot: Changed) -> None:
        self._spin.valueChanged.connect(lambda _value: slot())


class ChoiceEditor(Editor):
    def __init__(self, spec: SettingSpec, parent: QWidget | None = None) -> None:
        self._combo = QComboBox(parent)
        labels = CHOICE_LABELS.get(spec.key, {})
        for choice in spec.choices:
            self._combo.addItem(labels.get(choice, choice), choice)
        super().__init__(spec, self._combo)

    def value(self) -> str:
        return str(self._combo.currentData())

    def set_value(self, value: Any) -> None:
        index = self._combo.findData(value)
        self._combo.setCurrentIndex(max(0, index))

    def on_changed(self, slot: Changed) -> None:
        self._combo.currentIndexChanged.connect(lambda _index: slot())


class TextEditor(Editor):
    def __init__(self, spec: SettingSpec, parent: QWidget | None = None) -> None:
        self._edit = QLineEdit(parent)
        self._edit.setClearButtonEnabled(True)
        if spec.key in _PLACEHOLDERS:
            self._edit.setPlaceholderText(_PLACEHOLDERS[spec.key])
        super().__init__(spec, self._edit)

    @property
    def line_edit(self) -> QLineEdit:
        return self._edit

    def value(self) -> str:
        return self._edit.text().strip()

    def set_value(self, value: Any) -> None:
        self._edit.setText(str(value))

    def on_changed(self, slot: Changed) -> None:
        self._edit.textChanged.connect(lambda _text: slot())


class _SelectOnClick(QObject):
    """Selects its line edit's whole text when a click gives it (or its box) the focus."""

    def __init__(self, line_edit: QLineEdit) -> None:
        super().__init__(line_edit)
        self._line_edit = line_edit

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.FocusIn and isinstance(event, QFocusEvent) and (
                event.reason() == Qt.FocusReason.MouseFocusReason):
            # After the click has placed the cursor (which would clear the selection).
            QTimer.singleShot(0, self._line_edit.selectAll)
        return False


class RegionEditor(Editor):
    """A country list to type into: "aus" finds Australia, "GB" the United Kingdom."""

    def __init__(self, spec: SettingSpec, parent: QWidget | None = None) -> None:
        self._combo = QComboBox(parent)
        self._combo.setEditable(True)
        self._combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._combo.setMaxVisibleItems(15)
        self._combo.setMinimumWidth(300)
        for name, code in sorted((region_label(code), code)
                                 for code in phonenumbers.SUPPORTED_REGIONS):
            self._combo.addItem(name, code)
        completer = QCompleter(self._combo.model(), self._combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self._combo.setCompleter(completer)
        line_edit = self._combo.lineEdit()
        if line_edit is not None:  # always, for an editable combo box
            line_edit.setPlaceholderText("Type to search, e.g. Australia or AU")
            line_edit.setAccessibleName(spec.label)
            # A click selects the whole name, so typing replaces it ("aus" finds
            # Australia) instead of being added to it ("Australiaaus").
            # (The combo box takes the focus for its line edit: watch both.)
            selector = _SelectOnClick(line_edit)
            line_edit.installEventFilter(selector)
            self._combo.installEventFilter(selector)
        super().__init__(spec, self._combo)

    def value(self) -> str | None:
        """The region code the text names, or None if it names none."""
        return region_for_text(self._combo.currentText(),
                               [(self._combo.itemText(i), str(self._combo.itemData(i)))
                                for i in range(self._combo.count())])

    def set_value(self, value: Any) -> None:
        index = self._combo.findData(str(value).upper())
        if index >= 0:
            self._combo.setCurrentIndex(index)
        else:
            self._combo.setEditText(str(value))

    def input_problem(self) -> str | None:
        if self.value() is None:
            return "Choose a country from the list (type part of its name to search)"
        return None

    def on_changed(self, slot: Changed) -> None:
        self._combo.editTextChanged.connect(lambda _text: slot())
        self._combo.currentIndexChanged.connect(lambda _index: slot())


def region_label(code: str) -> str:
    """ "Australia (AU)"; the bare code when no English name is known."""
    name = country_name(code) or _EXTRA_COUNTRY_NAMES.get(code, "")
    return f"{name} ({code})" if name else code


def region_for_text(text: str, items: list[tuple[str, str]]) -> str | None:
    """The code named by ``text``: a whole item, a country name, or a two-letter code."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return None
    for label, code in items:
        name = label.rsplit(" (", 1)[0]
        if wanted in (label.casefold(), name.casefold(), code.casefold()):
            return code
    return None


class ApiKeyField(QWidget):
    """The API key: masked, with a Show/Hide button; pasted spaces are ignored.

    The key is never put in a tooltip, an accessible description or a log.
    """

    def __init__(self, parent: QWidget | None = None, *, name: str = "API key",
                 object_name: str = "setting_api_key",
                 placeholder: str = "Paste the key from the portal") -> None:
        """``name`` etc.: the same field serves other secrets (the relay's desk token)."""
        super().__init__(parent)
        self._name = name
        self.edit = QLineEdit(self)
        self.edit.setObjectName(object_name)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName(name)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setInputMethodHints(Qt.InputMethodHint.ImhSensitiveData
                                      | Qt.InputMethodHint.ImhNoPredictiveText
                                      | Qt.InputMethodHint.ImhNoAutoUppercase)
        self.toggle = QToolButton(self)
        self.toggle.setObjectName("show_" + object_name.removeprefix("setting_"))
        self.toggle.setCheckable(True)
        self.toggle.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.toggle)
        self.setFocusProxy(self.edit)
        self.toggle.toggled.connect(self._on_toggle_toggled)
        self._on_toggle_toggled(False)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, key: str) -> None:
        self.edit.setText(key)

    @property
    def is_shown(self) -> bool:
        return self.edit.echoMode() == QLineEdit.EchoMode.Normal

    @Slot(bool)
    def _on_toggle_toggled(self, shown: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown
                              else QLineEdit.EchoMode.Password)
        self.toggle.setText("Hide" if shown else "Show")
        what = f"{'Hide' if shown else 'Show'} the {self._name}"
        self.toggle.setAccessibleName(what)
        self.toggle.setToolTip(what)


def editor_for(spec: SettingSpec, parent: QWidget | None = None) -> Editor:
    """The editor that suits ``spec``'s type (from the :class:`Settings` default)."""
    default = getattr(Settings(), spec.key)
    if spec.key == "default_region":
        return RegionEditor(spec, parent)
    if spec.choices:
        return ChoiceEditor(spec, parent)
    if isinstance(default, bool):
        return CheckEditor(spec, parent)
    if isinstance(default, int):
        return SpinEditor(spec, parent)
    return TextEditor(spec, parent)
