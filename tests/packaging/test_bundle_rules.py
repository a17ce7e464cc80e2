"""What the spec puts into the bundle (packaging/bundle.py) and how build.py packs it.

These run without PyInstaller: the spec takes its lists and pruning rules from
bundle.py, which is plain Python.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import stat
import subprocess
import sys
import tarfile
from collections.abc import Iterable
from pathlib import Path

import pytest

import pbxdesk
from pbxdesk.resources import APP_ICON, DESKTOP_FILE, TRAY_ICON
from tests.packaging.helpers import APP_ID, PACKAGING, ROOT, load, require_tool

bundle = load("bundle.py")
build = load("build.py")
SPEC = PACKAGING / "pbxdesk.spec"


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_every_listed_data_file_exists_where_resource_path_finds_it(platform: str) -> None:
    files = bundle.data_files(platform)
    assert files
    for source, dest in files:
        assert (ROOT / source).is_file(), source
        # In the bundle resources/ sits under sys._MEIPASS, mirroring the checkout.
        assert dest == str(Path(source).parent), source
    for source, _name in bundle.top_level_files(platform):
        assert (ROOT / source).is_file()


def test_linux_bundle_carries_what_the_app_and_install_sh_use() -> None:
    sources = {source for source, _dest in bundle.data_files("linux")}
    assert {f"resources/{APP_ICON}", f"resources/{TRAY_ICON}", f"resources/{DESKTOP_FILE}",
            f"resources/linux/{APP_ID}.metainfo.xml"} <= sources
    # Every size rendered into resources/ is shipped (install.sh copies them all).
    rendered = {p.relative_to(ROOT).as_posix()
                for p in (ROOT / "resources/icons/hicolor").glob(f"*/apps/{APP_ID}.png")}
    assert rendered
    assert rendered <= sources
    assert {name for _s, name in bundle.top_level_files("linux")} == {"install.sh",
                                                                     "uninstall.sh"}


def test_spec_takes_its_lists_from_bundle_py() -> None:
    text = SPEC.read_text(encoding="utf-8")
    for name in ("bundle.data_files()", "bundle.HIDDEN_IMPORTS", "bundle.EXCLUDES",
                 "bundle.prune(", "bundle.top_level_files()", "bundle.MACOS_INFO_PLIST",
                 'os.environ.get("PBXDESK_BUILD_DEBUG"', "strip=not DEBUG"):
        assert name in text, name
    assert (PACKAGING / "launcher.py").is_file()
    compile(text, str(SPEC), "exec")  # at least valid Python


def test_hidden_imports_exist() -> None:
    for name in bundle.HIDDEN_IMPORTS:
        assert importlib.util.find_spec(name) is not None, name


def imported_modules(files: Iterable[Path]) -> set[str]:
    names: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_no_pbxdesk_module_imports_an_excluded_one() -> None:
    used = imported_modules((ROOT / "pbxdesk").rglob("*.py"))
    for excluded in set(bundle.EXCLUDES) - set(bundle.SERVER_ONLY):
        clash = {name for name in used if name == excluded or name.startswith(excluded + ".")}
        assert not clash, f"pbxdesk imports {clash}, which the spec leaves out"


@pytest.mark.parametrize(("dest", "unused"), [
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", False),
    ("PySide6/Qt/plugins/platforms/libqxcb.so", False),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
    ("PySide6/Qt/plugins/platforms/libqeglfs.so", True),
    ("PySide6/Qt/plugins/platforms/libqvnc.so", True),
    ("PySide6/Qt/plugins/platforms/libqminimal.so", True),
    ("PySide6/Qt/plugins/platforms/libqlinuxfb.so", True),
    ("PySide6/Qt/plugins/platforms/qwindows.dll", False),
    ("PySide6/Qt/plugins/imageformats/libqsvg.so", False),
    ("PySide6/Qt/plugins/imageformats/qico.dll", False),
    ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
    ("PySide6/Qt/plugins/imageformats/libqtiff.so", True),
    ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True),
    ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
    ("PySide6/Qt/plugins/generic/libqevdevmouseplugin.so", True),
    ("PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-x11-integration.so", True),
    ("PySide6/Qt/plugins/networkinformation/libqnetworkmanager.so", True),
    ("PySide6/Qt/plugins/qmltooling/libqmldbg_debugger.so", True),
    ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", True),
    ("PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so", False),
    ("PySide6/Qt/translations/qtbase_de.qm", True),   # no translator loads them
    ("PySide6/Qt/translations/qt_de.qm", True),
    ("PySide6/Qt/translations/qt_help_de.qm", True),
    ("PySide6/Qt/translations/designer_fr.qm", True),
    ("PySide6/Qt/lib/libQt6Core.so.6", False),
    ("PySide6/QtCore.abi3.so", False),
    ("resources/icons/pbxdesk.svg", False),
])
def test_which_qt_files_are_left_out(dest: str, unused: bool) -> None:
    assert bundle.is_unused_qt_file(dest) is unused
    assert bundle.is_unused_qt_file(dest.replace("/", "\\")) is unused  # Windows TOC names


def test_host_libraries_are_left_out_on_linux_only() -> None:
    assert bundle.is_left_out("libdbus-1.so.3", "linux")
    assert bundle.is_left_out("libfontconfig.so.1", "linux")
    assert not bundle.is_left_out("libfontconfig.so.1", "win32")
    assert not bundle.is_left_out("libQt6DBus.so.6", "linux")


def test_prune_drops_orphaned_libraries_and_their_links_and_keeps_shared_ones() -> None:
    qt = "PySide6/Qt"
    binaries = [
        (f"{qt}/plugins/platforms/libqeglfs.so", "/src/libqeglfs.so", "BINARY"),
        (f"{qt}/plugins/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        (f"{qt}/lib/libQt6EglFSDeviceIntegration.so.6", "/src/libQt6EglFS.so.6", "BINARY"),
        (f"{qt}/lib/libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
        ("libsystemd.so.0", "/lib/libsystemd.so.0", "BINARY"),
        ("libdbus-1.so.3", "/lib/libdbus-1.so.3", "BINARY"),
        ("libzstd.so.1", "/lib/libzstd.so.1", "BINARY"),
        ("PySide6/QtGui.abi3.so", "/src/QtGui.abi3.so", "EXTENSION"),
    ]
    datas = [
        ("libQt6EglFSDeviceIntegration.so.6", f"{qt}/lib/libQt6EglFSDeviceIntegration.so.6",
         "SYMLINK"),
        ("libQt6Gui.so.6", f"{qt}/lib/libQt6Gui.so.6", "SYMLINK"),
        (f"{qt}/translations/qt_help_de.qm", "/src/qt_help_de.qm", "DATA"),
        (f"{qt}/translations/qtbase_de.qm", "/src/qtbase_de.qm", "DATA"),
    ]
    graph = {
        "/src/libqeglfs.so": ["libQt6EglFSDeviceIntegration.so.6", "libQt6Gui.so.6"],
        "/src/libqxcb.so": ["libQt6Gui.so.6"],
        "/src/libQt6EglFS.so.6": ["libQt6Gui.so.6"],
        "/src/libQt6Gui.so.6": ["libzstd.so.1"],  # zstd: also needed by something kept
        "/lib/libdbus-1.so.3": ["libsystemd.so.0"],
        "/lib/libsystemd.so.0": ["libzstd.so.1"],
        "/src/QtGui.abi3.so": ["libQt6Gui.so.6"],
    }
    kept, kept_datas, dropped = bundle.prune(binaries, datas, lambda src: graph.get(src, []))
    assert [entry[0] for entry in kept] == [
        f"{qt}/plugins/platforms/libqxcb.so", f"{qt}/lib/libQt6Gui.so.6", "libzstd.so.1",
        "PySide6/QtGui.abi3.so"]
    assert [entry[0] for entry in kept_datas] == ["libQt6Gui.so.6"]
    assert {entry[0] for entry in dropped} == {
        f"{qt}/plugins/platforms/libqeglfs.so", f"{qt}/lib/libQt6EglFSDeviceIntegration.so.6",
        "libsystemd.so.0", "libdbus-1.so.3", "libQt6EglFSDeviceIntegration.so.6",
        f"{qt}/translations/qt_help_de.qm", f"{qt}/translations/qtbase_de.qm"}


def test_unused_bindings_go_and_the_qt_libraries_they_share_stay() -> None:
    qt = "PySide6/Qt"
    binaries = [
        ("PySide6/QtCharts.abi3.so", "/src/QtCharts.abi3.so", "EXTENSION"),
        ("PySide6/QtOpenGL.abi3.so", "/src/QtOpenGL.abi3.so", "EXTENSION"),
        ("PySide6/QtOpenGLWidgets.abi3.so", "/src/QtOpenGLWidgets.abi3.so", "EXTENSION"),
        (f"{qt}/lib/libQt6Charts.so.6", "/src/libQt6Charts.so.6", "BINARY"),
        (f"{qt}/lib/libQt6OpenGL.so.6", "/src/libQt6OpenGL.so.6", "BINARY"),
        (f"{qt}/lib/libQt6OpenGLWidgets.so.6", "/src/libQt6OpenGLWidgets.so.6", "BINARY"),
    ]
    graph = {
        "/src/QtCharts.abi3.so": ["libQt6Charts.so.6"],
        "/src/QtOpenGL.abi3.so": ["libQt6OpenGL.so.6"],
        "/src/QtOpenGLWidgets.abi3.so": ["libQt6OpenGLWidgets.so.6", "libQt6OpenGL.so.6"],
        "/src/libQt6Charts.so.6": ["libQt6OpenGLWidgets.so.6", "libQt6OpenGL.so.6"],
    }
    kept, _datas, dropped = bundle.prune(binaries, [], lambda src: graph.get(src, []))
    assert {entry[0] for entry in dropped} == {"PySide6/QtOpenGL.abi3.so",
                                               "PySide6/QtOpenGLWidgets.abi3.so"}
    assert f"{qt}/lib/libQt6OpenGL.so.6" in {entry[0] for entry in kept}
    assert bundle.is_unused_binding("PySide6\\QtDBus.pyd")
    assert not bundle.is_unused_binding("PySide6/QtCharts.abi3.so")
    assert not bundle.is_unused_binding("PySide6/Qt/lib/libQt6OpenGL.so.6")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF files")
def test_elf_needed_lists_direct_dependencies_only() -> None:
    require_tool("objdump", "binutils")
    import PySide6

    library = Path(PySide6.__file__).parent / "Qt/lib/libQt6DBus.so.6"
    needed = bundle.elf_needed(str(library))
    assert "libQt6Core.so.6" in needed
    assert "libdbus-1.so.3" in needed
    assert "libsystemd.so.0" not in needed  # libdbus-1's own dependency
    assert bundle.elf_needed(str(ROOT / "README.md")) == []


def test_macos_bundle_registers_the_link_schemes() -> None:
    plist = bundle.MACOS_INFO_PLIST
    assert plist["CFBundleIdentifier"] == APP_ID
    assert plist["NSHighResolutionCapable"] is True
    assert tuple(int(part) for part in str(plist["LSMinimumSystemVersion"]).split(".")) >= (12,)
    url_types = plist["CFBundleURLTypes"]
    assert isinstance(url_types, list)
    assert {scheme for entry in url_types for scheme in entry["CFBundleURLSchemes"]} == \
        {"tel", "callto"}
    assert (ROOT / "resources/icons/pbxdesk.icns").is_file()
    assert "resources/icons/pbxdesk.icns" in SPEC.read_text(encoding="utf-8")


# -- build.py ---------------------------------------------------------------------------


def test_archive_name_comes_from_the_version_and_the_machine() -> None:
    assert build.version() == pbxdesk.__version__
    name = build.archive_path().name
    assert name.startswith(f"pbxdesk-{pbxdesk.__version__}-")
    if sys.platform.startswith("linux") and os.uname().machine == "x86_64":
        assert name == f"pbxdesk-{pbxdesk.__version__}-linux-x86_64.tar.gz"


@pytest.mark.skipif(sys.platform == "win32", reason="tar.gz and symlinks")
def test_archive_keeps_links_and_modes_under_one_top_folder(tmp_path: Path) -> None:
    folder = tmp_path / "pbxdesk"
    (folder / "_internal/lib").mkdir(parents=True)
    (folder / "_internal/lib/libx.so.1").write_bytes(b"\x7fELF" + b"x" * 1000)
    (folder / "_internal/libx.so.1").symlink_to("lib/libx.so.1")
    program = folder / "pbxdesk"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    target = tmp_path / "out.tar.gz"
    build.make_archive(folder, target, "pbxdesk-9.9.9")
    with tarfile.open(target) as archive:
        members = {m.name: m for m in archive.getmembers()}
    assert set(members) == {"pbxdesk-9.9.9", "pbxdesk-9.9.9/pbxdesk", "pbxdesk-9.9.9/_internal",
                            "pbxdesk-9.9.9/_internal/lib", "pbxdesk-9.9.9/_internal/lib/libx.so.1",
                            "pbxdesk-9.9.9/_internal/libx.so.1"}
    link = members["pbxdesk-9.9.9/_internal/libx.so.1"]
    assert link.issym()
    assert link.linkname == "lib/libx.so.1"
    assert members["pbxdesk-9.9.9/pbxdesk"].mode & stat.S_IXUSR
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members.values()} == {(0, 0, "", "")}
    # Symlinked files are not counted twice.
    assert build.folder_size(folder) == 1004 + len("#!/bin/sh\n")


def test_server_only_modules_are_left_to_the_relay_on_a_server() -> None:
    """Only the relay's store package imports them, and the demo's relay runs without them."""
    for path in (ROOT / "pbxdesk").rglob("*.py"):
        used = imported_modules([path])
        clash = {name for name in used for excluded in bundle.SERVER_ONLY
                 if name == excluded or name.startswith(excluded + ".")}
        assert not clash or path.parent == ROOT / "pbxdesk/relay/store", (path, clash)
    script = ("import sys\n"
              "sys.modules['redis'] = None  # as in the bundle: not there\n"
              "from pbxdesk.demo import DemoPbx\n"
              "demo = DemoPbx(calls=10, live_traffic=False, live_relay=True)\n"
              "demo.start()\n"
              "assert demo.relay is not None and demo.relay_token\n"
              "demo.stop()\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
