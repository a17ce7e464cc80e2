"""The Inno Setup script's [Registry] section writes exactly ``registry_entries()``.

Inno Setup cannot run here, so the .iss is parsed: ``#define`` macros expanded,
each ``[Registry]`` line split into its parameters, Inno's doubled quotes
undone. The app's own registration code (``pbxdesk.desktop.windows``) uses
``registry_entries`` from ``pbxdesk.desktop.windows_registry``, so installer and
app cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import pytest

import pbxdesk
from pbxdesk.desktop import windows_registry as registry
from tests.packaging.helpers import PACKAGING, ROOT, SCHEMES

ISS = PACKAGING / "windows" / "pbxdesk.iss"
APP_EXE = r"{app}\pbxdesk.exe"


@dataclass(frozen=True)
class IssLine:
    params: dict[str, str]

    @property
    def flags(self) -> set[str]:
        return set(self.params.get("Flags", "").split())


def split_params(line: str) -> dict[str, str]:
    """Inno's ``Name: value; Name: "a ""quoted"" value"`` as a dict (quotes undone)."""
    params: dict[str, str] = {}
    for match in re.finditer(r'\s*([A-Za-z]+):\s*("(?:[^"]|"")*"|[^;]*)\s*(?:;|$)', line):
        name, value = match.group(1), match.group(2).strip()
        if value.startswith('"'):
            value = value[1:-1].replace('""', '"')
        params[name] = value
    return params


def iss_sections() -> dict[str, list[str]]:
    """Section name -> its lines, with comments dropped and ``{#Macro}`` expanded."""
    text = ISS.read_text(encoding="utf-8")
    macros = dict(re.findall(r'^\s*#define\s+(\w+)\s+"([^"]*)"', text, re.MULTILINE))
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = header.group(1)
            sections.setdefault(current, [])
            continue
        line = re.sub(r"\{#(\w+)\}", lambda m: macros[m.group(1)], line)
        sections.setdefault(current, []).append(line)
    return sections


def registry_lines() -> list[IssLine]:
    return [IssLine(split_params(line)) for line in iss_sections()["Registry"]]


def value_lines() -> list[IssLine]:
    return [line for line in registry_lines() if line.params.get("ValueType") != "none"]


def test_iss_writes_exactly_the_described_values() -> None:
    written = []
    for line in value_lines():
        params = line.params
        assert params["Root"] == "HKCU"
        assert params["ValueType"] == "string"
        written.append((params["Subkey"], params["ValueName"], params["ValueData"]))
    expected = [(e.key, e.name, e.data) for e in registry.registry_entries(APP_EXE)]
    assert written == expected


def test_iss_uninstall_flags_remove_what_it_wrote_and_only_that() -> None:
    lines = registry_lines()
    entries = registry.registry_entries(APP_EXE)
    by_value = {(line.params["Subkey"], line.params["ValueName"]): line for line in value_lines()}
    deleted_keys = {line.params["Subkey"] for line in lines if "uninsdeletekey" in line.flags}
    owner_keys = {entry.owner_key for entry in entries if entry.owned}
    assert deleted_keys == owner_keys  # whole keys go only where pbxdesk owns them
    for entry in entries:
        flags = by_value[(entry.key, entry.name)].flags
        if entry.owned:
            assert entry.key == entry.owner_key or entry.key.startswith(entry.owner_key + "\\")
        else:  # a shared key: only pbxdesk's value goes
            assert "uninsdeletevalue" in flags, entry
            assert "uninsdeletekey" not in flags
    # Key-only lines just tidy up emptied parents of shared keys.
    for line in lines:
        if line.params.get("ValueType") == "none" and line.params["Subkey"] not in owner_keys:
            assert line.flags == {"uninsdeletekeyifempty"}
            assert any(e.key.startswith(line.params["Subkey"] + "\\") for e in entries)


def test_iss_setup_is_per_user_with_a_start_menu_entry() -> None:
    sections = iss_sections()
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["DefaultDirName"] == r"{localappdata}\Programs\pbxdesk"
    assert setup["ChangesAssociations"] == "yes"
    assert (ISS.parent / setup["SetupIconFile"].replace("\\", "/")).resolve() == \
        ROOT / "resources/icons/pbxdesk.ico"
    icons = [split_params(line) for line in sections["Icons"]]
    assert any(icon["Name"] == r"{autoprograms}\pbxdesk" and icon["Filename"] == APP_EXE
               for icon in icons)
    files = [split_params(line) for line in sections["Files"]]
    assert files == [{"Source": r"..\..\dist\pbxdesk\*", "DestDir": "{app}",
                      "Flags": "ignoreversion recursesubdirs createallsubdirs"}]


def test_iss_default_version_is_the_packages() -> None:
    match = re.search(r'#define AppVersion "([^"]+)"', ISS.read_text(encoding="utf-8"))
    assert match is not None
    assert match.group(1) == pbxdesk.__version__


def test_each_scheme_is_a_url_protocol_opening_pbxdesk() -> None:
    exe = r"C:\Users\Zoë Smith\AppData\Local\Programs\pbxdesk\pbxdesk.exe"
    values = {(e.key, e.name): e.data for e in registry.registry_entries(exe)}
    command = rf'"{exe}" "%1"'
    for scheme in SCHEMES:
        assert values[(rf"Software\Classes\{scheme}", "URL Protocol")] == ""
        assert values[(rf"Software\Classes\{scheme}\shell\open\command", "")] == command
        assert values[(r"Software\pbxdesk\Capabilities\URLAssociations", scheme)] == "pbxdesk.tel"
    assert values[(r"Software\Classes\pbxdesk.tel\shell\open\command", "")] == command
    assert values[(r"Software\Classes\pbxdesk.tel\DefaultIcon", "")] == f'"{exe}",0'
    assert values[(r"Software\RegisteredApplications", "pbxdesk")] == \
        r"Software\pbxdesk\Capabilities"
    assert values[(r"Software\pbxdesk\Capabilities", "ApplicationName")] == "pbxdesk"


@pytest.mark.parametrize("module", ["windows_registry", "windows"])
def test_registry_modules_do_not_import_winreg_at_module_level(module: str) -> None:
    # winreg exists only on Windows; these load everywhere (tests, mypy, the installer check).
    tree = ast.parse((ROOT / "pbxdesk" / "desktop" / f"{module}.py").read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    assert "winreg" not in names
