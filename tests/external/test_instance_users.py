"""Another local user against the single-instance socket (issue 8, item 1).

Before the fix, the socket sat at a predictable name in ``/tmp``: a user who
bound it first received every number the agent clicked. These tests create a
real second user (as root) and attack the way that user could: squat the old
name, pre-create our fallback folder, knock on our socket, and hand us a
socket of theirs. Without root the attacks cannot be staged and are skipped
with the reason; the folder checks that need no second user run everywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from pbxdesk import APP_ID, cli
from pbxdesk.external import ExternalRequest
from pbxdesk.instance import (
    Delivery,
    InstanceServer,
    instance_name,
    lock_path,
    send_request,
)
from pbxdesk.privatedir import PrivateFolderError, make_private_folder, runtime_folder
from tests.external.helpers import Host, child_env, run_pbxdesk
from tests.external.otheruser import (
    OtherUser,
    Squatter,
    can_create_users,
    create_other_user,
    remove_other_user,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets and users")
REQUEST = ExternalRequest("dial", "1002", source="cli")


@pytest.fixture(scope="module")
def other_user() -> Iterator[OtherUser]:
    reason = can_create_users()
    if reason is not None:
        if os.geteuid() == 0 and sys.platform.startswith("linux"):
            pytest.fail(reason)  # root on Linux can always stage the attack
        pytest.skip(reason)
    user = create_other_user()
    try:
        yield user
    finally:
        remove_other_user(user)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A stand-in for /tmp that the other user can reach: sticky and world-writable."""
    path = Path(tempfile.mkdtemp(prefix="pbxdesk-shared-", dir="/tmp"))
    path.chmod(0o1777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def squatters() -> Iterator[list[Squatter]]:
    started: list[Squatter] = []
    yield started
    for squatter in started:
        squatter.stop()


def old_socket_path(basedir: Path) -> str:
    """Where pbxdesk before the fix put the socket: /tmp, a hash anyone can work out."""
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "")
    profile = str(basedir.resolve())
    digest = hashlib.sha256(f"{APP_ID}\0{user}\0{profile}".encode()).hexdigest()
    return f"/tmp/pbxdesk-{digest[:24]}"


def no_runtime_env(tmp_path: Path, shared_tmp: Path) -> dict[str, str]:
    """A session without XDG_RUNTIME_DIR (containers, cron, su): the fallback folders."""
    env = child_env(tmp_path)
    del env["XDG_RUNTIME_DIR"]
    env.update(TMPDIR=str(shared_tmp), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return env


def call_through(env: dict[str, str], basedir: Path, host: Host) -> None:
    """``pbxdesk call 1002`` reaches ``host``, the real first instance."""
    sent = run_pbxdesk(["--basedir", str(basedir), "call", "1002"], env)
    assert (sent.returncode, sent.stdout) == (0, "Sent to the running pbxdesk.\n"), sent.stderr
    assert json.loads(host.expect("request"))["number"] == "1002"


@pytest.mark.parametrize("runtime_dir", [True, False], ids=["xdg-runtime", "no-xdg-runtime"])
def test_a_squatter_on_the_old_tmp_name_is_ignored(
        other_user: OtherUser, shared_tmp: Path, squatters: list[Squatter],
        hosts: list[Host], tmp_path: Path, runtime_dir: bool) -> None:
    basedir = tmp_path / "profile"
    basedir.mkdir()
    squatter = Squatter(other_user, old_socket_path(basedir))
    squatters.append(squatter)
    env = child_env(tmp_path) if runtime_dir else no_runtime_env(tmp_path, shared_tmp)

    host = Host(basedir, env)
    hosts.append(host)
    socket_path = Path(host.expect("listening"))  # not "already running"
    call_through(env, basedir, host)

    assert squatter.received() == []
    folder = socket_path.parent.stat()
    assert (folder.st_uid, stat.S_IMODE(folder.st_mode)) == (os.geteuid(), 0o700)


def test_a_fallback_folder_made_by_another_user_is_refused(
        other_user: OtherUser, shared_tmp: Path, squatters: list[Squatter],
        hosts: list[Host], tmp_path: Path) -> None:
    basedir = tmp_path / "profile"
    basedir.mkdir()
    env = no_runtime_env(tmp_path, shared_tmp)
    trap = shared_tmp / f"pbxdesk-{os.geteuid()}"
    made = other_user.run("import os, sys; os.mkdir(sys.argv[1], 0o777); "
                          "os.chmod(sys.argv[1], 0o777)", str(trap))
    assert made.returncode == 0, made.stderr
    # The socket name pbxdesk would use inside that folder.
    squatter = Squatter(other_user, str(trap / Path(expected_name(basedir)).name))
    squatters.append(squatter)

    host = Host(basedir, env)
    hosts.append(host)
    socket_path = Path(host.expect("listening"))
    call_through(env, basedir, host)

    assert squatter.received() == []
    assert socket_path.parent == tmp_path / "cache" / "pbxdesk" / "run"
    assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700


def expected_name(basedir: Path) -> str:
    with tempfile.TemporaryDirectory() as runtime:
        os.chmod(runtime, 0o700)
        saved = os.environ.get("XDG_RUNTIME_DIR")
        os.environ["XDG_RUNTIME_DIR"] = runtime
        try:
            return instance_name(basedir)
        finally:
            if saved is None:
                del os.environ["XDG_RUNTIME_DIR"]
            else:
                os.environ["XDG_RUNTIME_DIR"] = saved


def test_another_user_cannot_connect_to_the_real_socket(
        other_user: OtherUser, shared_tmp: Path, hosts: list[Host], tmp_path: Path) -> None:
    basedir = tmp_path / "profile"
    basedir.mkdir()
    env = no_runtime_env(tmp_path, shared_tmp)  # the socket's folder is in a shared /tmp
    host = Host(basedir, env)
    hosts.append(host)
    socket_path = Path(host.expect("listening"))
    assert socket_path.parent == shared_tmp / f"pbxdesk-{os.geteuid()}"
    line = ExternalRequest("dial", "1003", source="cli").to_json()

    assert other_user.knock(str(socket_path), line) == {"error": "PermissionError"}
    socket_path.parent.chmod(0o711)  # even if the folder could be entered …
    assert other_user.knock(str(socket_path), line) == {"error": "PermissionError"}
    socket_path.chmod(0o777)  # … and the socket were open to all, the server hangs up
    hung_up = other_user.knock(str(socket_path), line)
    assert hung_up["answer"] in {"", "<ConnectionResetError>", "<BrokenPipeError>"}

    call_through(env, basedir, host)  # the first request the host took is ours (1002)


def test_a_socket_of_another_user_is_not_talked_to(
        other_user: OtherUser, shared_tmp: Path, squatters: list[Squatter],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    name = instance_name(tmp_path)
    # Their process listens; the socket file then lands in our folder, owned by root
    # (only root could do that): the owner check passes, the peer check must not.
    squatter = Squatter(other_user, str(shared_tmp / "theirs"))
    squatters.append(squatter)
    os.rename(shared_tmp / "theirs", name)
    os.chown(name, os.geteuid(), os.getegid())

    assert send_request(name, REQUEST, timeout_ms=2000) is Delivery.NOT_RUNNING
    assert squatter.received() in ([], [""])  # connected at most, never sent the number


# -- the folder checks (no second user needed) ----------------------------------------


def test_the_runtime_dir_is_used_when_it_is_ours(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)

    folder = runtime_folder({"XDG_RUNTIME_DIR": str(runtime)})

    assert folder == runtime / "pbxdesk"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_the_socket_and_its_lock_live_in_the_private_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))

    name = instance_name(tmp_path / "profile")

    assert Path(name).parent == lock_path(name).parent == runtime / "pbxdesk"


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o722])
def test_a_runtime_dir_others_can_write_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    runtime.chmod(mode)
    shared = tmp_path / "tmp"
    shared.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(shared))

    folder = runtime_folder({"XDG_RUNTIME_DIR": str(runtime)})

    assert folder == shared / f"pbxdesk-{os.geteuid()}"


