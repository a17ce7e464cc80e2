"""SandboxServer: uvicorn in a thread on loopback, started and stopped cleanly."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest

from pbxdesk.sandbox import Sandbox
from pbxdesk.sandbox.server import SandboxServer
from tests.fixtures.sandbox import SANDBOX_API_KEY, SANDBOX_BASE_PATH
from tests.sandbox.helpers import data_of


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        # REUSEADDR: a closed connection's TIME_WAIT must not count, a listener must.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_base_url_is_loopback_on_a_free_port(sandbox_server: SandboxServer) -> None:
    assert sandbox_server.base_url == f"http://127.0.0.1:{sandbox_server.port}"
    assert sandbox_server.port > 0


def test_stop_frees_the_port_and_ends_the_thread(sandbox: Sandbox) -> None:
    threads_before = set(threading.enumerate())
    server = SandboxServer(sandbox)
    server.start()
    port = server.port
    assert not _port_is_free(port)
    with httpx.Client() as client:  # a keep-alive connection still open while stopping
        client.get(f"{server.base_url}{SANDBOX_BASE_PATH}/get-user-calls?limit=1",
                   headers={"token": SANDBOX_API_KEY})
        server.stop()
    assert _port_is_free(port)
    assert not [t for t in set(threading.enumerate()) - threads_before
                if t.name.startswith("sandbox-server")]
    server.stop()  # twice is fine
    with pytest.raises(RuntimeError, match="the server is not running"):
        _ = server.base_url


def test_two_servers_for_one_sandbox(sandbox: Sandbox) -> None:
    with SandboxServer(sandbox) as first, SandboxServer(sandbox) as second:
        assert first.port != second.port
        for server in (first, second):
            response = httpx.get(f"{server.base_url}{SANDBOX_BASE_PATH}/get-user-calls",
                                 params={"limit": 2}, headers={"token": SANDBOX_API_KEY})
            assert len(data_of(response)) == 2


def test_port_in_use_is_an_error(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    with pytest.raises(OSError, match=r"(?i)address already in use|only one usage of each"):
        SandboxServer(sandbox, port=sandbox_server.port).start()


def test_many_concurrent_clients(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    url = f"{sandbox_server.base_url}{SANDBOX_BASE_PATH}/get-user-calls"
    results: list[int] = []

    def fetch() -> None:
        with httpx.Client(headers={"token": SANDBOX_API_KEY}) as client:
            for offset in range(0, 50, 10):
                results.append(len(data_of(client.get(url, params={"offset": offset,
                                                                  "limit": 10}))))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [10] * 40
    assert sandbox.request_count == 40


def test_ipv6_loopback_is_served_and_allowed_by_default(sandbox: Sandbox) -> None:
    try:
        server = SandboxServer(sandbox, host="::1")
        server.start()
    except OSError as error:  # a container without IPv6: said in the summary (-ra)
        pytest.skip(f"no IPv6 loopback here ({error.strerror or error})")
    try:
        assert server.base_url.startswith("http://[::1]:")
        response = httpx.get(f"{server.base_url}{SANDBOX_BASE_PATH}/get-user-calls",
                             params={"limit": 1}, headers={"token": SANDBOX_API_KEY})
        assert len(data_of(response)) == 1
    finally:
        server.stop()
