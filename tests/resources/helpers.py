"""Paths and loaders shared by the ``resources/`` tests."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
ICONS = RESOURCES / "icons"
LINUX = RESOURCES / "linux"
APP_ID = "io.github.pbxdesk.PbxDesk"
DESKTOP_FILE = LINUX / f"{APP_ID}.desktop"
METAINFO_FILE = LINUX / f"{APP_ID}.metainfo.xml"


def load_render_icons() -> ModuleType:
    """Import ``scripts/render_icons.py`` (scripts/ is not a package)."""
    path = ROOT / "scripts" / "render_icons.py"
    spec = importlib.util.spec_from_file_location("render_icons", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def require_tool(name: str, debian_package: str) -> str:
    """The path of a command-line checker; missing on Linux is a failure, not a skip.

    The checks matter for Linux packaging, and scripts/dev.py installs the tools,
    so a Linux box without them is set up wrong. Elsewhere they rarely exist.
    """
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} is not installed (Debian package {debian_package})"
    if sys.platform.startswith("linux"):
        pytest.fail(message + "; run `python3 scripts/dev.py setup` as root to install it")
    pytest.skip(message)


def require_file(path: Path, debian_package: str) -> Path:
    """``path``, a system data file a test needs; missing on Linux fails, as above."""
    if path.is_file():
        return path
    message = f"{path} is missing (Debian package {debian_package})"
    if sys.platform.startswith("linux"):
        pytest.fail(message + "; run `python3 scripts/dev.py setup` as root to install it")
    pytest.skip(message)
