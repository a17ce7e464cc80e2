"""Linux: pbxdesk as the ``tel:``/``callto:`` handler through a per-user desktop entry.

:meth:`LinuxRegistrar.register` writes
``$XDG_DATA_HOME/applications/io.github.pbxdesk.PbxDesk.desktop`` (default
``~/.local/share``) from ``resources/linux/`` with ``Exec`` pointing at this
pbxdesk (``%u`` kept), then runs ``update-desktop-database`` and ``xdg-mime
default … x-scheme-handler/tel`` (and callto).
:meth:`LinuxRegistrar.check_registration` asks ``xdg-mime query default``.
Missing tools are a verdict, not an error. A file written by
``packaging/linux/install.sh`` keeps its first-line marker, so ``uninstall.sh``
still removes it. No Qt here.
"""

from __future__ import annotations

import configparser
import contextlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from pbxdesk.desktop.launcher import Launcher, parse_exec
from pbxdesk.desktop.registration import DESKTOP_ID, SCHEMES, Status, Verdict
from pbxdesk.resources import DESKTOP_FILE, resource_path

log = logging.getLogger("pbxdesk.desktop")

INSTALL_MARK: Final = "# Installed by pbxdesk's install.sh"
HEADER: Final = ("# Written by pbxdesk (Settings > Links) so that tel: and callto: links "
                 "open it.\n# Register again from there after moving pbxdesk.\n")
TOOL_TIMEOUT_S: Final = 15
_EXEC_LINE = re.compile(r"^(Exec|TryExec)=(.*)$", re.MULTILINE)
_NO_XDG_MIME = ("xdg-mime is not installed (package xdg-utils), so pbxdesk cannot tell or "
                "set which app opens tel: links. Install it, or choose pbxdesk for phone "
                "links in your desktop's default-apps settings.")


