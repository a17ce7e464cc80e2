"""CallService against the sandbox PBX: the POST, the states, the outcome, the guards.

Every test places real requests through :class:`PbxClient` to a sandbox (in
process; one over loopback) and reads what the sandbox received with
``placed_calls()`` and ``request_counts``. The sandbox's clock runs x1000, so a
scripted call ends within milliseconds and the service's fast schedule finds it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.models import HistoryQuery
from pbxdesk.phone import DialTarget, parse_dial_input
from pbxdesk.sandbox.server import SandboxServer
from pbxdesk.services.calls import CallState
from pbxdesk.services.calltrack import (
    BUDGET_TEXT,
    MAY_HAVE_PLACED_NOT_FOUND_TEXT,
    MAY_HAVE_PLACED_TEXT,
    NOT_FOUND_TEXT,
)
from pbxdesk.services.messages import Remedy, Severity
from pbxdesk.services.waits import local_short_time
from pbxdesk.store import CallFilter
from tests.services.helpers import MOBILE, REGION, MakeEnv, run, wait_settled

SHORT_SCHEDULE = (0.03, 0.08, 0.15, 0.3)


def target(text: str) -> DialTarget:
    result = parse_dial_input(text, REGION)
    assert isinstance(result, DialTarget)
    return result


def test_placed_call_reports_ringing_then_the_talk_time(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env()
    env.sandbox.script_next_call(talk_seconds=192)
    assert env.service.place_call(target("0412 345 678"))
    final = wait_settled(qtbot, env)
    assert final.state is CallState.CONNECTED
    assert final.text == "Call ended after 3:12 talking"
    assert final.talk_seconds == 192
    texts = env.texts()
    assert texts[0] == "Calling 0412 345 678…"
    assert texts[1] == f"Ringing your phones (ext {env.extension})…"
    placed = env.sandbox.placed_calls()
    assert len(placed) == 1
    # The PBX default caller ID: no caller_id field at all.
    assert dict(placed[0].fields) == {"user_number": env.extension, "number_to_call": MOBILE}
    assert final.unique_call_id == placed[0].unique_call_id


def test_found_row_is_stored_so_the_history_shows_it(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env()
    env.sandbox.script_next_call(destination_answers=False)
    with qtbot.waitSignal(env.service.sig_calls_changed, timeout=5000):
        env.service.place_call(target(MOBILE))
    final = wait_settled(qtbot, env)
    assert (final.state, final.text) == (CallState.NOT_ANSWERED, "Not answered")
    stored = env.store.page(CallFilter(user_numbers=frozenset({env.extension})))
    assert [row.unique_call_id for row in stored] == [final.unique_call_id]
    assert stored[0].dest_e164 == MOBILE


def test_phones_not_answered_leaves_no_row_and_says_so(qtbot: QtBot,
                                                       make_env: MakeEnv) -> None:
    env = make_env(schedule=SHORT_SCHEDULE, ring_seconds=0.1)
    env.sandbox.script_next_call(device_answers=False)
    env.service.place_call(target(MOBILE))
    final = wait_settled(qtbot, env)
    assert (final.state, final.text) == (CallState.UNKNOWN, NOT_FOUND_TEXT)
    # The ring time passed before the schedule ended: the text stopped saying "Ringing".
    assert CallState.PLACED in [attempt.state for attempt in env.states]
    assert env.sandbox.request_counts["get-user-calls"] == len(SHORT_SCHEDULE)


def test_caller_id_and_an_extension_destination(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env()
    other = env.sandbox.account.users[1].extension
    did = env.sandbox.account.dids[0]
    env.service.place_call(target(other), caller_id=did)
    final = wait_settled(qtbot, env)
    assert final.state is CallState.CONNECTED
    assert final.display == other
    placed = env.sandbox.placed_calls()[0]
    assert dict(placed.fields) == {"user_number": env.extension, "number_to_call": other,
                                   "caller_id": did}


def test_another_user_can_be_rung(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env()
    colleague = env.sandbox.account.users[2].extension
    env.service.place_call(target(MOBILE), user_number=colleague)
    final = wait_settled(qtbot, env)
    assert final.state is CallState.CONNECTED
    assert final.user_number == colleague
    assert env.sandbox.placed_calls()[0].user_number == colleague


def test_two_quick_requests_place_one_call(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env()
    assert env.service.place_call(target(MOBILE))
    assert not env.service.place_call(target("0412 345 678"))  # the same number, typed nationally
    assert env.refused == ["Already calling 0412 345 678."]
    wait_settled(qtbot, env)
    assert env.posts() == 1
    # Still inside the guard after the call ended: a late second click does nothing.
    env.clock.now += 3
    assert not env.service.place_call(target(MOBILE))
    assert env.posts() == 1


def test_the_same_number_again_after_the_guard(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env()
    env.sandbox.script_next_call(talk_seconds=10)
    env.sandbox.script_next_call(talk_seconds=20)
    env.service.place_call(target(MOBILE))
    first = wait_settled(qtbot, env)
    env.clock.now += 9
    assert env.service.place_call(target(MOBILE))
    second = wait_settled(qtbot, env)
    assert env.posts() == 2
    # Each attempt claims its own history row.
    assert (first.text, second.text) == ("Call ended after 0:10 talking",
                                        "Call ended after 0:20 talking")
    assert first.unique_call_id != second.unique_call_id


def test_a_different_number_is_not_held_back(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env()
    assert env.service.place_call(target(MOBILE))
    assert env.service.place_call(target("02 9876 5432"))
    qtbot.waitUntil(lambda: not any(a.pending for a in env.service.attempts), timeout=5000)
    assert env.posts() == 2
    assert env.refused == []


def test_lost_answer_is_never_retried(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env(schedule=SHORT_SCHEDULE, ring_seconds=30.0)
    env.sandbox.inject_fault("drop", endpoint="call-to-number")
    env.sandbox.script_next_call(device_answers=False)  # no row will tell us either way
    env.service.place_call(target(MOBILE))
    qtbot.waitUntil(lambda: env.service.current is not None
                    and env.service.current.state is CallState.MAY_HAVE_PLACED, timeout=5000)
    assert env.service.current is not None
    assert env.service.current.text == MAY_HAVE_PLACED_TEXT
    assert len(env.sandbox.placed_calls()) == 1  # the PBX did get it
    env.clock.now += 2
    assert not env.service.place_call(target(MOBILE))
    env.clock.now += 10  # past the double-click guard, still inside the ring time
    assert not env.service.place_call(target(MOBILE))
    assert len(env.refused) == 2
    assert all("the last request may have gone through" in text for text in env.refused)
    assert "try again in 18 s" in env.refused[-1]
    final = wait_settled(qtbot, env)
    assert final.text == MAY_HAVE_PLACED_NOT_FOUND_TEXT
    assert env.posts() == 1
    # It may have been placed, so it is in the recent numbers.
    assert [dial.number for dial in env.store.recent_dials.recent()] == [MOBILE]


def test_lost_answer_then_the_row_turns_up(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env()
    env.sandbox.inject_fault("drop", endpoint="call-to-number")
    env.service.place_call(target(MOBILE))
    final = wait_settled(qtbot, env)
    assert final.state is CallState.CONNECTED
    assert MAY_HAVE_PLACED_TEXT in env.texts()


def test_no_extension_refuses_without_a_request(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env(my_extension="")
    assert not env.service.place_call(target(MOBILE))
    assert "Set your extension in Settings" in env.refused[0]
    assert env.sandbox.request_count == 0
    assert env.service.current is None


def test_polls_leave_requests_for_the_next_call(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env(budget=RequestBudget(limit=4), schedule=SHORT_SCHEDULE)
    env.sandbox.script_next_call(device_answers=False)
    env.service.place_call(target(MOBILE))
    final = wait_settled(qtbot, env)
    # The POST leaves 3, one poll leaves 2: what the next call needs. No more polls.
    assert env.sandbox.request_count == 2
    assert env.sandbox.request_counts["get-user-calls"] == 1
    assert (final.state, final.text) == (CallState.UNKNOWN, BUDGET_TEXT)
    assert env.client.budget.remaining() == 2


def test_spent_budget_sends_nothing_and_shows_the_banner(qtbot: QtBot,
                                                         make_env: MakeEnv) -> None:
    budget = RequestBudget(limit=1)
    budget.take()
    env = make_env(budget=budget)
    env.service.place_call(target(MOBILE))
    final = wait_settled(qtbot, env)
    assert final.state is CallState.ERROR
    # When calling works again, in the user's clock ("3:42 pm"), not "15:41:37".
    again = local_short_time(budget.next_available_at())
    assert final.text == ("Not called: pbxdesk has used its budget of 1 request per 15 minutes "
                          f"to stay inside the PBX's limit. Try again at {again}.")
    assert env.sandbox.request_count == 0
    assert [(m.severity, m.remedy, m.source) for m in env.posted] == [
        (Severity.WARNING, Remedy.NONE, "calls")]
    assert env.store.recent_dials.recent() == []  # nothing was placed


def test_wrong_key_shows_the_settings_banner(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env(api_key="not-the-key-0000")
    env.service.place_call(target(MOBILE))
    final = wait_settled(qtbot, env)
    assert final.state is CallState.ERROR
    assert "Not authorised" in final.text
    assert not env.sandbox.placed_calls()
    assert [m.remedy for m in env.posted] == [Remedy.OPEN_SETTINGS]
    assert "not-the-key" not in final.text


def test_refused_caller_id_is_explained_without_a_banner(qtbot: QtBot,
                                                         make_env: MakeEnv) -> None:
    env = make_env()
    env.service.place_call(target(MOBILE), caller_id="61299999999")
    final = wait_settled(qtbot, env)
    assert final.state is CallState.ERROR
    assert final.text.startswith("The PBX refused the call: caller_id")
    assert final.text.endswith(". Pick another number under 'Caller ID'.")
    assert env.posted == []
    # A refused call is not held back: the agent fixes the caller ID and tries again.
    assert env.service.place_call(target(MOBILE))
    assert wait_settled(qtbot, env).state is CallState.CONNECTED


def test_refused_number_leads_with_a_sentence_and_the_next_step(qtbot: QtBot,
                                                                make_env: MakeEnv) -> None:
    env = make_env()
    unknown = "1999"  # dialled as an extension, but not one of the sandbox's
    assert unknown not in {user.extension for user in env.sandbox.account.users}
    env.service.place_call(target(unknown))
    final = wait_settled(qtbot, env)
    assert final.state is CallState.ERROR
    # The PBX's own words stay: they are the only precise reason.
    assert final.text == (
        "The PBX refused the call: number_to_call '1999' is not a valid international number "
        "(E.164) or an extension of this account. Check the number and the extension under "
        "'Ring phones of'.")
    assert env.posted == []


def test_rate_limited_call_says_when_to_try_again(qtbot: QtBot, make_env: MakeEnv) -> None:
    moments: list[datetime] = []

    def time_text(moment: datetime) -> str:
        moments.append(moment)
        return "3:41 pm"

    env = make_env(time_text=time_text)
    env.sandbox.set_rate_limit(1, 600.0)
    run(qtbot, env.client.get_user_calls(HistoryQuery(limit=1)))  # the one request allowed
    before = datetime.now(UTC)
    env.service.place_call(target(MOBILE))
    final = wait_settled(qtbot, env)
    after = datetime.now(UTC)
    assert final.state is CallState.ERROR
    assert final.text == ("Not called: The PBX asked pbxdesk to slow down. "
                          "Try again at 3:41 pm.")
    # The time named is the end of the PBX's Retry-After (about 600 s), not a guess.
    assert before + timedelta(seconds=595) <= moments[0] <= after + timedelta(seconds=601)
    assert [(m.text, m.severity, m.remedy) for m in env.posted] == [
        ("The PBX asked pbxdesk to slow down. Try again at 3:41 pm.", Severity.WARNING,
         Remedy.NONE)]
    assert env.sandbox.placed_calls() == []


def test_placed_calls_are_recent_dials(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env()
    did = env.sandbox.account.dids[0]
    with qtbot.waitSignal(env.service.sig_recent_changed, timeout=5000):
        env.service.place_call(target("0412 345 678"), caller_id=did)
    wait_settled(qtbot, env)
    (dial,) = env.store.recent_dials.recent()
    assert (dial.number, dial.display, dial.user_number, dial.caller_id) == (
        MOBILE, "0412 345 678", env.extension, did)


def test_shutdown_stops_following(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env(schedule=(0.05, 5.0, 10.0))
    env.sandbox.script_next_call(device_answers=False)
    env.service.place_call(target(MOBILE))
    qtbot.waitUntil(lambda: env.sandbox.request_counts.get("get-user-calls", 0) == 1,
                    timeout=5000)
    run(qtbot, env.service.shutdown())
    assert env.sandbox.request_count == 2


def test_over_loopback(qtbot: QtBot, make_env: MakeEnv, sandbox_server: SandboxServer) -> None:
    env = make_env(base_url=sandbox_server.base_url)
    env.sandbox.script_next_call(talk_seconds=75)
    env.service.place_call(target(MOBILE))
    final = wait_settled(qtbot, env)
    assert final.text == "Call ended after 1:15 talking"
    assert env.sandbox.placed_calls()[0].fields["number_to_call"] == MOBILE


def test_two_readings_of_the_digits_are_never_guessed(qtbot: QtBot, make_env: MakeEnv) -> None:
    env = make_env()
    both = parse_dial_input("13 12 34", REGION, extensions={"131234"})
    assert isinstance(both, DialTarget)
    assert both.alternative is not None

    assert not env.service.place_call(both)
    assert env.refused == ["Extension 131234, or call 13 12 34? Choose one to call."]
    assert env.service.refusal(both.without_alternative()) is None
    # The agent chose the number.
    assert env.service.place_call(both.alternative)
    wait_settled(qtbot, env)
    assert [call.fields["number_to_call"] for call in env.sandbox.placed_calls()] == ["+61131234"]


def test_a_premium_rate_number_is_called_only_once_confirmed(qtbot: QtBot,
                                                             make_env: MakeEnv) -> None:
    env = make_env()
    premium = target("1900 123 456")
    assert premium.is_premium_rate

    assert not env.service.place_call(premium)
    assert env.refused == ["1900 123 456 is a premium-rate number: calls to it cost extra. "
                           "Confirm to call it."]
    assert env.posts() == 0
    assert env.service.place_call(premium, premium_confirmed=True)
    wait_settled(qtbot, env)
    placed = [call.fields["number_to_call"] for call in env.sandbox.placed_calls()]
    assert placed == ["+611900123456"]
