"""Property tests: no row shape, page shape or byte string makes the parser fail unexpectedly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbxdesk.api.errors import ProtocolError
from pbxdesk.api.models import CallKind, CallRow, HistoryQuery
from pbxdesk.api.parse import parse_page, parse_row, read_envelope

KNOWN_FIELDS = ["unique_call_id", "type", "caller_id", "callerid", "caller_name", "dest_number",
                "user_name", "user_number", "call_start_at", "connected_at", "call_duration",
                "conversation_duration", "queue_name", "ring_group_name", "status"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from(["null", "NULL", "", " ", "14", "-3", "1e400", "nan",
                                           "0:01:23", "99:99:99:99", "²", "٣٤",
                                           "2019-10-01T15:31:15.000Z", "2019-13-45T99:99:99Z",
                                           "0000-00-00 00:00:00", "61300000000", "+61412345678",
                                           "9" * 5000]),
    st.integers(min_value=-(10**60), max_value=10**60),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
rows = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(KNOWN_FIELDS) | st.text(max_size=10), json_values,
                    max_size=18),
)
kinds = st.sampled_from(list(CallKind))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=rows, kind=kinds)
def test_any_row_parses_or_is_rejected(raw: Any, kind: CallKind) -> None:
    row = parse_row(raw, kind, "AU")
    if row is None:
        return
    assert isinstance(row, CallRow)
    assert row.kind is kind
    assert isinstance(row.key, str)
    assert row.key.startswith(kind.value)
    for moment in (row.call_start_at, row.connected_at):
        assert moment is None or moment.utcoffset() is not None
    for seconds in (row.call_duration, row.conversation_duration):
        assert seconds is None or (isinstance(seconds, int) and seconds >= 0)
    assert row.ring_duration is None or row.ring_duration >= 0
    for text in (row.unique_call_id, row.caller_id, row.dest_number, row.user_number):
        assert text is None or isinstance(text, str)
    # Nothing is lost: every key of the raw row is either a known field or in extra.
    assert isinstance(raw, dict)
    assert set(map(str, raw)) - set(KNOWN_FIELDS) <= set(row.extra)


@settings(max_examples=120, deadline=None)
@given(data=st.lists(rows, max_size=12), kind=kinds,
       envelope=st.dictionaries(st.sampled_from(["code", "status", "message"]), json_values))
def test_any_page_parses_or_is_a_protocol_error(data: list[Any], kind: CallKind,
                                                envelope: dict[str, Any]) -> None:
    content = json.dumps({**envelope, "data": data}).encode()
    try:
        page, parsed = parse_page(content, kind, HistoryQuery(), where="pbx.test")
    except ProtocolError:
        return
    if parsed.ok:
        assert len(page.rows) + page.rejected == len(data)


@settings(max_examples=200, deadline=None)
@given(content=st.binary(max_size=200) | json_values.map(
    lambda value: json.dumps(value, allow_nan=True).encode()))
def test_any_body_is_an_envelope_or_a_protocol_error(content: bytes) -> None:
    try:
        envelope = read_envelope(content, "pbx.test")
    except ProtocolError as error:
        message = str(error)
    else:
        assert isinstance(envelope.ok, bool)
        assert envelope.code is None or isinstance(envelope.code, int)
        return
    assert "pbx.test" in message


def test_deeply_nested_body_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="JSON that is cut off or damaged"):
        read_envelope(b'{"data":' + b"[" * 100_000 + b"]" * 100_000 + b"}", "pbx.test")
