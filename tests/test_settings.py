"""Settings: defaults, round trip, validation, corrupt and unwritable files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pbxdesk.settings import Settings, SettingsError, SettingsFile, check_base_url, validate


def test_missing_file_gives_defaults_with_first_run_region(tmp_path: Path) -> None:
    settings = SettingsFile(tmp_path / "settings.json").load(first_run_region="GB")
    assert settings == Settings(default_region="GB")
    assert not settings.is_configured


def test_round_trip_keeps_every_value(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    changed = Settings(base_url="https://au.voipcloud.online", api_version="v1",
                       default_region="NZ", my_extension="1010", sync_days=7,
                       refresh_minutes=0, post_encoding="form", confirm_before_dialling=False,
                       key_storage="file")
    SettingsFile(path).save(changed)
    assert SettingsFile(path).load() == changed
    document = json.loads(path.read_text())
    assert document["version"] == 1


def test_settings_file_never_holds_a_key_field() -> None:
    assert not any(name == "key" or "api_key" in name for name in Settings.__dataclass_fields__)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://au.voipcloud.online", True),
        ("https://portal.example.com:8443", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:9000", True),
        ("http://[::1]:9000", True),
        ("http://au.voipcloud.online", False),
        ("ftp://au.voipcloud.online", False),
        ("au.voipcloud.online", False),
        ("https://", False),
        ("https://host/?token=abc", False),
        ("", False),
    ],
)
def test_base_url_check(url: str, ok: bool) -> None:
    assert (check_base_url(url) is None) is ok


def test_corrupt_file_is_kept_aside_and_defaults_used(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert SettingsFile(path).load() == Settings()
    assert (tmp_path / "settings.corrupt").read_text() == "{not json"


def test_wrong_types_and_invalid_values_fall_back_per_setting(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "settings": {
        "sync_days": "thirty", "refresh_minutes": -5, "api_version": "v9",
        "default_region": "ZZ", "my_extension": "1010", "unknown_future_setting": 1}}))
    loaded = SettingsFile(path).load()
    assert loaded.sync_days == 30
    assert loaded.refresh_minutes == 5
    assert loaded.api_version == "v2"
    assert loaded.default_region == "AU"
    assert loaded.my_extension == "1010"


def test_validate_reports_each_problem() -> None:
    problems = validate(Settings(base_url="http://pbx.example.com", request_budget=0,
                                 default_region="XX", my_extension="ext1"))
    assert set(problems) == {"base_url", "request_budget", "default_region", "my_extension"}


def test_save_failure_message_says_what_to_do(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(SettingsError, match="Free some disk space or check"):
        SettingsFile(blocker / "settings.json").save(Settings())
