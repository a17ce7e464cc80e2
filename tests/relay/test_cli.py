"""``pbxdesk-relay`` as an admin runs it: subprocesses, JSON out, exit codes, TLS, the log."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.relay.helpers import call_event, free_port
from tests.resources.helpers import require_tool

ROOT = Path(__file__).resolve().parents[2]


def relay(store: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pbxdesk.relay", "--store", str(store), *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)


def ok(store: Path | str, *args: str) -> Any:
    result = relay(store, *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@contextlib.contextmanager
def serving(store: Path | str, log: Path, *args: str, scheme: str = "http",
            verify: Any = True) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pbxdesk.relay", "--store", str(store), "serve",
             "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"{scheme}://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1, verify=verify).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the relay did not start: {log.read_text()}")
            time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(15)


def test_accounts_and_desks(tmp_path: Path) -> None:
    store = tmp_path / "store"
    account = ok(store, "account", "add", "acme")
    assert account["webhook_path"] == "/hooks/acme"
    assert len(account["secret"]) >= 40
    assert ok(store, "account", "list") == [{"account": "acme", "webhook_path": "/hooks/acme"}]
    desk = ok(store, "desk", "add", "--account", "acme", "--extension", "1001",
              "--queue", "Sales", "--queue", "Support", "--ring-group", "Front desk")
    assert desk["desk"].startswith("d_")
    assert desk["token"].startswith("pbxdesk_")
    assert desk["queues"] == ["Sales", "Support"]
    assert desk["ring_groups"] == ["Front desk"]
    listed = ok(store, "desk", "list")
    assert [d["desk"] for d in listed] == [desk["desk"]]
    assert "token" not in json.dumps(listed)
    # The store keeps hashes, never the secret or the token.
    database = (store / "relay.sqlite3").read_bytes()
    assert account["secret"].encode() not in database
    assert desk["token"].encode() not in database
    assert (store.stat().st_mode & 0o777) == 0o700
    assert ok(store, "desk", "revoke", desk["desk"]) == {"desk": desk["desk"], "revoked": True}
    assert ok(store, "desk", "list") == []


@pytest.mark.parametrize(("args", "message"), [
    (["account", "add", "bad name"], "cannot be an account name"),
    (["desk", "add", "--account", "nobody", "--extension", "1001"], "no account 'nobody'"),
    (["desk", "revoke", "d_missing"], "no desk 'd_missing'"),
])
def test_errors_are_one_line_with_exit_1(tmp_path: Path, args: list[str], message: str) -> None:
    result = relay(tmp_path / "store", *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_account_twice_and_usage_errors(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ok(store, "account", "add", "acme")
    again = relay(store, "account", "add", "acme")
    assert again.returncode == 1
    assert "exists already" in again.stderr
    no_store = subprocess.run([sys.executable, "-m", "pbxdesk.relay", "account", "list"],
                              capture_output=True, text=True, cwd=ROOT, timeout=60,
                              env={k: v for k, v in os.environ.items()
                                   if k != "PBXDESK_RELAY_STORE"}, check=False)
    assert no_store.returncode == 2
    assert "--store" in no_store.stderr
    (tmp_path / "file").write_text("not a folder")
    blocked = relay(tmp_path / "file", "account", "list")
    assert blocked.returncode == 1
    assert "Cannot create the store folder" in blocked.stderr


def test_damaged_database_is_a_clear_error(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    (store / "relay.sqlite3").write_bytes(b"this is not a database" * 100)
    result = relay(store, "account", "list")
    assert result.returncode == 1
    assert "cannot be used" in result.stderr
    assert "Move it away" in result.stderr


def test_redis_store_from_the_command_line(redis_url: str) -> None:
    account = ok(redis_url, "account", "add", "acme")
    desk = ok(redis_url, "desk", "add", "--account", "acme", "--extension", "1001")
    assert ok(redis_url, "account", "list")[0]["account"] == "acme"
    assert ok(redis_url, "desk", "list")[0]["desk"] == desk["desk"]
    assert account["secret"]
    down = relay(f"redis://127.0.0.1:{free_port()}/0", "account", "list")
    assert down.returncode == 1
    assert "Cannot reach Redis" in down.stderr


@pytest.mark.slow
def test_serve_logs_no_secrets_numbers_or_names(tmp_path: Path) -> None:
    store, log = tmp_path / "store", tmp_path / "relay.log"
    secret = ok(store, "account", "add", "acme")["secret"]
    token = ok(store, "desk", "add", "--account", "acme", "--extension", "1001")["token"]
    with serving(store, log) as (base, process):
        # A second relay on the same embedded store is refused.
        second = relay(store, "serve", "--port", str(free_port()))
        assert second.returncode == 1
        assert "Another relay process serves" in second.stderr
        with httpx.stream("GET", f"{base}/events", headers={"Authorization": f"Bearer {token}"},
                          timeout=10) as stream:
            lines = stream.iter_lines()
            assert next(lines) == ": connected"
            body = call_event("user_inbound", caller_id="61299990000",
                              caller_name="Zebedee Quarterman")
            assert httpx.post(f"{base}/hooks/acme", json=body,
                              headers={"X-Pbx-Token": secret}).status_code == 200
            assert httpx.post(f"{base}/hooks/acme", json=body,
                              headers={"X-Pbx-Token": "guess"}).status_code == 401
            assert httpx.get(f"{base}/events", headers={
                "Authorization": "Bearer pbxdesk_guess"}).status_code == 401
            assert any("Zebedee" in line for line in lines)
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down cleanly, then ends by the signal it caught (as daemons do).
        assert process.wait(15) in (0, -signal.SIGTERM)
    text = log.read_text()
    assert "Application shutdown complete" in text
    assert "Desk d_" in text
    assert "connected" in text
    assert "refused" in text
    for private in (secret, token, "pbxdesk_guess", "61299990000", "Zebedee", "Quarterman"):
        assert private not in text, private


@pytest.mark.slow
def test_serve_https_directly(tmp_path: Path) -> None:
    openssl = require_tool("openssl", "openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True,
                   timeout=60)
    store = tmp_path / "store"
    secret = ok(store, "account", "add", "acme")["secret"]
    context = ssl.create_default_context(cafile=str(cert))
    with serving(store, tmp_path / "log", "--certfile", str(cert), "--keyfile", str(key),
                 scheme="https", verify=context) as (base, _):
        response = httpx.post(f"{base}/hooks/acme/voicemail", json={"user_number": "1001"},
                              headers={"X-Pbx-Token": secret}, verify=context)
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            httpx.get(base.replace("https", "http") + "/healthz", timeout=3)
    half = relay(store, "serve", "--certfile", str(cert))
    assert half.returncode == 2
    # A missing or unreadable key, or files that are no certificate: one line, exit 1
    # (a Python traceback before).
    (tmp_path / "junk.pem").write_text("not a certificate")
    for certfile, keyfile, words in ((cert, tmp_path / "missing.pem", "cannot read"),
                                     (tmp_path / "junk.pem", key, "not a PEM certificate")):
        refused = relay(store, "serve", "--port", "0", "--certfile", str(certfile),
                        "--keyfile", str(keyfile))
        assert refused.returncode == 1
        assert words in refused.stderr
        assert "Traceback" not in refused.stderr
