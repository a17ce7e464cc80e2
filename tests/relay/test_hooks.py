"""Webhooks into the relay over real HTTP, with the embedded store and with Redis.

What is accepted (JSON object, JSON array, form fields, trigger paths), what is
refused and how (401 / 413 / 400 / 429), and that a refused body stores
nothing: after each refusal one good event is posted and must be the only
one a desk sees.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.relay.helpers import RelayHarness, call_event, open_stream

pytestmark = pytest.mark.asyncio


async def test_json_object_array_and_trigger_paths(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        one = relay.post(call_event("user_inbound", unique_call_id="1"))
        assert one.status_code == 200
        assert one.json() == {"stored": 1, "duplicates": 0}
        batch = [call_event("user_inbound_answered", unique_call_id="1"),
                 call_event("user_inbound_completed", unique_call_id="1")]
        assert relay.post(batch).json() == {"stored": 2, "duplicates": 0}
        # One URL per trigger, body without "type": the path names the event.
        typeless = {k: v for k, v in call_event("x", unique_call_id="2").items() if k != "type"}
        assert relay.post(typeless, "user-outbound-call-answered").status_code == 200
        # A body that names its type wins over the path.
        assert relay.post(call_event("voicemail", unique_call_id="3"),
                          "user-inbound-call").status_code == 200
        frames = await s.wait(5)
    assert [f.event for f in frames] == ["user_inbound", "user_inbound_answered",
                                         "user_inbound_completed", "user_outbound_answered",
                                         "voicemail"]
    assert [f.data["type"] for f in frames] == [f.event for f in frames]
    ids = [int(f.id.split("-")[0]) * 10**6 + int(f.id.partition("-")[2] or 0) for f in frames]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5


async def test_every_trigger_path_names_its_event(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    expected = {
        "user-inbound-call": "user_inbound", "user-inbound-call-answered":
        "user_inbound_answered", "user-inbound-call-completion": "user_inbound_completed",
        "user-outbound-call": "user_outbound", "user-outbound-call-answered":
        "user_outbound_answered", "user-outbound-call-completion": "user_outbound_completed",
        "queue-call-summary": "queue_call", "ring-group-call-summary": "ring_group_call",
        "voicemail": "voicemail", "inbound-call-recording": "recording_inbound",
        "outbound-call-recording": "recording_outbound",
    }
    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        for n, trigger in enumerate(expected):
            body = {"user_number": "1001", "unique_call_id": str(n)}
            assert relay.post(body, trigger).status_code == 200, trigger
        frames = await s.wait(len(expected))
    assert [f.event for f in frames] == list(expected.values())


async def test_form_fields_urlencoded_and_multipart(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        form = relay.post(None, data={"type": "user_inbound", "user_number": "1001",
                                      "caller_id": "61300000001"})
        assert form.status_code == 200
        multipart = relay.post(None, "voicemail", data={
            "user_number": "1001", "caller_id": "61300000002",
            "audio_file[]": ["https://pbx.example/vm/1.wav", "https://pbx.example/vm/2.wav"]},
            files={"attachment": ("vm.wav", b"RIFF....", "audio/wav")})
        assert multipart.status_code == 200, multipart.text
        # JSON labelled as a form (curl -d does that) is still JSON.
        mislabelled = relay.post(None, content=b'{"type":"user_inbound","user_number":"1001",'
                                 b'"caller_id":"61300000003"}', headers={
                                     "Content-Type": "application/x-www-form-urlencoded"})
        assert mislabelled.status_code == 200
        frames = await s.wait(3)
    assert frames[0].data["caller_id"] == "61300000001"
    assert frames[1].event == "voicemail"
    assert frames[1].data["audio_file"] == ["https://pbx.example/vm/1.wav",
                                            "https://pbx.example/vm/2.wav"]
    assert "attachment" not in frames[1].data
    assert frames[2].data["caller_id"] == "61300000003"


async def test_fields_are_normalised(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    body = {"type": " User_Inbound ", "user_number": 1001, "caller_id": "  61300000003 ",
            "caller_name": "null", "connected_at": "", "call_duration": 12.0,
            "callerid": "ignored-when-caller_id-is-there", "ringgroup_name": "Support",
            "flag": True, "nested": {"a": 1}}
    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        assert relay.post(body).status_code == 200
        [frame] = await s.wait(1)
    data = frame.data
    assert frame.event == "user_inbound"
    assert data["user_number"] == "1001"
    assert data["caller_id"] == "61300000003"
    assert data["caller_name"] is None
    assert data["connected_at"] is None
    assert data["call_duration"] == "12"
    assert data["ring_group_name"] == "Support"
    assert "ringgroup_name" not in data
    assert "callerid" not in data
    assert data["flag"] == "true"
    assert json.loads(data["nested"]) == {"a": 1}
    assert data["received_at"].endswith("Z")


async def test_unknown_types_are_kept_and_passed_on(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        assert relay.post({"type": "component_event", "user_number": "1001",
                           "step": "IVR 2"}).status_code == 200
        assert relay.post({"user_number": "1001", "x": "1"}, "some-new-trigger").status_code == 200
        assert relay.post({"user_number": "1001", "y": "1"}).status_code == 200  # no type at all
        frames = await s.wait(3)
    assert [f.event for f in frames] == ["component_event", "some_new_trigger", "unknown"]
    assert frames[0].data["step"] == "IVR 2"


async def test_same_event_twice_is_stored_once(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    event = call_event("user_inbound_completed", unique_call_id="77")
    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        assert relay.post(event).json() == {"stored": 1, "duplicates": 0}
        assert relay.post(event).json() == {"stored": 0, "duplicates": 1}
        # The same event through its trigger URL without "type", and inside a batch.
        typeless = {k: v for k, v in event.items() if k != "type"}
        assert relay.post(typeless, "user-inbound-call-completion").json()["duplicates"] == 1
        assert relay.post([event, event]).json() == {"stored": 0, "duplicates": 2}
        assert relay.post(call_event("user_inbound_completed",
                                     unique_call_id="78")).json()["stored"] == 1
        frames = await s.quiet(0.5)
    assert [f.data["unique_call_id"] for f in frames] == ["77", "78"]
    # Replayed from the start: still one of each.
    async with httpx.AsyncClient() as client, \
            open_stream(client, relay.base_url, token, last_event_id="0") as replay:
        replayed = await replay.quiet(0.5)
    assert [f.data["unique_call_id"] for f in replayed] == ["77", "78"]


@pytest.mark.parametrize("case", ["wrong token", "no token", "unknown account",
                                  "account name with odd characters"])
async def test_wrong_token_or_unknown_account_is_401_alike(relay: RelayHarness,
                                                           case: str) -> None:
    url, headers = relay.hook_url(), {"X-Pbx-Token": relay.secret}
    if case == "wrong token":
        headers = {"X-Pbx-Token": relay.secret[:-1] + ("A" if relay.secret[-1] != "A" else "B")}
    elif case == "no token":
        headers = {}
    elif case == "unknown account":
        url = relay.hook_url(account="other")
    else:
        url = relay.hook_url(account="ac%20me")
    response = relay.request("POST", url, headers=headers, json=call_event("user_inbound"))
    assert response.status_code == 401
    assert response.json() == {"error": "not authorised"}


async def test_refused_bodies_store_nothing(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    big = json.dumps(call_event("user_inbound", caller_name="x" * 70_000)).encode()

    async def chunked() -> object:  # no Content-Length: the limit applies while reading
        for start in range(0, len(big), 8192):
            yield big[start:start + 8192]

    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        assert relay.post(None, content=big).status_code == 413
        headers = {"X-Pbx-Token": relay.secret, "Content-Type": "application/json"}
        streamed = await client.post(relay.hook_url(), content=chunked(), headers=headers)
        assert streamed.status_code == 413
        exactly = json.dumps(call_event("user_inbound", unique_call_id="edge")).encode()
        padding = b" " * (64 * 1024 - len(exactly))
        assert relay.post(None, content=exactly + padding,
                          headers={"Content-Type": "application/json"}).status_code == 200
        for bad in [b"", b"not json", b"[]", b"[1, 2]", b'"text"', b"{}", b"[{}]",
                    json.dumps([call_event("user_inbound"), "x"]).encode(),
                    json.dumps({str(n): "v" for n in range(300)}).encode(),
                    b"\xff\xfe\x00", b"[" * 100_00 + b"]" * 100_00]:
            response = relay.post(None, content=bad,
                                  headers={"Content-Type": "application/json"})
            assert response.status_code in (400, 413), bad[:20]
        assert relay.post(None, content=b"a=%zz&&", headers={
            "Content-Type": "application/x-www-form-urlencoded"}).status_code == 400
        assert relay.post(None, content=b"--broken\r\n", headers={
            "Content-Type": "multipart/form-data; boundary=xyz"}).status_code == 400
        frames = await s.quiet(0.5)
    assert [f.data["unique_call_id"] for f in frames] == ["edge"]


async def test_deep_nesting_is_refused_with_400_at_every_depth(relay: RelayHarness) -> None:
    # Near Python's recursion limit the body parsed but writing it out again failed:
    # 500 and a traceback instead of 400.
    token = relay.desk("1001")
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        for depth in (11, 40, 500, *range(955, 1000, 3)):
            body = ('{"user_number":"1001","x":[' + "[" * depth + "]" * depth + "]}").encode()
            response = relay.post(None, content=body, headers=headers)
            assert response.status_code == 400, depth
            assert "nested" in response.json()["error"] or depth >= 970, depth
        links = {"type": "voicemail", "user_number": "1001",
                 "audio_file": [{"url": "https://example.test/1.mp3", "meta": {"s": [1]}}]}
        assert relay.post([links]).status_code == 200  # a batch with nested links: 4 deep
        [frame] = await s.wait(1)
    assert json.loads(frame.data["audio_file"][0])["meta"] == {"s": [1]}


async def test_unpaired_surrogates_are_stored_as_replacement_characters(
        relay: RelayHarness) -> None:
    # JSON may escape half a UTF-16 pair ("\ud800"); no store can keep that: it was a 500.
    token = relay.desk("1001", queues=("Sales \ufffd",))
    raw = ('{"type":"user_inbound","user_number":"1001","caller_name":"Bad \\ud800 name",'
           '"note\\udfff":"x","nested":[{"a":"\\udc00"}]}')
    queue = '{"type":"queue_call","queue_name":"Sales \\ud800","caller_id":"61300000001"}'
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient() as client, open_stream(client, relay.base_url, token) as s:
        assert relay.post(None, content=raw.encode(), headers=headers).status_code == 200
        assert relay.post(None, content=queue.encode(), headers=headers).status_code == 200
        first, second = await s.wait(2)
    assert first.data["caller_name"] == "Bad \ufffd name"
    assert first.data["note\ufffd"] == "x"
    assert json.loads(first.data["nested"][0]) == {"a": "\ufffd"}
    assert second.data["queue_name"] == "Sales \ufffd"


async def test_repeated_failed_auth_is_slowed_with_429(relay: RelayHarness) -> None:
    token = relay.desk("1001")
    statuses = [relay.post(call_event("user_inbound"), secret="wrong").status_code
                for _ in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    blocked = relay.post(call_event("user_inbound"))  # even the right secret waits now
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert relay.get_events(token).status_code == 429


async def test_healthz(relay: RelayHarness) -> None:
    response = relay.request("GET", f"{relay.base_url}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert relay.request("GET", relay.hook_url()).status_code == 405
    assert relay.post({"a": "1"}, "Bad%20Trigger").status_code == 404
