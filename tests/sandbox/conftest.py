"""Clients for the sandbox tests: in process (ASGITransport) and over loopback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from pbxdesk.sandbox import Sandbox
from pbxdesk.sandbox.server import SandboxServer
from tests.fixtures.sandbox import SANDBOX_API_KEY, SANDBOX_BASE_PATH
from tests.sandbox.helpers import LogLines


@pytest_asyncio.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """An async client talking to ``sandbox`` in process, with the right key."""
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://pbx{SANDBOX_BASE_PATH}/",
                                 headers={"token": SANDBOX_API_KEY}) as client:
        yield client


@pytest.fixture
def http(sandbox_server: SandboxServer) -> Iterator[httpx.Client]:
    """A sync client talking to the loopback server, with the right key."""
    with httpx.Client(base_url=f"{sandbox_server.base_url}{SANDBOX_BASE_PATH}/",
                      headers={"token": SANDBOX_API_KEY}, timeout=10) as client:
        yield client


@pytest.fixture
def sandbox_logs() -> Iterator[LogLines]:
    """Everything ``pbxdesk.sandbox`` logs during the test, at DEBUG and up.

    A handler on the logger itself, not caplog: another test may have called
    ``setup_logging``, which stops ``pbxdesk`` records from reaching the root.
    """
    logger = logging.getLogger("pbxdesk.sandbox")
    handler = LogLines()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)
