"""Files of ours that cannot be read: set aside, never overwritten, reported once.

Every file pbxdesk reads back (settings, window layout, the API key file) may
be damaged: a disk error, an editor that saved another encoding, a sync tool
that merged two copies. A reader that meets one calls :func:`read_json_object`
(or :func:`set_aside` for a damage only it can see): the file is renamed to
``<name>.corrupt-<UTC time>`` beside the original, so nothing is lost and the
next save starts clean, and the app goes on with defaults. An older
``.corrupt-…`` file is never replaced: a second one gets a ``-2`` suffix.

The main window says so once, in its banner: :func:`take_set_aside` hands over
what was set aside since the last call. That list is kept per process, not per
object, because the first reader (the command line, or the start-up's choice of
locale) runs before any window exists. No Qt here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

log = logging.getLogger("pbxdesk.files")

# Our files are a few kilobytes; a bigger one is not ours (and is not read whole).
MAX_FILE_BYTES: Final = 1_000_000
_MAX_SUFFIX: Final = 100


@dataclass(frozen=True, slots=True)
class SetAside:
    """One damaged file and where it went."""

    original: Path
    kept_as: Path | None
    """The ``.corrupt-…`` copy; None when even renaming failed (the file stays)."""
    problem: str


_lock = threading.Lock()
_pending: list[SetAside] = []


def read_json_object(path: Path, *, what: str) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when there is no such file or it is damaged.

    A file that cannot be read, is not UTF-8, is not JSON, or holds JSON that
    is not an object (``[]``, ``null``, a string) is set aside (see
    :func:`set_aside`). ``what`` names the file for people ("settings").
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as error:
        set_aside(path, f"the {what} file cannot be read ({error.strerror or error})")
        return None
    problem = None
    document: Any = None
    if len(raw) > MAX_FILE_BYTES:
        problem = f"the {what} file is larger than {MAX_FILE_BYTES:,} bytes"
    else:
        try:
            document = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problem = f"the {what} file is not UTF-8 text"
        except (ValueError, RecursionError):
            problem = f"the {what} file is not valid JSON"
        else:
            if not isinstance(document, dict):
                problem = f"the {what} file holds {_kind(document)}, not an object"
    if problem is not None:
        set_aside(path, problem)
        return None
    assert isinstance(document, dict)
    return document


def set_aside(path: Path, problem: str, *,
              clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> SetAside:
    """Rename damaged ``path`` to ``<name>.corrupt-<time>`` (never over another file).

    Logged and remembered for :func:`take_set_aside`; never raises.
    """
    stamp = clock().strftime("%Y%m%d-%H%M%S")
    kept_as: Path | None = None
    for number in range(1, _MAX_SUFFIX + 1):
        suffix = "" if number == 1 else f"-{number}"
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}{suffix}")
        try:
            _rename_without_replacing(path, candidate)
        except FileExistsError:
            continue
        except OSError as error:
            log.warning("Cannot set aside the damaged file %s: %s", path,
                        error.strerror or error)
        else:
            kept_as = candidate
        break
    found = SetAside(path, kept_as, problem)
    log.warning("%s: %s; starting with defaults%s", path, problem,
                f" (the file is kept as {kept_as.name})" if kept_as else "")
    with _lock:
        _pending.append(found)
    return found


def take_set_aside() -> list[SetAside]:
    """What was set aside since the last call (each file is reported once)."""
    with _lock:
        found = list(_pending)
        _pending.clear()
    return found


def describe(found: list[SetAside]) -> str:
    """One message for the banner: which files, what was wrong, where they are now."""
    parts = []
    for item in found:
        where = (f"kept as {item.kept_as.name}" if item.kept_as is not None
                 else "left in place")
        parts.append(f"{item.problem} ({where})")
    folder = found[0].original.parent if found else Path()
    return ("pbxdesk could not read some of its files and went on without them: "
            + "; ".join(parts) + f". They are in {folder}; nothing else was changed.")


def _rename_without_replacing(source: Path, target: Path) -> None:
    """Rename; FileExistsError instead of replacing ``target`` (POSIX rename would)."""
    if os.name == "nt":
        os.rename(source, target)  # refuses an existing target by itself
        return
    try:
        os.link(source, target)  # atomic "create if missing"
    except FileExistsError:
        raise
    except OSError:
        # No hard links here (some network or FAT file systems): check, then rename.
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        os.rename(source, target)
        return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(source)


def _kind(document: Any) -> str:
    if document is None:
        return "null"
    if isinstance(document, list):
        return "a list"
    if isinstance(document, str):
        return "a string"
    if isinstance(document, bool):
        return "true or false"
    return "a number"
