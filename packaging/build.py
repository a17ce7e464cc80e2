#!/usr/bin/env python3
"""Build the pbxdesk bundle and its archive, then smoke-test the result.

Run it through ``python3 scripts/dev.py build`` (which installs PyInstaller into
``.venv`` first), or directly with a Python that has PyInstaller::

    .venv/bin/python packaging/build.py [--clean] [--no-self-test]

It runs PyInstaller on ``packaging/pbxdesk.spec`` (one folder:
``dist/pbxdesk/``), packs ``dist/pbxdesk-<version>-<os>-<machine>.tar.gz`` (a
``.zip`` on Windows) with the folder as ``pbxdesk-<version>/``, runs the frozen
``pbxdesk --self-test`` offscreen, and prints sizes and times. Exit status 0
when all of that worked. ``PBXDESK_BUILD_DEBUG=1`` makes a debug build (console,
debug bootloader, unstripped).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import re
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "pbxdesk.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
BUNDLE = DIST / "pbxdesk"
FOLDER_TARGET_MB = 150
ARCHIVE_TARGET_MB = 70
MB = 1_000_000
"""Sizes are reported in MB of 10^6 bytes (a little stricter than MiB)."""


def version() -> str:
    """``pbxdesk.__version__``, read without importing the package's dependencies."""
    text = (ROOT / "pbxdesk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise SystemExit("pbxdesk/__init__.py has no __version__")
    return match.group(1)


def platform_tag() -> str:
    """``linux-x86_64``, ``macos-arm64``, ``windows-x86_64``…"""
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform,
                                                                          sys.platform)
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)
    return f"{system}-{machine}"


def archive_path(ver: str | None = None) -> Path:
    suffix = ".zip" if sys.platform == "win32" else ".tar.gz"
    return DIST / f"pbxdesk-{ver or version()}-{platform_tag()}{suffix}"


def executable(bundle: Path = BUNDLE) -> Path:
    return bundle / ("pbxdesk.exe" if sys.platform == "win32" else "pbxdesk")


def folder_size(folder: Path) -> int:
    """Bytes of the regular files under ``folder`` (symlinks count as nothing)."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def run_pyinstaller(*, clean: bool) -> None:
    if importlib.util.find_spec("PyInstaller") is None:
        raise SystemExit("PyInstaller is not installed here. Run `python3 scripts/dev.py "
                         "build`, or `pip install 'pyinstaller>=6.10'` into this Python.")
    command = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm",
               "--distpath", str(DIST), "--workpath", str(WORK), "--log-level", "WARN"]
    if clean:
        command.append("--clean")
    subprocess.run(command, cwd=ROOT, check=True)


def make_archive(bundle: Path, target: Path, top: str) -> None:
    """Pack ``bundle`` as ``top/`` into ``target``; owners are not recorded."""
    target.unlink(missing_ok=True)
    partial = target.with_name(target.name + ".part")
    if target.suffix == ".zip":
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zipped:
            for path in sorted(bundle.rglob("*")):
                zipped.write(path, f"{top}/{path.relative_to(bundle).as_posix()}")
    else:
        def anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            return info

        # Level 9 saves 0.4 % and takes 2.4 times as long.
        with tarfile.open(partial, "w:gz", compresslevel=6) as tarred:
            tarred.add(bundle, arcname=top, filter=anonymous)  # keeps symlinks as links
    partial.replace(target)


def self_test(program: Path) -> tuple[int, str, float]:
    """Run ``program --self-test`` the way CI does; exit code, output and seconds."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
    started = time.perf_counter()
    result = subprocess.run([str(program), "--self-test"], capture_output=True, text=True,
                            env=env, timeout=300, check=False)
    seconds = time.perf_counter() - started
    return result.returncode, (result.stdout + result.stderr).strip(), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clean", action="store_true",
                        help="empty PyInstaller's caches first (slower, for a from-scratch build)")
    parser.add_argument("--no-self-test", action="store_true",
                        help="do not run the frozen --self-test after building")
    args = parser.parse_args(argv)
    ver = version()
    debug = os.environ.get("PBXDESK_BUILD_DEBUG", "") == "1"
    print(f"Building pbxdesk {ver} ({'debug' if debug else 'release'}) with PyInstaller …",
          flush=True)
    started = time.perf_counter()
    run_pyinstaller(clean=args.clean)
    built = time.perf_counter() - started
    folder = folder_size(BUNDLE)
    target = archive_path(ver)
    started = time.perf_counter()
    make_archive(BUNDLE, target, f"pbxdesk-{ver}")
    packed = time.perf_counter() - started
    archive = target.stat().st_size
    print(f"Built in {built:.0f} s:")
    print(f"  folder   {BUNDLE.relative_to(ROOT)}/  {folder / MB:6.1f} MB "
          f"(target {FOLDER_TARGET_MB} MB)")
    print(f"  archive  {target.relative_to(ROOT)}  {archive / MB:6.1f} MB "
          f"(target {ARCHIVE_TARGET_MB} MB; packed in {packed:.0f} s)")
    over = folder > FOLDER_TARGET_MB * MB or archive > ARCHIVE_TARGET_MB * MB
    if over:
        print("  SIZE OVER TARGET", file=sys.stderr)
    if args.no_self_test:
        return 1 if over else 0
    code, output, seconds = self_test(executable())
    print(f"  self-test ({seconds:.1f} s, cold start included): {output}")
    return 1 if code != 0 or over else 0


if __name__ == "__main__":
    sys.exit(main())
