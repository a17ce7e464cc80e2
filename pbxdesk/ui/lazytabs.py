"""Tabs built the first time they are shown or asked for.

The window opens on one tab; building the others (two more histories, Callbacks,
Insights with Qt Charts) before the first paint cost 0.2-0.4 s of every start.
:class:`LazyTabs` puts an empty placeholder in the tab bar for each, and swaps
the real widget in when the tab becomes current or code asks for it
(:meth:`LazyTabs.widget`), so ``tabs.currentWidget()`` is always a real tab
once it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

K = TypeVar("K")
W = TypeVar("W", bound=QWidget)

Factory = Callable[[], QWidget | None]
"""Builds a tab's widget; None while it cannot be built yet (it is tried again later)."""


@dataclass
class _Entry:
    title: str
    factory: Factory
    placeholder: QWidget
    widget: QWidget | None = None


class BuiltOnAccess(Mapping[K, W]):
    """Some of the lazy tabs by a key of their own: looking one up builds it."""

    def __init__(self, tabs: LazyTabs, names: Mapping[K, str], kind: type[W]) -> None:
        self._tabs = tabs
        self._names = names
        self._kind = kind

    def __getitem__(self, key: K) -> W:
        name = self._names.get(key)
        made = self._tabs.widget(name) if name is not None else None
        if not isinstance(made, self._kind):
            raise KeyError(key)
        return made

    def __iter__(self) -> Iterator[K]:
        present = set(self._tabs.names())
        return iter([key for key, name in self._names.items() if name in present])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def built(self) -> list[W]:
        """The tabs built so far (never builds one)."""
        found = (self._tabs.built(name) for name in self._names.values())
        return [made for made in found if isinstance(made, self._kind)]


class LazyTabs(QObject):
    """The tabs of one QTabWidget, each built on first show (or first :meth:`widget`)."""

    def __init__(self, tabs: QTabWidget) -> None:
        super().__init__(tabs)
        self._tabs = tabs
        self._entries: dict[str, _Entry] = {}
        self._swapping = False
        tabs.currentChanged.connect(self._on_tabs_current_changed)

    def add(self, key: str, title: str, factory: Factory) -> None:
        """A tab titled ``title`` at the end, built by ``factory`` when first needed."""
        placeholder = QLabel("Loading…", self._tabs)
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setAccessibleName(title.replace("&", ""))
        self._entries[key] = _Entry(title, factory, placeholder)
        # The first tab added becomes current: built by build_current(), once the caller
        # has chosen which tab to show.
        self._swapping = True
        try:
            self._tabs.addTab(placeholder, title)
        finally:
            self._swapping = False

    def names(self) -> list[str]:
        return list(self._entries)

    def built(self, key: str) -> QWidget | None:
        """The widget of ``key`` if it has been built (never builds it)."""
        entry = self._entries.get(key)
        return entry.widget if entry is not None else None

    def built_widgets(self) -> Iterator[tuple[str, QWidget]]:
        for key, entry in self._entries.items():
            if entry.widget is not None:
                yield key, entry.widget

    def widget(self, key: str) -> QWidget | None:
        """The widget of ``key``, built now if it was not; None if there is no such tab
        or its factory cannot build it yet."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.widget is None:
            self._build(entry)
        return entry.widget

    def build_current(self) -> None:
        """Build the current tab if it is still a placeholder (its factory may be ready
        now)."""
        self._on_tabs_current_changed(self._tabs.currentIndex())

    def clear(self) -> None:
        """Remove every tab (built widgets are deleted later)."""
        self._swapping = True
        try:
            while self._tabs.count():
                shown = self._tabs.widget(0)
                self._tabs.removeTab(0)
                if shown is not None:
                    shown.deleteLater()
        finally:
            self._swapping = False
        self._entries.clear()

    def _build(self, entry: _Entry) -> None:
        made = entry.factory()
        if made is None:
            return
        entry.widget = made
        index = self._tabs.indexOf(entry.placeholder)
        was_current = index == self._tabs.currentIndex()
        # Removing the current tab makes Qt show a neighbour: not a tab to build.
        self._swapping = True
        try:
            focus_was_in = entry.placeholder.hasFocus()
            self._tabs.removeTab(index)
            self._tabs.insertTab(index, made, entry.title)
            if was_current:
                self._tabs.setCurrentIndex(index)
                if focus_was_in:
                    made.setFocus(Qt.FocusReason.OtherFocusReason)
        finally:
            self._swapping = False
        entry.placeholder.hide()
        entry.placeholder.deleteLater()

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        if self._swapping or index < 0:
            return
        shown = self._tabs.widget(index)
        for entry in self._entries.values():
            if entry.widget is None and entry.placeholder is shown:
                self._build(entry)
                return
