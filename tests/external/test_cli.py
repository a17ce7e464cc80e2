"""The command line as a user runs it: second launches, bad numbers, a killed first instance.

Each test starts real processes: ``python -m pbxdesk …`` and a stand-in first
instance (``instance_host``) that goes through the same hand-over and server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pbxdesk import cli
from pbxdesk.instance import instance_name
from pbxdesk.paths import AppPaths
from pbxdesk.settings import Settings, SettingsFile
from tests.external.helpers import (
    ROOT,
    WAIT_S,
    Host,
    child_env,
    run_pbxdesk,
    run_pbxdesk_together,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets and signals")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return child_env(tmp_path)


@pytest.fixture
def basedir(tmp_path: Path) -> Path:
    path = tmp_path / "profile"
    path.mkdir()
    return path


def start_host(hosts: list[Host], basedir: Path, env: dict[str, str]) -> Host:
    host = Host(basedir, env)
    hosts.append(host)
    return host


def save_region(basedir: Path, region: str) -> None:
    SettingsFile(AppPaths.under(basedir).settings_file).save(Settings(default_region=region))


def test_second_launches_hand_their_request_to_the_first(
        hosts: list[Host], basedir: Path, env: dict[str, str]) -> None:
    save_region(basedir, "AU")  # "0412 345 678" is an Australian mobile number
    host = start_host(hosts, basedir, env)
    host.expect("listening")

    link, call, clipboard, plain = run_pbxdesk_together([
        ["tel:+61-2-9876-5432", "--basedir", str(basedir)],
        ["--basedir", str(basedir), "call", "--user", "1010", "0412", "345", "678",
         "--caller-id", "+61290000000", "--prefill"],
        ["--dial-clipboard", "--basedir", str(basedir)],
        ["--basedir", str(basedir)]], env)

    assert [(r.returncode, r.stderr) for r in (link, call, clipboard, plain)] == [(0, "")] * 4
    assert link.stdout == call.stdout == clipboard.stdout == "Sent to the running pbxdesk.\n"
    assert plain.stdout == "pbxdesk is already running: showed its window.\n"
    received = [json.loads(host.expect("request")) for _ in range(4)]
    by_action = {request.pop("action"): request for request in received}
    assert by_action == {
        "dial": {"v": 1, "number": "tel:+61-2-9876-5432", "user": None, "caller_id": None,
                 "source": "uri"},
        "prefill": {"v": 1, "number": "0412 345 678", "user": "1010",
                    "caller_id": "+61290000000", "source": "cli"},
        "dial_clipboard": {"v": 1, "number": "", "user": None, "caller_id": None,
                           "source": "cli"},
        "show": {"v": 1, "number": "", "user": None, "caller_id": None,
                 "source": "second-instance"},
    }


def test_an_undialable_number_is_refused_before_qt_or_the_running_instance(
        hosts: list[Host], basedir: Path, env: dict[str, str]) -> None:
    host = start_host(hosts, basedir, env)
    host.expect("listening")
    code = ("import sys, pbxdesk.cli as cli; status = cli.main(sys.argv[1:]); "
            "print('qt loaded' if 'PySide6' in sys.modules else 'no qt'); sys.exit(status)")

    refused = subprocess.run([sys.executable, "-c", code, "call", "hello", "--basedir",
                              str(basedir)], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=WAIT_S, check=False)

    assert refused.returncode == 2
    assert refused.stderr == ("pbxdesk: cannot call 'hello': "
                              "No phone number found in that text.\n")
    assert refused.stdout.strip() == "no qt"
    # Nothing reached the running instance: the next request it prints is this one.
    assert run_pbxdesk(["call", "1002", "--basedir", str(basedir)], env).returncode == 0
    assert json.loads(host.expect("request"))["number"] == "1002"


def test_a_running_pbxdesk_gets_the_number_as_given_and_decides(
        hosts: list[Host], basedir: Path, env: dict[str, str]) -> None:
    # A first run's guess from a C or en_US locale: no Australian number is valid in it.
    save_region(basedir, "US")
    host = start_host(hosts, basedir, env)
    host.expect("listening")

    mobile, thirteen = run_pbxdesk_together([
        ["--basedir", str(basedir), "call", "0412345678"],
        ["--basedir", str(basedir), "call", "13", "12", "34"]], env)

    assert [(r.returncode, r.stdout, r.stderr) for r in (mobile, thirteen)] == [
        (0, "Sent to the running pbxdesk.\n", "")] * 2
    numbers = {json.loads(host.expect("request"))["number"] for _ in range(2)}
    assert numbers == {"0412345678", "13 12 34"}
    host.stop()
    # With none running, the saved country is the one the app would start with.
    alone = run_pbxdesk(["--basedir", str(basedir), "call", "0412345678"], env)
    assert (alone.returncode, alone.stderr) == (
        2, "pbxdesk: cannot call '0412345678': That isn't a valid number for United States "
           "(+1).\n")


def test_what_no_country_can_dial_is_refused_even_with_pbxdesk_running(
        hosts: list[Host], basedir: Path, env: dict[str, str]) -> None:
    save_region(basedir, "AU")
    host = start_host(hosts, basedir, env)
    host.expect("listening")

    refused = [run_pbxdesk(["--basedir", str(basedir), *args], env)
               for args in (["call", "+99 1234"], ["call", "112"], ["tel:call-me"])]

    assert [r.returncode for r in refused] == [2, 2, 2]
    assert [r.stderr.split(": ", 2)[-1] for r in refused] == [
        "That number starts with a country code that doesn't exist.\n",
        "112 is an emergency number. pbxdesk never calls emergency numbers: use a phone.\n",
        "That doesn't look like a phone number.\n"]
    # Nothing reached the running instance: the next request it prints is this one.
    # Words around a number are fine when the saved country finds the number in them.
    sent = run_pbxdesk(["call", "ring", "Sam", "on", "0412", "345", "678", "--basedir",
                        str(basedir)], env)
    assert sent.returncode == 0
    assert json.loads(host.expect("request"))["number"] == "ring Sam on 0412 345 678"


@pytest.mark.parametrize(("args", "region", "reason"), [
    (["call", "1"], "AU", "That's too short for a phone number or an extension."),
    (["call", "hello"], "AU", "No phone number found in that text."),
    (["tel:not-a-number"], "AU", "That doesn't look like a phone number."),
    (["call", "000"], "AU", "000 is an emergency number."),
    (["call", "0412", "345", "678"], "GB", "That isn't a valid number for United Kingdom"),
])
def test_the_reason_comes_from_the_phone_rules_in_the_saved_country(
        basedir: Path, capsys: pytest.CaptureFixture[str], args: list[str], region: str,
        reason: str) -> None:
    save_region(basedir, region)

    status = cli.main([*args, "--basedir", str(basedir)])

    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err.startswith("pbxdesk: cannot call ")
    assert reason in err


@pytest.mark.parametrize("args", [
    ["call"], ["dial", "0412345678"], ["--user", "1010"], ["--prefill"],
    ["--dial-clipboard", "call", "1002"], ["--dial-clipboard", "--prefill"],
    ["call", "1002", "--user", "ten"], ["call", "1002", "--caller-id", "me"],
    ["tel:1002", "tel:1003"],
])
def test_usage_errors_exit_2_without_starting_anything(
        basedir: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    with pytest.raises(SystemExit, match=r"^2$") as stopped:
        cli.main([*args, "--basedir", str(basedir)])

    assert stopped.value.code == 2
    assert "pbxdesk: error:" in capsys.readouterr().err
    assert not any(basedir.iterdir())  # no profile created: the app never started


def test_a_killed_first_instance_leaves_a_socket_the_next_one_recovers(
        hosts: list[Host], basedir: Path, env: dict[str, str]) -> None:
    first = start_host(hosts, basedir, env)
    socket_path = Path(first.expect("listening"))
    first.kill()
    assert socket_path.exists()  # stale: nobody listens on it any more

    second = start_host(hosts, basedir, env)
    assert second.expect("listening") == str(socket_path)
    sent = run_pbxdesk(["call", "+61 2 9876 5432", "--basedir", str(basedir)], env)

    assert sent.returncode == 0
    assert json.loads(second.expect("request"))["number"] == "+61 2 9876 5432"


def test_racing_first_launches_end_with_one_instance(
        hosts: list[Host], basedir: Path, env: dict[str, str]) -> None:
    racers = [start_host(hosts, basedir, env) for _ in range(3)]

    firsts = [host.next_line() for host in racers]

    listening = [host for host, line in zip(racers, firsts, strict=True)
                 if line.startswith("listening")]
    assert len(listening) == 1
    assert sorted(line for line in firsts if not line.startswith("listening")) == [
        "delivered sent", "delivered sent"]
    shown = [json.loads(listening[0].expect("request")) for _ in range(2)]
    assert [request["action"] for request in shown] == ["show", "show"]


def test_profiles_are_separate_instances(tmp_path: Path, env: dict[str, str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", env["XDG_RUNTIME_DIR"])
    assert instance_name(tmp_path / "a") != instance_name(tmp_path / "b")
    assert instance_name(tmp_path / "a") == instance_name(tmp_path / "x" / ".." / "a")
    assert len({instance_name(None), instance_name(None, demo=True),
                instance_name(tmp_path)}) == 3
