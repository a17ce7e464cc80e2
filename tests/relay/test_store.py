"""The two stores behind one interface: retention, once-only storage, ids, desks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from pbxdesk.relay.events import Desk, IncomingEvent
from pbxdesk.relay.store import make_store

pytestmark = pytest.mark.asyncio


def event(n: int) -> IncomingEvent:
    return IncomingEvent("user_inbound", {"user_number": "1001", "unique_call_id": str(n)})


async def test_retention_prunes_old_events_and_their_once_only_marks(store_spec: str) -> None:
    store = make_store(store_spec, retention_seconds=1)
    await store.open()
    try:
        first = await store.append("acme", [event(1), event(2)], datetime.now(UTC))
        assert len(first.stored) == 2
        assert (await store.append("acme", [event(1)], datetime.now(UTC))).duplicates == 1
        await asyncio.sleep(1.3)
        fresh = await store.append("acme", [event(3)], datetime.now(UTC))
        assert [e.routes for e in fresh.stored] == [frozenset({"x:1001"})]
        await store.prune(datetime.now(UTC))
        kept = await store.read_after("acme", "0" if store.kind == "embedded" else "0-0", 100)
        assert [e.data.split('"unique_call_id":"')[1].split('"')[0] for e in kept] == ["3"]
        assert store.order_key(kept[0].id) > store.order_key(first.stored[1].id)
        assert await store.latest_id("acme") == kept[0].id
        # Past the retention, the same event is new again.
        assert len((await store.append("acme", [event(1)], datetime.now(UTC))).stored) == 1
    finally:
        await store.close()


async def test_ids_from_outside_are_checked(store_spec: str) -> None:
    store = make_store(store_spec)
    for text in ("", "abc", "-1", "1-2-3", "9" * 40, "1.5"):
        assert store.parse_id(text) is None, text
    assert store.parse_id(" 42 ") is not None


async def test_desks_by_token_hash_and_removal(store_spec: str) -> None:
    store = make_store(store_spec)
    await store.open()
    try:
        desk = Desk("d_1", "acme", "1001", ("Sales",), (), "2026-01-01T00:00:00.000Z")
        await store.add_desk(desk, "hash-1")
        assert await store.desk_by_token_hash("hash-1") == desk
        assert await store.desk_by_token_hash("hash-2") is None
        assert await store.remove_desk("d_1")
        assert await store.desk_by_token_hash("hash-1") is None
        assert not await store.remove_desk("d_1")
        assert await store.add_account("acme", "h", "t")
        assert not await store.add_account("acme", "other", "t")
        assert await store.account_secret_hash("acme") == "h"
    finally:
        await store.close()
