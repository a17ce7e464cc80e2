"""The Windows registry entries that make pbxdesk a handler of tel: and callto: links.

Plain data, so that the installer (``packaging/windows/pbxdesk.iss``, whose
``[Registry]`` section tests/packaging checks against :func:`registry_entries`)
and the app's own per-user registration (:mod:`pbxdesk.desktop.windows`) share
one description. Nothing here touches the registry: ``winreg`` exists only on
Windows, and whoever writes these entries imports it.

All entries live under ``HKEY_CURRENT_USER`` (no administrator rights needed)
and hold strings (``REG_SZ``):

- ``Software\\Classes\\<scheme>`` for each scheme: the classic URL-protocol
  registration (an empty ``URL Protocol`` value and ``shell\\open\\command``);
  other apps may use these keys too, so uninstalling removes only pbxdesk's values;
- ``Software\\Classes\\pbxdesk.tel``: the ProgId the capabilities point to;
- ``Software\\pbxdesk\\Capabilities``: name, description and
  ``URLAssociations``, which with the ``Software\\RegisteredApplications`` value
  make pbxdesk show up in Settings > Default apps.
"""

from __future__ import annotations

from dataclasses import dataclass

APP_NAME = "pbxdesk"
APP_DESCRIPTION = "Call history and click-to-call for your cloud PBX"
PROG_ID = "pbxdesk.tel"
SCHEMES = ("tel", "callto")
CLASSES = r"Software\Classes"
CAPABILITIES = r"Software\pbxdesk\Capabilities"
REGISTERED_APPLICATIONS = r"Software\RegisteredApplications"


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """One string value below ``HKEY_CURRENT_USER``.

    Attributes:
        key: the key's path, e.g. ``Software\\Classes\\tel\\shell\\open\\command``.
        name: the value's name; ``""`` is the key's default value.
        data: the string stored.
        owned: True when the whole top key (``owner_key``) is pbxdesk's, so
            uninstalling deletes it; False when only this value is pbxdesk's.
        owner_key: the key uninstalling deletes when ``owned``.
    """

    key: str
    name: str
    data: str
    owned: bool = False
    owner_key: str = ""


def open_command(exe_path: str) -> str:
    """``"C:\\...\\pbxdesk.exe" "%1"``: Windows puts the link in place of ``%1``."""
    return f'"{exe_path}" "%1"'


def registry_entries(exe_path: str) -> list[RegistryEntry]:
    """Every value to write for pbxdesk installed as ``exe_path``, parents before children."""
    command = open_command(exe_path)
    icon = f'"{exe_path}",0'
    entries: list[RegistryEntry] = []
    for scheme in SCHEMES:
        key = rf"{CLASSES}\{scheme}"
        entries += [
            RegistryEntry(key, "", f"URL:{scheme} link"),
            RegistryEntry(key, "URL Protocol", ""),
            RegistryEntry(rf"{key}\shell\open\command", "", command),
        ]
    prog = rf"{CLASSES}\{PROG_ID}"
    entries += [
        RegistryEntry(prog, "", f"{APP_NAME} phone link", owned=True, owner_key=prog),
        RegistryEntry(prog, "URL Protocol", "", owned=True, owner_key=prog),
        RegistryEntry(rf"{prog}\DefaultIcon", "", icon, owned=True, owner_key=prog),
        RegistryEntry(rf"{prog}\shell\open\command", "", command, owned=True, owner_key=prog),
    ]
    app_key = CAPABILITIES.rsplit("\\", 1)[0]
    entries += [
        RegistryEntry(CAPABILITIES, "ApplicationName", APP_NAME, owned=True, owner_key=app_key),
        RegistryEntry(CAPABILITIES, "ApplicationDescription", APP_DESCRIPTION, owned=True,
                      owner_key=app_key),
    ]
    entries += [RegistryEntry(rf"{CAPABILITIES}\URLAssociations", scheme, PROG_ID, owned=True,
                              owner_key=app_key) for scheme in SCHEMES]
    entries.append(RegistryEntry(REGISTERED_APPLICATIONS, APP_NAME, CAPABILITIES))
    return entries
