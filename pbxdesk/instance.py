"""One pbxdesk per user and profile: later launches hand their request to the first.

A launch calls :func:`hand_over` before any Qt application exists:

1. connect to the running instance's local socket; if one answers, send the
   request as one JSON line, wait for its ``ok`` and stop there;
2. otherwise take a :class:`QLockFile` (racing launches queue here), try
   connecting once more (the one before us may just have started listening),
   and become the first instance: :func:`hand_over` returns an
   :class:`InstanceClaim` that keeps the lock until
   :meth:`InstanceClaim.start_server` listens, inside the running app.

:class:`InstanceServer` listens with ``UserAccessOption`` (only this user can
connect). A socket file left behind by a killed instance is removed and
listening retried; a live server is never removed. Profiles are separate
instances: the name hashes the app ID, the user and the ``--basedir`` (or
"demo"). See ``qt-notes.md`` (Single instance and tel: links).
"""

from __future__ import annotations

import enum
import getpass
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from PySide6.QtCore import QByteArray, QLockFile, QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

from pbxdesk import APP_ID
from pbxdesk.external import MAX_WIRE_BYTES, BadRequestError, ExternalRequest

log = logging.getLogger("pbxdesk.instance")

ACK: Final = b"ok\n"
NACK: Final = b"bad\n"
SEND_TIMEOUT_MS: Final = 3000
# The first launch holds the lock from its start until it listens (Qt start-up).
LOCK_TIMEOUT_MS: Final = 8000
# A connection that sends no complete line in this time is dropped.
READ_TIMEOUT_MS: Final = 5000
_SLICE_MS: Final = 10
# Connecting to a live local socket is immediate; this only bounds a wedged one.
_PROBE_MS: Final = 500


class Delivery(enum.Enum):
    """What became of a request sent to a running instance."""

    SENT = "sent"
    NOT_RUNNING = "not-running"
    NO_ANSWER = "no-answer"  # connected, but no "ok" in time (the app is stuck)
    REFUSED = "refused"  # the instance could not read it (a different pbxdesk version)


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no USER variable and no passwd entry (some containers)
        return str(os.getuid()) if hasattr(os, "getuid") else "user"


def instance_name(basedir: Path | None, *, demo: bool = False) -> str:
    """The local socket name for this user and profile (the same in every launch)."""
    if basedir is not None:
        profile = str(basedir.expanduser().resolve())
    else:
        profile = "demo" if demo else "default"
    digest = hashlib.sha256(f"{APP_ID}\0{_user()}\0{profile}".encode()).hexdigest()
    return f"pbxdesk-{digest[:24]}"


