"""Settings: defaults, round trip, validation, corrupt and unwritable files."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pbxdesk.damaged import take_set_aside
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


@pytest.mark.parametrize("content", [
    b"{not json", b'{"settings": {"base_url": "\xff"}}', b"\xfe\xff\x00{", b"[]", b"null",
    b'"a string"', b"42", b'{"settings": []}', b'{"settings": "base_url"}',
    b'{"settings": null}',
], ids=["not-json", "not-utf8", "utf16-bom", "list", "null", "string", "number",
        "settings-list", "settings-string", "settings-null"])
def test_a_damaged_or_wrong_shaped_file_is_kept_aside_and_defaults_used(
        tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)

    assert SettingsFile(path).load(first_run_region="GB") == Settings(default_region="GB")

    [kept] = tmp_path.glob("settings.json.corrupt-*")
    assert kept.read_bytes() == content
    assert not path.exists()  # the next save starts a clean file
    assert [found.kept_as for found in take_set_aside()] == [kept]


def test_an_existing_corrupt_file_is_not_overwritten_by_a_new_one(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b"first \xff")
    SettingsFile(path).load()
    path.write_bytes(b"second \xff")  # damaged again, most likely within the same second

    SettingsFile(path).load()

    kept = sorted(p.read_bytes() for p in tmp_path.glob("settings.json.corrupt-*"))
    assert kept == [b"first \xff", b"second \xff"]


@settings(max_examples=200)
@given(content=st.binary(max_size=300) | st.builds(
    lambda doc: json.dumps(doc).encode(), st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
            st.sampled_from([*Settings.__dataclass_fields__, "settings", "version"])
            | st.text(max_size=8), inner, max_size=6),
        max_leaves=12)))
@example(content=b'{"settings": {"base_url": "http://[::1"}}')  # urlsplit raises on it
def test_any_bytes_in_the_settings_file_give_valid_settings(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "settings.json"
        path.write_bytes(content)

        loaded = SettingsFile(path).load()

        assert validate(loaded) == {}
        # Whatever it was, nothing of it is lost: read as is, or kept aside whole.
        kept = list(Path(folder).glob("settings.json.corrupt-*"))
        assert (path.read_bytes() if path.exists() else kept[0].read_bytes()) == content


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
