"""Where pbxdesk keeps its files: config, data (the call store) and logs.

Every path the app uses comes from :class:`AppPaths`. By default they follow the
platform's conventions (platformdirs); ``--basedir DIR`` puts all three under
one directory so tests, smoke runs and the demo never touch the real home.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from pbxdesk import APP_NAME
from pbxdesk.addresses import bare_address

log = logging.getLogger("pbxdesk.app")


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The directories pbxdesk reads and writes."""

    config_dir: Path
    data_dir: Path
    log_dir: Path
    store_name: str | None = None
    """One call store file whatever the PBX address (the demo's port changes each run)."""

    @classmethod
    def default(cls) -> AppPaths:
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    @classmethod
    def under(cls, basedir: Path) -> AppPaths:
        """All directories below ``basedir`` (the ``--basedir`` option)."""
        base = basedir.expanduser().resolve()
        return cls(config_dir=base / "config", data_dir=base / "data", log_dir=base / "logs")

    def ensure(self) -> None:
        """Create the directories, owner-only where the platform allows it.

        An existing one that others may enter (made by hand, restored from a backup,
        an older pbxdesk) is tightened too: the files in it (the call store with
        callers' numbers and names, the log) are created with the usual umask and
        rely on their folder to keep other users out.
        """
        for directory in (self.config_dir, self.data_dir, self.log_dir):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            _keep_private(directory)

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def ui_state_file(self) -> Path:
        return self.config_dir / "ui-state.json"

    @property
    def fallback_key_file(self) -> Path:
        """The 0600 file used for the API key only when the user chose it (no keyring)."""
        return self.config_dir / "api-key"

    def database_file(self, base_url: str) -> Path:
        """The call store of one PBX account: accounts never share a database."""
        if self.store_name:
            return self.data_dir / self.store_name
        parts = urlsplit(bare_address(base_url))
        host = "".join(c if c.isalnum() or c in ".-" else "_" for c in (parts.hostname or "pbx"))
        digest = hashlib.sha1(bare_address(base_url).lower().encode(),
                              usedforsecurity=False).hexdigest()[:10]
        return self.data_dir / f"calls-{host}-{digest}.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "pbxdesk.log"


def _keep_private(directory: Path) -> None:
    """Take group and others' access away from our own ``directory`` (POSIX only)."""
    if sys.platform == "win32":
        return  # the per-user profile folders are private already
    try:
        info = os.lstat(directory)
        if info.st_uid == os.getuid() and stat.S_ISDIR(info.st_mode) \
                and stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(directory, stat.S_IMODE(info.st_mode) & 0o700)
    except OSError as exc:  # never stops the start; the folder works as it is
        log.warning("Cannot make %s private: %s", directory, exc.strerror or exc)
