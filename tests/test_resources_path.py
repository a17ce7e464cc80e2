"""resource_path finds the committed resources from source and in a bundle layout."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pbxdesk.resources import APP_ICON, DESKTOP_FILE, TRAY_ICON, resource_path


def test_source_checkout_resources_exist() -> None:
    for name in (APP_ICON, TRAY_ICON, DESKTOP_FILE):
        assert resource_path(name).is_file(), name


def test_bundle_layout_is_used_when_frozen(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path(APP_ICON) == tmp_path / "resources" / APP_ICON
