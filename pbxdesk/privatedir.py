"""A folder only this user can write, for the single-instance socket and its lock.

A socket at a fixed name in a world-writable folder (``/tmp``) can be bound by
any local user before pbxdesk starts: that user would then receive every number
the agent clicks. So the socket lives in a folder that only this user can
write, checked before each use (not a link, owned by us, mode ``0700``, in a
parent nobody else can rename it out of):

1. ``$XDG_RUNTIME_DIR/pbxdesk`` (Linux and other freedesktop systems), when the
   variable names a folder of ours that nobody else can write;
2. ``pbxdesk-<uid>`` in the temporary folder (``/tmp`` on Linux, the per-user
   ``$TMPDIR`` on macOS), created ``0700``; an existing one that is not ours, or
   that others can write, is refused (someone may have made it to squat it);
3. ``run`` in the user's cache folder (``~/.cache/pbxdesk/run``).

A candidate whose socket path would not fit a Unix socket address is skipped.
On Windows there are no socket files: named pipes share one namespace, so the
pipe name includes a random secret kept in the user's own cache folder instead
(see :func:`windows_secret`). No Qt here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import platformdirs

from pbxdesk import APP_NAME

log = logging.getLogger("pbxdesk.instance")

# sun_path holds 108 bytes on Linux and 104 on macOS, the closing NUL included.
MAX_SOCKET_PATH: Final = 103
_OTHERS_WRITE: Final = stat.S_IWGRP | stat.S_IWOTH


class PrivateFolderError(Exception):
    """No folder that only this user can write could be found or made."""


def runtime_folder(environ: Mapping[str, str] | None = None, *,
                   longest_name: int = 0) -> Path:
    """This user's private folder for sockets and locks, created if need be.

    Args:
        environ: the environment to read ``XDG_RUNTIME_DIR`` from (default: ours).
        longest_name: the longest file name that must fit into a socket path in it.

    Raises:
        PrivateFolderError: every candidate is unsafe or unusable (each is logged).
    """
    env = os.environ if environ is None else environ
    refusals: list[str] = []
    for folder in _candidates(env):
        if len(os.fsencode(folder)) + 1 + longest_name > MAX_SOCKET_PATH:
            refusals.append(f"{folder}: the path is too long for a socket")
            continue
        try:
            return make_private_folder(folder)
        except PrivateFolderError as error:
            log.warning("Not using %s for the single-instance socket: %s", folder, error)
            refusals.append(f"{folder}: {error}")
    raise PrivateFolderError(
        "No private folder for the single-instance socket (" + "; ".join(refusals) + ")")


def _candidates(env: Mapping[str, str]) -> list[Path]:
    found: list[Path] = []
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime):
        parent = Path(runtime)
        problem = parent_problem(parent)
        if problem is None:
            found.append(parent / APP_NAME)
        else:
            log.warning("Ignoring XDG_RUNTIME_DIR %s: %s", parent, problem)
    found.append(Path(tempfile.gettempdir()) / f"{APP_NAME}-{_uid()}")
    found.append(Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "run")
    return found


def make_private_folder(folder: Path) -> Path:
    """``folder``, created ``0700`` if missing, after checking nobody else controls it.

    Raises:
        PrivateFolderError: it is a link or not a folder, belongs to someone else,
            others may write it, or it cannot be made.
    """
    problem = parent_problem(folder.parent)
    if problem is not None:
        raise PrivateFolderError(f"its parent folder {problem}")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)
        info = os.lstat(folder)
    except OSError as error:
        raise PrivateFolderError(f"cannot be made ({error.strerror or error})") from None
    problem = folder_problem(info)
    if problem is not None:
        raise PrivateFolderError(problem)
    if stat.S_IMODE(info.st_mode) != 0o700:
        # Ours and writable by nobody else (checked above): only tighten what others see.
        try:
            os.chmod(folder, 0o700)
        except OSError as error:
            raise PrivateFolderError(f"its mode cannot be set ({error.strerror})") from None
    return folder


def folder_problem(info: os.stat_result) -> str | None:
    """Why a folder (its ``lstat``) is not safe for our socket, or None."""
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if info.st_uid != _uid():
        return f"belongs to another user (uid {info.st_uid})"
    if stat.S_IMODE(info.st_mode) & _OTHERS_WRITE:
        return f"can be written by other users (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def parent_problem(parent: Path) -> str | None:
    """Why ``parent`` lets someone else swap a folder inside it, or None.

    Safe: missing (we create it), ours and writable only by us, or a sticky folder
    like ``/tmp`` (others cannot rename or remove what is ours in it).
    """
    try:
        info = os.stat(parent)
    except FileNotFoundError:
        return None
    except OSError as error:
        return f"cannot be checked ({error.strerror})"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_ISVTX:
        return None
    if mode & _OTHERS_WRITE:
        return f"can be written by other users (mode {mode:o})"
    if info.st_uid not in {_uid(), 0}:
        return f"belongs to another user (uid {info.st_uid})"
    return None


def socket_owned_by_us(path: Path) -> bool:
    """True when ``path`` is missing, or a socket (not a link) of ours in a safe folder."""
    try:
        folder = os.lstat(path.parent)
    except OSError:
        return False
    if folder_problem(folder) is not None:
        return False
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return stat.S_ISSOCK(info.st_mode) and info.st_uid == _uid()


def windows_secret(folder: Path) -> str:
    """A random value kept in this user's ``folder``; names the instance's pipe.

    Another user cannot read the user's own application-data folder, so cannot
    guess the pipe's name to squat it.
    """
    path = folder / "instance-secret"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        value = path.read_text(encoding="ascii").strip()
        if len(value) >= 32 and value.isalnum():
            return value
    value = secrets.token_hex(16)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(value, encoding="ascii")
    except OSError as error:
        log.warning("Cannot keep the instance secret in %s: %s", folder, error.strerror)
    return value


def _uid() -> int:
    return os.getuid() if sys.platform != "win32" else 0
