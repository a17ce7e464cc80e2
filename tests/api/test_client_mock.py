"""The client against scripted answers (httpx.MockTransport): what the sandbox cannot provoke.

TLS failures, HTTP-date Retry-After, redirects, error envelopes inside a 200,
exact query parameters and bodies. The same behaviours that the sandbox can
show are tested against it in test_client_sandbox.py.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.errors import (
    AuthError,
    BadRequestError,
    BudgetExhaustedError,
    CallMayHavePlacedError,
    ConfigurationError,
    InvalidInputError,
    NetworkError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    TlsError,
)
from pbxdesk.api.models import CallKind, HistoryQuery, SortOrder
from pbxdesk.api.retry import RetryPolicy
from tests.api.test_parse import VENDOR_USER_ROW
from tests.fixtures.api import FakeClock, FakeSleep, MakeClient

Handler = Callable[[httpx.Request], httpx.Response]


class Script:
    """A MockTransport handler answering from a list and recording every request."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def ok(rows: list[Any] | None = None, **extra: object) -> httpx.Response:
    return httpx.Response(200, json={"code": 200, "status": "success", "message": "",
                                     "data": rows if rows is not None else [], **extra})


def error(status: int, message: str = "nope", **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"code": status, "status": "error", "message": message},
                          headers=headers)


@pytest.mark.asyncio
async def test_history_request_shape(make_client: MakeClient) -> None:
    script = Script(ok([VENDOR_USER_ROW]))
    client = make_client(transport=script.transport, base_url="https://pbx.example",
                         api_key="k-123456")
    query = HistoryQuery(from_date=date(2024, 5, 1), to_date=date(2024, 5, 3),
                         sort=SortOrder.OLDEST_FIRST, offset=20, limit=50,
                         unique_call_id="99", names=("Sales", " Support "))
    page = await client.get_queue_calls(query)
    request = script.requests[0]
    assert request.method == "GET"
    assert request.url.path == "/api/integration/v2/get-queue-calls"
    assert dict(request.url.params) == {
        "sort_by": "oldest_first", "from_date": "2024-05-01", "to_date": "2024-05-03",
        "offset": "20", "limit": "50", "unique_call_id": "99", "queues_names": "Sales,Support"}
    assert request.headers["token"] == "k-123456"
    assert "authorization" not in request.headers
    assert "k-123456" not in str(request.url)
    assert page.query is query


@pytest.mark.asyncio
async def test_v1_and_user_filter_parameter(make_client: MakeClient) -> None:
    rows = [{**VENDOR_USER_ROW, "unique_call_id": str(n), "user_number": ext}
            for n, ext in enumerate(["1010", "1011", "1012"])]
    script = Script(ok(rows))
    client = make_client(transport=script.transport, api_version="v1",
                         user_filter_param="extensions")
    page = await client.get_user_calls(HistoryQuery(names=("1010", "1012")))
    request = script.requests[0]
    assert request.url.path == "/api/integration/v1/get-user-calls"
    assert request.url.params["extensions"] == "1010,1012"
    # The server ignored the (guessed) parameter: the client filters too.
    assert [row.user_number for row in page.rows] == ["1010", "1012"]
    assert page.filtered == 1


@pytest.mark.asyncio
async def test_no_user_filter_parameter_still_filters_locally(make_client: MakeClient) -> None:
    script = Script(ok([VENDOR_USER_ROW]))
    client = make_client(transport=script.transport, user_filter_param=None)
    page = await client.get_user_calls(HistoryQuery(names=("2000",)))
    assert set(script.requests[0].url.params) == {"sort_by", "offset", "limit"}
    assert page.rows == ()


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [401, 403])
async def test_auth_errors_name_both_fixes(make_client: MakeClient, status: int) -> None:
    client = make_client(transport=Script(error(status, "Not authorised")).transport)
    with pytest.raises(AuthError, match=f"refused the request with {status} ") as caught:
        await client.check_connection()
    text = str(caught.value)
    assert "API key" in text
    assert "allow-list" in text
    assert "IP address" in text
    assert caught.value.status_code == status


@pytest.mark.asyncio
async def test_error_envelope_inside_200_is_the_matching_error(make_client: MakeClient) -> None:
    script = Script(httpx.Response(200, json={"code": 401, "status": "error",
                                              "message": "Not authorised"}),
                    httpx.Response(200, json={"status": "error",
                                              "message": {"limit": "must be <= 10000"}}))
    client = make_client(transport=script.transport)
    with pytest.raises(AuthError, match="the PBX said: Not authorised"):
        await client.get_user_calls()
    with pytest.raises(BadRequestError, match="limit: must be <= 10000"):
        await client.get_user_calls()


