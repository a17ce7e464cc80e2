"""Callback records through the relay over real HTTP, with the embedded store and with Redis.

``POST /callbacks/records`` signs each record with the posting desk and keeps
it once; every desk of the account (and only of that account) gets it as a
``callback_record`` event and through ``GET /callbacks/records``. Refused
posts (bad token, too large, not valid, forged identity, over the account's
rate) store nothing: the catch-up and the streams are read after each.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from pbxdesk.relay.app import RelayConfig
from pbxdesk.relay.events import Desk
from pbxdesk.relay.records import MAX_RECORDS, SharedRecord
from pbxdesk.relay.server import RelayServer
from pbxdesk.relay.store import make_store
from tests.relay.helpers import RelayHarness, call_event, open_stream

pytestmark = pytest.mark.asyncio

JANE = "+61412345678"


def now_us() -> int:
    return int(time.time() * 1_000_000)


def record(number: str = JANE, field: str = "claim", value: str = "calling",
           at_us: int | None = None, **extra: Any) -> dict[str, Any]:
    return {"number": number, "field": field, "value": value,
            "at_us": now_us() if at_us is None else at_us, **extra}


def post(relay: RelayHarness, token: str | None, body: Any, **kwargs: Any) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    headers.update(kwargs.pop("headers", {}))
    if "content" not in kwargs:
        kwargs["json"] = body
    return relay.request("POST", f"{relay.base_url}/callbacks/records", headers=headers,
                         **kwargs)


def catch_up(relay: RelayHarness, token: str, after: str | None = None,
             limit: int | None = None) -> dict[str, Any]:
    params = {key: str(value) for key, value in (("after", after), ("limit", limit))
              if value is not None}
    answer = relay.request("GET", f"{relay.base_url}/callbacks/records", params=params,
                           headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = answer.json()
    return document


def desk_id(relay: RelayHarness, token: str) -> str:
    return str(catch_up(relay, token)["desk"])


async def test_a_record_reaches_every_desk_of_the_account_signed_by_its_desk(
        relay: RelayHarness) -> None:
    ana, ben = relay.desk("1002"), relay.desk("1003", queues=("Sales queue",))
    at = now_us()
    async with httpx.AsyncClient() as client, \
            open_stream(client, relay.base_url, ana) as ana_stream, \
            open_stream(client, relay.base_url, ben) as ben_stream:
        answer = post(relay, ana, {"records": [record(at_us=at)]})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"stored": 1, "duplicates": 0, "desk": desk_id(relay, ana)}
        frames = await ben_stream.wait(1)
        own = await ana_stream.wait(1)
        # The same record again (a desk resending after a reconnect): kept once, sent once.
        again = post(relay, ana, {"records": [record(at_us=at)]})
        assert again.json()["duplicates"] == 1
        assert len(await ben_stream.quiet(0.5)) == 1
    frame = frames[0]
    assert frame.event == "callback_record"
    assert {key: frame.data[key] for key in ("number", "field", "value", "at_us", "extension",
                                            "desk")} == {
        "number": JANE, "field": "claim", "value": "calling", "at_us": at,
        "extension": "1002", "desk": desk_id(relay, ana)}
    assert own[0].data == frame.data  # the desk that posted gets it too (it ignores its own)
    kept = catch_up(relay, ben)
    assert [item["id"] for item in kept["records"]] == [frame.data["id"]]
    assert kept["more"] is False


async def test_records_replay_after_last_event_id_like_other_events(
        relay: RelayHarness) -> None:
    ana, ben = relay.desk("1002"), relay.desk("1003")
    async with httpx.AsyncClient() as client:
        async with open_stream(client, relay.base_url, ben) as first:
            relay.post(call_event("user_inbound", extension="1003"))
            seen = await first.wait(1)
        post(relay, ana, {"records": [record(), record(field="note", value="Wants a quote")]})
        async with open_stream(client, relay.base_url, ben, last_event_id=seen[0].id) as again:
            replayed = await again.wait(2)
    assert [(f.event, f.data["field"]) for f in replayed] == [
        ("callback_record", "claim"), ("callback_record", "note")]


async def test_a_desk_cannot_sign_for_another(relay: RelayHarness) -> None:
    ana, ben = relay.desk("1002"), relay.desk("1003")
    ana_id = desk_id(relay, ana)
    for forged in (record(desk=ana_id), record(agent="Ana Silva"),
                   record(desk=ana_id, agent="Ana Silva", extension="1002")):
        answer = post(relay, ben, {"records": [forged]})
        assert answer.status_code == 400, forged
        assert "not allowed" in answer.json()["error"]
    assert catch_up(relay, ana)["records"] == []
    # Posted plainly, Ben's record is Ben's, whatever he would like it to be.
    assert post(relay, ben, {"records": [record()]}).status_code == 200
    (kept,) = catch_up(relay, ana)["records"]
    assert (kept["desk"], kept["extension"]) == (desk_id(relay, ben), "1003")


async def test_another_account_never_receives_the_records(relay: RelayHarness) -> None:
    ana = relay.desk("1002")
    relay.server.add_account("globex")
    stranger = relay.server.add_desk("globex", "1002").token  # even with the same extension
    async with httpx.AsyncClient() as client, \
            open_stream(client, relay.base_url, stranger) as theirs, \
            open_stream(client, relay.base_url, ana) as ours:
        assert post(relay, ana, {"records": [record()]}).status_code == 200
        await ours.wait(1)
        assert await theirs.quiet(0.5) == []
    assert catch_up(relay, stranger)["records"] == []
    assert len(catch_up(relay, ana)["records"]) == 1


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"records": []}', b'{"records": {}}', b'{"records": [1]}',
    b'{"records": [], "more": 1}', b'{"items": []}', b"{" * 5000,
])
async def test_malformed_bodies_are_refused_and_nothing_is_stored(
        relay: RelayHarness, body: bytes) -> None:
    ana = relay.desk("1002")
    answer = post(relay, ana, None, content=body,
                  headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert catch_up(relay, ana)["records"] == []


@pytest.mark.parametrize("bad", [
    {"number": "0412 345 678"}, {"number": "+" + "1" * 32}, {"number": 61412345678},
    {"number": "+6141234567a"}, {"field": "owner"}, {"field": "state", "value": "closed"},
    {"field": "claim", "value": "mine"}, {"field": "snooze", "value": "tomorrow"},
    {"field": "snooze", "value": "9" * 17}, {"field": "note", "value": "x" * 2049},
    {"field": "note", "value": "bell\x07"}, {"field": "note", "value": "\ud800"},
    {"field": "note", "value": None}, {"at_us": "1764234902123000"}, {"at_us": True},
    {"at_us": 1.5}, {"at_us": now_us() + 2 * 3600 * 1_000_000},
    {"at_us": now_us() - 91 * 86_400 * 1_000_000},
])
async def test_one_invalid_record_refuses_the_whole_body(
        relay: RelayHarness, bad: dict[str, Any]) -> None:
    ana = relay.desk("1002")
    good = record()
    wrong = {**record(), **bad}
    answer = post(relay, ana, None, content=json.dumps({"records": [good, wrong]}).encode(),
                  headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, bad
    assert "record 2" in answer.json()["error"]
    assert catch_up(relay, ana)["records"] == []


async def test_values_each_field_may_hold_are_taken(relay: RelayHarness) -> None:
    ana = relay.desk("1002")
    records = [
        record(number="", field="state", value="done"),
        record(number="0299990000", field="state", value="not_needed"),
        record(field="state", value="open"), record(field="snooze", value=str(now_us())),
        record(field="snooze", value=""), record(field="claim", value=""),
        record(field="note", value="Rang twice;\n\tnot in before 3 — ‘Grüße’ ✓" + "x" * 2000),
        record(at_us=now_us() - 89 * 86_400 * 1_000_000),
    ]
    base = now_us()
    for n, item in enumerate(records[:-1]):
        item["at_us"] = base - n  # one moment per record (two of a field at once are one)
    body = {"records": records}
    answer = post(relay, ana, body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 8
    kept = catch_up(relay, ana)["records"]
    assert [(item["field"], item["value"]) for item in kept] == [
        (item["field"], item["value"]) for item in body["records"]]


async def test_oversized_and_too_many_are_refused(relay: RelayHarness) -> None:
    ana = relay.desk("1002")
    big = {"records": [record(field="note", value="x" * 2000) for _ in range(40)]}
    assert post(relay, ana, big).status_code == 413
    many = {"records": [record(at_us=now_us() - n) for n in range(MAX_RECORDS + 1)]}
    assert len(json.dumps(many)) < 64 * 1024
    answer = post(relay, ana, many)
    assert answer.status_code == 400
    assert "more than" in answer.json()["error"]
    assert catch_up(relay, ana)["records"] == []


async def test_bad_tokens_are_401_and_repeated_failures_slowed(relay: RelayHarness) -> None:
    ana = relay.desk("1002")
    relay.server.revoke_desk(desk_id(relay, ana))
    for token in (None, "pbxdesk_wrong", ana):
        answer = post(relay, token, {"records": [record()]})
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
    refused = relay.request("GET", f"{relay.base_url}/callbacks/records",
                            headers={"Authorization": "Bearer pbxdesk_wrong"})
    assert refused.status_code == 401
    statuses = [post(relay, "pbxdesk_wrong", {"records": [record()]}).status_code
                for _ in range(10)]
    assert statuses[-1] == 429
    # Slowed by address, whatever the token: even a good one waits now.
    good = relay.desk("1003")
    slowed = post(relay, good, {"records": [record()]})
    assert slowed.status_code == 429
    assert int(slowed.headers["retry-after"]) >= 1


async def test_each_account_has_its_own_rate_of_posts(store_spec: str) -> None:
    config = RelayConfig(ping_seconds=0.3, record_posts=3, record_window_seconds=60)
    with RelayServer(store_spec, config=config) as server:
        server.add_account("acme")
        server.add_account("globex")
        harness = RelayHarness(server, "acme", "")
        ana = server.add_desk("acme", "1002").token
        ben = server.add_desk("acme", "1003").token
        other = server.add_desk("globex", "1002").token
        statuses = [post(harness, token, {"records": [record(at_us=now_us() - n)]}).status_code
                    for n, token in enumerate((ana, ben, ana, ben))]
        assert statuses == [200, 200, 200, 429]
        limited = post(harness, ana, {"records": [record()]})
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert post(harness, other, {"records": [record()]}).status_code == 200
        assert len(catch_up(harness, ana)["records"]) == 3
        assert catch_up(harness, ana)["desk"]  # reading is not a post: not limited


async def test_the_catch_up_pages_with_its_cursor(relay: RelayHarness) -> None:
    ana = relay.desk("1002")
    start = now_us() - 10_000
    for chunk in range(3):
        body = {"records": [record(at_us=start + chunk * 100 + n) for n in range(4)]}
        assert post(relay, ana, body).status_code == 200
    seen: list[int] = []
    after: str | None = None
    pages = 0
    while True:
        page = catch_up(relay, ana, after, limit=5)
        seen += [item["at_us"] for item in page["records"]]
        after = page["next"]
        pages += 1
        if not page["more"]:
            break
    assert pages == 3
    assert seen == sorted(seen)
    assert len(seen) == 12
    assert catch_up(relay, ana, after)["records"] == []
    assert catch_up(relay, ana, after)["next"] == after
    # A cursor this store never made reads from the oldest kept record.
    assert len(catch_up(relay, ana, "not-a-cursor")["records"]) == 12
    for limit in ("0", "1001", "x", "-1"):
        answer = relay.request("GET", f"{relay.base_url}/callbacks/records",
                               params={"limit": limit}, headers={"Authorization": f"Bearer {ana}"})
        assert answer.status_code == 400, limit


async def test_records_outlive_the_events_and_leave_after_their_own_retention(
        store_spec: str) -> None:
    store = make_store(store_spec, retention_seconds=3600,
                       records_retention_seconds=7 * 86_400)
    await store.open()
    try:
        desk = Desk("d_1", "acme", "1002")
        records = [SharedRecord(JANE, "claim", "calling", now_us(), desk.id, desk.extension)]
        now = datetime.now(UTC)
        assert (await store.add_records("acme", records, now)).stored == 1
        assert (await store.add_records("acme", records, now)).duplicates == 1
        floor = "0" if store.kind == "embedded" else "0-0"
        assert [e.type for e in await store.read_after("acme", floor, 10)] == ["callback_record"]
        await store.prune(now + timedelta(days=3))  # the weekend: events gone, records kept
        assert await store.read_after("acme", floor, 10) == []
        kept = await store.records_after("acme", None, 10)
        assert [json.loads(data)["at_us"] for _, data in kept] == [records[0].at_us]
        assert (await store.add_records("acme", records, now)).duplicates == 1
        await store.prune(now + timedelta(days=8))
        assert await store.records_after("acme", None, 10) == []
    finally:
        await store.close()
