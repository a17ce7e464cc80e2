"""ExternalRequest: its wire format, its checks, and the command lines that make one."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbxdesk.cli import build_parser
from pbxdesk.external import (
    MAX_WIRE_BYTES,
    BadRequestError,
    ExternalRequest,
    request_from_args,
)
from pbxdesk.phone import DialTarget, NotDialable, Reason


def from_argv(*argv: str) -> ExternalRequest:
    return request_from_args(build_parser().parse_intermixed_args(list(argv)))


@pytest.mark.parametrize("request_", [
    ExternalRequest("dial", "tel:+61-2-9876-5432", source="uri"),
    ExternalRequest("prefill", "0412 345 678", user="1010", caller_id="+61290000000"),
    ExternalRequest("dial_clipboard", user="1010"),
    ExternalRequest("show", source="second-instance"),
    ExternalRequest("dial", "Zoë’s mobile: 0412\u00a0345\u00a0678"),
])
def test_json_round_trip_is_one_ascii_line(request_: ExternalRequest) -> None:
    line = request_.to_json()

    assert "\n" not in line
    assert line.isascii()
    assert ExternalRequest.from_json(line) == request_
    assert ExternalRequest.from_json(line.encode()) == request_


@pytest.mark.parametrize(("wire", "why"), [
    ("", "not JSON"),
    ("{", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"action": "show"}', "version"),
    ('{"v": 2, "action": "show"}', "version"),
    ('{"v": 1, "action": "explode"}', "Unknown action"),
    ('{"v": 1, "action": "show", "source": "web"}', "Unknown source"),
    ('{"v": 1, "action": 3}', "wrong type"),
    ('{"v": 1, "action": "dial", "number": 412345678}', "wrong type"),
    ('{"v": 1, "action": "dial", "number": "0412", "user": 1010}', "wrong type"),
    ('{"v": 1, "action": "dial"}', "Give the number"),
    ('{"v": 1, "action": "dial", "number": "   "}', "Give the number"),
    ('{"v": 1, "action": "show", "number": "0412"}', "takes no number"),
    ('{"v": 1, "action": "dial", "number": "0412", "user": "1x"}', "extension"),
    ('{"v": 1, "action": "dial", "number": "0412", "user": ""}', "empty"),
    ('{"v": 1, "action": "dial", "number": "0412", "caller_id": "me"}', "caller ID"),
    ('{"v": 1, "action": "dial", "number": "' + "1" * 3000 + '"}', "too long"),
    ("x" * (MAX_WIRE_BYTES + 1), "too long"),
])
def test_anything_else_on_the_wire_is_refused_with_a_reason(wire: str | bytes,
                                                            why: str) -> None:
    with pytest.raises(BadRequestError, match=why):
        ExternalRequest.from_json(wire)


def test_a_newer_sender_s_extra_fields_are_ignored() -> None:
    wire = json.dumps({"v": 1, "action": "dial", "number": "1002", "source": "cli",
                       "priority": "high"})

    assert ExternalRequest.from_json(wire) == ExternalRequest("dial", "1002")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300),
                 st.dictionaries(st.sampled_from(["v", "action", "number", "user", "caller_id",
                                                  "source"]),
                                 st.one_of(st.none(), st.integers(), st.text(max_size=20),
                                           st.sampled_from(["dial", "show", "cli", "uri"]),
                                           st.just(1))).map(json.dumps)))
def test_from_json_reads_or_refuses_but_never_crashes(wire: str | bytes) -> None:
    try:
        request = ExternalRequest.from_json(wire)
    except BadRequestError:
        return
    assert ExternalRequest.from_json(request.to_json()) == request


def test_repr_leaves_the_number_out() -> None:
    request = ExternalRequest("dial", "0412 345 678", user="1010")

    assert "345" not in repr(request)
    assert "1010" in repr(request)


def test_target_reads_links_and_typed_numbers_in_the_default_country() -> None:
    link = ExternalRequest("dial", "tel:+61-2-9876-5432;ext=12", source="uri").target("US")
    typed = ExternalRequest("dial", "0412 345 678").target("AU")
    foreign = ExternalRequest("dial", "0412 345 678").target("GB")

    assert isinstance(link, DialTarget)
    assert (link.e164, link.extension) == ("+61298765432", "12")
    assert isinstance(typed, DialTarget)
    assert typed.e164 == "+61412345678"
    assert isinstance(foreign, NotDialable)
    assert foreign.reason is Reason.INVALID_FOR_COUNTRY
    assert isinstance(ExternalRequest("show").target("AU"), NotDialable)


def test_command_lines_make_requests() -> None:
    assert from_argv() == ExternalRequest("show", source="second-instance")
    assert from_argv("--demo") == ExternalRequest("show", source="second-instance")
    assert from_argv("call", "+61", "2", "9876", "5432") == ExternalRequest(
        "dial", "+61 2 9876 5432", source="cli")
    assert from_argv("call", "--user", "1010", "1002", "--prefill") == ExternalRequest(
        "prefill", "1002", user="1010", source="cli")
    assert from_argv("callto://+61412345678", "--caller-id", "+61290000000") == (
        ExternalRequest("dial", "callto://+61412345678", caller_id="+61290000000",
                        source="uri"))
    assert from_argv("SIP:1002@pbx.example") == ExternalRequest(
        "dial", "SIP:1002@pbx.example", source="uri")
    assert from_argv("--dial-clipboard", "--user", "1010") == ExternalRequest(
        "dial_clipboard", user="1010", source="cli")


@pytest.mark.parametrize(("argv", "why"), [
    (["call"], "Give the number"),
    (["call", " "], "Give the number"),
    (["ring", "1002"], "Unknown command 'ring'"),
    (["0412345678"], "Unknown command"),
    (["tel:1002", "tel:1003"], "one link at a time"),
    (["--prefill"], "go with 'call NUMBER'"),
    (["--dial-clipboard", "1002"], "takes no number"),
    (["call", "1002", "--user", "10 10"], "extension"),
])
def test_command_lines_that_make_no_sense_say_why(argv: list[str], why: str) -> None:
    with pytest.raises(BadRequestError, match=why):
        from_argv(*argv)
