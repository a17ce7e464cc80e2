"""The desk's records on the wire: what it posts is what the relay takes, piece by piece.

Bodies from :func:`pbxdesk.live.records.bodies` are read back with the
relay's own reader (:func:`pbxdesk.relay.records.read_records`), so the two
sides cannot drift apart; what :func:`sendable` lets through the relay
accepts, and what it holds back the relay would refuse.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbxdesk.live.records import MAX_POST_BYTES, bodies, sendable, team_record
from pbxdesk.relay.records import (
    MAX_RECORDS,
    MAX_VALUE_CHARS,
    UnreadableRecordsError,
    read_records,
)
from pbxdesk.services.callbacks import NOTE_MAX_CHARS, note_text
from pbxdesk.store.callbackrules import CallbackRecord

DAY_US = 86_400 * 1_000_000
NOW_US = int(time.time() * 1_000_000)


def record(value: str = "calling", field: str = "claim", number: str = "+61412345678",
           at_us: int = NOW_US) -> CallbackRecord:
    return CallbackRecord(number, field, value, at_us, "d_mine", "Mia Chen")


def relay_reads(body: bytes) -> list[tuple[str, str, str, int]]:
    return [(r.number, r.field, r.value, r.at_us) for r in read_records(
        body, desk="d_mine", extension="1001", now_us=NOW_US, oldest_us=NOW_US - 90 * DAY_US)]


def test_bodies_stay_under_the_relay_limits_and_the_relay_reads_them_back() -> None:
    notes = [record("Wants a quote for 20 handsets ✓ " + "x" * (n % 2000), "note",
                    at_us=NOW_US - n) for n in range(300)]
    claims = [record(at_us=NOW_US - n) for n in range(450)]
    for records in (notes, claims):
        sent: list[CallbackRecord] = []
        for body, batch in bodies(records):
            assert len(body) <= MAX_POST_BYTES
            assert len(batch) <= MAX_RECORDS
            assert relay_reads(body) == [(r.number, r.field, r.value, r.at_us) for r in batch]
            sent += batch
        assert sent == records  # all of them, in order, once


@pytest.mark.parametrize(("wrong", "why"), [
    (record("x" * (MAX_VALUE_CHARS + 1), "note"), "a note longer than the relay keeps"),
    (record("bell\x07", "note"), "a control character"),
    (record(at_us=NOW_US - 91 * DAY_US), "older than the relay keeps"),
    (record(at_us=NOW_US + DAY_US), "from the future"),
    (record(number="0412 345 678"), "a number with spaces"),
    (record("tomorrow", "snooze"), "a snooze that is not a time"),
    (record("owner", "owner"), "a field nobody knows"),
])
def test_what_the_relay_would_refuse_is_not_sent(wrong: CallbackRecord, why: str) -> None:
    assert not sendable(wrong, NOW_US), why
    ((body, _batch),) = bodies([wrong])
    with pytest.raises(UnreadableRecordsError, match="record 1"):
        relay_reads(body)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_every_note_the_desk_keeps_is_one_the_relay_takes(text: str) -> None:
    kept = record(note_text(text), "note")
    assert sendable(kept, NOW_US)
    ((body, _batch),) = bodies([kept])
    assert relay_reads(body)[0][2] == kept.value
    assert len(kept.value) <= NOTE_MAX_CHARS == MAX_VALUE_CHARS


def test_records_from_the_relay_are_read_strictly() -> None:
    good = {"type": "callback_record", "id": "9c", "number": "+61412345678", "field": "claim",
            "value": "calling", "at_us": NOW_US, "desk": "d_ana", "extension": "1002",
            "received_at": "2026-11-27T09:15:02.130Z"}
    read = team_record(good)
    assert read is not None
    assert (read.desk, read.extension, read.value) == ("d_ana", "1002", "calling")
    for change in ({"at_us": str(NOW_US)}, {"at_us": True}, {"desk": ""}, {"desk": None},
                   {"field": "owner"}, {"value": "x" * 5000}, {"number": "+1 2"},
                   {"extension": 1002}, {"value": None}):
        assert team_record({**good, **change}) is None, change
    assert team_record(json.loads(json.dumps({**good, "more": "kept apart"}))) == read
