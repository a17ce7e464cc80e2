"""Property: over real HTTP, a desk receives exactly the events of its extension, queues
and ring groups, in order, and never another extension's.

Hypothesis draws the desks and a sequence of webhooks (any mix of extensions,
queues, ring groups, event types, spellings and batches); one relay (the
embedded store; Redis shares the routing code and is covered by the
other tests) serves every example, each in an account of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbxdesk.relay.server import RelayServer
from tests.relay.helpers import open_stream

EXTENSIONS = ["1001", "1002", "1003", "10010", "201"]
QUEUES = ["Sales", "Support", "sales ", "Billing"]
GROUPS = ["Front desk", "FRONT DESK", "Night"]
TYPES = ["user_inbound", "user_inbound_answered", "user_inbound_completed", "user_outbound",
         "queue_call", "ring_group_call", "voicemail", "recording_inbound", "component_event"]

_accounts = itertools.count()


@pytest.fixture(scope="module")
def shared_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayServer]:
    folder: Path = tmp_path_factory.mktemp("relay-property")
    with RelayServer(folder) as server:
        yield server


desks = st.lists(
    st.tuples(st.sampled_from(EXTENSIONS),
              st.lists(st.sampled_from(QUEUES), max_size=2, unique=True),
              st.lists(st.sampled_from(GROUPS), max_size=1)),
    min_size=1, max_size=4)

events = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(TYPES)},
        optional={"user_number": st.sampled_from([*EXTENSIONS, "", " 1001", "null"]),
                  "queue_name": st.sampled_from(QUEUES),
                  "ring_group_name": st.sampled_from(GROUPS),
                  "ringgroup_name": st.sampled_from(GROUPS),
                  "caller_id": st.from_regex(r"61[0-9]{9}", fullmatch=True)}),
    min_size=1, max_size=25)


def expected_for(desk: tuple[str, list[str], list[str]], event: dict[str, str]) -> bool:
    """The rule written independently of the relay's code."""
    extension, queues, groups = desk
    fold = lambda text: " ".join(text.split()).casefold()  # noqa: E731
    user = event.get("user_number", "").strip()
    if user and user.lower() != "null" and user == extension:
        return True
    if "queue_name" in event and fold(event["queue_name"]) in {fold(q) for q in queues}:
        return True
    group = event.get("ring_group_name") or event.get("ringgroup_name")
    return bool(group) and fold(group) in {fold(g) for g in groups}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(desk_specs=desks, posted=events, batch=st.integers(1, 5))
def test_desks_receive_exactly_their_events(shared_relay: RelayServer,
                                            desk_specs: list[tuple[str, list[str], list[str]]],
                                            posted: list[dict[str, str]], batch: int) -> None:
    account = f"p{next(_accounts)}"
    secret = shared_relay.add_account(account).secret
    tokens = [shared_relay.add_desk(account, extension, queues, groups).token
              for extension, queues, groups in desk_specs]
    # Each event is made unique, so once-only storage keeps every one.
    bodies = [{**event, "seq": str(n)} for n, event in enumerate(posted)]
    received = asyncio.run(_run(shared_relay, account, secret, tokens, bodies, batch))
    for spec, got in zip(desk_specs, received, strict=True):
        want = [body["seq"] for body in bodies if expected_for(spec, body)]
        assert got == want, (spec, posted)


async def _run(server: RelayServer, account: str, secret: str, tokens: list[str],
               bodies: list[dict[str, str]], batch: int) -> list[list[str]]:
    headers = {"X-Pbx-Token": secret}
    async with httpx.AsyncClient() as client, contextlib.AsyncExitStack() as exits:
        streams = [await exits.enter_async_context(open_stream(client, server.base_url, token))
                   for token in tokens]
        for start in range(0, len(bodies), batch):
            chunk: Any = bodies[start:start + batch]
            response = await client.post(server.webhook_url(account), headers=headers,
                                         json=chunk if len(chunk) > 1 else chunk[0])
            assert response.status_code == 200
        # A marker for every extension, posted last: once a desk has it, it has the rest.
        markers = [{"type": "marker", "user_number": ext, "seq": "end"} for ext in EXTENSIONS]
        await client.post(server.webhook_url(account), json=markers, headers=headers)
        results: list[list[str]] = []
        for stream in streams:
            async with asyncio.timeout(10):
                while not any(frame.data.get("seq") == "end" for frame in stream.frames):
                    await stream.wait(len(stream.frames) + 1)
            results.append([frame.data["seq"] for frame in stream.frames
                            if frame.data.get("seq") != "end"])
        return results
