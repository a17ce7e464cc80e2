"""Webhooks out: delivered to a receiver on loopback, with X-Pbx-Token and string fields."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Callable

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox import Sandbox
from tests.sandbox.helpers import LogLines, WebhookReceiver

SECRET = "hook-secret-4711"


def test_click_to_call_posts_outbound_events(make_sandbox: Callable[..., Sandbox]) -> None:
    with WebhookReceiver() as receiver:
        sandbox = make_sandbox(webhook_urls=(receiver.url,), webhook_secret=SECRET)
        user = sandbox.account.users[0]
        sandbox.place_call({"user_number": user.extension, "number_to_call": "+61412345678"},
                           "json")
        [call] = sandbox.wait_for_calls()
        assert sandbox.wait_for_webhooks()
    types = [body["type"] for _, _, body in receiver.received]
    assert types == ["user_outbound", "user_outbound_answered", "user_outbound_completed"]
    for path, headers, body in receiver.received:
        assert path == "/hooks/pbx"
        assert headers["X-Pbx-Token"] == SECRET
        assert headers["Content-Type"] == "application/json"
        assert all(isinstance(value, str) for value in body.values())
        assert body["unique_call_id"] == call.unique_call_id
        assert body["user_number"] == user.extension
        assert body["dest_number"] == "61412345678"
    ringing, answered, completed = (body for _, _, body in receiver.received)
    assert ringing["connected_at"] == ""
    assert answered["connected_at"] == completed["connected_at"] != ""
    [row] = sandbox.rows(CallKind.USER, unique_call_id=call.unique_call_id)
    assert completed == {"type": "user_outbound_completed",
                         **{k: "" if v is None else str(v) for k, v in row.items()
                            if k != "type"}}
    assert completed["call_duration"] == "54"
    assert all(d.status_code == 200 and d.error is None for d in sandbox.webhook_deliveries())


def test_live_inbound_calls_post_inbound_and_group_events(
        make_sandbox: Callable[..., Sandbox]) -> None:
    with WebhookReceiver() as first, WebhookReceiver() as second:
        sandbox = make_sandbox(clock_speed=0.001, live_traffic=True, live_calls_per_minute=3,
                               webhook_urls=(first.url, second.url), webhook_secret=SECRET)
        sandbox.advance(40 * 60)  # about 120 calls
        sandbox.set_live_traffic(False)
        sandbox.advance(3 * 3600)  # let every call end
        assert sandbox.wait_for_webhooks(timeout=20)
    types = Counter(body["type"] for _, _, body in first.received)
    for name in ("user_inbound", "user_inbound_answered", "user_inbound_completed",
                 "user_outbound", "user_outbound_completed", "queue_call", "ring_group_call"):
        assert types[name] > 0, name
    assert types["user_inbound"] == types["user_inbound_completed"]
    assert [body for _, _, body in second.received] == [body for _, _, body in first.received]
    queue_event = next(body for _, _, body in first.received if body["type"] == "queue_call")
    assert queue_event["queue_name"] in {q.name for q in sandbox.account.queues}
    assert queue_event["status"]
    assert all(headers["X-Pbx-Token"] == SECRET for _, headers, _ in first.received)


def test_failed_delivery_is_logged_and_recorded_not_raised(
        make_sandbox: Callable[..., Sandbox], sandbox_logs: LogLines) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    with WebhookReceiver(status=500) as erroring:
        sandbox = make_sandbox(webhook_urls=(dead, erroring.url, "not a url"),
                               webhook_secret=SECRET, webhook_timeout_seconds=2)
        sandbox.place_call({"user_number": sandbox.account.users[0].extension,
                            "number_to_call": "+61412345678"}, "json")
        sandbox.wait_for_calls()
        assert sandbox.wait_for_webhooks(timeout=10)
        assert len(erroring.received) == 3
    deliveries = sandbox.webhook_deliveries()
    assert len(deliveries) == 9
    assert {d.url for d in deliveries if d.status_code == 500} == {erroring.url}
    assert all(d.error for d in deliveries)
    assert "Webhook user_outbound to" in sandbox_logs.text
    assert SECRET not in sandbox_logs.text
    # The sandbox still works.
    assert sandbox.placed_calls()[0].finished


def test_webhooks_can_be_configured_later(sandbox: Sandbox) -> None:
    with WebhookReceiver() as receiver:
        sandbox.set_webhooks([receiver.url], "later-secret")
        sandbox.place_call({"user_number": sandbox.account.users[0].extension,
                            "number_to_call": "+61412345678"}, "json")
        sandbox.wait_for_calls()
        assert sandbox.wait_for_webhooks()
    assert len(receiver.received) == 3
    assert receiver.received[0][1]["X-Pbx-Token"] == "later-secret"


def test_one_url_per_trigger_without_type(make_sandbox: Callable[..., Sandbox]) -> None:
    with WebhookReceiver() as receiver:
        template = receiver.url.replace("/hooks/pbx", "/hooks/acme/{trigger}")
        sandbox = make_sandbox(webhook_urls=(template,), webhook_secret=SECRET,
                               webhook_type_in_body=False)
        sandbox.place_call({"user_number": sandbox.account.users[0].extension,
                            "number_to_call": "+61412345678"}, "json")
        sandbox.wait_for_calls()
        assert sandbox.wait_for_webhooks()
    assert [path for path, _, _ in receiver.received] == [
        "/hooks/acme/user-outbound-call", "/hooks/acme/user-outbound-call-answered",
        "/hooks/acme/user-outbound-call-completion"]
    assert all("type" not in body for _, _, body in receiver.received)
    assert [d.event_type for d in sandbox.webhook_deliveries()] == [
        "user_outbound", "user_outbound_answered", "user_outbound_completed"]


def test_live_calls_leave_voicemails_and_recordings(
        make_sandbox: Callable[..., Sandbox]) -> None:
    with WebhookReceiver() as receiver:
        sandbox = make_sandbox(clock_speed=0.001, live_traffic=True, live_calls_per_minute=3,
                               webhook_urls=(receiver.url,), webhook_secret=SECRET)
        sandbox.advance(40 * 60)
        sandbox.set_live_traffic(False)
        sandbox.advance(3 * 3600)
        assert sandbox.wait_for_webhooks(timeout=20)
    bodies = [body for _, _, body in receiver.received]
    # One call can ring several users: a leg is its call id and its extension.
    completed = {(body["unique_call_id"], body["user_number"]): body for body in bodies
                 if body["type"].endswith("_completed")}
    voicemails = [body for body in bodies if body["type"] == "voicemail"]
    recordings = [body for body in bodies if body["type"].startswith("recording_")]
    assert voicemails
    assert recordings
    for voicemail in voicemails:
        call = completed[voicemail["unique_call_id"], voicemail["user_number"]]
        assert call["type"] == "user_inbound_completed"
        assert call["connected_at"] == ""  # only missed calls go to voicemail
        assert voicemail["caller_id"] == call["caller_id"]
        assert voicemail["recorded_at"].endswith("Z")
        assert isinstance(voicemail["audio_file"], list)
        assert voicemail["audio_file"][0].startswith("https://")
        # The voicemail comes after the call's completion.
        assert bodies.index(voicemail) > bodies.index(call)
    for recording in recordings:
        call = completed[recording["unique_call_id"], recording["user_number"]]
        assert call["connected_at"] != ""
        assert recording["type"] == "recording_" + call["type"].split("_")[1]
        assert recording["call_recording_link"].startswith("https://")
