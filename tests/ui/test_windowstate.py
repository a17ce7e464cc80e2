"""ui-state.json: the window's size and layout between runs; damage means defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow

from pbxdesk.damaged import take_set_aside
from pbxdesk.ui.windowstate import restore_window_state, save_window_state


def make_window() -> QMainWindow:
    window = QMainWindow()
    window.setCentralWidget(QLabel("calls"))
    dock = QDockWidget("Dial pad", window)
    dock.setObjectName("dialPadDock")
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    return window


def test_size_and_the_pad_choice_come_back(qapp: QApplication, tmp_path: Path) -> None:
    path = tmp_path / "ui-state.json"
    window = make_window()
    window.show()
    # Smaller than the offscreen screen (800 x 600): Qt fits restored windows to it.
    window.resize(700, 450)
    assert save_window_state(window, path, dial_pad_shown=False)
    again = make_window()
    assert restore_window_state(again, path) is False
    again.show()
    assert (again.width(), again.height()) == (700, 450)


@pytest.mark.parametrize(("content", "damaged"), [
    (b"", True), (b"{", True), (b"[]", True), (b"null", True), (b'"layout"', True),
    (b'{"version": 1, "geometry": "\xff"}', True),
    # Readable, just not usable: another version, or values Qt cannot apply.
    (b'{"version": 99}', False), (b'{"version": 1}', False),
    (b'{"version": 1, "geometry": "***", "layout": 5}', False),
    (b'{"version": 1, "geometry": "AAAA", "layout": "AAAA", "dial_pad_shown": true}', False),
])
def test_a_damaged_file_means_the_default_layout(qapp: QApplication, tmp_path: Path,
                                                 content: bytes, damaged: bool) -> None:
    path = tmp_path / "ui-state.json"
    path.write_bytes(content)
    window = make_window()
    window.resize(600, 400)

    assert restore_window_state(window, path) is None

    assert (window.width(), window.height()) == (600, 400)
    kept = list(tmp_path.glob("ui-state.json.corrupt-*"))
    assert [p.read_bytes() for p in kept] == ([content] if damaged else [])
    assert len(take_set_aside()) == damaged


def test_no_file_is_no_layout(qapp: QApplication, tmp_path: Path) -> None:
    assert restore_window_state(make_window(), tmp_path / "missing.json") is None


def test_a_failed_write_is_reported_not_raised(qapp: QApplication, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert not save_window_state(make_window(), blocker / "ui-state.json", dial_pad_shown=True)
