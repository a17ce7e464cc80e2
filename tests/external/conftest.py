"""Fixtures shared by the tests of pbxdesk's life outside its window.

- ``xdg_env``: a desktop-less session in ``tmp_path``.
- ``hosts``: a list to put started :class:`~tests.external.helpers.Host` processes
  in; each is stopped at teardown.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.external.helpers import Host


@pytest.fixture
def xdg_env(tmp_path: Path) -> dict[str, str]:
    """A desktop-less session in tmp_path: nothing of the real home or /usr/share is seen."""
    for name in ("home", "data", "config", "sysdata", "sysconfig"):
        (tmp_path / name).mkdir()
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path / "home"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_DIRS": str(tmp_path / "sysdata"),
            "XDG_CONFIG_DIRS": str(tmp_path / "sysconfig")}


@pytest.fixture
def hosts() -> Iterator[list[Host]]:
    started: list[Host] = []
    yield started
    for host in started:
        host.stop()
