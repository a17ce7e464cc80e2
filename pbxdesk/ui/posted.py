"""Bringing widgets up to date before a picture is taken, without a nested event loop.

``QApplication.processEvents()`` would also run the asyncio loop's due callbacks
(qasync dispatches them as Qt timer events) inside whatever callback called it.
Called from a coroutine, or from a slot a coroutine's signal ran, it can step
another task while one is running: asyncio refuses ("Cannot enter into task")
and that task is never woken again; the self-test hung that way about once in
forty runs, its worklist update waiting on a future that had finished. What a
grab needs is only the events already posted (layout requests, queued signals),
and delivering those runs no timers.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def deliver_posted_events() -> None:
    """Deliver the events posted so far (layouts settle); run no timers, no asyncio."""
    QCoreApplication.sendPostedEvents()
