"""The single-instance server and client in one process: the wire, bad senders, leftovers.

The client side blocks (it runs before any event loop), so it runs on a worker
thread while the server's slots run on the Qt thread under ``qtbot``.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QLockFile
from pytestqt.qtbot import QtBot

from pbxdesk.external import ExternalRequest
from pbxdesk.instance import (
    ACK,
    NACK,
    Delivery,
    InstanceClaim,
    InstanceServer,
    hand_over,
    instance_name,
    lock_path,
    send_request,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix socket files")
T = TypeVar("T")
REQUEST = ExternalRequest("dial", "0412 345 678", user="1010", source="cli")


@pytest.fixture
def name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    return instance_name(tmp_path)


@pytest.fixture
def server(qtbot: QtBot, name: str) -> Iterator[InstanceServer]:
    made = InstanceServer(name)
    assert made.listen()
    yield made
    made.close()
    made.deleteLater()


@pytest.fixture
def worker() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool


def on_worker(qtbot: QtBot, worker: ThreadPoolExecutor, call: Callable[[], T]) -> T:
    """Run a blocking client call on the worker while the Qt thread serves it."""
    future: Future[T] = worker.submit(call)
    qtbot.waitUntil(future.done, timeout=10_000)
    return future.result()


def raw_exchange(path: str, payload: bytes) -> bytes:
    """Send ``payload`` on a plain Unix socket; everything the server answers before closing."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(path)
        sock.sendall(payload)
        answer = b""
        while chunk := sock.recv(64):
            answer += chunk
        return answer


def test_a_request_arrives_intact_and_is_acknowledged(
        qtbot: QtBot, server: InstanceServer, worker: ThreadPoolExecutor, name: str,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pbxdesk")

    with qtbot.waitSignal(server.sig_request_received, timeout=10_000) as received:
        delivery = on_worker(qtbot, worker, lambda: send_request(name, REQUEST))

    assert delivery is Delivery.SENT
    assert received.args == [REQUEST]
    assert "345" not in caplog.text  # the number never reaches the log


def test_junk_gets_a_refusal_and_no_signal(qtbot: QtBot, server: InstanceServer,
                                           worker: ThreadPoolExecutor) -> None:
    path = server.full_name()

    with qtbot.assertNotEmitted(server.sig_request_received, wait=100):
        junk = on_worker(qtbot, worker, lambda: raw_exchange(path, b"hello there\n"))
        wrong = on_worker(qtbot, worker, lambda: raw_exchange(
            path, b'{"v": 1, "action": "dial", "number": "12", "user": "x"}\n'))

    assert junk == wrong == NACK
    with qtbot.waitSignal(server.sig_request_received, timeout=10_000):
        good = on_worker(qtbot, worker, lambda: raw_exchange(
            path, REQUEST.to_json().encode() + b"\n"))
    assert good == ACK


def test_an_endless_line_is_cut_off(qtbot: QtBot, server: InstanceServer,
                                    worker: ThreadPoolExecutor) -> None:
    path = server.full_name()

    with qtbot.assertNotEmitted(server.sig_request_received, wait=100):
        answer = on_worker(qtbot, worker, lambda: raw_exchange(path, b"9" * 20_000))

    assert answer == b""  # dropped without an answer


def test_a_silent_connection_is_dropped_after_a_while(qtbot: QtBot, name: str,
                                                      worker: ThreadPoolExecutor) -> None:
    server = InstanceServer(name, read_timeout_ms=200)
    assert server.listen()
    path = server.full_name()
    try:
        # Says nothing and waits: the server hangs up on it (recv gives b"").
        assert on_worker(qtbot, worker, lambda: raw_exchange(path, b"")) == b""
    finally:
        server.close()


def test_a_stale_socket_file_is_replaced(qtbot: QtBot, name: str,
                                         worker: ThreadPoolExecutor) -> None:
    path = name
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(path)
    leftover.close()  # the file stays, as after kill -9: nobody accepts on it
    assert on_worker(qtbot, worker, lambda: send_request(name, REQUEST)) is (
        Delivery.NOT_RUNNING)

    server = InstanceServer(name)
    try:
        assert server.listen()
        with qtbot.waitSignal(server.sig_request_received, timeout=10_000):
            assert on_worker(qtbot, worker, lambda: send_request(name, REQUEST)) is (
                Delivery.SENT)
    finally:
        server.close()


def test_a_live_server_is_never_taken_over(qtbot: QtBot, server: InstanceServer, name: str,
                                           worker: ThreadPoolExecutor) -> None:
    intruder = InstanceServer(name)

    assert not intruder.listen()
    with qtbot.waitSignal(server.sig_request_received, timeout=10_000):
        assert on_worker(qtbot, worker, lambda: send_request(name, REQUEST)) is Delivery.SENT
    intruder.close()


def test_the_first_launch_holds_the_lock_until_it_listens(
        qtbot: QtBot, name: str, worker: ThreadPoolExecutor) -> None:
    claim = hand_over(REQUEST, name, timeout_ms=500)
    assert isinstance(claim, InstanceClaim)
    other = QLockFile(str(lock_path(name)))
    assert claim.locked
    assert not other.tryLock(0)  # a racing launch waits here

    server = claim.start_server()

    try:
        assert server is not None
        assert server.listening
        assert (claim.locked, other.tryLock(0)) == (False, True)  # the queue moves on
        other.unlock()
        with qtbot.waitSignal(server.sig_request_received, timeout=10_000):
            outcome = on_worker(qtbot, worker, lambda: hand_over(REQUEST, name))
        assert outcome is Delivery.SENT
    finally:
        if server is not None:
            server.close()


def fake_instance(path: str, answer: bytes | None) -> tuple[socket.socket, threading.Thread]:
    """A listener that reads one line and answers ``answer`` (None: never answers)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(5)
            connection.recv(MAX_LINE)
            if answer is not None:
                connection.sendall(answer)
            else:
                connection.recv(1)  # hold the line open until the client gives up

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


MAX_LINE = 65536


@pytest.mark.parametrize(("answer", "expected"), [
    (None, Delivery.NO_ANSWER),
    (NACK, Delivery.REFUSED),
    (b"what?\n", Delivery.REFUSED),
])
def test_a_running_instance_that_does_not_say_ok_is_reported(
        name: str, answer: bytes | None, expected: Delivery) -> None:
    path = name
    listener, thread = fake_instance(path, answer)
    try:
        assert hand_over(REQUEST, name, timeout_ms=400) is expected
    finally:
        thread.join(timeout=10)
        listener.close()
        Path(path).unlink(missing_ok=True)
