"""Windows: pbxdesk as the ``tel:``/``callto:`` handler, per user, in HKEY_CURRENT_USER.

The entries come from ``packaging/windows/registry.py`` (the installer writes
the same ones; it is loaded from its file, beside the package in a checkout and
under the bundle's folder when frozen). Windows 8 and later let only the user
choose the default handler: registering makes pbxdesk a choice in Settings >
Default apps, and :meth:`WindowsRegistrar.check_registration` reads the user's choice.
``winreg`` is imported only when used, so this module loads on any OS.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from pbxdesk.desktop.launcher import Launcher, windows_program
from pbxdesk.desktop.registration import SCHEMES, Status, Verdict
from pbxdesk.resources import resources_dir

log = logging.getLogger("pbxdesk.desktop")

REGISTRY_FILE: Final = Path("packaging", "windows", "registry.py")
_MODULE_NAME: Final = "pbxdesk_packaging_windows_registry"
USER_CHOICE: Final = (r"Software\Microsoft\Windows\Shell\Associations\UrlAssociations"
                      r"\{scheme}\UserChoice")
_CHOOSE = ("Windows asks you to pick the app for phone links yourself: open Settings > Apps > "
           "Default apps, find pbxdesk, and choose it for TEL and CALLTO.")


def load_registry_description() -> ModuleType:
    """``packaging/windows/registry.py`` as a module; raises OSError when not shipped."""
    loaded = sys.modules.get(_MODULE_NAME)
    if loaded is not None:
        return loaded
    path = resources_dir().parent / REGISTRY_FILE
    spec = importlib.util.spec_from_file_location(_MODULE_NAME, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise FileNotFoundError(f"{path} is missing")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE_NAME] = module  # dataclasses look their module up while building
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[_MODULE_NAME]
        raise
    return module


class WindowsRegistrar:
    """Writes and reads pbxdesk's link registration for the current user.

    Attributes:
        launcher: what a link starts (the frozen exe, or Python ``-m pbxdesk``).
    """

    can_register = True

    def __init__(self, launcher: Launcher, *, description: ModuleType | None = None) -> None:
        self.launcher = launcher
        self._description = description

    def _registry(self) -> ModuleType:
        if self._description is None:
            self._description = load_registry_description()
        return self._description

    def entries(self) -> list[Any]:
        """The ``RegistryEntry`` values to write, commands starting this pbxdesk."""
        registry = self._registry()
        program = self.launcher.argv[0]
        entries: list[Any] = registry.registry_entries(program)
        if len(self.launcher.argv) > 1:
            # From source: "python -m pbxdesk" where the installer has "pbxdesk.exe".
            theirs = registry.open_command(program)
            ours = self.launcher.windows_command("%1")
            entries = [dataclasses.replace(entry, data=ours) if entry.data == theirs else entry
                       for entry in entries]
        return entries

    def register(self) -> Verdict:
        try:
            entries = self.entries()
        except (OSError, AttributeError) as error:
            return Verdict(Status.FAILED, f"This installation lacks its registry description "
                           f"({error}). Reinstall pbxdesk.")
        winreg = _winreg()
        try:
            for entry in entries:
                with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, entry.key, 0,
                                        winreg.KEY_WRITE) as key:
                    winreg.SetValueEx(key, entry.name, 0, winreg.REG_SZ, entry.data)
        except OSError as error:
            return Verdict(Status.FAILED, f"Could not write the registry: {error}.")
        log.info("Registered pbxdesk for %s links in HKEY_CURRENT_USER", ", ".join(SCHEMES))
        verdict = self.check_registration()
        if verdict.ours:
            return verdict
        return Verdict(verdict.status, f"pbxdesk is registered. {_CHOOSE}", verdict.handler)

    def check_registration(self) -> Verdict:
        try:
            prog_id: str = self._registry().PROG_ID
        except (OSError, AttributeError) as error:
            return Verdict(Status.FAILED, f"Cannot check links: {error}")
        chosen = _read(USER_CHOICE.format(scheme="tel"), "ProgId")
        if chosen == prog_id:
            return Verdict(Status.OURS, "tel: and callto: links open pbxdesk.", prog_id)
        if chosen:
            name = _read(rf"Software\Classes\{chosen}\Application", "ApplicationName") or chosen
            return Verdict(Status.OTHER, f"tel: links open {name}. {_CHOOSE}", name)
        command = _read(r"Software\Classes\tel\shell\open\command", "")
        if command and command == self._command():
            return Verdict(Status.OURS, "tel: and callto: links open pbxdesk.", prog_id)
        return Verdict(Status.NONE, f"No app is chosen for tel: links. Register pbxdesk, "
                       f"then: {_CHOOSE}")

    def test_link(self) -> Verdict:
        verdict = self.check_registration()
        if not verdict.ours:
            return verdict
        command = _read(rf"Software\Classes\{verdict.handler}\shell\open\command", "") or ""
        program = windows_program(command)
        if program and Path(program).is_file():
            return Verdict(Status.OURS, f"tel: links reach pbxdesk ({program}).", program)
        return Verdict(Status.BROKEN, f"tel: links would run {program or '(nothing)'}, which "
                       "does not exist any more (was pbxdesk moved?). Register again.", program)

    def _command(self) -> str:
        return self.launcher.windows_command("%1")


def _winreg() -> Any:
    import winreg  # Windows only

    return winreg


def _read(key_path: str, name: str) -> str | None:
    """A string value below HKEY_CURRENT_USER, None when absent."""
    winreg = _winreg()
    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key_path) as key:
            value, _kind = winreg.QueryValueEx(key, name)
    except OSError:
        return None
    return value if isinstance(value, str) else None
