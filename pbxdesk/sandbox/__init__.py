"""The sandbox PBX: a local emulator of the hosted PBX's integration API.

Used three ways: ``pbxdesk-sandbox`` on the command line (:mod:`.cli`); in a
background thread on 127.0.0.1 by ``pbxdesk --demo`` and by tests
(:class:`~pbxdesk.sandbox.server.SandboxServer`); in process through
``httpx.ASGITransport(app=sandbox.app)``.

Modules, from the wire inwards: ``server`` (uvicorn in a thread), ``app``,
``api`` and ``control`` (routes), ``faults``, ``guard`` (allow-list, key, rate
limit), ``params`` (validation), ``core`` (:class:`Sandbox`: state and
controls), ``simulation`` (click-to-call), ``live`` (live traffic),
``webhooks``, ``scheduler`` and ``clock`` (simulated time), ``dataset``,
``generator``, ``account``, ``numbers`` and ``names`` (the data), ``store``
(SQLite) and ``rows``.
"""

from pbxdesk.sandbox.config import CallScript, SandboxConfig
from pbxdesk.sandbox.core import Sandbox
from pbxdesk.sandbox.faults import Fault, FaultKind
from pbxdesk.sandbox.simulation import CallState, PlacedCall

__all__ = ["CallScript", "CallState", "Fault", "FaultKind", "PlacedCall", "Sandbox",
           "SandboxConfig"]
