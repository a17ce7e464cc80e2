"""Fixtures for the dial pad: a shown :class:`DialPad` on a CallService against the sandbox.

``make_pad`` builds the pad on an environment from ``make_env`` (see
:mod:`tests.services.helpers`: a real client, SQLite store and sandbox PBX,
a fast sandbox clock and poll schedule, a hand-moved guard clock).
"""

from __future__ import annotations

from typing import Any, Protocol

import pytest
from pytestqt.qtbot import QtBot

from pbxdesk.sync.engine import SyncEngine
from pbxdesk.ui.dialpad import DialPad
from tests.services.helpers import REGION, CallEnv, MakeEnv, make_env, run

__all__ = ["MakePad", "fill_store", "make_env", "make_pad"]


class MakePad(Protocol):
    def __call__(self, env: CallEnv | None = None, *, my_extension: str | None = None,
                 default_caller_id: str = "", **env_options: Any) -> DialPad: ...


@pytest.fixture
def make_pad(qtbot: QtBot, make_env: MakeEnv) -> MakePad:
    def make(env: CallEnv | None = None, *, my_extension: str | None = None,
             default_caller_id: str = "", **env_options: Any) -> DialPad:
        if env is None:
            env = make_env(my_extension=my_extension, **env_options)
        pad = DialPad(env.service, env.store, default_region=REGION,
                      my_extension=env.service.my_extension if my_extension is None
                      else my_extension,
                      default_caller_id=default_caller_id)
        pad.env = env  # type: ignore[attr-defined]  # the tests' handle on the environment
        qtbot.addWidget(pad)
        pad.resize(340, 820)
        pad.show()
        qtbot.waitExposed(pad)
        return pad

    return make


def env_of(pad: DialPad) -> CallEnv:
    env = pad.env  # type: ignore[attr-defined]
    assert isinstance(env, CallEnv)
    return env


def fill_store(qtbot: QtBot, env: CallEnv) -> None:
    """Sync the environment's store from its sandbox, the way the app does."""
    engine = SyncEngine(env.client, env.store, sync_days=45)
    try:
        run(qtbot, engine.sync(), timeout=20_000)
    finally:
        engine.close()
