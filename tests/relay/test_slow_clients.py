"""Slow and silent clients cannot hold the relay's connections (slowloris).

Over real sockets: a client that connects and sends nothing, or trickles its
headers a byte at a time, is disconnected once the header deadline passes (it
held its connection for ever before); a webhook body (or a desk's post of
callback records) that does not arrive in time gets 408; a desk's event
stream, a request long under way, stays open.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pbxdesk.relay.app import RelayConfig
from pbxdesk.relay.server import RelayServer
from tests.relay.helpers import RelayHarness, call_event, open_stream

DEADLINE = 0.6
CONFIG = RelayConfig(ping_seconds=0.3, header_seconds=DEADLINE, body_seconds=DEADLINE)


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayHarness]:
    with RelayServer(tmp_path / "relay-store", config=CONFIG) as server:
        account = server.add_account("acme")
        yield RelayHarness(server, "acme", account.secret)


@contextlib.contextmanager
def raw_connection(relay: RelayHarness) -> Iterator[socket.socket]:
    with socket.create_connection(("127.0.0.1", relay.server.port), timeout=5) as sock:
        yield sock


def closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> float | None:
    """Seconds until the relay closed ``sock`` (None if it did not within ``seconds``),
    sending one byte of ``trickle`` every 0.1 s meanwhile."""
    started = time.monotonic()
    sock.settimeout(0.1)
    sent = 0
    while time.monotonic() - started < seconds:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except TimeoutError:
            pass
        except ConnectionError:
            return time.monotonic() - started
        if sent < len(trickle):
            with contextlib.suppress(OSError):
                sock.sendall(trickle[sent:sent + 1])
            sent += 1
    return None


def test_a_silent_connection_is_closed_after_the_header_deadline(relay: RelayHarness) -> None:
    with raw_connection(relay) as sock:
        waited = closed_within(sock, 5 * DEADLINE + 2)
    assert waited is not None, "a client that sends nothing held its connection"
    assert waited >= DEADLINE * 0.9


def test_headers_trickled_byte_by_byte_are_cut_off(relay: RelayHarness) -> None:
    request = (f"POST /hooks/acme HTTP/1.1\r\nHost: relay\r\nX-Pbx-Token: {relay.secret}\r\n"
               "Content-Type: application/json\r\n" + "X-Pad: x\r\n" * 20).encode()
    with raw_connection(relay) as sock:
        waited = closed_within(sock, 5 * DEADLINE + 2, trickle=request)
    assert waited is not None, "a client trickling its headers held its connection"
    # The relay still answers everyone else.
    assert relay.post(call_event("user_inbound")).status_code == 200


def test_a_kept_alive_connection_cannot_stall_its_next_request(relay: RelayHarness) -> None:
    body = json.dumps(call_event("user_inbound")).encode()
    head = (f"POST /hooks/acme HTTP/1.1\r\nHost: relay\r\nX-Pbx-Token: {relay.secret}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with raw_connection(relay) as sock:
        sock.sendall(head + body)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.sendall(b"POST /hooks/acme HTTP/1.1\r\nHost: relay\r\n")  # and no more
        assert closed_within(sock, 5 * DEADLINE + 2) is not None


def test_a_webhook_body_that_does_not_arrive_gets_408(relay: RelayHarness) -> None:
    head = (f"POST /hooks/acme HTTP/1.1\r\nHost: relay\r\nX-Pbx-Token: {relay.secret}\r\n"
            "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{").encode()
    with raw_connection(relay) as sock:
        sock.sendall(head)
        sock.settimeout(5 * DEADLINE + 2)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:40]


def test_callback_records_that_do_not_arrive_get_408(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    head = (f"POST /callbacks/records HTTP/1.1\r\nHost: relay\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            "Content-Length: 5000\r\n\r\n{").encode()
    with raw_connection(relay) as sock:
        sock.sendall(head)
        sock.settimeout(5 * DEADLINE + 2)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:40]


@pytest.mark.asyncio
async def test_an_event_stream_outlives_the_deadline(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        comments = await s.wait_comments(1 + int(4 * DEADLINE / CONFIG.ping_seconds))
        assert not s.ended
        assert relay.post(call_event("user_inbound")).status_code == 200
        [frame] = await s.wait(1)
    assert comments[0] == "connected"
    assert frame.event == "user_inbound"
