"""Damaged files of ours: set aside as ``.corrupt-<time>``, never over another, reported once."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pbxdesk.damaged import (
    MAX_FILE_BYTES,
    describe,
    read_json_object,
    set_aside,
    take_set_aside,
)

NOON = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)

DAMAGE = {
    "not UTF-8": (b'{"settings": {"base_url": "\xff\xfe"}}', "is not UTF-8 text"),
    "not JSON": (b"{not json", "is not valid JSON"),
    "empty": (b"", "is not valid JSON"),
    "a list": (b"[]", "holds a list, not an object"),
    "null": (b"null", "holds null, not an object"),
    "a string": (b'"settings"', "holds a string, not an object"),
    "a number": (b"12", "holds a number, not an object"),
    "too deep": (b"[" * 100_000 + b"]" * 100_000, "is not valid JSON"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_each_kind_of_damage_is_set_aside_with_its_bytes(tmp_path: Path, damage: str) -> None:
    content, problem = DAMAGE[damage]
    path = tmp_path / "settings.json"
    path.write_bytes(content)

    assert read_json_object(path, what="settings") is None

    assert not path.exists()
    [kept] = tmp_path.glob("settings.json.corrupt-*")
    assert kept.read_bytes() == content
    [found] = take_set_aside()
    assert (found.original, found.kept_as) == (path, kept)
    assert found.problem == f"the settings file {problem}"


def test_a_file_too_big_to_be_ours_is_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "ui-state.json"
    path.write_bytes(b" " * (MAX_FILE_BYTES + 1) + b"{}")

    assert read_json_object(path, what="window layout") is None
    assert "larger than" in take_set_aside()[0].problem


def test_a_good_object_and_a_missing_file_are_not_damage(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert read_json_object(path, what="settings") is None
    path.write_text('{"version": 1}')
    assert read_json_object(path, what="settings") == {"version": 1}
    assert take_set_aside() == []
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_an_earlier_corrupt_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    earlier = tmp_path / "settings.json.corrupt-20261127-120000"
    earlier.write_bytes(b"the first damaged copy")
    path.write_bytes(b"the second damaged copy")

    found = set_aside(path, "damaged", clock=lambda: NOON)
    path.write_bytes(b"the third damaged copy")
    again = set_aside(path, "damaged", clock=lambda: NOON)

    assert earlier.read_bytes() == b"the first damaged copy"
    assert found.kept_as == tmp_path / "settings.json.corrupt-20261127-120000-2"
    assert found.kept_as.read_bytes() == b"the second damaged copy"
    assert again.kept_as == tmp_path / "settings.json.corrupt-20261127-120000-3"
    assert again.kept_as.read_bytes() == b"the third damaged copy"


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_a_private_file_stays_private_when_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "api-key"
    path.write_bytes(b"\x00\x01 half a key")
    path.chmod(0o600)

    kept = set_aside(path, "damaged").kept_as

    assert kept is not None
    assert kept.stat().st_mode & 0o777 == 0o600


def test_each_damaged_file_is_reported_once(tmp_path: Path) -> None:
    for name in ("settings.json", "ui-state.json"):
        (tmp_path / name).write_bytes(b"\xff")
        read_json_object(tmp_path / name, what=name)

    found = take_set_aside()

    assert [item.original.name for item in found] == ["settings.json", "ui-state.json"]
    assert take_set_aside() == []
    text = describe(found)
    assert text.startswith("pbxdesk could not read some of its files and went on without "
                           "them: the settings.json file is not UTF-8 text (kept as ")
    assert "kept as settings.json.corrupt-" in text
    assert str(tmp_path) in text


def test_a_file_that_cannot_be_moved_is_left_and_still_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b"\xff")

    def refuse(*_: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "link", refuse)
    monkeypatch.setattr(os, "rename", refuse)
    found = set_aside(path, "damaged")

    assert found.kept_as is None
    assert path.read_bytes() == b"\xff"
    assert "left in place" in describe([found])
