"""Webhooks out: the events a real PBX would POST to the account's webhook URLs.

Each event is a JSON object whose field values are all strings (as documented;
a null becomes ``""``, which is a guess), sent with the header
``X-Pbx-Token: <secret>``. Delivery runs on its own thread so a slow or dead
receiver never holds up the simulation; failures are logged and recorded in
:meth:`WebhookSender.deliveries`, never raised.
"""

from __future__ import annotations

import collections
import queue
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from pbxdesk.logs import register_secret, sandbox_log

_STOP = object()


@dataclass(frozen=True, slots=True)
class Delivery:
    """One attempt to deliver one event to one URL."""

    url: str
    event_type: str
    status_code: int | None
    error: str | None
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "type": self.event_type, "status_code": self.status_code,
                "error": self.error, "at": self.at.isoformat()}


def event_body(event_type: str, fields: Mapping[str, Any]) -> dict[str, str]:
    """A webhook body: ``type`` first, then the row's fields, every value a string."""
    body = {"type": event_type}
    for name, value in fields.items():
        body[name] = "" if value is None else str(value)
    return body


class WebhookSender:
    """Queues events and POSTs them from a background thread."""

    def __init__(self, urls: Iterable[str], secret: str, timeout: float) -> None:
        self._lock = threading.Lock()
        self._urls = tuple(urls)
        self._secret = secret
        self._timeout = timeout
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._deliveries: collections.deque[Delivery] = collections.deque(maxlen=1000)
        register_secret(secret)

    def configure(self, urls: Iterable[str], secret: str) -> None:
        register_secret(secret)
        with self._lock:
            self._urls = tuple(urls)
            self._secret = secret

    @property
    def urls(self) -> tuple[str, ...]:
        with self._lock:
            return self._urls

    def send(self, event_type: str, fields: Mapping[str, Any]) -> None:
        """Queue one event for every configured URL (nothing happens without URLs)."""
        with self._lock:
            if not self._urls:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="sandbox-webhooks",
                                                daemon=True)
                self._thread.start()
            self._queue.put(event_body(event_type, fields))

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued event was attempted; False on timeout (for tests)."""
        done = threading.Event()
        self._queue.put(done)
        with self._lock:
            running = self._thread is not None
        return done.wait(timeout) if running else True

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout=self._timeout + 1)

    def _work(self) -> None:
        with httpx.Client(timeout=self._timeout) as client:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    return
                if isinstance(item, threading.Event):
                    item.set()
                    continue
                assert isinstance(item, dict)
                with self._lock:
                    urls, secret = self._urls, self._secret
                for url in urls:
                    self._deliver(client, url, secret, item)

    def _deliver(self, client: httpx.Client, url: str, secret: str,
                 body: dict[str, str]) -> None:
        status: int | None = None
        error: str | None = None
        try:
            response = client.post(url, json=body, headers={"X-Pbx-Token": secret})
            status = response.status_code
            if response.is_error:
                error = f"HTTP {status}"
        except Exception as exc:  # a bad URL or a dead receiver must not stop the thread
            error = f"{type(exc).__name__}: {exc}"
        if error is not None:
            sandbox_log.warning("Webhook %s to %s failed: %s", body.get("type"), url, error)
        else:
            sandbox_log.debug("Webhook %s delivered to %s", body.get("type"), url)
        with self._lock:
            self._deliveries.append(
                Delivery(url, body.get("type", ""), status, error, datetime.now(UTC)))
