"""Shared by the packaging tests: paths, loading packaging/ modules, running commands.

``packaging/`` is not a Python package (the name would shadow the ``packaging``
library), so its modules are loaded from their files.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from tests.resources.helpers import APP_ID, ROOT, require_tool

# Re-exported: the packaging tests share resources' paths and missing-tool policy.
__all__ = ["APP_ID", "PACKAGING", "ROOT", "SCHEMES", "isolated_env", "load", "require_tool",
           "run"]
PACKAGING = ROOT / "packaging"
SCHEMES = ("tel", "callto")


def load(relative: str) -> ModuleType:
    """Import ``packaging/<relative>`` under a private name (loaded once)."""
    name = "pbxdesk_packaging_" + relative.replace("/", "_").removesuffix(".py")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PACKAGING / relative)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment with HOME and every XDG folder inside ``home``; no display."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("XDG_", "DISPLAY", "WAYLAND_", "KDE_", "GNOME_", "DESKTOP_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_STATE_HOME=str(home / ".local/state"),
               XDG_CACHE_HOME=str(home / ".cache"),
               # The system's menus and defaults stay out of what the tests observe.
               XDG_DATA_DIRS=str(home / "no-system-data"),
               XDG_CONFIG_DIRS=str(home / "no-system-config"),
               LANG="C.UTF-8")
    env.update(extra)
    return env


def run(command: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout, check=False)
