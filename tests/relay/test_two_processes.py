"""Two relay processes on one Redis (``pbxdesk-relay serve`` as real subprocesses).

A desk that switches from one process to the other mid-stream misses nothing
and receives nothing twice; a webhook posted to both processes at once is
stored once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from pbxdesk.live.client import Backoff, RelayStream
from pbxdesk.live.events import LiveEvent
from tests.relay.helpers import call_event, free_port

ROOT = Path(__file__).resolve().parents[2]


def relay_cli(store: str, *args: str) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-m", "pbxdesk.relay", "--store", store, *args],
                            capture_output=True, text=True, timeout=60, cwd=ROOT, check=True)
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


@contextlib.contextmanager
def serving(store: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``pbxdesk-relay serve`` in a subprocess, its log in a temporary file."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pbxdesk.relay", "--store", store, "serve", "--host",
             "127.0.0.1", "--port", str(port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"http://127.0.0.1:{port}/healthz",
                                 timeout=1).status_code == 200:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"the relay did not start: {log.read().decode()}")
                time.sleep(0.1)
            yield process
        finally:
            process.terminate()
            process.wait(15)


class Balancer:
    """A TCP load balancer on loopback: new connections go to ``target`` (a port)."""

    def __init__(self, target: int) -> None:
        self.target = target
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> Balancer:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except OSError:
                pass
            finally:
                sink.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))


@pytest.mark.slow
@pytest.mark.asyncio
async def test_desk_switching_process_mid_stream(redis_url: str) -> None:
    secret = str(relay_cli(redis_url, "account", "add", "acme")["secret"])
    token = str(relay_cli(redis_url, "desk", "add", "--account", "acme",
                          "--extension", "1001")["token"])
    first_port, second_port = free_port(), free_port()
    with serving(redis_url, first_port) as first, serving(redis_url, second_port):
        headers = {"X-Pbx-Token": secret}

        def post(port: int, n: int) -> None:
            response = httpx.post(f"http://127.0.0.1:{port}/hooks/acme",
                                  json=call_event("user_inbound", unique_call_id=str(n)),
                                  headers=headers, timeout=10)
            assert response.status_code == 200

        async with Balancer(first_port) as balancer:
            # The desk connects through the balancer (to process 1); webhooks reach both.
            stream = RelayStream(f"http://127.0.0.1:{balancer.port}", token,
                                 backoff=Backoff(first=0.05, longest=0.2))
            received: list[LiveEvent] = []
            first_ten = asyncio.Event()

            async def follow() -> None:
                async for event in stream.events():
                    received.append(event)
                    if len(received) >= 10:
                        first_ten.set()
                    if len(received) >= 30:
                        return

            reader = asyncio.create_task(follow())
            await asyncio.sleep(0.5)
            for n in range(10):
                post(first_port if n % 2 else second_port, n)
            await asyncio.wait_for(first_ten.wait(), 15)
            # Process 1 goes away mid-stream; the balancer sends new connections to 2.
            balancer.target = second_port
            for n in range(10, 15):
                post(first_port, n)  # the last events process 1 takes
            first.terminate()
            first.wait(15)
            for n in range(15, 30):
                post(second_port, n)
            await asyncio.wait_for(reader, 20)
            await asyncio.sleep(0.3)
    ids = [event.fields["unique_call_id"] for event in received]
    assert ids == [str(n) for n in range(30)]
    assert len({event.id for event in received}) == 30


@pytest.mark.slow
def test_same_webhook_to_both_processes_is_stored_once(redis_url: str) -> None:
    secret = str(relay_cli(redis_url, "account", "add", "acme")["secret"])
    ports = [free_port(), free_port()]
    with serving(redis_url, ports[0]), serving(redis_url, ports[1]):
        event = call_event("user_inbound_completed", unique_call_id="555")

        def post(port: int) -> dict[str, int]:
            response = httpx.post(f"http://127.0.0.1:{port}/hooks/acme", json=event,
                                  headers={"X-Pbx-Token": secret}, timeout=10)
            result: dict[str, int] = response.json()
            return result

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(post, ports * 4))
    assert sum(r["stored"] for r in results) == 1
    assert sum(r["duplicates"] for r in results) == 7
