"""Test helpers for the relay: a raw SSE reader, webhook posting, a redis-server, free ports.

:class:`RawStream` reads ``GET /events`` with plain httpx and its own line
parsing (not the product's client), so the wire format itself is checked:
ids, event names, data lines and comments.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pbxdesk.relay.server import RelayServer
from tests.resources.helpers import require_tool


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def redis_server_process(port: int | None = None) -> Iterator[str]:
    """A throw-away ``redis-server`` on 127.0.0.1; yields its ``redis://`` URL."""
    program = require_tool("redis-server", "redis-server")
    port = port or free_port()
    process = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@dataclass
class Frame:
    id: str
    event: str
    data: dict[str, Any]


@dataclass
class RawStream:
    """One open ``GET /events``; frames and comments arrive in the background."""

    response: httpx.Response
    frames: list[Frame] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    ended: bool = False
    _task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            async for line in self.response.aiter_lines():
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                elif not line:
                    if "data" in fields:
                        self.frames.append(Frame(fields.get("id", ""), fields.get("event", ""),
                                                 json.loads(fields["data"])))
                    fields = {}
                else:
                    name, _, value = line.partition(": ")
                    fields[name] = value
                self._changed.set()
        except httpx.HTTPError:
            pass
        finally:
            self.ended = True
            self._changed.set()

    async def wait(self, count: int, seconds: float = 10.0) -> list[Frame]:
        """Wait until ``count`` frames arrived (or the stream ended); returns them all."""
        async with asyncio.timeout(seconds):
            while len(self.frames) < count and not self.ended:
                self._changed.clear()
                await self._changed.wait()
        return self.frames

    async def wait_comments(self, count: int, seconds: float = 10.0) -> list[str]:
        async with asyncio.timeout(seconds):
            while len(self.comments) < count and not self.ended:
                self._changed.clear()
                await self._changed.wait()
        return self.comments

    async def wait_end(self, seconds: float = 10.0) -> None:
        async with asyncio.timeout(seconds):
            while not self.ended:
                self._changed.clear()
                await self._changed.wait()

    async def quiet(self, seconds: float = 0.3) -> list[Frame]:
        """The frames after ``seconds`` more (to check nothing else arrives)."""
        await asyncio.sleep(seconds)
        return self.frames


@contextlib.asynccontextmanager
async def open_stream(client: httpx.AsyncClient, base_url: str, token: str,
                      last_event_id: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    request = client.build_request("GET", f"{base_url}/events", headers=headers,
                                   timeout=httpx.Timeout(10, read=60))
    response = await client.send(request, stream=True)
    stream = RawStream(response)
    try:
        assert response.status_code == 200, response.status_code
        stream._task = asyncio.create_task(stream._read())
        await stream.wait_comments(1)  # ": connected": the desk is subscribed from here on
        yield stream
    finally:
        if stream._task is not None:
            stream._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stream._task
        await response.aclose()


def call_event(event_type: str, extension: str | None = "1001", **fields: Any) -> dict[str, str]:
    """A webhook body like the PBX's: every value a string, ``type`` first."""
    body: dict[str, str] = {"type": event_type}
    base = {"unique_call_id": "160455961758", "caller_id": "61300000000",
            "caller_name": "Caller Name", "dest_number": extension or "",
            "user_name": "Agent", "user_number": extension or "",
            "call_start_at": "2026-11-27T09:15:02.000Z", "connected_at": "",
            "call_duration": "0", "conversation_duration": "0"}
    base.update({key: str(value) for key, value in fields.items()})
    body.update(base)
    return body


@dataclass
class RelayHarness:
    """A running relay with the account ``acme``."""

    server: RelayServer
    account: str
    secret: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def hook_url(self, trigger: str | None = None, account: str | None = None) -> str:
        return self.server.webhook_url(account or self.account, trigger)

    def desk(self, extension: str = "1001", queues: tuple[str, ...] = (),
             ring_groups: tuple[str, ...] = ()) -> str:
        return self.server.add_desk(self.account, extension, queues, ring_groups).token

    def post(self, body: Any, trigger: str | None = None, *, secret: str | None = None,
             **kwargs: Any) -> httpx.Response:
        headers: Mapping[str, str] = {"X-Pbx-Token": self.secret if secret is None else secret,
                                      **kwargs.pop("headers", {})}
        if "content" not in kwargs and "data" not in kwargs and "files" not in kwargs:
            kwargs["json"] = body
        return httpx.post(self.hook_url(trigger), headers=headers, timeout=10, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A plain request (blocking; the relay runs on its own thread)."""
        return httpx.request(method, url, timeout=10, **kwargs)

    def get_events(self, token: str | None) -> httpx.Response:
        """``GET /events`` for a refusal (which answers at once)."""
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return self.request("GET", f"{self.base_url}/events", headers=headers)


def relay_store_files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


async def eventually(predicate: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait until ``predicate()`` holds; TimeoutError after ``seconds``."""
    for _ in range(int(seconds / 0.02) + 1):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"not true within {seconds} s")