@pytest.mark.parametrize("damage", ["writable", "symlink", "file"])
def test_a_damaged_fallback_folder_is_refused(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "pbxdesk-0"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    if damage == "writable":
        folder.mkdir()
        folder.chmod(0o777)
    elif damage == "symlink":
        folder.symlink_to(elsewhere)
    else:
        folder.write_text("")

    with pytest.raises(PrivateFolderError, match=r"written|link|not a folder"):
        make_private_folder(folder)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder away needs root")
def test_a_folder_of_another_owner_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "pbxdesk-0"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)

    with pytest.raises(PrivateFolderError, match="belongs to another user"):
        make_private_folder(folder)


def test_a_folder_of_ours_with_a_loose_mode_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "pbxdesk-0"
    folder.mkdir()
    folder.chmod(0o755)

    assert make_private_folder(folder) == folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_bare_socket_name_in_the_shared_temp_folder_is_never_contacted(
        qtbot: QtBot) -> None:
    # The old kind of name: QLocalSocket would look for it in /tmp.
    assert send_request("pbxdesk-legacy-name", REQUEST) is Delivery.NOT_RUNNING
    assert not InstanceServer("pbxdesk-legacy-name").listen()


def test_without_a_private_folder_the_app_starts_unguarded(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    def no_folder(basedir: Path | None, *, demo: bool = False) -> str:
        raise PrivateFolderError("No private folder for the single-instance socket (…)")

    started: list[object] = []
    monkeypatch.setattr("pbxdesk.instance.instance_name", no_folder)
    monkeypatch.setattr(cli, "_run_app", lambda args, request, claim: started.append(claim) or 0)

    assert cli.main(["--basedir", str(tmp_path)]) == 0

    assert started == [None]  # no claim: nothing listens, nothing is contacted
    assert "starting without the single-instance guard" in capsys.readouterr().err


@pytest.mark.parametrize("swap", ["link", "other-owner"])
def test_a_socket_file_that_is_a_link_or_not_ours_is_not_contacted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: str) -> None:
    if swap == "other-owner" and os.geteuid() != 0:
        pytest.skip("giving a socket file away needs root")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    name = instance_name(tmp_path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.settimeout(0.2)
    elsewhere = tmp_path / "elsewhere.sock"
    listener.bind(str(elsewhere if swap == "link" else name))
    listener.listen(1)
    try:
        if swap == "link":
            os.symlink(elsewhere, name)  # connecting would follow the link to it
        else:
            os.chown(name, 65534, 65534)

        assert send_request(name, REQUEST, timeout_ms=2000) is Delivery.NOT_RUNNING

        with pytest.raises(TimeoutError, match="timed out"):
            listener.accept()  # nobody connected
    finally:
        listener.close()
