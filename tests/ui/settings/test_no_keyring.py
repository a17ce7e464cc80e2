"""Without a keyring (headless Linux): an explicit choice, a 0600 file, or nothing written."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from pbxdesk.secrets import ApiKeyStore
from pbxdesk.settings import Settings, SettingsFile
from tests.ui.settings.conftest import MakeDialog
from tests.ui.settings.helpers import click_radio, save

URL = "https://uk.voipcloud.online"
KEY = "no-keyring-key-5150"

pytestmark = pytest.mark.usefixtures("no_keyring")


def files_containing(root: Path, text: str) -> list[Path]:
    return [path for path in root.rglob("*")
            if path.is_file() and text in path.read_text(encoding="utf-8", errors="replace")]


def test_the_user_must_choose_where_the_key_goes(make_dialog: MakeDialog) -> None:
    dialog = make_dialog(Settings(base_url=URL, key_storage="keyring"), api_key=KEY)
    storage = dialog.storage
    assert not storage.buttons["keyring"].isEnabled()
    assert "not available on this computer" in storage.buttons["keyring"].text()
    assert storage.choice() is None  # no silent fallback to a file
    assert not dialog.save_button.isEnabled()
    assert dialog.summary.text() == "To save, choose where to keep the API key."
    assert "no password keyring" in dialog.problems()["key_storage"]
    assert not storage.warning.isVisible()


def test_private_file_shows_a_warning_and_is_written_0600(
        qtbot: QtBot, make_dialog: MakeDialog, key_store: ApiKeyStore, tmp_path: Path) -> None:
    dialog = make_dialog(Settings(base_url=URL), api_key=KEY)
    click_radio(qtbot, dialog.storage.buttons["file"])
    assert dialog.storage.warning.isVisible()
    assert dialog.storage.warning.text().startswith("Warning: the key is kept unencrypted in ")
    assert str(key_store.fallback_file) in dialog.storage.warning.text()
    saved = save(qtbot, dialog)
    assert saved.key_storage == "file"

    path = key_store.fallback_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8")) == {URL: KEY}
    settings_file = SettingsFile(tmp_path / "config" / "settings.json")
    settings_file.save(saved)
    assert files_containing(tmp_path, KEY) == [path]
    # Next start: the key comes back from the file into a new dialog.
    fresh = ApiKeyStore(path)
    assert fresh.load(URL, "file") == KEY


def test_dont_remember_writes_nothing(qtbot: QtBot, make_dialog: MakeDialog,
                                      key_store: ApiKeyStore, tmp_path: Path) -> None:
    dialog = make_dialog(Settings(base_url=URL), api_key=KEY)
    click_radio(qtbot, dialog.storage.buttons["none"])
    assert not dialog.storage.warning.isVisible()
    saved = save(qtbot, dialog)
    assert saved.key_storage == "none"
    SettingsFile(tmp_path / "config" / "settings.json").save(saved)
    assert files_containing(tmp_path, KEY) == []
    assert not key_store.fallback_file.exists()
    # This run may still use it; a new start (a new store) must ask again.
    assert key_store.load(URL, "none") == KEY
    assert ApiKeyStore(key_store.fallback_file).load(URL, "none") is None


def test_switching_from_file_to_dont_remember_removes_the_file(
        qtbot: QtBot, make_dialog: MakeDialog, key_store: ApiKeyStore) -> None:
    ApiKeyStore(key_store.fallback_file).save(URL, KEY, "file")  # an earlier run
    assert key_store.fallback_file.exists()
    dialog = make_dialog(Settings(base_url=URL, key_storage="file"))
    assert dialog.key_field.text() == KEY  # read back from the file
    click_radio(qtbot, dialog.storage.buttons["none"])
    save(qtbot, dialog)
    assert not key_store.fallback_file.exists()
