"""The built bundle (``dist/pbxdesk``, made by ``python3 scripts/dev.py build``).

Selected with ``pytest -m frozen``; deselected from the normal run. A missing
bundle is a failure, not a skip: a CI step that builds and then runs these
must not pass by building nothing.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import pbxdesk
from tests.fixtures.sandbox import SANDBOX_API_KEY, SANDBOX_CONTROL_TOKEN
from tests.packaging.helpers import APP_ID, ROOT, isolated_env, load, run

pytestmark = pytest.mark.frozen
build = load("build.py")
bundle_rules = load("bundle.py")
BUNDLE = build.BUNDLE
# A PEM key has base64 lines after its header (Qt and OpenSSL carry the header
# alone, as a parsing constant).
PRIVATE_KEY = re.compile(rb"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40,}")
SUSPICIOUS_NAME = re.compile(
    r"(?i)(^|[._-])(token|secrets?|credentials?|api-?key)([._-]|$)|^\.env$")
FORBIDDEN_MODULES = ("tests", "conftest", "pytest", "_pytest", "pytestqt", "pytest_asyncio",
                     "hypothesis", "mypy")


@pytest.fixture(scope="module")
def bundle_dir() -> Path:
    if not build.executable(BUNDLE).is_file():
        pytest.fail(f"No bundle at {BUNDLE}: build it first with `python3 scripts/dev.py build`")
    return Path(BUNDLE)


@pytest.fixture(scope="module")
def program(bundle_dir: Path) -> Path:
    return Path(build.executable(bundle_dir))


def frozen_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return isolated_env(home, QT_QPA_PLATFORM="offscreen", TMPDIR=str(tmp_path))


def bundle_files(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            yield path


def python_modules(program: Path) -> Iterator[tuple[str, bytes]]:
    """Each module in the executable's PYZ archive: name and (decompressed) code bytes."""
    try:  # PyInstaller has no type hints: imported by name
        readers = importlib.import_module("PyInstaller.archive.readers")
    except ImportError:
        pytest.fail("PyInstaller (the build extra) is needed to read the bundle's archive")
    archive = readers.CArchiveReader(str(program))
    for name, entry in archive.toc.items():
        if entry[-1] == "z":  # the PYZ
            pyz = archive.open_embedded_archive(name)
            for module in pyz.toc:
                yield module, pyz.extract(module, raw=True) or b""
        else:
            yield name, archive.extract(name)


def test_version(program: Path, tmp_path: Path) -> None:
    result = run([str(program), "--version"], env=frozen_env(tmp_path))
    assert (result.returncode, result.stdout, result.stderr) == \
        (0, f"pbxdesk {pbxdesk.__version__}\n", "")


def test_self_test(program: Path, tmp_path: Path) -> None:
    result = run([str(program), "--self-test"], env=frozen_env(tmp_path), timeout=300)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"pbxdesk {pbxdesk.__version__} self-test OK: qt offscreen ")
    assert [p for p in tmp_path.iterdir() if p.name != "home"] == []  # profile removed


def test_start_through_a_symlink_like_the_launcher(program: Path, tmp_path: Path) -> None:
    link = tmp_path / "bin" / "pbxdesk"
    link.parent.mkdir()
    link.symlink_to(program)
    result = run([str(link), "--version"], env=frozen_env(tmp_path))
    assert (result.returncode, result.stderr) == (0, "")


def test_archive_unpacks_installs_and_runs(bundle_dir: Path, tmp_path: Path) -> None:
    archive = build.archive_path()
    assert archive.is_file(), f"{archive} is missing: build.py makes it with the folder"
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "unpacked", filter="tar")
    folder = tmp_path / "unpacked" / f"pbxdesk-{pbxdesk.__version__}"
    env = frozen_env(tmp_path)
    result = run(["sh", str(folder / "install.sh")], env=env)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    launcher = tmp_path / "home/.local/bin/pbxdesk"
    result = run([str(launcher), "--self-test"], env=env, timeout=300)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    assert (tmp_path / "home/.local/share/applications" / f"{APP_ID}.desktop").is_file()
    result = run(["sh", str(tmp_path / "home/.local/lib/pbxdesk/uninstall.sh")], env=env)
    assert (result.returncode, result.stderr) == (0, "")
    assert not launcher.exists()


