#!/usr/bin/env python3
"""Set up a development environment and run pbxdesk from source.

One script, so the README's quick start stays two commands on a fresh machine:

    python3 scripts/dev.py demo      # set up, then start the app in demo mode
    python3 scripts/dev.py test      # set up, then run ruff, mypy and pytest
    python3 scripts/dev.py bench     # speed and memory goals (--quick: fewer, smaller)

Set-up is idempotent and quick when nothing changed: it creates ``.venv`` in the
checkout, installs the project with its test extras when ``pyproject.toml``
changed, and on Debian/Ubuntu (as root) installs the few system libraries Qt
needs. Extra arguments after the command are passed on (to ``pbxdesk`` or to
``pytest``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".dev-stamp"

# Runtime libraries PySide6 wheels load on Linux (offscreen and xcb), plus what
# the test suite and the packaging checks call as programs.
DEBIAN_RUNTIME = [
    "libgl1", "libegl1", "libxkbcommon0", "libfontconfig1", "libdbus-1-3",
    "libglib2.0-0", "fonts-dejavu-core",
]
DEBIAN_WINDOWED = [
    "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1",
    "libxcb-shape0", "libxcb-xinerama0", "libxcb-randr0", "libxcb-render-util0",
    "libxcb-image0",
]
DEBIAN_TEST = [
    "xvfb", "desktop-file-utils", "appstream", "xdg-utils", "binutils", "shellcheck",
    # The TLS tests make a certificate; a region test reads zone.tab; the
    # single-instance attack tests run a Python as a second, throw-away user;
    # the relay's tests start a real Redis.
    "openssl", "tzdata", "python3", "redis-server",
]


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - runs before the project is installed
        print("pbxdesk needs Python 3.11 or newer.", file=sys.stderr)
        return 2
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        print("Commands: demo, test, run, build, setup, bench")
        return 0
    command, rest = argv[0], argv[1:]
    extras = {"demo": "test", "run": "test", "test": "test", "setup": "test", "build": "test,build",
              "bench": "test"}
    if command not in extras:
        print(f"Unknown command {command!r}. Try: demo, test, run, build, setup, bench.",
              file=sys.stderr)
        return 2
    install_system_packages(with_test_tools=command in {"test", "build", "setup"})
    python = ensure_venv(extras[command])
    if command == "setup":
        return 0
    if command in {"demo", "run"}:
        args = ["--demo", *rest] if command == "demo" else rest
        return run([str(python), "-m", "pbxdesk", *args])
    if command == "build":
        return run([str(python), str(ROOT / "packaging" / "build.py"), *rest])
    if command == "bench":  # issue 12's goals; not part of the tests (timings are noisy)
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        return run([str(python), str(ROOT / "scripts" / "bench.py"), *rest])
    return run_tests(python, rest)


def run_tests(python: Path, pytest_args: list[str]) -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    # Tests never see the user's real keyring; the suite installs its own backend.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    # A crash prints every thread's Python stack: in pytest before its own handler is on
    # and after it is off (Qt objects destroyed at exit), and in the Pythons tests start.
    env["PYTHONFAULTHANDLER"] = "1"
    bindir = python.parent
    steps = [
        [str(bindir / "ruff"), "check", "."],
        [str(python), "-m", "mypy", "--strict", "pbxdesk"],
        [str(python), "-m", "pytest", *pytest_args],
    ]
    for step in steps:
        print("+", " ".join(step[:1] + step[1:]), flush=True)
        code = subprocess.call(step, cwd=ROOT, env=env)
        if code != 0:
            return code
    return 0


def run(cmd: list[str]) -> int:
    try:
        return subprocess.call(cmd, cwd=ROOT)
    except KeyboardInterrupt:
        return 130


def ensure_venv(extras: str) -> Path:
    python = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print(f"Creating {VENV} …", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return python
    print("Installing pbxdesk and its dependencies into .venv …", flush=True)
    subprocess.check_call(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--upgrade", "pip"], cwd=ROOT)
    subprocess.check_call(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-e", f".[{extras}]"], cwd=ROOT)
    STAMP.write_text(digest)
    return python


def install_system_packages(*, with_test_tools: bool) -> None:
    """Install Debian packages Qt and the tests need, when we can (root + apt)."""
    if not sys.platform.startswith("linux") or shutil.which("dpkg-query") is None:
        return
    wanted = DEBIAN_RUNTIME + DEBIAN_WINDOWED + (DEBIAN_TEST if with_test_tools else [])
    missing = [pkg for pkg in wanted if not _deb_installed(pkg)]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print("Note: these Debian packages are missing and need root to install:\n  sudo apt-get "
              f"install {' '.join(missing)}", file=sys.stderr)
        return
    print(f"Installing Debian packages: {' '.join(missing)} …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.call(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL)
    code = subprocess.call(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                           env=env, stdout=subprocess.DEVNULL)
    if code != 0:
        print("Warning: apt-get could not install all packages; some tests may fail.",
              file=sys.stderr)


def _deb_installed(package: str) -> bool:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False)
    return "install ok installed" in result.stdout


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
