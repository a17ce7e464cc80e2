"""Webhooks out: the events a real PBX would POST to the account's webhook URLs.

Each event is a JSON object whose field values are all strings (as documented;
a null becomes ``""``, which is a guess; a list of links stays a list of
strings), sent with the header ``X-Pbx-Token: <secret>``. A URL containing
``{trigger}`` is one URL per trigger, as portals are often set up: each event
goes to it with ``{trigger}`` replaced by the event's trigger path
(``user-inbound-call``…, :mod:`pbxdesk.relay.triggers`); with
``type_in_body=False`` the body then carries no ``type``, as such a portal's
may not. Delivery runs on its own thread so a slow or dead receiver never
holds up the simulation; failures are logged and recorded in
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
from pbxdesk.relay.triggers import trigger_of_type

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


def event_body(event_type: str, fields: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """A webhook body: ``type`` first, then the fields, every value a string (or strings)."""
    body: dict[str, str | list[str]] = {"type": event_type}
    for name, value in fields.items():
        if isinstance(value, list | tuple):
            body[name] = [str(item) for item in value]
        else:
            body[name] = "" if value is None else str(value)
    return body


class WebhookSender:
    """Queues events and POSTs them from a background thread."""

    def __init__(self, urls: Iterable[str], secret: str, timeout: float, *,
                 type_in_body: bool = True) -> None:
        self._lock = threading.Lock()
        self._urls = tuple(urls)
        self._secret = secret
        self._type_in_body = type_in_body
        self._timeout = timeout
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._deliveries: collections.deque[Delivery] = collections.deque(maxlen=1000)
        register_secret(secret)

    def configure(self, urls: Iterable[str], secret: str,
                  type_in_body: bool | None = None) -> None:
        register_secret(secret)
        with self._lock:
            self._urls = tuple(urls)
            self._secret = secret
            if type_in_body is not None:
                self._type_in_body = type_in_body

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
                    urls, secret, type_in_body = self._urls, self._secret, self._type_in_body
                for url in urls:
                    self._deliver(client, url, secret, item, type_in_body)

    def _deliver(self, client: httpx.Client, url: str, secret: str,
                 body: dict[str, str | list[str]], type_in_body: bool) -> None:
        status: int | None = None
        error: str | None = None
        event_type = str(body.get("type", ""))
        if "{trigger}" in url:
            url = url.replace("{trigger}", trigger_of_type(event_type))
            if not type_in_body:
                body = {name: value for name, value in body.items() if name != "type"}
        try:
            response = client.post(url, json=body, headers={"X-Pbx-Token": secret})
            status = response.status_code
            if response.is_error:
                error = f"HTTP {status}"
        except Exception as exc:  # a bad URL or a dead receiver must not stop the thread
            error = f"{type(exc).__name__}: {exc}"
        if error is not None:
            sandbox_log.warning("Webhook %s to %s failed: %s", event_type, url, error)
        else:
            sandbox_log.debug("Webhook %s delivered to %s", event_type, url)
        with self._lock:
            self._deliveries.append(
                Delivery(url, event_type, status, error, datetime.now(UTC)))
