"""The dial pad's pickers: whose phones ring and which caller ID, filled from the history."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.phone import format_for_display, normalize_api_number
from pbxdesk.services.callerids import CallerIdChoice, account_numbers
from pbxdesk.store import CallStore
from pbxdesk.ui.dialpad.choices import PBX_DEFAULT
from tests.services.helpers import REGION, run
from tests.ui.dialpad.conftest import MakePad, env_of, fill_store

OUTBOUND_TYPES = {"user_outbound_answered", "user_outbound_missed"}
INBOUND_TYPES = {"user_inbound_answered", "user_inbound_missed"}
GROUP_STATUSES = {"answered", "abandoned"}


def truth_account_numbers(rows: list[dict[str, Any]]) -> set[str]:
    """Outbound callers and inbound destinations that are numbers, in rows of known outcome."""
    found: set[str] = set()
    for raw in rows:
        if raw.get("type") in OUTBOUND_TYPES:
            value = raw["caller_id"]
        elif raw.get("type") in INBOUND_TYPES or raw.get("status") in GROUP_STATUSES:
            value = raw["dest_number"]
        else:
            continue
        e164 = normalize_api_number(value, REGION)
        if e164 is not None:
            found.add(e164)
    return found


def test_caller_ids_come_from_the_history(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    assert pad.caller_picker.choices() == [(PBX_DEFAULT, None)]  # nothing synced yet
    fill_store(qtbot, env)
    pad.reload_choices()
    choices = pad.caller_picker.choices()
    assert choices[0] == (PBX_DEFAULT, None)
    offered = {normalize_api_number(value, REGION) for _label, value in choices[1:]}
    rows = [*env.sandbox.rows(CallKind.USER), *env.sandbox.rows(CallKind.QUEUE),
            *env.sandbox.rows(CallKind.RING_GROUP)]
    assert offered == truth_account_numbers(rows)
    # They are the account's own numbers, each once, formatted for the agent.
    account = {normalize_api_number(did, REGION) for did in env.sandbox.account.dids}
    assert offered <= account
    assert len(choices) - 1 == len(offered)
    for label, value in choices[1:]:
        assert label == format_for_display(value, REGION)


def test_configured_default_caller_id_is_offered_once(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    fill_store(qtbot, env)
    main = env.sandbox.account.dids[0]
    national = format_for_display(main, REGION)  # typed in Settings the local way
    pad.set_default_caller_id(national)
    labels = [label for label, _value in pad.caller_picker.choices()]
    assert labels[1] == f"{national} (your default)"
    assert labels.count(national) == 0  # not offered a second time from the history
    assert pad.caller_picker.caller_id() is None  # "PBX default" stays the choice
    # The account's own spelling is what is sent.
    assert pad.caller_picker.choices()[1][1] == main


def test_users_seen_in_history_can_be_rung(qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad()
    env = env_of(pad)
    fill_store(qtbot, env)
    pad.reload_choices()
    picker = pad.user_picker
    assert picker.itemText(0) == f"{env.extension} — me"
    seen = {user.number for user in env.store.users()} - {env.extension}
    offered = {str(picker.itemData(i)) for i in range(1, picker.count())}
    assert offered == {number for number in seen if number.isdigit()}
    picker.setCurrentIndex(2)
    chosen = str(picker.itemData(2))
    assert picker.user_number() == chosen
    pad.reload_choices()  # a later sync keeps the choice
    assert picker.user_number() == chosen


def test_default_caller_id_not_in_history_is_sent_in_the_apis_form(
        qtbot: QtBot, make_pad: MakePad) -> None:
    pad = make_pad(default_caller_id="02 9000 0000")
    assert pad.caller_picker.choices() == [(PBX_DEFAULT, None),
                                           ("(02) 9000 0000 (your default)", "61290000000")]


def test_after_a_sync_the_choices_are_read_off_the_gui_thread(
        qtbot: QtBot, make_pad: MakePad, monkeypatch: pytest.MonkeyPatch) -> None:
    # Read on the GUI thread after every sync, they froze the window for 20-30 ms.
    pad = make_pad()
    env = env_of(pad)
    fill_store(qtbot, env)
    readers: list[bool] = []

    def numbers(store: CallStore, region: str) -> list[CallerIdChoice]:
        readers.append(threading.current_thread() is threading.main_thread())
        return account_numbers(store, region)

    monkeypatch.setattr("pbxdesk.ui.dialpad.pad.account_numbers", numbers)

    async def two_syncs_end() -> None:
        pad.reload_choices_soon()
        pad.reload_choices_soon()  # while the first read runs: read once more after it

    run(qtbot, two_syncs_end())
    qtbot.waitUntil(lambda: len(readers) == 2 and pad._reading is None, timeout=5000)
    assert readers == [False, False]
    offered = {normalize_api_number(value, REGION) for _label, value
               in pad.caller_picker.choices()[1:]}
    rows = [*env.sandbox.rows(CallKind.USER), *env.sandbox.rows(CallKind.QUEUE),
            *env.sandbox.rows(CallKind.RING_GROUP)]
    assert offered == truth_account_numbers(rows)