@pytest.mark.asyncio
async def test_429_with_http_date_is_retried_after_that_long(
        make_client: MakeClient, fake_sleep: FakeSleep) -> None:
    script = Script(error(429, "slow down", **{"Retry-After": "Wed, 01 May 2024 12:00:20 GMT"}),
                    ok([VENDOR_USER_ROW]))
    client = make_client(transport=script.transport)
    page = await client.get_user_calls()
    assert len(page.rows) == 1
    assert len(script.requests) == 2
    assert fake_sleep.delays[0] == pytest.approx(20.0, abs=1.0)


@pytest.mark.asyncio
async def test_429_with_absurd_retry_after_raises_at_once(
        make_client: MakeClient, fake_sleep: FakeSleep) -> None:
    script = Script(error(429, "slow down", **{"Retry-After": "3600"}), ok())
    client = make_client(transport=script.transport)
    with pytest.raises(RateLimitedError, match="Try again in 60 minutes") as caught:
        await client.get_user_calls()
    assert caught.value.retry_after == 3600
    assert "60 minutes" in str(caught.value)
    assert len(script.requests) == 1
    assert fake_sleep.delays == []


@pytest.mark.asyncio
async def test_5xx_retries_are_bounded(make_client: MakeClient, fake_sleep: FakeSleep) -> None:
    script = Script(error(503, "maintenance"))
    client = make_client(transport=script.transport, retry=RetryPolicy(attempts=3))
    with pytest.raises(ServerError, match="503: maintenance"):
        await client.get_user_calls()
    assert len(script.requests) == 3
    assert len(fake_sleep.delays) == 2
    assert fake_sleep.delays[1] > fake_sleep.delays[0] / 2  # backoff does not shrink


@pytest.mark.asyncio
async def test_network_errors_are_retried_for_get(make_client: MakeClient) -> None:
    script = Script(httpx.ReadTimeout("timed out"), httpx.ConnectError("refused"),
                    ok([VENDOR_USER_ROW]))
    client = make_client(transport=script.transport)
    page = await client.get_user_calls()
    assert len(page.rows) == 1
    assert len(script.requests) == 3


@pytest.mark.asyncio
async def test_retries_stop_when_the_budget_is_spent(make_client: MakeClient,
                                                     fake_clock: FakeClock) -> None:
    script = Script(error(500))
    client = make_client(transport=script.transport,
                         budget=RequestBudget(limit=2, window=900, clock=fake_clock))
    with pytest.raises(ServerError, match=r"HTTP 500"):  # the real failure, not the budget
        await client.get_user_calls()
    assert len(script.requests) == 2


@pytest.mark.asyncio
async def test_tls_failure_is_told_apart_and_not_retried(make_client: MakeClient) -> None:
    cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed")
    failure = httpx.ConnectError("handshake failed")
    failure.__cause__ = cause
    script = Script(failure)
    client = make_client(transport=script.transport)
    with pytest.raises(TlsError, match="CERTIFICATE_VERIFY_FAILED") as caught:
        await client.get_user_calls()
    assert caught.value.hint == "Open settings"
    assert len(script.requests) == 1


@pytest.mark.asyncio
async def test_redirect_is_not_followed(make_client: MakeClient) -> None:
    script = Script(httpx.Response(302, headers={"Location": "https://login.example/sso?x=1"}))
    client = make_client(transport=script.transport)
    with pytest.raises(ProtocolError, match=r"redirected the request to login\.example"):
        await client.get_user_calls()
    assert len(script.requests) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(("answer", "kind", "says"), [
    (httpx.Response(404, text="<html>Not found</html>"), BadRequestError,
     "this address does not offer it"),
    (httpx.Response(422, json={"message": "bad date"}), BadRequestError,
     "refused the request: bad date$"),
    (httpx.Response(200, text="<!doctype html><html>portal</html>"), ProtocolError,
     r"JSON \(a web page\)"),
    (httpx.Response(200, json=[1, 2]), ProtocolError, "a list that is not the PBX API's"),
    (httpx.Response(200, content=b'{"code":200,"status":"success","data":[{"unique_cal'),
     ProtocolError, "JSON that is cut off or damaged"),
])
async def test_answers_that_are_not_usable(make_client: MakeClient, answer: httpx.Response,
                                           kind: type[Exception], says: str) -> None:
    script = Script(answer)
    client = make_client(transport=script.transport)
    with pytest.raises(kind, match=says):
        await client.get_user_calls()
    assert len(script.requests) == 1  # none of these is worth a retry


