"""The Qt-free parts of following a call: matching rows, outcome words, wake-ups, caller IDs."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pbxdesk.api.models import CallKind, UserCall
from pbxdesk.api.parse import parse_row
from pbxdesk.phone import normalize_api_number
from pbxdesk.services.callerids import account_numbers, rank_numbers
from pbxdesk.services.calltrack import (
    START_SLACK,
    CallAttempt,
    CallState,
    answered_text,
    find_row,
    format_talk_time,
    outcome_of_row,
    poll_query,
    refused_text,
    wake_times,
)
from pbxdesk.store import CallStore

PLACED = datetime(2026, 3, 2, 9, 30, 0, tzinfo=UTC)
ATTEMPT = CallAttempt(attempt_id=1, number="+61412345678", display="0412 345 678",
                      user_number="1010", caller_id=None, state=CallState.RINGING, text="",
                      requested_at=PLACED, started=0.0)


def row(call_id: str = "1", *, type_: str = "user_outbound_answered", user: str = "1010",
        dest: str = "61412345678", start: datetime = PLACED + timedelta(seconds=1),
        talk: int = 30) -> UserCall:
    parsed = parse_row({
        "unique_call_id": call_id, "type": type_, "caller_id": "61290000000",
        "caller_name": "Co", "dest_number": dest, "user_name": "Ann", "user_number": user,
        "call_start_at": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "connected_at": None,
        "call_duration": talk + 5, "conversation_duration": talk}, CallKind.USER, "AU")
    assert isinstance(parsed, UserCall)
    return parsed


def test_the_first_matching_row_after_the_post_wins() -> None:
    rows = [row("3", start=PLACED + timedelta(seconds=50)), row("2", start=PLACED)]
    found = find_row(rows, ATTEMPT)
    assert found is not None
    assert found.unique_call_id == "2"


@pytest.mark.parametrize("other", [
    row(user="1011"),                                    # another extension's call
    row(dest="61412345679"),                             # another number
    row(type_="user_inbound_answered"),                  # the number called us
    row(start=PLACED - START_SLACK - timedelta(seconds=1)),  # before the POST
])
def test_rows_of_other_calls_do_not_match(other: UserCall) -> None:
    assert find_row([other], ATTEMPT) is None


def test_a_claimed_row_goes_to_the_next_attempt() -> None:
    first, second = row("1"), row("2", start=PLACED + timedelta(seconds=20))
    assert find_row([first, second], ATTEMPT, claimed={first.key}) == second


def test_clock_skew_within_the_slack_still_matches() -> None:
    early = row(start=PLACED - START_SLACK + timedelta(seconds=1))
    assert find_row([early], ATTEMPT) == early


def test_an_extension_matches_on_the_raw_destination() -> None:
    internal = dataclasses.replace(ATTEMPT, number="1002", display="1002", internal=True)
    assert find_row([row(dest="1002")], internal) is not None
    assert find_row([row(dest="61412345678")], internal) is None


@pytest.mark.parametrize(("type_", "state", "text"), [
    ("user_outbound_answered", CallState.CONNECTED, "Call ended after 3:12 talking"),
    ("user_outbound_missed", CallState.NOT_ANSWERED, "Not answered"),
    ("user_outbound_busy", CallState.BUSY, "Busy"),
    ("user_outbound_failed", CallState.FAILED,
     "The call failed. Check the number, then try again."),
    ("user_outbound_transferred", CallState.ENDED, "Call ended (user outbound transferred)"),
])
def test_outcome_words(type_: str, state: CallState, text: str) -> None:
    assert outcome_of_row(row(type_=type_, talk=192)) == (state, text)


def test_an_answered_call_without_talk_time_still_reads_as_over() -> None:
    assert answered_text(None) == answered_text(0) == "Answered; the call has ended"
    assert outcome_of_row(row(talk=0))[1] == "Answered; the call has ended"


def test_a_refused_call_keeps_the_pbxs_words_and_names_the_field_to_check() -> None:
    number = ("number_to_call '1002' is not a valid international number (E.164) or an "
              "extension of this account")
    assert refused_text(number + ".") == (
        f"The PBX refused the call: {number}. Check the number and the extension under "
        "'Ring phones of'.")
    assert refused_text("caller_id '0299' is not a number of this account") == (
        "The PBX refused the call: caller_id '0299' is not a number of this account. "
        "Pick another number under 'Caller ID'.")
    assert refused_text("  ").startswith("The PBX refused the call: no reason given.")


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (59, "0:59"), (192, "3:12"),
                                               (3725, "1:02:05"), (-4, "0:00")])
def test_talk_time(seconds: int, text: str) -> None:
    assert format_talk_time(seconds) == text


def test_poll_query_reaches_a_day_either_side() -> None:
    query = poll_query("1010", PLACED, filtered=True)
    assert (query.from_date, query.to_date) == (date(2026, 3, 1), date(2026, 3, 3))
    assert query.names == ("1010",)
    assert poll_query("1010", PLACED, filtered=False).limit > query.limit


def test_wake_times_add_the_end_of_ringing_between_polls() -> None:
    assert wake_times((10, 20, 60), 45) == [(10.0, True), (20.0, True), (45.0, False),
                                            (60.0, True)]
    assert wake_times((10, 20), 45) == [(10.0, True), (20.0, True)]  # after the last: no use
    assert wake_times((20, 10, 10), 20) == [(10.0, True), (20.0, True)]


def test_caller_ids_are_deduplicated_and_ranked_by_use() -> None:
    raw = ["61290000000", "1002", "+61290000000", "0290000000", "61370000000", "junk", ""]
    choices = rank_numbers([(value, normalize_api_number(value, "AU")) for value in raw], "AU")
    assert [(c.value, c.e164, c.uses) for c in choices] == [
        ("61290000000", "+61290000000", 3), ("61370000000", "+61370000000", 1)]
    assert choices[0].label == "(02) 9000 0000"


def test_account_numbers_come_from_outbound_callers_and_inbound_destinations(
        tmp_path: Path) -> None:
    outbound = row("1", dest="61412345678")
    inbound = dataclasses.replace(row("2", type_="user_inbound_answered", dest="61370000000"),
                                  caller_id="61412345678")
    internal = row("3", type_="user_inbound_answered", dest="1002")
    with CallStore(tmp_path / "calls.sqlite3", default_region="AU") as store:
        store.upsert([outbound, inbound, internal])
        values = [choice.value for choice in account_numbers(store, "AU")]
    # The callee of an outbound call and the caller of an inbound one are not ours.
    assert sorted(values) == ["61290000000", "61370000000"]
