"""The main window's size, position, dock and toolbar layout, kept between runs.

Qt describes them as opaque byte strings (``saveGeometry``/``saveState``); they
go base64-encoded into ``ui-state.json`` next to the settings, written
atomically. The file is a convenience: a missing or damaged one means the
default layout (a damaged one is kept aside, see :mod:`pbxdesk.damaged`), never
an error the user must deal with, and a failed write is logged, not shown.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

from PySide6.QtWidgets import QMainWindow

from pbxdesk.damaged import read_json_object
from pbxdesk.settings import SettingsError, write_json_atomically
from pbxdesk.ui.qtstate import state_from_text, state_to_text

log = logging.getLogger("pbxdesk.ui")

STATE_VERSION: Final = 1
# Bumped when the window's docks or toolbars change, so an old layout is not applied.
LAYOUT_VERSION: Final = 1


def save_window_state(window: QMainWindow, path: Path, *, dial_pad_shown: bool) -> bool:
    """Write the window's geometry and layout to ``path``; False (logged) on failure.

    ``dial_pad_shown`` is kept apart from Qt's layout: without an account the pad
    is hidden whatever the user chose, and the choice must survive that.
    """
    document = {
        "version": STATE_VERSION,
        "geometry": state_to_text(window.saveGeometry()),
        "layout": state_to_text(window.saveState(LAYOUT_VERSION)),
        "dial_pad_shown": dial_pad_shown,
    }
    try:
        write_json_atomically(path, document)
    except SettingsError as error:
        log.warning("Window layout not kept: %s", error)
        return False
    return True


def restore_window_state(window: QMainWindow, path: Path) -> bool | None:
    """Apply what :func:`save_window_state` wrote.

    Returns whether the dial pad was shown, or None when nothing usable was saved.
    """
    document = read_json_object(path, what="window layout")  # a damaged one is set aside
    if document is None or document.get("version") != STATE_VERSION:
        return None
    geometry = state_from_text(document.get("geometry"))
    layout = state_from_text(document.get("layout"))
    restored = geometry is not None and window.restoreGeometry(geometry)
    if layout is not None:
        restored = window.restoreState(layout, LAYOUT_VERSION) or restored
    shown = document.get("dial_pad_shown")
    if not restored or not isinstance(shown, bool):
        return None
    return shown
