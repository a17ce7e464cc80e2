"""Live calls, Qt-free: the desk's event stream from pbxdesk-relay and its typed events.

``client`` (:class:`~pbxdesk.live.client.RelayStream`, :func:`~pbxdesk.live.client.check_relay`)
and ``events`` (:func:`~pbxdesk.live.events.parse_event` and the event classes).
The Qt side (status, screen pop, store) builds on these. Nothing is imported here.
"""
