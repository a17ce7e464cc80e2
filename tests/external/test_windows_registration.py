"""The Windows registration's entry list (winreg itself exists only on Windows)."""

from __future__ import annotations

from pbxdesk.desktop import windows_registry as registry
from pbxdesk.desktop.launcher import Launcher, windows_program
from pbxdesk.desktop.registration import SCHEMES
from pbxdesk.desktop.windows import WindowsRegistrar
from pbxdesk.desktop.windows_registry import RegistryEntry

EXE = r"C:\Users\Zoë\AppData\Local\Programs\pbxdesk\pbxdesk.exe"
PYTHON = r"C:\Users\Zoë\src\pbxdesk\.venv\Scripts\pythonw.exe"


def commands(entries: list[RegistryEntry]) -> list[str]:
    return [entry.data for entry in entries if entry.key.endswith(r"\shell\open\command")]


def test_the_installed_exe_gets_exactly_the_installer_s_entries() -> None:
    entries = WindowsRegistrar(Launcher((EXE,))).entries()

    assert entries == registry.registry_entries(EXE)
    assert commands(entries) == [f'"{EXE}" "%1"'] * 3  # tel, callto, the ProgId
    assert all(entry.key.startswith("Software\\") for entry in entries)


def test_from_source_links_start_python_with_the_package() -> None:
    launcher = Launcher((PYTHON, "-m", "pbxdesk", "--basedir", r"C:\pbx profile"))

    entries = WindowsRegistrar(launcher).entries()

    expected = f'"{PYTHON}" "-m" "pbxdesk" "--basedir" "C:\\pbx profile" "%1"'
    assert commands(entries) == [expected] * 3
    assert {windows_program(command) for command in commands(entries)} == {PYTHON}
    untouched = [entry for entry in entries if not entry.key.endswith(r"\shell\open\command")]
    assert untouched == [entry for entry in registry.registry_entries(PYTHON)
                         if not entry.key.endswith(r"\shell\open\command")]


def test_default_apps_sees_pbxdesk_for_both_schemes() -> None:
    entries = WindowsRegistrar(Launcher((EXE,))).entries()

    associations = {entry.name: entry.data for entry in entries
                    if entry.key.endswith("\\URLAssociations")}
    registered = [entry for entry in entries
                  if entry.key == r"Software\RegisteredApplications"]

    assert associations == dict.fromkeys(SCHEMES, registry.PROG_ID)
    assert [(entry.name, entry.data) for entry in registered] == [
        ("pbxdesk", r"Software\pbxdesk\Capabilities")]

