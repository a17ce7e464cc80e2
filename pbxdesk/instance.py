"""One pbxdesk per user and profile: later launches hand their request to the first.

A launch calls :func:`hand_over` before any Qt application exists:

1. connect to the running instance's local socket; if one answers, send the
   request as one JSON line, wait for its ``ok`` and stop there;
2. otherwise take a :class:`QLockFile` (racing launches queue here), try
   connecting once more (the one before us may just have started listening),
   and become the first instance: :func:`hand_over` returns an
   :class:`InstanceClaim` that keeps the lock until
   :meth:`InstanceClaim.start_server` listens, inside the running app.

The socket and its lock live in a folder only this user can write
(:mod:`pbxdesk.privatedir`); a socket whose folder or owner is not this user's
is never talked to, and on Linux both ends also check the other's user id
(``SO_PEERCRED``). :class:`InstanceServer` listens with ``UserAccessOption``
(only this user can connect). A socket file left behind by a killed instance
is removed and listening retried; a live server is never removed. Profiles are
separate instances: the name hashes the app ID, the user and the ``--basedir``
(or "demo").
"""

from __future__ import annotations

import enum
import getpass
import hashlib
import logging
import os
import socket as pysocket
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from PySide6.QtCore import QByteArray, QLockFile, QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

from pbxdesk import APP_ID
from pbxdesk.external import MAX_WIRE_BYTES, BadRequestError, ExternalRequest
from pbxdesk.privatedir import runtime_folder, socket_owned_by_us, windows_secret

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
    """The local server name for this user and profile (the same in every launch).

    On Unix the absolute path of a socket in this user's private folder, which is
    created if need be; on Windows a pipe name no other user can guess.

    Raises:
        pbxdesk.privatedir.PrivateFolderError: there is no folder only this user can write (the app
            then runs without the single-instance guard).
    """
    if basedir is not None:
        profile = str(basedir.expanduser().resolve())
    else:
        profile = "demo" if demo else "default"
    if sys.platform == "win32":
        secret = windows_secret(_windows_folder())
        digest = hashlib.sha256(f"{APP_ID}\0{_user()}\0{profile}\0{secret}".encode())
        return f"pbxdesk-{digest.hexdigest()[:32]}"
    digest = hashlib.sha256(f"{APP_ID}\0{_user()}\0{profile}".encode())
    name = digest.hexdigest()[:20]
    return str(runtime_folder(longest_name=len(name)) / name)


_LOCK_SUFFIX: Final = ".lock"


def lock_path(name: str) -> Path:
    """Where the start-up lock of ``name`` lives: beside the socket, in the private folder."""
    if sys.platform == "win32":
        return _windows_folder() / f"{name}{_LOCK_SUFFIX}"
    return Path(name + _LOCK_SUFFIX)


def _windows_folder() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_ID, appauthor=False)) / "run"


def safe_to_contact(name: str) -> bool:
    """False when ``name`` is a socket in a folder, or of an owner, that is not this user's."""
    if sys.platform == "win32":
        return True  # a pipe; its name holds a secret only this user can read
    if not os.path.isabs(name):
        return False  # a bare name would resolve into the shared temporary folder
    return socket_owned_by_us(Path(name))


def peer_is_us(socket: QLocalSocket) -> bool:
    """On Linux, whether the process at the other end runs as this user (SO_PEERCRED).

    Elsewhere True: the private folder alone keeps other users out.
    """
    if not sys.platform.startswith("linux"):
        return True
    descriptor = int(socket.socketDescriptor())
    if descriptor < 0:
        return False
    try:
        with pysocket.socket(fileno=os.dup(descriptor)) as duplicate:
            credentials = duplicate.getsockopt(pysocket.SOL_SOCKET, pysocket.SO_PEERCRED,
                                               struct.calcsize("3i"))
    except OSError as error:
        log.warning("Cannot tell who is at the other end of the socket: %s", error.strerror)
        return False
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return bool(uid == os.getuid())


def send_request(name: str, request: ExternalRequest, *,
                 timeout_ms: int = SEND_TIMEOUT_MS) -> Delivery:
    """Send ``request`` to the instance listening on ``name``; blocking, no event loop.

    Works without any Qt application object (the command line calls it before
    one exists).
    """
    if not safe_to_contact(name):
        log.warning("Not contacting %s: it is not a socket of this user's", name)
        return Delivery.NOT_RUNNING
    deadline = time.monotonic() + timeout_ms / 1000
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not _wait(socket, socket.waitForConnected, deadline):
        return Delivery.NOT_RUNNING
    try:
        if not peer_is_us(socket):
            log.warning("The process listening on %s is another user's; not talking to it",
                        name)
            return Delivery.NOT_RUNNING
        socket.write(QByteArray(request.to_json().encode() + b"\n"))
        # waitForBytesWritten() is False when nothing is pending, not "done": ask first.
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
        if not safe_to_contact(self.name):
            log.warning("Not listening on %s: its folder is not this user's alone", self.name)
            return False
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
            if not peer_is_us(client):
                log.warning("Refused a connection from another user's process")
                client.abort()
                client.deleteLater()
                continue
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
