"""A real second local user for the single-instance attack tests (needs root).

:func:`create_other_user` makes one with ``useradd`` and :func:`remove_other_user`
deletes it. :class:`OtherUser` runs small Python programs as that user, from
``-c`` (the user may not be able to read the checkout), with a Python that user
can run. :data:`SQUATTER` and :data:`KNOCKER` are the two programs: one binds a
socket and reports what it received, the other tries to talk to ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from tests.external.helpers import WAIT_S

# Binds argv[1] (mode 0777, so anyone may connect), answers "ok" to each line and,
# once its stdin closes, prints how many connections came and what they sent.
SQUATTER = r"""
import json, os, socket, sys, threading
path = sys.argv[1]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
os.chmod(path, 0o777)
server.listen(16)
received = []
def serve():
    while True:
        try:
            connection, _ = server.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(2)
            data = b""
            try:
                data = connection.recv(65536)
                connection.sendall(b"ok\n")
            except OSError:
                pass
            received.append(data.decode("utf-8", "replace"))
threading.Thread(target=serve, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
print(json.dumps(received), flush=True)
"""

# Connects to argv[1], sends argv[2] and a newline, prints the outcome as JSON:
# {"error": "PermissionError"} or {"answer": "<what came back before the close>"}.
KNOCKER = r"""
import json, socket, sys
client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
client.settimeout(10)
try:
    client.connect(sys.argv[1])
except OSError as error:
    print(json.dumps({"error": type(error).__name__}))
    sys.exit(0)
answer = b""
try:
    client.sendall(sys.argv[2].encode() + b"\n")
    while chunk := client.recv(64):
        answer += chunk
except OSError as error:
    answer += ("<" + type(error).__name__ + ">").encode()
print(json.dumps({"answer": answer.decode("utf-8", "replace")}))
"""


@dataclass(frozen=True)
class OtherUser:
    """A local user that is not us, and a Python it can run."""

    name: str
    uid: int
    gid: int
    python: str

    def _command(self, code: str, args: tuple[str, ...]) -> dict[str, Any]:
        return {"args": [self.python, "-I", "-c", code, *args], "user": self.uid,
                "group": self.gid, "extra_groups": [], "cwd": "/", "text": True,
                "env": {"PATH": "/usr/bin:/bin", "HOME": "/", "LANG": "C.UTF-8"}}

    def run(self, code: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``code`` as this user to completion."""
        return subprocess.run(**self._command(code, args), capture_output=True,
                              timeout=WAIT_S, check=False)

    def start(self, code: str, *args: str) -> subprocess.Popen[str]:
        """Start ``code`` as this user, with pipes for stdin and stdout."""
        return subprocess.Popen(**self._command(code, args), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def knock(self, path: str, line: str) -> dict[str, str]:
        """Try to talk to the socket at ``path`` as this user (see :data:`KNOCKER`)."""
        done = self.run(KNOCKER, path, line)
        assert done.returncode == 0, done.stderr
        result: dict[str, str] = json.loads(done.stdout)
        return result


class Squatter:
    """:data:`SQUATTER` running as another user on ``path``."""

    def __init__(self, user: OtherUser, path: str) -> None:
        self.path = path
        self.process = user.start(SQUATTER, path)
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if ready.strip() != "ready":
            self.process.kill()
            raise AssertionError(f"the squatter did not start: {self.process.stderr.read()}"
                                 if self.process.stderr else "the squatter did not start")

    def received(self) -> list[str]:
        """Stop it; what every connection sent (one entry per connection)."""
        out, err = self.process.communicate(timeout=WAIT_S)
        assert self.process.returncode == 0, err
        result: list[str] = json.loads(out.strip().splitlines()[-1])
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate(timeout=WAIT_S)
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # in /tmp, the old name: leave nothing behind


def create_other_user() -> OtherUser:
    """Make a throw-away local user (root only); :func:`remove_other_user` deletes it."""
    name = f"pbxdt{secrets.token_hex(4)}"
    subprocess.run(["useradd", "--no-create-home", "--user-group", "--shell",
                    "/usr/sbin/nologin", name], check=True, capture_output=True, timeout=WAIT_S)
    entry = pwd.getpwnam(name)
    user = OtherUser(name, entry.pw_uid, entry.pw_gid, "")
    for python in (shutil.which("python3", path="/usr/bin:/bin"), sys.executable):
        if python and user_can_run(OtherUser(name, entry.pw_uid, entry.pw_gid, python)):
            return OtherUser(name, entry.pw_uid, entry.pw_gid, python)
    remove_other_user(user)
    raise AssertionError("No Python the second user can run: install Debian's python3 "
                         "(`python3 scripts/dev.py setup` as root does)")


def user_can_run(user: OtherUser) -> bool:
    try:
        done = user.run("print('ok')")
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip() == "ok"


def remove_other_user(user: OtherUser) -> None:
    subprocess.run(["userdel", user.name], check=False, capture_output=True, timeout=WAIT_S)
    # With no processes left, nothing of the user should remain.
    assert user.name not in {entry.pw_name for entry in pwd.getpwall()}


def can_create_users() -> str | None:
    """Why a second user cannot be made here, or None."""
    if not sys.platform.startswith("linux"):
        return "a second local user is made with useradd (Linux)"
    if os.geteuid() != 0:
        return "making a second local user needs root (CI runs the suite as root)"
    if shutil.which("useradd") is None:
        return "useradd is missing (Debian package passwd)"
    return None