def test_sizes_within_targets(bundle_dir: Path) -> None:
    folder = build.folder_size(bundle_dir)
    assert folder <= build.FOLDER_TARGET_MB * build.MB, f"{folder / build.MB:.1f} MB"
    archive = build.archive_path()
    assert archive.is_file()
    assert archive.stat().st_size <= build.ARCHIVE_TARGET_MB * build.MB


def test_no_test_files_or_dev_tools_inside(bundle_dir: Path, program: Path) -> None:
    for path in bundle_dir.rglob("*"):
        parts = path.relative_to(bundle_dir).parts
        assert not any(part in FORBIDDEN_MODULES for part in parts), path
        assert not path.name.startswith("conftest"), path
    for name, _code in python_modules(program):
        top = name.split(".")[0]
        assert top not in FORBIDDEN_MODULES, name
        assert "conftest" not in name, name


def test_no_build_paths_or_secrets_inside(bundle_dir: Path, program: Path) -> None:
    venv = str(ROOT / ".venv").encode()
    secrets = (SANDBOX_API_KEY.encode(), SANDBOX_CONTROL_TOKEN.encode())
    blobs = [(str(path.relative_to(bundle_dir)), path.read_bytes())
             for path in bundle_files(bundle_dir)]
    blobs += [(f"PYZ:{name}", code) for name, code in python_modules(program)]
    for where, data in blobs:
        assert venv not in data, f"{where} names the build's virtualenv"
        assert b"/.venv/" not in data, where
        for secret in secrets:
            assert secret not in data, f"{where} holds a test key"
        assert not PRIVATE_KEY.search(data), f"{where} holds a private key"
    for path in bundle_files(bundle_dir):
        assert not SUSPICIOUS_NAME.search(path.name), path


def test_qt_is_pruned_but_complete(bundle_dir: Path) -> None:
    qt = bundle_dir / "_internal/PySide6/Qt"
    plugins = {str(p.relative_to(qt / "plugins")) for p in (qt / "plugins").rglob("*.so")}
    assert "platforms/libqoffscreen.so" in plugins
    assert "platforms/libqxcb.so" in plugins
    assert "imageformats/libqsvg.so" in plugins
    assert "iconengines/libqsvgicon.so" in plugins
    for plugin in plugins:
        assert not bundle_rules.is_unused_qt_file(f"PySide6/Qt/plugins/{plugin}"), plugin
    # No translator is ever loaded: no translation travels (packaging/bundle.py).
    translations = qt / "translations"
    assert not translations.exists() or not any(translations.iterdir())
    for binding in bundle_rules.UNUSED_QT_BINDINGS:
        assert not list((bundle_dir / "_internal/PySide6").glob(
            f"{binding.split('.')[1]}.*")), binding
    assert (bundle_dir / "_internal/PySide6/Qt/lib/libQt6Charts.so.6").is_file()
    # No dangling links, and every Qt library a kept file links to is there.
    for path in bundle_dir.rglob("*"):
        assert not path.is_symlink() or path.exists(), f"dangling link {path}"
    if not sys.platform.startswith("linux") or shutil.which("objdump") is None:
        return
    present = {p.name for p in bundle_dir.rglob("*.so*")}
    for path in bundle_files(bundle_dir):
        if ".so" in path.name:
            for needed in bundle_rules.elf_needed(str(path)):
                if needed.startswith(("libQt6", "libicu", "libpyside6", "libshiboken6")):
                    assert needed in present, f"{path.name} needs {needed}"
                assert needed not in bundle_rules.HOST_LIBRARIES or needed not in present


def test_install_scripts_sit_next_to_the_program(bundle_dir: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux install scripts")
    for name in ("install.sh", "uninstall.sh"):
        path = bundle_dir / name
        assert path.read_bytes() == (ROOT / "packaging/linux" / name).read_bytes()
        assert os.access(path, os.X_OK)
    assert (bundle_dir / "_internal/resources/linux" / f"{APP_ID}.desktop").is_file()
