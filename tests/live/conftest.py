"""The live client's tests use the relay's fixtures (a relay on each store)."""

from tests.relay.conftest import redis_server, redis_url, relay, store_spec

__all__ = ["redis_server", "redis_url", "relay", "store_spec"]
