"""Windows: pbxdesk as the ``tel:``/``callto:`` handler, per user, in HKEY_CURRENT_USER.

The entries come from :mod:`pbxdesk.desktop.windows_registry` (the installer
writes the same ones). Windows 8 and later let only the user choose the default
handler: registering makes pbxdesk a choice in Settings > Default apps, and
:meth:`WindowsRegistrar.check_registration` reads the user's choice.
``winreg`` is imported only when used, so this module loads on any OS.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Final

from pbxdesk.desktop.launcher import Launcher, windows_program
from pbxdesk.desktop.registration import SCHEMES, Status, Verdict
from pbxdesk.desktop.windows_registry import PROG_ID, RegistryEntry, open_command, registry_entries

log = logging.getLogger("pbxdesk.desktop")

USER_CHOICE: Final = (r"Software\Microsoft\Windows\Shell\Associations\UrlAssociations"
                      r"\{scheme}\UserChoice")
_CHOOSE = ("Windows asks you to pick the app for phone links yourself: open Settings > Apps > "
           "Default apps, find pbxdesk, and choose it for TEL and CALLTO.")


class WindowsRegistrar:
    """Writes and reads pbxdesk's link registration for the current user.

    Attributes:
        launcher: what a link starts (the frozen exe, or Python ``-m pbxdesk``).
    """

    can_register = True

    def __init__(self, launcher: Launcher) -> None:
        self.launcher = launcher

    def entries(self) -> list[RegistryEntry]:
        """The values to write, with commands that start this pbxdesk."""
        program = self.launcher.argv[0]
        entries = registry_entries(program)
        if len(self.launcher.argv) > 1:
            # From source: "python -m pbxdesk" where the installer has "pbxdesk.exe".
            theirs = open_command(program)
            ours = self.launcher.windows_command("%1")
            entries = [dataclasses.replace(entry, data=ours) if entry.data == theirs else entry
                       for entry in entries]
        return entries

    def register(self) -> Verdict:
        winreg = _winreg()
        try:
            for entry in self.entries():
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
        chosen = _read(USER_CHOICE.format(scheme="tel"), "ProgId")
        if chosen == PROG_ID:
            return Verdict(Status.OURS, "tel: and callto: links open pbxdesk.", PROG_ID)
        if chosen:
            name = _read(rf"Software\Classes\{chosen}\Application", "ApplicationName") or chosen
            return Verdict(Status.OTHER, f"tel: links open {name}. {_CHOOSE}", name)
        command = _read(r"Software\Classes\tel\shell\open\command", "")
        if command and command == self._command():
            return Verdict(Status.OURS, "tel: and callto: links open pbxdesk.", PROG_ID)
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