@pytest.mark.asyncio
async def test_404_explains_address_or_version(make_client: MakeClient) -> None:
    client = make_client(transport=Script(httpx.Response(404)).transport)
    with pytest.raises(BadRequestError, match="API version") as caught:
        await client.get_user_calls()
    assert caught.value.status_code == 404


@pytest.mark.asyncio
@pytest.mark.parametrize("encoding", ["json", "form"])
async def test_call_to_number_bodies(make_client: MakeClient, encoding: str) -> None:
    script = Script(ok(None, message="Call request accepted"))
    client = make_client(transport=script.transport, post_encoding=encoding,
                         default_region="AU")
    result = await client.call_to_number("1010", "0412 345 678", caller_id="61 2 9876 5432")
    request = script.requests[0]
    assert request.method == "POST"
    assert request.url.path.endswith("/call-to-number")
    fields = {"user_number": "1010", "number_to_call": "+61412345678", "caller_id": "61298765432"}
    if encoding == "json":
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == fields
    else:
        assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
        body = request.content.decode()
        for name, value in fields.items():
            assert f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n' in body
        assert "filename" not in body
    assert result.status_code == 200
    assert result.message == "Call request accepted"


@pytest.mark.asyncio
async def test_call_to_number_with_undocumented_body_is_accepted(make_client: MakeClient) -> None:
    client = make_client(transport=Script(httpx.Response(200, text="OK")).transport)
    result = await client.call_to_number("1010", "+61412345678")
    assert result.status_code == 200
    assert result.message is None


@pytest.mark.asyncio
@pytest.mark.parametrize("failure", [httpx.ReadTimeout("read timed out"),
                                     httpx.RemoteProtocolError("Server disconnected"),
                                     httpx.ReadError("connection reset"),
                                     httpx.WriteTimeout("write timed out")])
async def test_post_answer_lost_may_have_placed_the_call(make_client: MakeClient,
                                                         failure: Exception) -> None:
    script = Script(failure, ok())
    client = make_client(transport=script.transport)
    with pytest.raises(CallMayHavePlacedError, match="check your phone before trying again"):
        await client.call_to_number("1010", "+61412345678")
    assert len(script.requests) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"),
                                     httpx.ConnectTimeout("connect timed out")])
async def test_post_that_never_left_is_a_plain_network_error(make_client: MakeClient,
                                                             failure: Exception) -> None:
    script = Script(failure, ok())
    client = make_client(transport=script.transport)
    with pytest.raises(NetworkError, match="Cannot connect to the PBX") as caught:
        await client.call_to_number("1010", "+61412345678")
    assert not isinstance(caught.value, CallMayHavePlacedError)
    assert len(script.requests) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(("status", "kind", "says"), [
    (500, ServerError, "HTTP 500"), (503, ServerError, "HTTP 503"),
    (502, CallMayHavePlacedError, "may have been placed.*HTTP 502"),
    (504, CallMayHavePlacedError, "may have been placed.*HTTP 504")])
async def test_post_server_errors_are_not_retried(make_client: MakeClient, status: int,
                                                  kind: type[Exception], says: str) -> None:
    script = Script(error(status), ok())
    client = make_client(transport=script.transport)
    with pytest.raises(kind, match=says):
        await client.call_to_number("1010", "+61412345678")
    assert len(script.requests) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(("user", "number", "caller"), [
    ("", "+61412345678", None), ("ext 10", "+61412345678", None),
    ("1010", "call me", None), ("1010", "", None), ("1010", "+0412", None),
    ("1010", "99999999999999999999", None), ("1010", "+61412345678", "my number"),
])
async def test_unusable_call_input_sends_nothing(make_client: MakeClient, user: str,
                                                 number: str, caller: str | None) -> None:
    script = Script(ok())
    client = make_client(transport=script.transport)
    with pytest.raises(InvalidInputError, match="Nothing was sent"):
        await client.call_to_number(user, number, caller)
    assert script.requests == []
    assert client.budget.used() == 0


