"""``pbxdesk --demo --basedir X``: one demo store in X, reused run after run, instead of
a new database for each port the demo PBX happens to get."""

from __future__ import annotations

import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.app import DEMO_STORE_NAME
from pbxdesk.paths import AppPaths
from pbxdesk.store import CallFilter
from tests.ui.controller import make_controller, start, stop


def stored_calls(controller_paths: AppPaths) -> list[str]:
    return sorted(path.name for path in controller_paths.data_dir.glob("calls-*.sqlite3"))


def test_every_demo_run_uses_the_same_store(qtbot: QtBot, qloop: qasync.QEventLoop,
                                            paths: AppPaths) -> None:
    counts = []
    urls = []
    for _run in range(2):
        controller = make_controller(paths, demo=True)
        start(qtbot, controller, synced=True)
        session, demo = controller.session, controller.demo
        assert session is not None
        assert demo is not None
        urls.append(demo.base_url)
        assert session.store.path == paths.data_dir / DEMO_STORE_NAME
        counts.append(session.store.count(CallFilter(kinds=frozenset({CallKind.USER}))))
        stop(qtbot, controller)
        assert stored_calls(paths) == [DEMO_STORE_NAME]
    assert urls[0] != urls[1]  # another port: before, another database
    # The second run's demo PBX made a new history; it replaced the first, not doubled it.
    assert counts[1] <= counts[0] * 1.05
    assert counts[1] >= counts[0] * 0.95
