"""How the desktop should start this pbxdesk, written the way each platform wants it.

:func:`current_launcher` names the program: the frozen executable, or this
Python with ``-m pbxdesk`` when running from source (with ``PYTHONPATH`` set
when the package is not installed into that Python). :class:`Launcher` writes it
as a freedesktop ``Exec`` value (:meth:`Launcher.desktop_exec`, read back by
:func:`parse_exec`) or a Windows command line. No Qt here.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Desktop Entry spec, "The Exec key": an argument holding anything outside this set
# is quoted (install.sh uses the same set).
_PLAIN_ARG = re.compile(r"[A-Za-z0-9/._+-]+")
# Inside quotes these four are escaped with a backslash.
_QUOTED_ESCAPES = ('"', "`", "$", "\\")
_FIELD_CODE = re.compile(r"%[fFuUdDnNickvm]")


@dataclass(frozen=True, slots=True)
class Launcher:
    """A command that starts pbxdesk; the link (or other arguments) goes after it.

    Attributes:
        argv: the program and its fixed arguments, e.g.
            ``("/opt/pbxdesk/pbxdesk",)`` or ``("/usr/bin/python3", "-m", "pbxdesk")``.
    """

    argv: tuple[str, ...]

    def desktop_exec(self, *field_codes: str) -> str:
        """The ``Exec=`` value: each argument quoted as the spec asks, then ``%u`` etc."""
        return " ".join([*(desktop_quote(arg) for arg in self.argv), *field_codes])

    def windows_command(self, *args: str) -> str:
        """A Windows command line (``"C:\\…\\pbxdesk.exe" "%1"``), every argument quoted."""
        return " ".join(f'"{arg}"' for arg in (*self.argv, *args))

    def with_args(self, *args: str) -> Launcher:
        return Launcher((*self.argv, *args))


def current_launcher(extra_args: Sequence[str] = ()) -> Launcher:
    """How to start the pbxdesk that is running now (plus ``extra_args``, e.g. --basedir)."""
    if getattr(sys, "frozen", False):
        return Launcher((sys.executable, *extra_args))
    python = sys.executable
    if sys.platform == "win32":
        windowless = Path(python).with_name("pythonw.exe")
        if windowless.is_file():
            python = str(windowless)  # a link should not open a console window
    argv: tuple[str, ...] = (python, "-m", "pbxdesk", *extra_args)
    if not _installed():
        # A checkout run with PYTHONPATH or from its folder: the desktop starts us
        # from elsewhere, so say where the package is.
        source_root = str(Path(__file__).resolve().parents[2])
        argv = ("env", f"PYTHONPATH={source_root}", *argv)
    return Launcher(argv)


def _installed() -> bool:
    try:
        importlib.metadata.distribution("pbxdesk")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def desktop_quote(arg: str) -> str:
    """One ``Exec`` argument, quoted and escaped (including the string-level escapes)."""
    if _PLAIN_ARG.fullmatch(arg):
        return arg
    quoted = "".join("\\" + ch if ch in _QUOTED_ESCAPES else ch for ch in arg)
    # A literal % is %%; then the value is a "string": its backslashes are doubled.
    return '"' + quoted.replace("%", "%%").replace("\\", "\\\\") + '"'


def parse_exec(value: str) -> list[str]:
    """The arguments of an ``Exec=`` value, field codes (``%u``…) dropped.

    Raises ValueError for an unterminated quote.
    """
    text = _unescape_string(value)
    args: list[str] = []
    current: list[str] = []
    in_word = in_quotes = False
    i = 0
    while i < len(text):
        ch = text[i]
        if in_quotes:
            if ch == "\\" and i + 1 < len(text) and text[i + 1] in _QUOTED_ESCAPES:
                current.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_quotes = False
            else:
                current.append(ch)
        elif ch == '"':
            in_quotes = in_word = True
        elif ch in " \t\n":
            if in_word:
                args.append("".join(current))
                current, in_word = [], False
        else:
            current.append(ch)
            in_word = True
        i += 1
    if in_quotes:
        raise ValueError("unterminated quote in Exec")
    if in_word:
        args.append("".join(current))
    return [arg.replace("%%", "%") for arg in args if not _FIELD_CODE.fullmatch(arg)]


def _unescape_string(value: str) -> str:
    """The Desktop Entry "string" escapes: ``\\s \\n \\t \\r \\\\``."""
    replacements = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    return re.sub(r"\\([sntr\\])", lambda match: replacements[match.group(1)], value)


def windows_program(command: str) -> str:
    """The program of a Windows command line: its first quoted or bare word."""
    match = re.match(r'\s*(?:"([^"]*)"|(\S+))', command)
    if match is None:
        return ""
    return match.group(1) if match.group(1) is not None else match.group(2)
