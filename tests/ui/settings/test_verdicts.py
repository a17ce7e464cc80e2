"""Test connection, pressed in the dialog, against real servers on loopback and in process.

Each case is a real exchange: the sandbox PBX served by uvicorn (or in process
through ``httpx.ASGITransport``), a closed port, an HTML web server, a server
that answers 401 naming an address, and an HTTPS server whose certificate
nobody trusts. The verdict must name the cause and the fix, never a traceback.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import httpx
import pytest
from pytestqt.qtbot import QtBot

from pbxdesk.api.budget import RequestBudget
from pbxdesk.logs import redact
from pbxdesk.sandbox import Sandbox
from pbxdesk.sandbox.server import SandboxServer
from pbxdesk.services.connection import ConnectionTester, VerdictKind
from pbxdesk.settings import ApiVersion, Settings
from tests.fixtures.sandbox import SANDBOX_API_KEY
from tests.ui.settings.conftest import CannedServer, MakeDialog
from tests.ui.settings.helpers import click, run_connection_test, type_into

IN_PROCESS_URL = "http://127.0.0.1:9"  # never dialled: the transport is the sandbox app


def test_ok_over_loopback_uses_one_request_of_the_shared_budget(
        qtbot: QtBot, make_dialog: MakeDialog, sandbox: Sandbox,
        sandbox_server: SandboxServer) -> None:
    budget = RequestBudget(limit=100)
    dialog = make_dialog(Settings(base_url=sandbox_server.base_url), api_key=SANDBOX_API_KEY,
                         budget=budget)
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.ok
    assert verdict.kind is VerdictKind.OK
    assert verdict.title == "Connected"
    assert "127.0.0.1" in verdict.detail
    assert budget.used() == 1
    assert sandbox.request_counts == {"get-user-calls": 1}


def test_ok_in_process_with_unsaved_values(qtbot: QtBot, make_dialog: MakeDialog,
                                           sandbox: Sandbox) -> None:
    """The test uses what is typed now, not the settings the dialog was opened with."""
    dialog = make_dialog(Settings(base_url="https://old.example.com"), api_key="old-key-000",
                         transport_factory=lambda: httpx.ASGITransport(app=sandbox.app))
    dialog.editors["base_url"].set_value(IN_PROCESS_URL)
    dialog.key_field.set_text(SANDBOX_API_KEY)
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.kind is VerdictKind.OK


@pytest.mark.parametrize("api_version", ["v2", "v1"])
def test_api_version_in_the_verdict(qtbot: QtBot, make_dialog: MakeDialog,
                                    sandbox_server: SandboxServer,
                                    api_version: ApiVersion) -> None:
    dialog = make_dialog(Settings(base_url=sandbox_server.base_url, api_version=api_version),
                         api_key=SANDBOX_API_KEY)
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.ok
    assert f"API {api_version}" in verdict.detail


def test_wrong_key_names_both_fixes(qtbot: QtBot, make_dialog: MakeDialog,
                                    sandbox_server: SandboxServer) -> None:
    dialog = make_dialog(Settings(base_url=sandbox_server.base_url), api_key="wrong-key-1234")
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.kind is VerdictKind.AUTH
    assert not verdict.ok
    assert "HTTP 401" in verdict.detail
    assert "API key" in verdict.remedy
    assert "allow-list" in verdict.remedy
    # The PBX did not say which address it saw, so none is made up.
    assert "saw this computer's address" not in verdict.remedy
    assert "wrong-key-1234" not in verdict.detail + verdict.remedy


def test_address_not_allow_listed(qtbot: QtBot, make_dialog: MakeDialog, sandbox: Sandbox,
                                  sandbox_server: SandboxServer) -> None:
    sandbox.set_allow_list(["203.0.113.0/24"])
    dialog = make_dialog(Settings(base_url=sandbox_server.base_url), api_key=SANDBOX_API_KEY)
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.kind is VerdictKind.AUTH
    assert "public IP address" in verdict.remedy
    assert "Copy the API key again" in verdict.remedy


def test_address_the_pbx_reports_is_shown(qtbot: QtBot, make_dialog: MakeDialog,
                                          canned_server: CannedServer) -> None:
    url = canned_server(401, b'{"status": "error", "message": "IP 198.51.100.23 not allowed"}',
                        "application/json")
    dialog = make_dialog(Settings(base_url=url), api_key="some-key-1234")
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.kind is VerdictKind.AUTH
    assert "198.51.100.23" in verdict.remedy


def test_unreachable_host(qtbot: QtBot, make_dialog: MakeDialog, closed_port: int) -> None:
    dialog = make_dialog(Settings(base_url=f"http://127.0.0.1:{closed_port}"),
                         api_key="some-key-1234")
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.kind is VerdictKind.UNREACHABLE
    assert verdict.title == "Cannot reach the PBX"
    assert "address" in verdict.remedy
    assert "online" in verdict.remedy
    assert "Traceback" not in verdict.detail


def test_rate_limited_by_the_pbx(qtbot: QtBot, make_dialog: MakeDialog,
                                 make_sandbox: Callable[..., Sandbox]) -> None:
    limited = make_sandbox(rate_limit=1)
    with SandboxServer(limited) as server:
        dialog = make_dialog(Settings(base_url=server.base_url), api_key=SANDBOX_API_KEY)
        assert run_connection_test(qtbot, dialog).ok
        verdict = run_connection_test(qtbot, dialog)
    assert verdict.kind is VerdictKind.RATE_LIMITED
    assert verdict.remedy.startswith("Test again in ")
    assert "seconds" in verdict.remedy


def test_spent_budget_sends_nothing_and_says_when(qtbot: QtBot, make_dialog: MakeDialog,
                                                  sandbox: Sandbox,
                                                  sandbox_server: SandboxServer) -> None:
    budget = RequestBudget(limit=1)
    budget.take()  # the app's sync used the last request of the window
    dialog = make_dialog(Settings(base_url=sandbox_server.base_url), api_key=SANDBOX_API_KEY,
                         budget=budget)
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.kind is VerdictKind.RATE_LIMITED
    assert verdict.title == "Request budget used up"
    # The next whole minute, without seconds: never an invitation to try too early.
    assert re.fullmatch(r"Test again at \d\d:\d\d\.", verdict.remedy)
    assert budget.used() == 1


def test_the_dialog_writes_times_in_the_locales_clock(sandbox_server: SandboxServer) -> None:
    budget = RequestBudget(limit=1)
    budget.take()
    tester = ConnectionTester(budget, clock_text=lambda moment: f"<{moment:%M}>")
    verdict = asyncio.run(tester.test(Settings(base_url=sandbox_server.base_url),
                                      SANDBOX_API_KEY))
    assert re.fullmatch(r"Test again at <\d\d>\.", verdict.remedy)


def test_html_page_is_an_unexpected_answer(qtbot: QtBot, make_dialog: MakeDialog,
                                           canned_server: CannedServer) -> None:
    url = canned_server(200, b"<!doctype html><html><body>Welcome to our portal</body></html>",
                        "text/html; charset=utf-8")
    dialog = make_dialog(Settings(base_url=url), api_key="some-key-1234")
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.kind is VerdictKind.UNEXPECTED
    assert verdict.title == "Not the PBX's integration API"
    assert "API version" in verdict.remedy


def test_missing_endpoint_is_an_unexpected_answer(qtbot: QtBot, make_dialog: MakeDialog,
                                                  canned_server: CannedServer) -> None:
    url = canned_server(404, b"<html>Not Found</html>", "text/html")
    dialog = make_dialog(Settings(base_url=url), api_key="some-key-1234")
    assert run_connection_test(qtbot, dialog).kind is VerdictKind.UNEXPECTED


def test_untrusted_certificate_is_a_tls_problem(qtbot: QtBot, make_dialog: MakeDialog,
                                                untrusted_https: int) -> None:
    dialog = make_dialog(Settings(base_url=f"https://127.0.0.1:{untrusted_https}"),
                         api_key="tls-key-1234")
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.kind is VerdictKind.TLS
    assert verdict.title == "Secure connection failed"
    assert "certificate" in verdict.detail.lower()
    assert "isn't trusted by this computer" in verdict.remedy


def test_invalid_settings_send_nothing(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    budget = RequestBudget(limit=5)
    dialog = make_dialog(Settings(base_url="https://pbx.example.com"), api_key="key-12345",
                         budget=budget)
    dialog.editors["base_url"].set_value("http://pbx.example.com")
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.kind is VerdictKind.INVALID
    assert "https://" in verdict.detail
    assert budget.used() == 0


def test_key_with_inner_spaces_is_invalid_and_not_quoted(qtbot: QtBot,
                                                         make_dialog: MakeDialog) -> None:
    dialog = make_dialog(Settings(base_url="https://pbx.example.com"),
                         api_key="secret part-two")
    verdict = run_connection_test(qtbot, dialog)
    assert verdict.kind is VerdictKind.INVALID
    assert "secret" not in verdict.detail


def test_closing_the_dialog_cancels_a_running_test(qtbot: QtBot, make_dialog: MakeDialog,
                                                   silent_server: int) -> None:
    dialog = make_dialog(Settings(base_url=f"http://127.0.0.1:{silent_server}"),
                         api_key="some-key-1234")
    tested: list[object] = []
    dialog.sig_connection_tested.connect(tested.append)
    click(qtbot, dialog.test_button)
    task = dialog.test_task
    assert task is not None
    qtbot.wait(50)  # the request is on the wire, waiting for an answer that never comes
    assert not task.done()
    dialog.reject()
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.cancelled()
    assert tested == []


def test_dialog_stays_responsive_while_testing(qtbot: QtBot, make_dialog: MakeDialog,
                                               silent_server: int) -> None:
    dialog = make_dialog(Settings(base_url=f"http://127.0.0.1:{silent_server}"),
                         api_key="some-key-1234")
    click(qtbot, dialog.test_button)
    qtbot.wait(50)
    type_into(qtbot, dialog.editors["my_extension"].widget, "1010")
    assert dialog.current_settings().my_extension == "1010"
    assert dialog.test_button.text() == "Testing…"
    assert not dialog.test_button.isEnabled()
    dialog.reject()


def test_redaction_keeps_the_key_out_of_the_log(qtbot: QtBot, make_dialog: MakeDialog,
                                                sandbox_server: SandboxServer,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    dialog = make_dialog(Settings(base_url=sandbox_server.base_url), api_key=SANDBOX_API_KEY)
    run_connection_test(qtbot, dialog)
    text = "\n".join(redact(record.getMessage()) for record in caplog.records)
    assert "Connection test to 127.0.0.1: ok" in text
    assert SANDBOX_API_KEY not in "\n".join(record.getMessage() for record in caplog.records)