def lock_path(name: str) -> Path:
    """Where the start-up lock of ``name`` lives: the user's runtime dir, else temp."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    folder = Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())
    return folder / f"{name}.lock"


def send_request(name: str, request: ExternalRequest, *,
                 timeout_ms: int = SEND_TIMEOUT_MS) -> Delivery:
    """Send ``request`` to the instance listening on ``name``; blocking, no event loop.

    Works without any Qt application object (the command line calls it before
    one exists).
    """
    deadline = time.monotonic() + timeout_ms / 1000
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not _wait(socket, socket.waitForConnected, deadline):
        return Delivery.NOT_RUNNING
    try:
        socket.write(QByteArray(request.to_json().encode() + b"\n"))
        # waitForBytesWritten() is False when nothing is pending (see qt-notes.md).
        while socket.bytesToWrite() > 0:
            if not _wait(socket, socket.waitForBytesWritten, deadline):
                return Delivery.NO_ANSWER
        while not socket.canReadLine():
            if not _wait(socket, socket.waitForReadyRead, deadline):
                return Delivery.NO_ANSWER
        answer = bytes(socket.readLine(64).data())
        return Delivery.SENT if answer == ACK else Delivery.REFUSED
    finally:
        socket.abort()


def _wait(socket: QLocalSocket, wait_for: Callable[[int], bool], deadline: float) -> bool:
    """Call a blocking ``waitFor…(ms)`` in short slices until it succeeds or time is up.

    PySide6 keeps the GIL during ``waitFor…`` calls: one long wait would stop
    every other Python thread of the process (a test's server among them).
    A socket that is (or fell) unconnected fails at once: no server, or it hung up.
    """
    while True:
        if wait_for(_SLICE_MS):
            return True
        if (time.monotonic() >= deadline
                or socket.state() is QLocalSocket.LocalSocketState.UnconnectedState):
            return False


class InstanceClaim:
    """This launch is the first instance; holds the start-up lock until it listens.

    Attributes:
        name: the socket name to listen on.
    """

    def __init__(self, name: str, lock: QLockFile | None) -> None:
        self.name = name
        self._lock = lock

    def __repr__(self) -> str:
        return f"InstanceClaim({self.name!r}, locked={self.locked})"

    @property
    def locked(self) -> bool:
        return self._lock is not None and self._lock.isLocked()

    def start_server(self, parent: QObject | None = None) -> InstanceServer | None:
        """Listen for later launches (needs the Qt application), then release the lock.

        Returns None when listening fails: the app then runs without a single-instance
        guard (later launches start their own window), which is logged.
        """
        server = InstanceServer(self.name, parent)
        try:
            if server.listen():
                return server
        finally:
            self.release()
        server.deleteLater()
        return None

    def release(self) -> None:
        """Let queued launches go on (they then find the server, or become first)."""
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None


def hand_over(request: ExternalRequest, name: str, *, timeout_ms: int = SEND_TIMEOUT_MS,
              lock_timeout_ms: int = LOCK_TIMEOUT_MS) -> Delivery | InstanceClaim:
    """Deliver ``request`` to the running instance, or claim to be the first one.

    Returns the :class:`Delivery` when an instance exists (SENT, NO_ANSWER or
    REFUSED), else an :class:`InstanceClaim` whose lock queues other launches
    until :meth:`InstanceClaim.start_server`.
    """
    delivery = send_request(name, request, timeout_ms=timeout_ms)
    if delivery is not Delivery.NOT_RUNNING:
        return delivery
    lock = QLockFile(str(lock_path(name)))
    held = lock.tryLock(lock_timeout_ms)
    if not held:
        # Someone holds it for too long (a start-up that hangs). Going on unguarded is
        # better than refusing to start; listen() never removes a live server.
        log.warning("Start-up lock %s is held by another launch (%s); starting anyway",
                    lock.fileName(), lock.error().name)
    delivery = send_request(name, request, timeout_ms=timeout_ms)
    if delivery is Delivery.NOT_RUNNING:
        return InstanceClaim(name, lock if held else None)
    if held:
        lock.unlock()
    return delivery


class InstanceServer(QObject):
    """Receives the requests of later launches.

    Signals:
        sig_request_received(object): an :class:`ExternalRequest` from another launch.

    Attributes:
        name: the socket name.
    """

    sig_request_received = Signal(object)
    """Another launch asked for something (an ExternalRequest)."""

    def __init__(self, name: str, parent: QObject | None = None, *,
                 read_timeout_ms: int = READ_TIMEOUT_MS) -> None:
        super().__init__(parent)
        self.name = name
        self._read_timeout_s = read_timeout_ms / 1000
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)
        self._clients: dict[QLocalSocket, float] = {}  # connection -> when it came
        self._answered: set[QLocalSocket] = set()
        self._sweeper = QTimer(self)
        self._sweeper.setInterval(min(1000, read_timeout_ms))
        self._sweeper.timeout.connect(self._on_sweeper_timeout)

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def full_name(self) -> str:
        """The socket's path (Unix) or pipe name (Windows)."""
        return self._server.fullServerName()

    def listen(self) -> bool:
        """Start listening; recovers the name from a killed instance's leftover socket.

        A live server is never taken over. On Unix, Qt binds a socket with access
        options at a temporary path and renames it over the name, which would
        silently cut off a running instance: so ask first whether one answers.
        """
        probe = QLocalSocket()
        probe.connectToServer(self.name)
        if probe.waitForConnected(_PROBE_MS):
            probe.abort()
            log.warning("Another pbxdesk already listens on %s; not taking it over", self.name)
            return False
        if self._server.listen(self.name):
            return True
        if self._server.serverError() is QAbstractSocket.SocketError.AddressInUseError:
            # Nobody answered above: a socket file left by an instance that was killed.
            log.info("Removing a stale socket left by an instance that ended abruptly")
            QLocalServer.removeServer(self.name)
            if self._server.listen(self.name):
                return True
        log.warning("Cannot listen for other launches: %s", self._server.errorString())
        return False

    def close(self) -> None:
        """Stop listening and drop half-read connections."""
        self._server.close()
        self._sweeper.stop()
        for client in list(self._clients):
            client.abort()  # its disconnected() forgets it
        self._clients.clear()
        self._answered.clear()

    # Slots find their socket with sender(): a lambda holding the socket (and self)
    # could drop the last reference to this object while Qt is destroying that very
    # socket, which deletes it twice (seen as a crash in ~QObject).

    @Slot()
    def _on_server_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            client = self._server.nextPendingConnection()
            self._clients[client] = time.monotonic()
            client.readyRead.connect(self._on_client_ready_read)
            client.disconnected.connect(self._on_client_disconnected)
            self._read(client)  # bytes may have arrived with the connection
        if self._clients and not self._sweeper.isActive():
            self._sweeper.start()

    @Slot()
    def _on_client_ready_read(self) -> None:
        client = self.sender()
        if isinstance(client, QLocalSocket):
            self._read(client)

    @Slot()
    def _on_client_disconnected(self) -> None:
        client = self.sender()
        if isinstance(client, QLocalSocket) and self._clients.pop(client, None) is not None:
            self._answered.discard(client)
            client.deleteLater()

    @Slot()
    def _on_sweeper_timeout(self) -> None:
        """Drops connections that sent no complete line in time (a stuck or odd sender)."""
        too_old = time.monotonic() - self._read_timeout_s
        for client, since in list(self._clients.items()):
            if since < too_old:
                log.warning("Dropped a connection that sent no request")
                client.abort()
        if not self._clients:
            self._sweeper.stop()

    def _read(self, client: QLocalSocket) -> None:
        if client not in self._clients or client in self._answered:
            return
        if not client.canReadLine():
            if client.bytesAvailable() > MAX_WIRE_BYTES:
                log.warning("Dropped an over-long request from another launch")
                client.abort()
            return
        line = bytes(client.readLine(MAX_WIRE_BYTES + 1).data())
        try:
            request = ExternalRequest.from_json(line)
        except BadRequestError as error:
            # The error names the problem, never the content (it may hold a number).
            log.warning("Ignored a request from another launch: %s", error)
            self._answer(client, NACK)
            return
        self._answer(client, ACK)
        log.info("Request from another launch: %s (%s)", request.action, request.source)
        self.sig_request_received.emit(request)

    def _answer(self, client: QLocalSocket, answer: bytes) -> None:
        """One answer per connection, then hang up (it goes when it has disconnected)."""
        self._answered.add(client)
        client.write(QByteArray(answer))
        client.flush()
        client.disconnectFromServer()
