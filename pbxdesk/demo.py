"""Demo mode: a realistic sandbox PBX on 127.0.0.1 and settings that point at it.

``pbxdesk --demo`` and the welcome page's "Try the demo" use :class:`DemoPbx`:
tens of thousands of calls over 90 days, live traffic on (a new call every
minute or so), the documented rate limit, click-to-call simulated in real time.
The key is never stored: demo settings keep it for the session only.
"""

from __future__ import annotations

import secrets
from types import TracebackType
from typing import TYPE_CHECKING

from pbxdesk.settings import Settings

if TYPE_CHECKING:
    from pbxdesk.sandbox import Sandbox

DEMO_CALLS = 40_000
DEMO_DAYS = 90
DEMO_SEED = 2026
DEMO_COUNTRY = "AU"


class DemoPbx:
    """A sandbox served on a random loopback port for as long as the app runs."""

    def __init__(self, *, calls: int = DEMO_CALLS, days: int = DEMO_DAYS,
                 live_traffic: bool = True, clock_speed: float = 1.0) -> None:
        # The sandbox, Starlette and uvicorn load only here: a start without the demo
        # never imports them (about 0.5 s of a 0.9 s start).
        from pbxdesk.sandbox import Sandbox, SandboxConfig
        from pbxdesk.sandbox.server import SandboxServer

        self.api_key = "demo-" + secrets.token_hex(8)
        self.sandbox: Sandbox = Sandbox(SandboxConfig(
            seed=DEMO_SEED, calls=calls, days=days, api_key=self.api_key, country=DEMO_COUNTRY,
            live_traffic=live_traffic, clock_speed=clock_speed))
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
        """Settings for the demo account: the first user's extension is "mine"."""
        account = self.sandbox.account
        return (base or Settings()).replace(
            base_url=self.base_url, api_version="v2", default_region=account.country,
            my_extension=account.users[0].extension, key_storage="none",
            refresh_minutes=1)
