"""Rows that change direction after an update leave the worklist a full rebuild makes.

A row read by one update may be reported differently later: an outbound call
re-reported as an inbound missed one, or the reverse. The trigger marks it;
the next update must then leave the callers it belonged to before *and* after
as a rebuild from ``calls`` (in a copy of the store) computes them.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from pbxdesk.api.models import UserCall
from pbxdesk.store import CallStore
from pbxdesk.store.callbackrules import ItemState
from pbxdesk.store.callbacks import ALL_GROUPS, Scope
from pbxdesk.store.rows import AnyCall, to_micros
from tests.fixtures.store import EPOCH, CallFactory
from tests.store.callbackrebuild import rebuilt_items, stored_items

SPAN = timedelta(days=5)
NOW = EPOCH + SPAN
SCOPE = Scope(("1000", "1001", "1002"), (ALL_GROUPS,), days=10)
_TURNED = {"user_inbound_missed": "user_outbound_answered",
           "user_inbound_answered": "user_outbound_missed",
           "user_outbound_answered": "user_inbound_missed",
           "user_outbound_missed": "user_inbound_answered"}


def _turned(call: UserCall) -> UserCall:
    """The row re-reported in the other direction: caller and destination swap too."""
    return replace(call, type=_TURNED[call.type or ""], caller_id=call.dest_number,
                   dest_number=call.caller_id, caller_e164=call.dest_e164,
                   dest_e164=call.caller_e164)


def _items(conn: sqlite3.Connection) -> list[tuple[str, ...]]:
    return stored_items(conn)


def _rebuilt(store: CallStore, copy: Path) -> list[tuple[str, ...]]:
    return rebuilt_items(store, copy, SCOPE, to_micros(NOW))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_rows_that_change_direction_leave_what_a_rebuild_computes(
        call_store: CallStore, tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    factory = CallFactory(seed=seed, users=3, callers=25, start=EPOCH, span=SPAN)
    calls: list[AnyCall] = [call for call in factory.calls(400)
                            if isinstance(call, UserCall) and call.type in _TURNED]
    conn = call_store.callbacks._conn()
    turned = {"in": 0, "out": 0}
    for step, start in enumerate(range(0, len(calls), 60)):
        batch: list[AnyCall] = list(calls[start:start + 60])
        if start:  # rows read by an earlier update, now reported the other way round
            earlier = [call for call in calls[:start] if isinstance(call, UserCall)]
            for call in rnd.sample(earlier, 6):
                turned["in" if "inbound" in (call.type or "") else "out"] += 1
                batch.append(_turned(call))
        call_store.upsert(batch)
        call_store.callbacks.update(SCOPE, to_micros(NOW))
        assert _items(conn) == _rebuilt(call_store, tmp_path / f"copy{step}.sqlite3"), \
            f"after commit {step}"
    assert turned["in"]
    assert turned["out"]


def _user_call(factory: CallFactory, call_id: str, call_type: str, number: str,
               minutes: int) -> UserCall:
    """A call between extension 1000 and ``number``, ``minutes`` into the span."""
    inbound = "inbound" in call_type
    e164 = f"+{number}"
    return factory.user_call(
        unique_call_id=call_id, type=call_type, user_number="1000",
        caller_id=number if inbound else "1000", caller_e164=e164 if inbound else None,
        dest_number="1000" if inbound else number, dest_e164=None if inbound else e164,
        call_start_at=EPOCH + timedelta(minutes=minutes), call_duration=60)


def test_a_missed_call_reported_as_outbound_later_leaves_no_attempt(
        call_store: CallStore, tmp_path: Path) -> None:
    factory = CallFactory(seed=7, users=3, callers=5, start=EPOCH, span=SPAN)
    jane = "61412000001"
    missed = _user_call(factory, "9001", "user_inbound_missed", jane, 10)
    call_store.upsert([missed])
    call_store.callbacks.update(SCOPE, to_micros(NOW))
    assert call_store.callbacks.item(f"+{jane}") is not None

    call_store.upsert([_turned(missed)])  # we called Jane, and she answered
    call_store.callbacks.update(SCOPE, to_micros(NOW))

    assert call_store.callbacks.item(f"+{jane}") is None
    assert _items(call_store.callbacks._conn()) == _rebuilt(call_store, tmp_path / "copy")


def test_a_call_back_reported_as_inbound_later_reopens_the_caller_it_reached(
        call_store: CallStore, tmp_path: Path) -> None:
    factory = CallFactory(seed=8, users=3, callers=5, start=EPOCH, span=SPAN)
    jane, bob = "61412000001", "61412000002"
    call_back = _user_call(factory, "9002", "user_outbound_answered", jane, 20)
    call_store.upsert([_user_call(factory, "9001", "user_inbound_missed", jane, 10), call_back])
    call_store.callbacks.update(SCOPE, to_micros(NOW))
    reached = call_store.callbacks.item(f"+{jane}")
    assert reached is not None
    assert reached.state is ItemState.REACHED

    # The same row is Bob's missed call after all: Jane was never reached.
    call_store.upsert([replace(_turned(call_back), caller_id=bob, caller_e164=f"+{bob}")])
    call_store.callbacks.update(SCOPE, to_micros(NOW))

    jane_item = call_store.callbacks.item(f"+{jane}")
    bob_item = call_store.callbacks.item(f"+{bob}")
    assert jane_item is not None
    assert jane_item.state is ItemState.OPEN
    assert bob_item is not None
    assert bob_item.state is ItemState.OPEN
    assert _items(call_store.callbacks._conn()) == _rebuilt(call_store, tmp_path / "copy")
