"""The Redis store: accounts, desks and events in Redis, shared by any number of relay processes.

Keys (prefix ``pbxdesk-relay:``):

- ``accounts`` (hash): account name → JSON ``{secret_hash, created_at}``;
- ``desks`` (hash): desk id → JSON desk; ``desk-tokens`` (hash): token hash → desk id;
- ``{ACCOUNT}:events`` (stream): the account's events, ``XADD … MAXLEN ~ max_events``,
  older than the retention trimmed by :meth:`RedisStore.prune` (exact ``XTRIM MINID``);
  fields ``type``, ``routes``, ``data``. The stream id is the SSE id;
- ``{ACCOUNT}:seen:DIGEST``: ``SET NX EX retention`` before the ``XADD``, both in one
  Lua script, so a repeated webhook is stored once even when two relay
  processes receive it at the same moment;
- ``{ACCOUNT}:records`` (stream): the account's callback records (field ``data``),
  ``XADD … MAXLEN ~ max_records``, older than the records' retention trimmed by
  :meth:`RedisStore.prune`; its ids are the catch-up's cursors.
  ``{ACCOUNT}:record:ID`` (``SET NX EX`` the records' retention) keeps each
  record once; one Lua script sets it, adds the record and appends its
  ``callback_record`` event to ``{ACCOUNT}:events``.

The account name in braces is a Redis Cluster hash tag: an account's keys stay
in one slot. Replay is ``XRANGE (after +``, new events ``XREAD BLOCK``; each
relay process runs one reader per account stream and fans its events out to
its own desks (:mod:`pbxdesk.relay.hub`). Needs Redis 6.2 or newer.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from pbxdesk.relay.events import ACCOUNT_ROUTE, Desk, IncomingEvent, StoredEvent
from pbxdesk.relay.records import DEFAULT_RETENTION_SECONDS, RECORD_EVENT, SharedRecord
from pbxdesk.relay.store.base import Appended, RecordsAdded, RelayStore, StoreError

PREFIX = "pbxdesk-relay:"
DEFAULT_MAX_EVENTS = 500_000
MAX_RECORDS = 1_000_000
"""Callback records kept per account at most (90 days of a large team's clicks)."""
COMMAND_CONNECTIONS = 64
FOLLOW_BLOCK_SECONDS = 10.0
_ID = re.compile(r"(\d{1,15})(?:-(\d{1,15}))?")

# KEYS: stream, seen key. ARGV: retention seconds, max events, type, routes, data.
_APPEND_ONCE = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
                    'type', ARGV[3], 'routes', ARGV[4], 'data', ARGV[5])
end
return false
"""

# KEYS: events stream, records stream, seen key. ARGV: records retention seconds, max
# events, max records, event type, routes, data.
_ADD_RECORD_ONCE = """
if redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'data', ARGV[6])
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
                    'type', ARGV[4], 'routes', ARGV[5], 'data', ARGV[6])
