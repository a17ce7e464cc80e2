"""Fixtures for the relay tests.

``redis_url`` (session): a real ``redis-server`` started for the run (the
Debian package ``redis-server``; missing on Linux is a failure, not a skip),
flushed before each test that uses it. ``store_spec``: parametrised over the
embedded store (a folder) and Redis. ``relay``: a :class:`RelayHarness` on a
:class:`RelayServer` with the account ``acme``, pings every 0.3 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from pbxdesk.relay.app import RelayConfig
from pbxdesk.relay.server import RelayServer
from tests.relay.helpers import RelayHarness, redis_server_process

FAST_CONFIG = RelayConfig(ping_seconds=0.3)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    with redis_server_process() as url:
        yield url


@pytest.fixture
def redis_url(redis_server: str) -> str:
    with redis.Redis.from_url(redis_server) as client:
        client.flushall()
    return redis_server


@pytest.fixture(params=["embedded", "redis"])
def store_spec(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "redis":
        return str(request.getfixturevalue("redis_url"))
    return str(tmp_path / "relay-store")


@pytest.fixture
def relay(store_spec: str) -> Iterator[RelayHarness]:
    with RelayServer(store_spec, config=FAST_CONFIG) as server:
        account = server.add_account("acme")
        yield RelayHarness(server, "acme", account.secret)
