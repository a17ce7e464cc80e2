"""The client against every variant the sandbox can answer with (issue 8, item 17).

``message`` as a string or an object, ``limit``/``offset`` capped or refused,
404 bodies however they are spelt, a pasted URL with a trailing slash: the
client reads each the same way, in process and over loopback.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest

from pbxdesk.api.client import PbxClient
from pbxdesk.api.errors import BadRequestError
from pbxdesk.api.models import CallKind
from pbxdesk.api.parse import parse_row
from pbxdesk.sandbox import Sandbox
from pbxdesk.sandbox.server import SandboxServer
from tests.fixtures.api import MakeClient

pytestmark = pytest.mark.asyncio
MakeSandbox = Callable[..., Sandbox]


def client_for(sandbox: Sandbox, route: str, make_client: MakeClient,
               servers: list[SandboxServer], **settings: object) -> PbxClient:
    if route == "asgi":
        return make_client(sandbox, **settings)
    server = SandboxServer(sandbox)
    server.start()
    servers.append(server)
    return make_client(base_url=server.base_url, api_key=sandbox.api_key, **settings)


@pytest.fixture
def servers() -> Iterator[list[SandboxServer]]:
    started: list[SandboxServer] = []
    yield started
    for server in started:
        server.stop()


async def every_key_once(client: PbxClient, sandbox: Sandbox, kind: CallKind) -> None:
    today = sandbox.now().date()
    scan = client.iter_history(kind, today - timedelta(days=40), today + timedelta(days=1))
    seen: Counter[str] = Counter()
    async for page in scan:
        seen.update(row.key for row in page.rows)
    truth: Counter[str] = Counter()
    for raw in sandbox.rows(kind):
        row = parse_row(raw, kind)
        assert row is not None
        truth[row.key] += 1
    assert seen == truth
    assert scan.report.complete


@pytest.mark.parametrize("route", ["asgi", "loopback"])
async def test_message_as_an_object_everywhere(
        make_sandbox: MakeSandbox, make_client: MakeClient, servers: list[SandboxServer],
        route: str) -> None:
    sandbox = make_sandbox(calls=300, message_object_share=1.0)
    client = client_for(sandbox, route, make_client, servers, max_offset=100, max_limit=50)
    user = sandbox.account.users[0].extension

    await client.check_connection()
    await every_key_once(client, sandbox, CallKind.USER)
    await client.call_to_number(user, "+61412345678")
    with pytest.raises(BadRequestError, match=r"error: user_number '9999' is not a user") as bad:
        await client.call_to_number("9999", "+61412345678")

    assert bad.value.status_code == 400
    assert len(sandbox.placed_calls()) == 1


@pytest.mark.parametrize("kind", list(CallKind))
async def test_a_mix_of_string_and_object_messages_in_one_scan(
        make_sandbox: MakeSandbox, make_client: MakeClient, kind: CallKind) -> None:
    sandbox = make_sandbox(calls=800, message_object_share=0.5)
    await every_key_once(make_client(sandbox, max_offset=100, max_limit=40), sandbox, kind)


@pytest.mark.parametrize("strict", [False, True], ids=["capped", "strict"])
@pytest.mark.parametrize("caps", [{}, {"max_offset": 150, "max_limit": 60}],
                         ids=["api-caps", "biting-caps"])
async def test_paging_works_whether_the_server_caps_or_refuses(
        make_sandbox: MakeSandbox, make_client: MakeClient, strict: bool,
        caps: dict[str, int]) -> None:
    sandbox = make_sandbox(calls=1200, strict_paging=strict)
    client = make_client(sandbox, **caps)
    await every_key_once(client, sandbox, CallKind.QUEUE)
    await every_key_once(client, sandbox, CallKind.USER)


async def test_a_404_reads_the_same_however_it_is_spelt(
        sandbox: Sandbox, make_client: MakeClient) -> None:
    # The sandbox's own 404 (a base address with a path the PBX does not serve) …
    wrong_path = make_client(sandbox, base_url="http://127.0.0.1:9/portal")
    with pytest.raises(BadRequestError, match="check the PBX address and the API version") as ours:
        await wrong_path.check_connection()
    # … and other spellings a server in front of it may use.
    spelt: list[str] = []
    for body in ({"message": "Not Found"}, {"message": {"error": ["Not found"]}},
                 {"detail": "not found"}):
        answer = httpx.Response(404, json=body)
        client = make_client(transport=httpx.MockTransport(lambda _r, a=answer: a))
        with pytest.raises(BadRequestError, match="check the PBX address") as caught:
            await client.check_connection()
        spelt.append(caught.value.server_message.split(" (HTTP")[0])

    assert ours.value.server_message.startswith("Not found (HTTP 404 for get-user-calls)")
    assert spelt == ["Not Found", "error: Not found", "not found"]


async def test_a_pasted_api_url_with_a_trailing_slash_needs_no_redirect(
        sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sandbox, base_url="http://127.0.0.1:9/api/integration/v2/")
    await client.check_connection()
    assert sandbox.request_counts == {"get-user-calls": 1}  # never get-system-status
