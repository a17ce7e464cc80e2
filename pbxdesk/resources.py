"""Finding the files in ``resources/`` from source, an installed copy or a bundle.

From a checkout they sit beside the package; in a PyInstaller bundle they are
unpacked under ``sys._MEIPASS`` (the spec lists them explicitly). No Qt here.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP_ICON = "icons/pbxdesk.svg"
TRAY_ICON = "icons/pbxdesk-tray.svg"
DESKTOP_FILE = "linux/io.github.pbxdesk.PbxDesk.desktop"


def resources_dir() -> Path:
    """The ``resources`` directory (it may be missing in a bare wheel install)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(relative: str) -> Path:
    """The path of ``relative`` inside ``resources/`` (which may not exist)."""
    return resources_dir() / relative