end
return false
"""


class RedisStore(RelayStore):
    """A ``redis://host:port/db`` (or ``rediss://``) store."""

    kind = "redis"

    def __init__(self, url: str, *, retention_seconds: float = 86_400.0,
                 records_retention_seconds: float = DEFAULT_RETENTION_SECONDS,
                 max_events: int = DEFAULT_MAX_EVENTS) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
            raise StoreError(f"{where(url)} is not a redis://host:port/db address")
        self.url = url
        self.retention_seconds = retention_seconds
        self.records_retention_seconds = records_retention_seconds
        self.max_events = max_events
        self._redis: aioredis.Redis | None = None
        self._follower: aioredis.Redis | None = None
        self._append_script: Any = None
        self._record_script: Any = None

    async def open(self) -> None:
        try:
            # Requests wait for one of COMMAND_CONNECTIONS instead of failing in a burst.
            pool = aioredis.BlockingConnectionPool.from_url(
                self.url, max_connections=COMMAND_CONNECTIONS, timeout=10,
                decode_responses=True, socket_connect_timeout=5, socket_timeout=10,
                health_check_interval=30)
            # XREAD BLOCK waits up to FOLLOW_BLOCK_SECONDS: its own connections, a longer timeout.
            follower = aioredis.Redis.from_url(
                self.url, decode_responses=True, socket_connect_timeout=5,
                socket_timeout=FOLLOW_BLOCK_SECONDS + 20, health_check_interval=30)
        except ValueError as exc:
            raise StoreError(f"{where(self.url)} is not a usable Redis address: {exc}") from None
        client = aioredis.Redis.from_pool(pool)  # closing the client closes the pool
        try:
            info = await client.info("server")
        except RedisError as exc:
            await client.aclose()
            await follower.aclose()
            raise StoreError(f"Cannot reach Redis at {where(self.url)}: {exc}") from None
        version = tuple(int(part) for part in str(info.get("redis_version", "0")).split(".")[:2])
        if version < (6, 2):
            await client.aclose()
            await follower.aclose()
            raise StoreError(f"Redis at {where(self.url)} is version "
                             f"{info.get('redis_version')}; the relay needs 6.2 or newer.")
        self._redis, self._follower = client, follower
        self._append_script = client.register_script(_APPEND_ONCE)
        self._record_script = client.register_script(_ADD_RECORD_ONCE)

    async def close(self) -> None:
        for client in (self._redis, self._follower):
            if client is not None:
                await client.aclose()
        self._redis = self._follower = None

    async def ping(self) -> bool:
        try:
            return bool(await self._conn().ping())
        except (RedisError, StoreError):
            return False

    # -- accounts --------------------------------------------------------------------
    async def add_account(self, name: str, secret_hash: str, created_at: str) -> bool:
        value = json.dumps({"secret_hash": secret_hash, "created_at": created_at})
        return bool(await self._call(self._conn().hsetnx(PREFIX + "accounts", name, value)))

    async def account_names(self) -> list[str]:
        return sorted(await self._call(self._conn().hkeys(PREFIX + "accounts")))

    async def account_secret_hash(self, name: str) -> str | None:
        value = await self._call(self._conn().hget(PREFIX + "accounts", name))
        return None if value is None else str(json.loads(value)["secret_hash"])

    # -- desks -----------------------------------------------------------------------
    async def add_desk(self, desk: Desk, token_hash: str) -> None:
        record = json.dumps({**desk.to_json(), "token_hash": token_hash})
        pipe = self._conn().pipeline(transaction=True)
        pipe.hset(PREFIX + "desks", desk.id, record)
        pipe.hset(PREFIX + "desk-tokens", token_hash, desk.id)
        await self._call(pipe.execute())

    async def desks(self) -> list[Desk]:
        records = await self._call(self._conn().hvals(PREFIX + "desks"))
        return sorted((_desk(json.loads(record)) for record in records),
                      key=lambda desk: (desk.account, desk.id))

    async def desk(self, desk_id: str) -> Desk | None:
        record = await self._call(self._conn().hget(PREFIX + "desks", desk_id))
        return None if record is None else _desk(json.loads(record))

    async def desk_by_token_hash(self, token_hash: str) -> Desk | None:
        desk_id = await self._call(self._conn().hget(PREFIX + "desk-tokens", token_hash))
        return None if desk_id is None else await self.desk(desk_id)

    async def remove_desk(self, desk_id: str) -> bool:
        record = await self._call(self._conn().hget(PREFIX + "desks", desk_id))
        if record is None:
            return False
        pipe = self._conn().pipeline(transaction=True)
        pipe.hdel(PREFIX + "desks", desk_id)
        pipe.hdel(PREFIX + "desk-tokens", json.loads(record)["token_hash"])
        await self._call(pipe.execute())
        return True

    # -- events ----------------------------------------------------------------------
    async def append(self, account: str, events: Sequence[IncomingEvent],
                     received_at: datetime) -> Appended:
        stream = _stream(account)
        retention = str(max(1, int(self.retention_seconds)))
        pipe = self._conn().pipeline(transaction=False)
        prepared: list[tuple[str, frozenset[str], str]] = []
        for event in events:
            routes = event.routes
            data = event.data_json(received_at)
            await self._append_script(
                keys=[stream, f"{PREFIX}{{{account}}}:seen:{event.digest(account)}"],
                args=[retention, str(self.max_events), event.type, "\x1f".join(sorted(routes)),
                      data], client=pipe)
            prepared.append((event.type, routes, data))
        results = await self._call(pipe.execute())
        stored = tuple(StoredEvent(str(event_id), kind, routes, data)
                       for event_id, (kind, routes, data) in zip(results, prepared, strict=True)
                       if event_id)
        return Appended(stored, len(events) - len(stored))

    async def latest_id(self, account: str) -> str:
        newest = await self._call(self._conn().xrevrange(_stream(account), count=1))
        return str(newest[0][0]) if newest else "0-0"

    async def read_after(self, account: str, after: str, limit: int,
                         block_seconds: float = 0.0) -> list[StoredEvent]:
        stream = _stream(account)
        if block_seconds <= 0:
            entries = await self._call(
                self._conn().xrange(stream, min=f"({after}", max="+", count=limit))
        else:
            if self._follower is None:
                raise StoreError("the relay store is not open")
            block = min(block_seconds, FOLLOW_BLOCK_SECONDS)
            answer = await self._call(self._follower.xread(
                {stream: after}, count=limit, block=max(1, int(block * 1000))))
            entries = answer[0][1] if answer else []
        return [_stored(entry_id, fields) for entry_id, fields in entries]

    def parse_id(self, text: str) -> str | None:
        match = _ID.fullmatch(text.strip())
        if match is None:
            return None
        return f"{int(match[1])}-{int(match[2] or 0)}"

    def order_key(self, event_id: str) -> tuple[int, ...]:
        milliseconds, _, sequence = event_id.partition("-")
        return (int(milliseconds), int(sequence or 0))

    async def prune(self, now: datetime) -> None:
        conn = self._conn()
        for kind, retention in (("events", self.retention_seconds),
                                ("records", self.records_retention_seconds)):
            cutoff = int((now.timestamp() - retention) * 1000)
            streams = await self._call(_collect(conn.scan_iter(match=f"{PREFIX}{{*}}:{kind}",
                                                               _type="STREAM")))
            for stream in streams:
                await self._call(conn.xtrim(stream, minid=str(cutoff), approximate=False))

    # -- callback records --------------------------------------------------------------
    async def add_records(self, account: str, records: Sequence[SharedRecord],
                          received_at: datetime) -> RecordsAdded:
        keys = [_stream(account), _records(account)]
        retention = str(max(1, int(self.records_retention_seconds)))
        pipe = self._conn().pipeline(transaction=False)
        for record in records:
            await self._record_script(
                keys=[*keys, f"{PREFIX}{{{account}}}:record:{record.id(account)}"],
                args=[retention, str(self.max_events), str(MAX_RECORDS), RECORD_EVENT,
                      ACCOUNT_ROUTE, record.data_json(account, received_at)], client=pipe)
        results = await self._call(pipe.execute())
        stored = sum(1 for event_id in results if event_id)
        return RecordsAdded(stored, len(records) - stored)

    async def records_after(self, account: str, after: str | None,
                            limit: int) -> list[tuple[str, str]]:
        entries = await self._call(self._conn().xrange(
            _records(account), min=f"({after}" if after else "-", max="+", count=limit))
        return [(str(entry_id), str(fields.get("data", "{}"))) for entry_id, fields in entries]

    # -- inside ----------------------------------------------------------------------
    def _conn(self) -> aioredis.Redis:
        if self._redis is None:
            raise StoreError("the relay store is not open")
        return self._redis

    async def _call(self, pending: Any) -> Any:
        try:
            return await pending
        except RedisError as exc:
            raise StoreError(f"Redis at {where(self.url)} failed: {exc}") from None


def where(url: str) -> str:
    """``host:port/db`` of a Redis URL, without the password it may carry."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ":?"
    return f"{parts.scheme}://{parts.hostname or '?'}{port}{parts.path}"


async def _collect(keys: AsyncIterator[str]) -> list[str]:
    return [key async for key in keys]


def _stream(account: str) -> str:
    return f"{PREFIX}{{{account}}}:events"


def _records(account: str) -> str:
    return f"{PREFIX}{{{account}}}:records"


def _stored(entry_id: str, fields: dict[str, str]) -> StoredEvent:
    routes = frozenset(fields.get("routes", "").split("\x1f")) - {""}
    return StoredEvent(str(entry_id), fields.get("type", "unknown"), routes,
                       fields.get("data", "{}"))


def _desk(record: dict[str, Any]) -> Desk:
    return Desk(id=record["desk"], account=record["account"], extension=record["extension"],
                queues=tuple(record["queues"]), ring_groups=tuple(record["ring_groups"]),
                created_at=record.get("created_at", ""))