@pytest.mark.asyncio
@pytest.mark.parametrize(("number", "region", "expected"), [
    ("1002", None, "1002"),
    # An extension the agent chose over the 13 number it also is: sent as the extension.
    ("131234", "AU", "131234"),
    ("+44 20 7946 0958", None, "+442079460958"),
    ("0044 20 7946 0958", "GB", "+442079460958"),
    # Australia's international prefix is 0011: the digits after it are the number.
    ("0011 44 20 7946 0958", "AU", "+442079460958"),
    ("0011 61 412 345 678", "AU", "+61412345678"),
    ("0412 345 678", "AU", "+61412345678"),
])
async def test_extensions_and_international_forms_are_sent(
        make_client: MakeClient, number: str, region: str | None, expected: str) -> None:
    script = Script(ok())
    client = make_client(transport=script.transport, default_region=region)
    await client.call_to_number("1010", number)
    assert json.loads(script.requests[0].content)["number_to_call"] == expected


@pytest.mark.asyncio
@pytest.mark.parametrize(("number", "region"), [
    ("000", "AU"), ("112", "AU"), ("911", "US"), ("112", "US"), ("999", "GB"), ("112", "GB"),
    ("112", "DE"), ("911", "AU"),  # 112 and 911 everywhere (3GPP TS 22.101)
])
async def test_an_emergency_number_is_refused_before_sending(
        make_client: MakeClient, number: str, region: str) -> None:
    script = Script(ok())
    client = make_client(transport=script.transport, default_region=region)
    # The reason, not just any refusal: "000" would also be refused as too short.
    with pytest.raises(InvalidInputError,
                       match=rf"'{number}' is not a number that can be dialled: {number} is an "
                             r"emergency number\..*Nothing was sent"):
        await client.call_to_number("1010", number)
    assert script.requests == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("query", "says"), [
    (HistoryQuery(offset=10_000), "Offset 10000 is outside 0–9999"),
    (HistoryQuery(limit=0), "Page size 0 is outside 1–10000"),
    (HistoryQuery(limit=10_001), "Page size 10001 is outside 1–10000"),
    (HistoryQuery(from_date=date(2024, 5, 2), to_date=date(2024, 5, 1)),
     "The start date is after the end date")])
async def test_queries_beyond_the_api_caps_send_nothing(make_client: MakeClient,
                                                        query: HistoryQuery, says: str) -> None:
    script = Script(ok())
    client = make_client(transport=script.transport)
    with pytest.raises(InvalidInputError, match=says):
        await client.get_calls(CallKind.USER, query)
    assert script.requests == []


@pytest.mark.asyncio
async def test_budget_exhaustion_sends_nothing_and_says_when(make_client: MakeClient,
                                                             fake_clock: FakeClock) -> None:
    script = Script(ok())
    budget = RequestBudget(limit=2, window=600, clock=fake_clock)
    client = make_client(transport=script.transport, budget=budget)
    await client.check_connection()
    fake_clock.advance(60)
    await client.get_user_calls()
    with pytest.raises(BudgetExhaustedError, match="budget of 2 requests per 10 minutes") as caught:
        await client.get_queue_calls()
    assert len(script.requests) == 2
    assert caught.value.retry_after == pytest.approx(540)
    assert "in 9 minutes" in str(caught.value)
    assert caught.value.available_at.timestamp() == pytest.approx(fake_clock.now + 540)
    assert client.budget is budget


@pytest.mark.asyncio
async def test_check_connection_is_one_cheap_request(make_client: MakeClient) -> None:
    script = Script(error(500), ok([VENDOR_USER_ROW]))
    client = make_client(transport=script.transport)
    with pytest.raises(ServerError, match="HTTP 500"):
        await client.check_connection()  # a test button answers at once, no retries
    await client.check_connection()
    assert [r.url.params["limit"] for r in script.requests] == ["1", "1"]
    assert {r.url.path for r in script.requests} == {"/api/integration/v2/get-user-calls"}


@pytest.mark.asyncio
async def test_remote_http_is_refused_before_anything_is_sent() -> None:
    from pbxdesk.api.client import ClientSettings, PbxClient

    with pytest.raises(ConfigurationError, match="not encrypted"):
        PbxClient(ClientSettings(base_url="http://pbx.example", api_key="abcdef"))


@pytest.mark.asyncio
async def test_client_closes(make_client: MakeClient) -> None:
    client = make_client(transport=Script(ok()).transport)
    async with client as entered:
        assert entered is client
    assert client.is_closed
