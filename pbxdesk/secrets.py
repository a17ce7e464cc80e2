"""Where the API key is kept: the OS keyring, or (by explicit choice) a private file.

The key is never written to the settings file or a log. Where the platform has
no usable keyring (a headless Linux box, say), the user chooses between a file
readable only by them (``0600``, with a visible warning) and not remembering the
key at all (asked again each start). :class:`ApiKeyStore` implements the three
places; ``Settings.key_storage`` records the choice. No Qt here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from pbxdesk.addresses import bare_address
from pbxdesk.damaged import read_json_object
from pbxdesk.logs import register_secret
from pbxdesk.settings import KeyStorage

log = logging.getLogger("pbxdesk.secrets")
KEYRING_SERVICE = "pbxdesk"


def relay_token_account(relay_url: str) -> str:
    """Where a relay's desk token is kept: beside the API keys, under the relay's address.

    The token follows the API key's storage choice (``Settings.key_storage``).
    """
    return "relay:" + bare_address(relay_url)


class KeyStorageError(Exception):
    """The key could not be stored or read where the user asked; the message says why."""


class KeyringUnavailableError(KeyStorageError):
    """There is no working OS keyring here: offer the file or not remembering."""


def _keyring() -> ModuleType:
    """The keyring package, imported when a key is first kept there or read from it:
    with its backends it takes about a tenth of a start that never needs it."""
    import keyring
    import keyring.backends.fail
    import keyring.backends.null
    import keyring.errors

    return keyring


def keyring_available() -> bool:
    """True when the OS keyring backend can actually store secrets."""
    keyring = _keyring()
    backend = keyring.get_keyring()
    return not isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring)


@dataclass
class ApiKeyStore:
    """Reads and writes API keys, one per PBX address (``account``)."""

    fallback_file: Path
    _session_keys: dict[str, str] = field(default_factory=dict, repr=False)

    def load(self, account: str, storage: KeyStorage) -> str | None:
        """The stored key for ``account`` or None; never raises for a missing key."""
        key: str | None = self._session_keys.get(account)
        if key is None and storage == "keyring":
            keyring = _keyring()
            try:
                key = keyring.get_password(KEYRING_SERVICE, account)
            except keyring.errors.KeyringError as exc:
                log.warning("Cannot read the API key from the keyring: %s", type(exc).__name__)
        elif key is None and storage == "file":
            key = self._read_file().get(account)
        if key:
            register_secret(key)
        return key or None

    def save(self, account: str, key: str, storage: KeyStorage) -> None:
        """Store ``key``; raises :class:`KeyringUnavailableError` if there is no keyring."""
        register_secret(key)
        self._session_keys[account] = key
        if storage == "keyring":
            keyring = _keyring()
            if not keyring_available():
                raise KeyringUnavailableError(
                    "This computer has no password keyring pbxdesk can use. Choose to keep the "
                    "key in a private file (readable only by you) or to enter it at each start.")
            try:
                keyring.set_password(KEYRING_SERVICE, account, key)
            except keyring.errors.KeyringError as exc:
                raise KeyringUnavailableError(
                    f"The keyring refused to store the key ({type(exc).__name__}). Unlock it "
                    "and save again, or keep the key in a private file instead.") from None
            self._remove_from_file(account)
        elif storage == "file":
            keys = self._read_file()
            keys[account] = key
            self._write_file(keys)
        else:
            self._remove_from_file(account)

    def delete(self, account: str) -> None:
        """Forget the key everywhere it may be."""
        self._session_keys.pop(account, None)
        keyring = _keyring()
        with contextlib.suppress(keyring.errors.KeyringError):
            keyring.delete_password(KEYRING_SERVICE, account)
        self._remove_from_file(account)

    def _read_file(self) -> dict[str, str]:
        # A damaged file is set aside (still 0600: a rename keeps the mode) and
        # reported; its content never reaches a log line or a message.
        data = read_json_object(self.fallback_file, what="API key")
        if data is None:
            return {}
        return {str(k): v for k, v in data.items() if isinstance(v, str)}

    def _write_file(self, keys: dict[str, str]) -> None:
        path = self.fallback_file
        tmp = path.with_name(path.name + ".tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Created 0600 from the start: there is no moment the key is world-readable.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(keys, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise KeyStorageError(
                f"Could not write the key file in {path.parent}: {exc.strerror or type(exc)}. "
                "Free some disk space or check permissions and save again.") from None

    def _remove_from_file(self, account: str) -> None:
        keys = self._read_file()
        if account in keys:
            del keys[account]
            if keys:
                self._write_file(keys)
            else:
                self.fallback_file.unlink(missing_ok=True)