class LinuxRegistrar:
    """Registers and checks the desktop entry for one environment (``env``: tests).

    Attributes:
        launcher: what ``Exec`` starts.
        desktop_path: where the entry is written.
    """

    can_register = True

    def __init__(self, launcher: Launcher, *, env: Mapping[str, str] | None = None,
                 template: Path | None = None) -> None:
        self.launcher = launcher
        self._env = dict(os.environ if env is None else env)
        self._template = template or resource_path(DESKTOP_FILE)
        home = Path(self._env.get("HOME") or Path.home())
        self._data_home = Path(self._env.get("XDG_DATA_HOME") or home / ".local" / "share")
        self.desktop_path = self._data_home / "applications" / DESKTOP_ID

    # -- the desktop entry ---------------------------------------------------------------

    def desktop_entry(self) -> str:
        """The entry to write: the shipped one, starting this pbxdesk."""
        lines = self._template.read_text(encoding="utf-8").splitlines(keepends=True)
        while lines and (lines[0].startswith("#") or not lines[0].strip()):
            lines.pop(0)  # the template's notes are for packagers
        body = _EXEC_LINE.sub(self._rewrite_exec, "".join(lines))
        return self._kept_mark() + HEADER + body

    def _rewrite_exec(self, match: re.Match[str]) -> str:
        key, value = match.group(1), match.group(2)
        if key == "TryExec":
            return f"TryExec={self._program()}"
        args = value.split()[1:]  # what follows "pbxdesk": %u, or --dial-clipboard
        return f"Exec={self.launcher.desktop_exec(*args)}"

    def _program(self) -> str:
        """The executable a desktop checks with TryExec (not "env" for a checkout)."""
        return next((arg for arg in self.launcher.argv if arg != "env" and "=" not in arg),
                    self.launcher.argv[0])

    def _kept_mark(self) -> str:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            first = self.desktop_path.read_text(encoding="utf-8").split("\n", 1)[0]
            if first.startswith(INSTALL_MARK):
                return first + "\n"
        return ""

    # -- registering -------------------------------------------------------------------

    def register(self) -> Verdict:
        try:
            entry = self.desktop_entry()
        except OSError as error:
            return Verdict(Status.FAILED, f"This installation lacks its desktop entry "
                           f"({self._template}): {error.strerror or error}. Reinstall pbxdesk.")
        try:
            _write_atomically(self.desktop_path, entry)
        except OSError as error:
            return Verdict(Status.FAILED, f"Could not write {self.desktop_path}: "
                           f"{error.strerror or error}. Check that folder's permissions.")
        log.info("Wrote %s", self.desktop_path)
        notes: list[str] = []
        database = self._run("update-desktop-database", str(self.desktop_path.parent))
        if database is None:
            notes.append("update-desktop-database is missing (desktop-file-utils); "
                         "the menu may only notice pbxdesk after the next login.")
        if shutil.which("xdg-mime", path=self._env.get("PATH")) is None:
            return Verdict(Status.TOOLS_MISSING, _NO_XDG_MIME)
        for scheme in SCHEMES:
            done = self._run("xdg-mime", "default", DESKTOP_ID, f"x-scheme-handler/{scheme}")
            if done is None or done.returncode != 0:
                detail = done.stderr.strip() if done is not None else "it did not finish"
                return Verdict(Status.FAILED, f"xdg-mime could not make pbxdesk the {scheme}: "
                               f"handler ({detail}). Choose pbxdesk in your desktop's "
                               "default-apps settings.")
        verdict = self.check_registration()
        if notes and verdict.ours:
            return Verdict(verdict.status, f"{verdict.message} {' '.join(notes)}",
                           verdict.handler)
        return verdict

    # -- checking ------------------------------------------------------------------------

    def check_registration(self) -> Verdict:
        if shutil.which("xdg-mime", path=self._env.get("PATH")) is None:
            return Verdict(Status.TOOLS_MISSING, _NO_XDG_MIME)
        done = self._run("xdg-mime", "query", "default", "x-scheme-handler/tel")
        if done is None or done.returncode != 0:
            return Verdict(Status.FAILED, "xdg-mime could not say which app opens tel: links.")
        handler = done.stdout.strip().splitlines()[0].strip() if done.stdout.strip() else ""
        if not handler:
            return Verdict(Status.NONE, "No app opens tel: links yet. Register pbxdesk to "
                           "call numbers from web pages and e-mails.")
        if handler == DESKTOP_ID:
            return Verdict(Status.OURS, "tel: and callto: links open pbxdesk.", DESKTOP_ID)
        name = self._app_name(handler)
        return Verdict(Status.OTHER, f"tel: links open {name}. Register pbxdesk to open them "
                       "here instead.", name)

    def test_link(self) -> Verdict:
        """Ours, and the entry the desktop would use starts an existing program."""
        verdict = self.check_registration()
        if not verdict.ours:
            return verdict
        entry = self._find_entry(DESKTOP_ID)
        if entry is None:
            return Verdict(Status.BROKEN, f"{DESKTOP_ID} is chosen but missing: register again.")
        try:
            args = parse_exec(_desktop_value(entry, "Exec") or "")
        except ValueError:
            args = []
        program = self._resolve(args)
        if program is None:
            shown = args[0] if args else "(empty)"
            return Verdict(Status.BROKEN, f"tel: links would run {shown}, which does not "
                           "exist any more (was pbxdesk moved?). Register again.", shown)
        return Verdict(Status.OURS, f"tel: links reach pbxdesk ({program}).", program)

    # -- helpers -------------------------------------------------------------------------

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str] | None:
        """Run a desktop tool; None when it is missing or hangs."""
        program = shutil.which(argv[0], path=self._env.get("PATH"))
        if program is None:
            return None
        try:
            # A fixed desktop tool found on PATH, with our own arguments.
            return subprocess.run([program, *argv[1:]], env=self._env,  # noqa: S603
                                  capture_output=True, text=True, timeout=TOOL_TIMEOUT_S,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            log.warning("%s failed: %s", argv[0], error)
            return None

    def _data_dirs(self) -> list[Path]:
        system = self._env.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
        return [self._data_home, *(Path(part) for part in system.split(":") if part)]

    def _find_entry(self, desktop_id: str) -> Path | None:
        """The file the desktop uses for ``desktop_id`` (the first in data-dir order)."""
        for data_dir in self._data_dirs():
            # "vendor-app.desktop" may also live at vendor/app.desktop (the spec's id rule).
            for relative in (desktop_id, desktop_id.replace("-", "/", 1)):
                candidate = data_dir / "applications" / relative
                if candidate.is_file():
                    return candidate
        return None

    def _app_name(self, desktop_id: str) -> str:
        entry = self._find_entry(desktop_id)
        name = _desktop_value(entry, "Name") if entry is not None else None
        return name or desktop_id.removesuffix(".desktop")

    def _resolve(self, args: list[str]) -> str | None:
        """The existing executable ``args`` start (after ``env VAR=…``), or None."""
        words = list(args)
        if words and Path(words[0]).name == "env":
            words.pop(0)
            while words and "=" in words[0]:  # env's VAR=value settings
                words.pop(0)
        if not words:
            return None
        program = words[0]
        if os.sep in program:
            return program if os.access(program, os.X_OK) and Path(program).is_file() else None
        return shutil.which(program, path=self._env.get("PATH"))


def _desktop_value(path: Path, key: str) -> str | None:
    """A key of the ``[Desktop Entry]`` group; None when unreadable."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
        return parser.get("Desktop Entry", key, fallback=None)
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
