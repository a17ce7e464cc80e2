"""The API key: keyring first, a 0600 file or nothing by explicit choice."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from pbxdesk.damaged import take_set_aside
from pbxdesk.logs import setup_logging
from pbxdesk.secrets import ApiKeyStore, KeyringUnavailableError, keyring_available
from tests.conftest import MemoryKeyring

ACCOUNT = "https://au.voipcloud.online"
KEY = "k3y-5ecret-0123456789"


def test_keyring_storage_keeps_the_key_only_in_the_keyring(
        tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    store = ApiKeyStore(tmp_path / "api-key")
    store.save(ACCOUNT, KEY, "keyring")
    assert memory_keyring.passwords[("pbxdesk", ACCOUNT)] == KEY
    assert not (tmp_path / "api-key").exists()
    assert ApiKeyStore(tmp_path / "api-key").load(ACCOUNT, "keyring") == KEY


def test_no_keyring_is_reported_so_the_user_can_choose(tmp_path: Path) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert not keyring_available()
    store = ApiKeyStore(tmp_path / "api-key")
    with pytest.raises(KeyringUnavailableError, match="private file"):
        store.save(ACCOUNT, KEY, "keyring")
    # The session still has the key, so the app keeps working until restart.
    assert store.load(ACCOUNT, "keyring") == KEY


def test_file_storage_is_private_and_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "config" / "api-key"
    ApiKeyStore(path).save(ACCOUNT, KEY, "file")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ApiKeyStore(path).load(ACCOUNT, "file") == KEY


def test_not_remembering_keeps_nothing_on_disk(tmp_path: Path,
                                               memory_keyring: MemoryKeyring) -> None:
    path = tmp_path / "api-key"
    ApiKeyStore(path).save(ACCOUNT, KEY, "file")
    store = ApiKeyStore(path)
    store.save(ACCOUNT, KEY, "none")
    assert not path.exists()
    assert memory_keyring.passwords == {}
    assert store.load(ACCOUNT, "none") == KEY
    assert ApiKeyStore(path).load(ACCOUNT, "none") is None


def test_moving_to_keyring_removes_the_file_copy(tmp_path: Path) -> None:
    path = tmp_path / "api-key"
    store = ApiKeyStore(path)
    store.save(ACCOUNT, KEY, "file")
    store.save(ACCOUNT, KEY, "keyring")
    assert not path.exists()


def test_delete_forgets_everywhere(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    store = ApiKeyStore(tmp_path / "api-key")
    store.save(ACCOUNT, KEY, "keyring")
    store.delete(ACCOUNT)
    assert store.load(ACCOUNT, "keyring") is None
    assert memory_keyring.passwords == {}


def test_a_loaded_key_is_masked_in_logs(tmp_path: Path) -> None:
    # Written as an earlier run left it: nothing in this test saves (which would
    # register the key too), so only loading can make it masked.
    path = tmp_path / "api-key"
    path.write_text(json.dumps({ACCOUNT: KEY}))
    ring = setup_logging(None)
    logging.getLogger("pbxdesk.test").warning("before %s", KEY)
    assert KEY in ring.lines()[-1]  # not masked yet: no secret carried over from other tests

    assert ApiKeyStore(path).load(ACCOUNT, "file") == KEY

    logging.getLogger("pbxdesk.test").warning("oops %s header token: %s", KEY, "abc123")
    line = ring.lines()[-1]
    assert KEY not in line
    assert "abc123" not in line
    assert line.endswith("oops *** header token: ***")


def test_a_key_loaded_from_the_keyring_is_masked_in_logs(
        memory_keyring: MemoryKeyring) -> None:
    memory_keyring.passwords[("pbxdesk", ACCOUNT)] = KEY
    ring = setup_logging(None)

    assert ApiKeyStore(Path("unused")).load(ACCOUNT, "keyring") == KEY

    logging.getLogger("pbxdesk.test").warning("key %s", KEY)
    assert ring.lines()[-1].endswith("key ***")


@pytest.mark.parametrize("content", [b"\xff\xfe half a key", b"{", b"[]", b"null",
                                     b'"k3y-5ecret"'])
def test_a_damaged_key_file_is_set_aside_privately_and_not_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes) -> None:
    path = tmp_path / "api-key"
    path.write_bytes(content)
    path.chmod(0o600)
    caplog.set_level(logging.DEBUG, logger="pbxdesk")

    assert ApiKeyStore(path).load(ACCOUNT, "file") is None

    [kept] = tmp_path.glob("api-key.corrupt-*")
    assert kept.read_bytes() == content
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert "half a key" not in caplog.text
    assert "k3y" not in caplog.text
    assert [found.original for found in take_set_aside()] == [path]
    ApiKeyStore(path).save(ACCOUNT, KEY, "file")  # saving afterwards starts a clean file
    assert ApiKeyStore(path).load(ACCOUNT, "file") == KEY
