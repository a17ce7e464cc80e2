"""The app starts whatever is in its files: damaged ones are set aside and named once.

Through the real controller and window (issue 8, item 2): settings, window
layout and the API key file filled with junk, by hand and by Hypothesis.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import qasync
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from pbxdesk.app import Controller
from pbxdesk.paths import AppPaths
from pbxdesk.services.messages import Message, Remedy, Severity
from pbxdesk.settings import Settings, SettingsFile
from tests.ui.controller import make_controller, start, stop

# A configured account whose key is kept in the file (so the key file is read at
# start); nothing listens on port 9, and the key file never holds a usable key here.
ACCOUNT = Settings(base_url="http://127.0.0.1:9", key_storage="file")


def start_app(qtbot: QtBot, paths: AppPaths) -> tuple[list[Message], Controller]:
    """Start the controller (no demo); every message it posts, and the controller."""
    controller = make_controller(paths, demo=False)
    posted: list[Message] = []
    controller.messages.sig_message_posted.connect(posted.append)
    start(qtbot, controller, synced=False)
    return posted, controller


def damaged_messages(posted: list[Message]) -> list[Message]:
    return [m for m in posted if m.source == "files"]


def test_junk_in_every_file_starts_the_app_with_one_banner(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    paths.settings_file.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    paths.ui_state_file.write_bytes(b'{"version": 1, "geometry": ')
    controller = make_controller(paths, demo=False)
    posted: list[Message] = []
    controller.messages.sig_message_posted.connect(posted.append)

    start(qtbot, controller, synced=False)
    try:
        window = controller.window
        assert window.isVisible()
        assert window.stack.currentWidget() is window.welcome  # defaults: not configured
        [message] = damaged_messages(posted)
        assert message.severity is Severity.WARNING
        assert window.banner.text().endswith(message.text)
        assert "settings file is not UTF-8 text (kept as settings.json.corrupt-" in message.text
        assert "window layout file is not valid JSON (kept as ui-state.json.corrupt-" in (
            message.text)
        controller.report_damaged_files()  # asked again: nothing new to say
        assert len(damaged_messages(posted)) == 1
    finally:
        stop(qtbot, controller)
    kept = sorted(p.name.split(".corrupt-")[0] for p in paths.config_dir.glob("*.corrupt-*"))
    assert kept == ["settings.json", "ui-state.json"]
    # Shutting down wrote a fresh layout; the damaged one is still there beside it.
    assert json.loads(paths.ui_state_file.read_text())["version"] == 1


def test_a_damaged_key_file_is_named_instead_of_asking_as_if_never_saved(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    SettingsFile(paths.settings_file).save(ACCOUNT)
    paths.fallback_key_file.write_bytes(b"\xff\x00\x00")

    posted, controller = start_app(qtbot, paths)
    try:
        [message] = damaged_messages(posted)
        assert "API key file is not UTF-8 text (kept as api-key.corrupt-" in message.text
        assert message.text.endswith("Enter the API key again in Settings.")
        assert message.remedy is Remedy.OPEN_SETTINGS
        assert posted[-1] == message  # the newest: what the banner shows
    finally:
        stop(qtbot, controller)


FILES = ("settings", "ui_state", "key")


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.fixed_dictionaries({name: st.none() | st.binary(max_size=200) for name in FILES}),
       configured=st.booleans())
def test_random_bytes_in_any_file_never_stop_the_app(
        qtbot: QtBot, qloop: qasync.QEventLoop, junk: dict[str, bytes | None],
        configured: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = AppPaths.under(Path(folder))
        paths.ensure()
        if configured:
            SettingsFile(paths.settings_file).save(ACCOUNT)
        for name, target in zip(FILES, (paths.settings_file, paths.ui_state_file,
                                        paths.fallback_key_file), strict=True):
            content = junk[name]
            if content is not None:
                target.write_bytes(content)

        posted, controller = start_app(qtbot, paths)
        try:
            assert controller.window.isVisible()
            kept = list(paths.config_dir.glob("*.corrupt-*"))
            assert len(damaged_messages(posted)) == (1 if kept else 0)
            for copy in kept:  # every damaged file is kept, byte for byte
                original = {"settings.json": "settings", "ui-state.json": "ui_state",
                            "api-key": "key"}[copy.name.split(".corrupt-")[0]]
                assert copy.read_bytes() == junk[original]
        finally:
            stop(qtbot, controller)
