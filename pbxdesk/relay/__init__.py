"""pbxdesk-relay: receives the PBX's webhooks and streams each desk's events (SSE).

A small server a team runs once at a public HTTPS address (docs/relay.md).
Modules: ``app`` (the Router and :class:`~pbxdesk.relay.app.Relay`), ``hooks``
(webhooks in), ``payload`` (reading bodies), ``events`` (normalising and
routing), ``stream`` (``GET /events``), ``hub`` (fan-out to connected
desks), ``guard`` (failed-authentication limit), ``credentials``, ``admin``
(accounts and desks), ``store`` (embedded SQLite or Redis), ``server``
(:class:`~pbxdesk.relay.server.RelayServer`, embedding) and ``cli``.

Imports nothing from Qt (a test proves it), and nothing is imported here, so
``pbxdesk.relay.triggers`` stays cheap for the sandbox.
"""
