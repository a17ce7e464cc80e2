"""What goes into the pbxdesk bundle, as plain data: shared by the spec and the tests.

``pbxdesk.spec`` (PyInstaller) imports this module for the data files, hidden
imports and excludes, and for the rules that leave unused Qt plugins,
translations and the libraries only they needed out of the bundle;
``tests/packaging/`` checks the same lists against the checkout. No PyInstaller
import here, so the tests run without it.

PyInstaller's table of contents ("TOC") is a list of ``(name in the bundle,
source path, type code)`` tuples; the pruning functions take and return those.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

APP_ID = "io.github.pbxdesk.PbxDesk"
APP_NAME = "pbxdesk"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ACTION_ICONS = ("refresh", "dial", "dialpad", "export", "settings", "search", "missed-call")
"""The fallback action icons, ``resources/icons/actions/<name>.svg`` (pbxdesk.ui.icons)."""
MACOS_MINIMUM = "13.0"
"""Qt 6.11's oldest supported macOS (Ventura)."""

TocEntry = tuple[str, str, str]


def data_files(platform: str = sys.platform) -> list[tuple[str, str]]:
    """``(source relative to the checkout, folder inside the bundle)`` for every data file.

    Inside the bundle the files sit under ``resources/``, where
    :func:`pbxdesk.resources.resources_dir` looks (``sys._MEIPASS/resources``).
    Everything the sandbox needs for ``--demo`` is Python code: no data files.
    """
    files = [
        ("resources/icons/pbxdesk.svg", "resources/icons"),
        ("resources/icons/pbxdesk-tray.svg", "resources/icons"),
    ]
    files += [(f"resources/icons/actions/{name}.svg", "resources/icons/actions")
              for name in ACTION_ICONS]
    if platform.startswith("linux"):
        # install.sh copies these into the user's XDG data folders.
        files += [
            (f"resources/linux/{APP_ID}.desktop", "resources/linux"),
            (f"resources/linux/{APP_ID}.metainfo.xml", "resources/linux"),
        ]
        files += [(f"resources/icons/hicolor/{n}x{n}/apps/{APP_ID}.png",
                   f"resources/icons/hicolor/{n}x{n}/apps") for n in ICON_SIZES]
    elif platform == "win32":
        files.append(("resources/icons/pbxdesk.ico", "resources/icons"))
    elif platform == "darwin":
        files.append(("resources/icons/pbxdesk.icns", "resources/icons"))
    return files


def top_level_files(platform: str = sys.platform) -> list[tuple[str, str]]:
    """``(source, name)`` of files copied next to the executable after the build."""
    if platform.startswith("linux"):
        return [("packaging/linux/install.sh", "install.sh"),
                ("packaging/linux/uninstall.sh", "uninstall.sh")]
    return []


HIDDEN_IMPORTS = [
    # uvicorn (the sandbox's server) loads these by name from its config strings.
    "uvicorn.loops.auto",
    "uvicorn.loops.asyncio",
    "uvicorn.lifespan.off",
    "uvicorn.lifespan.on",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.logging",
    # starlette imports the multipart parser only when a form arrives.
    "python_multipart",
    "python_multipart.multipart",
    # Imported inside functions (pbxdesk.cli keeps Qt out of --help); listed to be sure.
    "pbxdesk.app",
    "pbxdesk.selftest.runner",
]

UNUSED_QT_BINDINGS = ("PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtDBus")
"""PySide6 modules no pbxdesk module imports, whose Qt libraries other kept files need."""

SERVER_ONLY = ["redis", "pbxdesk.relay.store.redisstore"]
"""The relay's Redis store, for pbxdesk-relay on a server. The demo's embedded relay uses
the SQLite store, and pbxdesk.relay.store imports the Redis one only when a redis://
store is asked for (tests/packaging checks both)."""

