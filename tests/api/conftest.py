"""Fixtures for the API tests: one client per way of reaching the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pbxdesk.api.client import PbxClient
from pbxdesk.sandbox import Sandbox
from pbxdesk.sandbox.server import SandboxServer
from tests.fixtures.api import MakeClient


@pytest.fixture(params=["asgi", "loopback"])
def route(request: pytest.FixtureRequest) -> str:
    """How the client reaches the sandbox: in process, or over a real loopback socket."""
    return str(request.param)


@pytest.fixture
def served(sandbox: Sandbox, route: str) -> Iterator[SandboxServer | None]:
    if route == "asgi":
        yield None
        return
    with SandboxServer(sandbox) as server:
        yield server


@pytest.fixture
def pbx(sandbox: Sandbox, served: SandboxServer | None, make_client: MakeClient) -> PbxClient:
    """A client on the ``sandbox`` fixture, by each ``route``."""
    if served is None:
        return make_client(sandbox)
    return make_client(base_url=served.base_url, api_key=sandbox.api_key)
