"""pbxdesk's folders keep other local users out, also when they existed before."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from pbxdesk.paths import AppPaths

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_new_folders_are_owner_only(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path / "base")
    paths.ensure()
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir):
        assert mode(folder) == 0o700


def test_existing_open_folders_are_tightened(tmp_path: Path) -> None:
    # Folders made before (by hand, a backup, an older version) kept 0755, and the call
    # store and the log in them (created 0644 by the umask) were readable by everyone.
    paths = AppPaths.under(tmp_path / "base")
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir):
        folder.mkdir(parents=True)
        folder.chmod(0o775)
    (paths.data_dir / "calls.sqlite3").write_bytes(b"callers")
    paths.ensure()
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir):
        assert mode(folder) == 0o700
    assert (paths.data_dir / "calls.sqlite3").read_bytes() == b"callers"


def test_a_linked_folder_is_left_alone(tmp_path: Path) -> None:
    # A data folder moved to another disk and linked back: the link is followed, its
    # target (the user's own arrangement) is not changed.
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o750)
    target.chmod(0o750)
    base = tmp_path / "base"
    base.mkdir()
    (base / "data").symlink_to(target)
    AppPaths.under(base).ensure()
    assert mode(target) == 0o750
