"""The demo's teammates: their callback records arrive as a relay would bring them.

Only ``pbxdesk --demo`` uses this, so the worklist shows claims and states by
others without a second desk. Imported when the demo's session opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pbxdesk.demo import team_records
from pbxdesk.services.worklist import Worklist

if TYPE_CHECKING:
    from pbxdesk.demo import DemoPbx
    from pbxdesk.session import Session


def play_demo_team(demo: DemoPbx, session: Session) -> None:
    """After the demo's first sync, teammates' records arrive (on the first worklist
    read after it, when the list holds what the sync brought)."""
    callbacks = session.callbacks
    names = [user.name for user in demo.sandbox.account.users[1:3]]

    def synced(_result: object) -> None:
        session.sync.sig_sync_finished.disconnect(synced)
        callbacks.sig_worklist_changed.connect(arrive)
        callbacks.request_update()

    def arrive(worklist: object) -> None:
        if not isinstance(worklist, Worklist) or not worklist.waiting():
            return
        callbacks.sig_worklist_changed.disconnect(arrive)
        callbacks.receive(team_records(worklist.waiting(), callbacks.now_us(), names))

    session.sync.sig_sync_finished.connect(synced)