EXCLUDES = [
    # Other Qt bindings qasync would try first if they happened to be installed.
    "PyQt5", "PyQt6", "PySide2",
    # Development tools that live in the same virtualenv.
    "pytest", "_pytest", "pytestqt", "pytest_asyncio", "pytest_timeout", "hypothesis",
    "mypy", "ruff", "msgspec", "PyInstaller", "pip", "setuptools", "pkg_resources",
    "tests", "conftest",
    # Never used, often dragged in by stdlib references.
    "tkinter", "_tkinter", "pydoc_data", "lib2to3", "idlelib", "unittest",
    # httpx's command-line client (with rich and pygments); httpx works without it.
    "httpx._main", "pygments", "rich",
    # The interactive prompt (and libreadline, libtinfo with it).
    "readline",
    # phonenumbers' carrier names and its geocoder API: pbxdesk never asks for them.
    # (phonenumbers.geodata stays: pbxdesk.phone.display reads country names from
    # phonenumbers.geodata.locale, whose package loads all of geodata.)
    # tests/packaging checks that no pbxdesk module imports anything listed here.
    "phonenumbers.geocoder", "phonenumbers.carrier", "phonenumbers.carrierdata",
    # Python bindings PyInstaller's Qt Charts hook adds because the Qt Charts *library*
    # links Qt OpenGL: pbxdesk never imports them (QtOpenGL's alone is 8.9 MB). The Qt
    # libraries themselves (libQt6OpenGL…) stay. Same for Qt D-Bus's binding.
    *UNUSED_QT_BINDINGS,
    *SERVER_ONLY,
]

# -- Qt -------------------------------------------------------------------------------

KEPT_QT_PLUGINS: dict[str, frozenset[str]] = {
    # Qt plugin folder -> plugin names kept (file names without lib prefix / extension).
    "platforms": frozenset({"qoffscreen", "qxcb", "qwayland", "qwayland-generic",
                            "qwayland-egl", "qwindows", "qcocoa"}),
    "platformthemes": frozenset({"qxdgdesktopportal"}),
    "platforminputcontexts": frozenset({"composeplatforminputcontextplugin",
                                        "ibusplatforminputcontextplugin"}),
    "xcbglintegrations": frozenset({"qxcb-glx-integration", "qxcb-egl-integration"}),
    "wayland-shell-integration": frozenset({"xdg-shell"}),
    "wayland-decoration-client": frozenset({"bradient", "adwaita"}),
    "wayland-graphics-integration-client": frozenset({"qt-plugin-wayland-egl"}),
    "imageformats": frozenset({"qsvg", "qico"}),
    "iconengines": frozenset({"qsvgicon"}),
    "tls": frozenset({"qopensslbackend", "qcertonlybackend", "qschannelbackend",
                      "qsecuretransportbackend"}),
    "styles": frozenset({"qmodernwindowsstyle", "qwindowsvistastyle", "qmacstyle"}),
}
"""Everything else under ``plugins/`` stays out: eglfs, vnc, minimal, linuxfb, evdev
and tuio input, network information, QML tooling, SQL drivers, printing, the
unused image formats, and the GTK 3 theme (it would pull in a private copy of
the GTK stack next to the system's own; the portal theme gives native dialogs)."""

KEPT_TRANSLATION_PREFIXES: tuple[str, ...] = ()
"""None: pbxdesk installs no ``QTranslator``, so Qt's own texts are English like the rest
of the UI, and the ``qtbase_*.qm`` files (5.8 MB) were carried but never loaded. A
translated pbxdesk would load them and list ``"qtbase_"`` here again."""


HOST_LIBRARIES = frozenset({"libdbus-1.so.3", "libfontconfig.so.1", "libfreetype.so.6"})
"""Linux libraries taken from the user's system, not bundled (with whatever only they
pulled in: libsystemd, libgcrypt, libgpg-error…). Every desktop has them, and a copy
from the build machine misbehaves on others: an older fontconfig complains about
newer configuration files on stderr, and a bundled libdbus drags in libsystemd and
breaks D-Bus on systems without it (AppImage excludelist; audacity/audacity#11931)."""


def _qt_part(dest: str) -> tuple[str, ...] | None:
    """The path below ``PySide6/Qt/`` (or the Qt folder of another layout), or None."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    for index in range(len(parts) - 1):
        if parts[index] == "PySide6" and parts[index + 1] == "Qt":
            return parts[index + 2:]
    return None


def _plugin_name(file_name: str) -> str:
    name = file_name.split(".", 1)[0]
    return name[3:] if name.startswith("lib") else name


def is_unused_qt_file(dest: str) -> bool:
    """True for a Qt plugin or translation in the bundle that pbxdesk does not need."""
    part = _qt_part(dest)
    if part is None or len(part) < 2:
        return False
    if part[0] == "plugins":
        if len(part) < 3:
            return False
        kept = KEPT_QT_PLUGINS.get(part[1])
        return kept is None or _plugin_name(part[-1]) not in kept
    if part[0] == "translations":
        return not part[-1].startswith(KEPT_TRANSLATION_PREFIXES)
    return False


def is_unused_binding(dest: str) -> bool:
    """True for the extension module of a PySide6 binding in :data:`UNUSED_QT_BINDINGS`."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if len(parts) != 2 or parts[0] != "PySide6":
        return False
    return f"PySide6.{parts[1].split('.', 1)[0]}" in UNUSED_QT_BINDINGS


