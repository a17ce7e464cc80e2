"""Everything the call store raises for *known* problems, as one tree.

::

    StoreError                the local call database cannot be used right now
    ├── StoreFullError        the disk (or the database's own size limit) is full
    ├── StoreReadOnlyError    the file, its folder or the medium cannot be written
    ├── StoreCorruptError     the file is damaged or is not a pbxdesk database
    ├── StoreTooNewError      written by a newer pbxdesk: this version will not touch it
    ├── StoreBusyError        another program kept the database locked too long
    └── StoreIOError          the operating system could not open, read or write the file

Each class carries a calm ``str()`` naming the file and what to do, and a short
``hint`` for a banner button. Anything else SQLite raises (a syntax error, a
constraint we did not expect) is a bug and is not translated: it reaches the
crash handler with its traceback. :func:`translate` does the mapping and the
:func:`guarded` decorator applies it to every public store method.
"""

from __future__ import annotations

import errno
import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar

# SQLite primary result codes (the low byte of an extended code).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26


class StoreError(Exception):
    """Base class: a known reason why the call database cannot be used."""

    hint = "Retry"

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message


class StoreFullError(StoreError):
    hint = "Free disk space"

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The disk holding the call history ({path}) is full. Free some space and "
            "try again; the calls already stored are safe and the last change was not "
            "half-written.", path)


class StoreReadOnlyError(StoreError):
    hint = "Check permissions"

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The call history ({path}) cannot be written: the file, its folder or the "
            "disk is read-only. Check that your user may write to that folder (or start "
            "pbxdesk with --basedir pointing to a writable folder). Nothing was lost.", path)


class StoreCorruptError(StoreError):
    hint = "Move the file aside"

    def __init__(self, path: Path, detail: str = "") -> None:
        why = f" (SQLite said: {detail})" if detail else ""
        super().__init__(
            f"The call history file {path} is damaged or is not a pbxdesk database{why}. "
            "Quit pbxdesk and move that file somewhere else (keep it for support); "
            "pbxdesk will then start with an empty history and download recent calls "
            "again.", path)


class StoreTooNewError(StoreError):
    hint = "Update pbxdesk"

    def __init__(self, path: Path, found: int, supported: int) -> None:
        super().__init__(
            f"The call history {path} was written by a newer pbxdesk (database version "
            f"{found}; this version understands up to {supported}). Update pbxdesk to "
            "open it. The file was left untouched.", path)
        self.found = found
        self.supported = supported


class StoreBusyError(StoreError):
    hint = "Retry"

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The call history {path} is locked by another program (perhaps a second "
            "pbxdesk, a backup or a sync tool). Close it and try again; nothing was lost.",
            path)


class StoreIOError(StoreError):
    hint = "Check the disk"

    def __init__(self, path: Path, detail: str = "") -> None:
        why = f" ({detail})" if detail else ""
        super().__init__(
            f"The call history {path} could not be opened, read or written{why}. Check "
            "that the disk is connected and that the folder exists, then try again.", path)


class _HasPath(Protocol):
    @property
    def path(self) -> Path: ...


S = TypeVar("S", bound=_HasPath)
P = ParamSpec("P")
R = TypeVar("R")


def guarded(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Decorator: known SQLite / OS failures leave the method as a :class:`StoreError`."""

    @functools.wraps(method)
    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            known = translate(exc, self.path)
            if known is None:
                raise
            raise known from exc

    return wrapper


def translate(exc: BaseException, path: Path) -> StoreError | None:
    """The :class:`StoreError` for a known SQLite or OS failure; None for a bug."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is None:
            return None
        return _from_sqlite_code(code & 0xFF, exc, path)
    if isinstance(exc, OSError):
        return _from_errno(exc, path)
    return None


def _from_sqlite_code(code: int, exc: sqlite3.Error, path: Path) -> StoreError | None:
    if code == _SQLITE_FULL:
        return StoreFullError(path)
    if code in (_SQLITE_READONLY, _SQLITE_PERM):
        return StoreReadOnlyError(path)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return StoreCorruptError(path, str(exc))
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StoreBusyError(path)
    if code in (_SQLITE_IOERR, _SQLITE_CANTOPEN):
        return StoreIOError(path, str(exc))
    return None


def _from_errno(exc: OSError, path: Path) -> StoreError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StoreFullError(path)
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreReadOnlyError(path)
    return StoreIOError(path, exc.strerror or str(exc))
