"""Demo mode: a realistic sandbox PBX on 127.0.0.1 and settings that point at it.

``pbxdesk --demo`` and the welcome page's "Try the demo" use :class:`DemoPbx`:
tens of thousands of calls over 90 days, live traffic on (a new call every
minute or so), the documented rate limit, click-to-call simulated in real time.
With ``live_relay`` (the app's demo) an embedded pbxdesk-relay runs beside it:
the sandbox posts its webhooks there, a desk for "me" (the first user, with
the queues and ring groups they belong to) receives them, and "me" gets a call
from outside about once a minute, so screen pops show. The relay is imported
only when a demo starts. The key and the desk token are never stored: demo
settings keep them for the session only.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from pbxdesk.settings import Settings
from pbxdesk.store.callbackrules import (
    CLAIM_CALLING,
    WITHHELD,
    CallbackRecord,
    Field,
    ItemRow,
    StateValue,
)

if TYPE_CHECKING:
    from pbxdesk.relay.server import RelayServer

if TYPE_CHECKING:
    from pbxdesk.sandbox import Sandbox

DEMO_CALLS = 40_000
DEMO_DAYS = 90
DEMO_SEED = 2026
DEMO_COUNTRY = "AU"
DEMO_WITHHELD = 0.015
DEMO_RELAY_ACCOUNT = "demo"


class DemoPbx:
    """A sandbox served on a random loopback port for as long as the app runs."""

    def __init__(self, *, calls: int = DEMO_CALLS, days: int = DEMO_DAYS,
                 live_traffic: bool = True, clock_speed: float = 1.0,
                 live_relay: bool = False) -> None:
        # The sandbox, Starlette and uvicorn load only here: a start without the demo
        # never imports them (about 0.5 s of a 0.9 s start).
        from pbxdesk.sandbox import Sandbox, SandboxConfig
        from pbxdesk.sandbox.server import SandboxServer

        self.api_key = "demo-" + secrets.token_hex(8)
        self.sandbox: Sandbox = Sandbox(SandboxConfig(
            seed=DEMO_SEED, calls=calls, days=days, api_key=self.api_key, country=DEMO_COUNTRY,
            live_traffic=live_traffic, clock_speed=clock_speed, withheld_share=DEMO_WITHHELD))
        self._server = SandboxServer(self.sandbox)
        self._live_relay = live_relay
        self.relay: RelayServer | None = None
        self.relay_token: str | None = None
        self.webhook_secret: str | None = None
        """What the sandbox sends as ``X-Pbx-Token`` to the demo's relay."""
        self._relay_dir: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> DemoPbx:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        self._server.start()
        if self._live_relay:
            self._start_relay()

    def _start_relay(self) -> None:
        from pbxdesk.relay.server import RelayServer  # the demo's only: not in a normal start

        self._relay_dir = tempfile.TemporaryDirectory(prefix="pbxdesk-demo-relay-",
                                                      ignore_cleanup_errors=True)
        relay = RelayServer(Path(self._relay_dir.name) / "relay")
        relay.start()
        self.relay = relay
        account = self.sandbox.account
        me = account.users[0]
        secret = relay.add_account(DEMO_RELAY_ACCOUNT).secret
        desk = relay.add_desk(
            DEMO_RELAY_ACCOUNT, me.extension,
            [queue.name for queue in account.queues if me.extension in queue.members],
            [group.name for group in account.ring_groups if me.extension in group.members])
        self.relay_token = desk.token
        self.webhook_secret = secret
        self.sandbox.set_webhooks([relay.webhook_url(DEMO_RELAY_ACCOUNT, "{trigger}")], secret)
        self.sandbox.set_focus_extension(me.extension)

    def stop(self) -> None:
        self._server.stop()
        self.sandbox.close()
        if self.relay is not None:
            self.relay.stop()
            self.relay = None
        if self._relay_dir is not None:
            self._relay_dir.cleanup()
            self._relay_dir = None

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def settings(self, base: Settings | None = None) -> Settings:
        """Settings for the demo account: the first user's extension is "mine", and
        the callbacks worklist follows every queue and ring group."""
        account = self.sandbox.account
        return (base or Settings()).replace(
            base_url=self.base_url, api_version="v2", default_region=account.country,
            my_extension=account.users[0].extension, key_storage="none",
            refresh_minutes=1, relay_url=self.relay.base_url if self.relay else "",
            live_reconcile_minutes=5, callback_groups="*")


_MINUTE_US = 60 * 1_000_000


def team_records(waiting: Sequence[ItemRow], now_us: int,
                 teammates: Sequence[str]) -> list[CallbackRecord]:
    """What two teammates did on the demo's worklist, as records from their desks.

    So the demo shows every state of a callback, and claims, without a relay:
    one caller marked done, one not needed, one snoozed, one being called back
    right now and one with a note. Picks the oldest waiting callers who can be
    called back.
    """
    if len(teammates) < 2:
        return []
    first, second = teammates[0], teammates[1]
    callable_ = [item for item in waiting if item.number != WITHHELD]
    picks = sorted(callable_, key=lambda item: (item.first_us, item.number))[:5]
    plans = (
        (first, "desk-demo-1", [(Field.STATE, str(StateValue.DONE))], 25),
        (second, "desk-demo-2", [(Field.STATE, str(StateValue.NOT_NEEDED)),
                                 (Field.NOTE, "Wrong number: wanted the pharmacy")], 50),
        (second, "desk-demo-2", [(Field.SNOOZE, str(now_us + 150 * _MINUTE_US)),
                                 (Field.NOTE, "Asked us to ring after 3")], 40),
        (first, "desk-demo-1", [(Field.CLAIM, CLAIM_CALLING)], 2),
        (second, "desk-demo-2", [(Field.NOTE, "Wants a quote for 20 handsets")], 90),
    )
    records = []
    for item, (agent, desk, changes, minutes_ago) in zip(picks, plans, strict=False):
        at = now_us - minutes_ago * _MINUTE_US
        records += [CallbackRecord(item.number, str(what), value, at, desk, agent)
                    for what, value in changes]
    return records