def is_left_out(dest: str, platform: str = sys.platform) -> bool:
    """True for a file PyInstaller collected that the bundle should not carry."""
    if platform.startswith("linux") and PurePosixPath(dest).name in HOST_LIBRARIES:
        return True
    if is_unused_binding(dest):
        return True
    return is_unused_qt_file(dest)


def _library_key(name: str) -> str:
    """How a binary is named by the ones that link to it (Windows ignores case)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    return base.lower() if sys.platform == "win32" else base


def elf_needed(path: str) -> list[str]:
    """The libraries an ELF file links to directly (its ``DT_NEEDED`` entries).

    ``ldd`` (behind PyInstaller's ``get_imports`` on Linux) lists the whole
    transitive tree, which would keep a library alive through anything that
    merely sits above it; ``objdump`` (binutils, which PyInstaller already needs
    for stripping) reads the direct ones.
    """
    result = subprocess.run(["objdump", "-p", path], capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        return []
    return [line.split()[1] for line in result.stdout.splitlines()
            if line.strip().startswith("NEEDED") and len(line.split()) == 2]


def prune(binaries: Iterable[TocEntry], datas: Iterable[TocEntry],
          needs: Callable[[str], Iterable[str]]) -> tuple[list[TocEntry], list[TocEntry],
                                                          list[TocEntry]]:
    """Drop what :func:`is_left_out` names and the libraries that only those needed.

    Args:
        needs: the names of the libraries a binary (given by its source path)
            links to, e.g. PyInstaller's ``bindepend.get_imports``.

    Returns:
        The kept binaries, the kept datas and everything dropped.
    """
    binaries, datas = list(binaries), list(datas)
    dropped = [entry for entry in binaries + datas if is_left_out(entry[0])]
    dropped_names = {entry[0] for entry in dropped}
    kept = [entry for entry in binaries if entry[0] not in dropped_names]
    by_key: dict[str, list[TocEntry]] = {}
    for entry in kept:
        by_key.setdefault(_library_key(entry[0]), []).append(entry)

    def closure(start: Iterable[TocEntry]) -> set[str]:
        seen: set[str] = set()
        todo = list(start)
        while todo:
            entry = todo.pop()
            if entry[0] in seen or entry[2] == "SYMLINK":
                continue
            seen.add(entry[0])
            for name in needs(entry[1]):
                todo.extend(by_key.get(_library_key(name), []))
        return seen

    # Libraries the dropped files pulled in; those nothing else needs go as well.
    candidates = closure(e for e in dropped if e[2] != "DATA") - dropped_names
    roots = [entry for entry in kept if entry[0] not in candidates]
    gone = dropped_names | (candidates - closure(roots))
    gone_keys = {_library_key(name) for name in gone}

    def stays(entry: TocEntry) -> bool:
        if entry[0] in gone:
            return False
        # A symlink goes with its target (PyInstaller links library names in the
        # top folder to the files under PySide6/Qt/lib; those links sit in the datas).
        return entry[2] != "SYMLINK" or _library_key(entry[1]) not in gone_keys

    result = [entry for entry in binaries if stays(entry)]
    kept_datas = [entry for entry in datas if stays(entry)]
    dropped = [entry for entry in binaries + datas if not stays(entry)]
    return result, kept_datas, dropped


MACOS_INFO_PLIST: dict[str, object] = {
    "CFBundleName": APP_NAME,
    "CFBundleDisplayName": APP_NAME,
    "CFBundleIdentifier": APP_ID,
    "LSMinimumSystemVersion": MACOS_MINIMUM,
    "NSHighResolutionCapable": True,
    "LSApplicationCategoryType": "public.app-category.business",
    # tel: and callto: links open pbxdesk; the URL arrives as a QFileOpenEvent.
    "CFBundleURLTypes": [{
        "CFBundleURLName": f"{APP_ID}.tel",
        "CFBundleTypeRole": "Viewer",
        "CFBundleURLSchemes": ["tel", "callto"],
    }],
}
"""Info.plist keys of the macOS app bundle; the spec adds the version."""
