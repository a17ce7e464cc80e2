"""Demo mode: a realistic sandbox PBX on 127.0.0.1 and settings that point at it.

``pbxdesk --demo`` and the welcome page's "Try the demo" use :class:`DemoPbx`:
tens of thousands of calls over 90 days, live traffic on (a new call every
minute or so), the documented rate limit, click-to-call simulated in real time.
The key is never stored: demo settings keep it for the session only.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from types import TracebackType

from pbxdesk.sandbox import Sandbox, SandboxConfig
from pbxdesk.sandbox.server import SandboxServer
from pbxdesk.settings import Settings
from pbxdesk.store.callbackrules import (
    CLAIM_CALLING,
    WITHHELD,
    CallbackRecord,
    Field,
    ItemRow,
    StateValue,
)

DEMO_CALLS = 40_000
DEMO_DAYS = 90
DEMO_SEED = 2026
DEMO_COUNTRY = "AU"
DEMO_WITHHELD = 0.015


class DemoPbx:
    """A sandbox served on a random loopback port for as long as the app runs."""

    def __init__(self, *, calls: int = DEMO_CALLS, days: int = DEMO_DAYS,
                 live_traffic: bool = True, clock_speed: float = 1.0) -> None:
        self.api_key = "demo-" + secrets.token_hex(8)
        self.sandbox = Sandbox(SandboxConfig(
            seed=DEMO_SEED, calls=calls, days=days, api_key=self.api_key, country=DEMO_COUNTRY,
            live_traffic=live_traffic, clock_speed=clock_speed, withheld_share=DEMO_WITHHELD))
        self._server = SandboxServer(self.sandbox)

    def __enter__(self) -> DemoPbx:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()
        self.sandbox.close()

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
            refresh_minutes=1, callback_groups="*")


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
