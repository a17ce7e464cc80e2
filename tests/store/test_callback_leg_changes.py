"""Rows that stop (or start) being legs after an update leave what a rebuild computes.

A leg is an inbound row nobody answered, in scope and inside the horizon. A
row read by one update may be reported differently by a later sync without
changing direction or numbers: a missed call answered after all (or the
reverse), a voicemail type or a queue's ``no_agents`` status that comes or
goes while the outcome code stays 0, a start time corrected across the
horizon, a queue row moved to another queue; or its user changed in place.
After each such change the next update must leave every item, every column,
as a rebuild from the same calls (in a copy of the store) computes it.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from pbxdesk.api.models import CallKind, GroupCall, UserCall
from pbxdesk.store import CallStore
from pbxdesk.store.callbackrules import ItemState
from pbxdesk.store.callbacks import Scope
from pbxdesk.store.callbackschema import watch_leg_changes
from pbxdesk.store.connection import write_transaction
from pbxdesk.store.migrations import MIGRATIONS, migrate
from pbxdesk.store.rows import AnyCall, to_micros
from tests.fixtures.store import EPOCH, CallFactory
from tests.store.callbackrebuild import rebuilt_items, stored_items

SPAN = timedelta(days=5)
NOW = EPOCH + SPAN
# Two of three users, one queue and one ring group of two each; three days of five.
SCOPE = Scope(("1000", "1001"), ("Queue Sales", "RG Reception"), days=3)
_NO_ANSWER_STATUSES = ("no_agents", "exited")  # outcome 0, yet nobody answered
_OTHER_GROUP = {"Queue Sales": "Queue support", "Queue support": "Queue Sales",
                "RG Reception": "RG warehouse", "RG warehouse": "RG Reception"}

Change = Callable[[AnyCall, random.Random], AnyCall | None]


def _inbound(call: AnyCall) -> bool:
    return isinstance(call, GroupCall) or "inbound" in (call.type or "").lower()


def _answered_after_all(call: AnyCall, rnd: random.Random) -> AnyCall | None:
    """A leg re-reported as answered (the sync re-reads recent pages)."""
    if isinstance(call, GroupCall):
        return None if call.status == "answered" else replace(call, status="answered")
    if not _inbound(call) or call.type == "user_inbound_answered":
        return None
    return replace(call, type="user_inbound_answered")


def _unanswered_after_all(call: AnyCall, rnd: random.Random) -> AnyCall | None:
    if isinstance(call, GroupCall):
        if (call.status or "").lower() != "answered":
            return None
        return replace(call, status=rnd.choice(("abandoned", "noanswer", *_NO_ANSWER_STATUSES)))
    if call.type != "user_inbound_answered":
        return None
    return replace(call, type=rnd.choice(("user_inbound_missed", "user_inbound_voicemail")))


def _named_unanswered(call: AnyCall, rnd: random.Random) -> AnyCall | None:
    """Outcome code 0 both sides: a voicemail type or a no-agents status comes or goes."""
    if isinstance(call, GroupCall):
        status = ("transferred" if call.status in _NO_ANSWER_STATUSES
                  else rnd.choice(_NO_ANSWER_STATUSES))
        return replace(call, status=status)
    if not _inbound(call):
        return None
    return replace(call, type="user_inbound_transferred" if call.type == "user_inbound_voicemail"
                   else "user_inbound_voicemail")


def _moved_in_time(call: AnyCall, rnd: random.Random) -> AnyCall | None:
    """A start time corrected by up to two days: into the horizon, out of it, or within."""
    if call.call_start_at is None or not call.unique_call_id:  # else the key changes
        return None
    shift = timedelta(hours=rnd.choice((-1, 1)) * rnd.randrange(1, 48))
    return replace(call, call_start_at=call.call_start_at + shift,
                   connected_at=call.connected_at and call.connected_at + shift)


def _other_group(call: AnyCall, rnd: random.Random) -> AnyCall | None:
    """A queue or ring-group row re-reported under the other group of its kind."""
    if not isinstance(call, GroupCall) or not call.unique_call_id or call.group is None:
        return None
    return replace(call, group=_OTHER_GROUP[call.group])


def _other_duration(call: AnyCall, rnd: random.Random) -> AnyCall | None:
    """A longer or shorter ring or call (a leg's wait and end; an answer's end)."""
    if call.call_duration is None:
        return None
    return replace(call, call_duration=max(0, call.call_duration + rnd.randrange(-600, 600)))


def _other_name(call: AnyCall, rnd: random.Random) -> AnyCall | None:
    return replace(call, caller_name=rnd.choice((None, "Zoë Adams", "Noah Lee")))


CHANGES: dict[str, Change] = {
    "answered after all": _answered_after_all,
    "unanswered after all": _unanswered_after_all,
    "voicemail or no agents": _named_unanswered,
    "start time": _moved_in_time,
    "group": _other_group,
    "duration": _other_duration,
    "caller name": _other_name,
}


def _odd(call: AnyCall, rnd: random.Random) -> AnyCall:
    """Now and then an inbound caller without E.164: withheld, an extension, long digits."""
    roll = rnd.random()
    if not _inbound(call) or roll > 0.15:
        return call
    if roll < 0.07:
        return replace(call, caller_id=rnd.choice((None, "", "anonymous")), caller_e164=None)
    if roll < 0.1:
        return replace(call, caller_id="1002", caller_e164=None)
    return replace(call, caller_id="12345678901", caller_e164=None)


def _calls(seed: int) -> list[AnyCall]:
    rnd = random.Random(seed)
    factory = CallFactory(seed=seed, users=3, queues=2, ring_groups=2, callers=25,
                          start=EPOCH, span=SPAN)
    calls = [_odd(call, rnd) for call in factory.calls(500)]
    # Rows whose "nobody answered" comes from the type or status, not the outcome code.
    return [replace(call, status=rnd.choice(_NO_ANSWER_STATUSES))
            if isinstance(call, GroupCall) and rnd.random() < 0.15
            else replace(call, type="user_inbound_voicemail")
            if isinstance(call, UserCall) and _inbound(call) and rnd.random() < 0.1
            else call for call in calls]


def _items(conn: sqlite3.Connection) -> list[tuple[str, ...]]:
    return stored_items(conn)


def _rebuilt(store: CallStore, copy: Path) -> list[tuple[str, ...]]:
    return rebuilt_items(store, copy, SCOPE, to_micros(NOW))


def _changed_after_update(store: CallStore, tmp_path: Path, seed: int,
                          change: Callable[[list[AnyCall], int, random.Random], int]) -> int:
    """Commit the calls in steps, each with rows of earlier steps changed by ``change``.

    ``change(calls, index, rnd)`` changes ``calls[index]`` (stored already) for the
    step's commit, or not; returns how many rows it changed. After every update
    the items must be a rebuild's. Returns how many rows were changed in all.
    """
    rnd = random.Random(seed)
    calls = _calls(seed)
    conn = store.callbacks._conn()
    changed = 0
    for step, start in enumerate(range(0, len(calls), 70)):
        fresh = calls[start:start + 70]
        before = list(calls[:start])
        for index in rnd.sample(range(start), min(start, 15)):
            changed += change(calls, index, rnd)
        store.upsert([*fresh, *(new for old, new in zip(before, calls, strict=False)
                                if new is not old)])
        store.callbacks.update(SCOPE, to_micros(NOW))
        assert _items(conn) == _rebuilt(store, tmp_path / f"copy{step}.sqlite3"), \
            f"after commit {step}"
    return changed


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", list(CHANGES))
def test_rows_re_reported_after_an_update_leave_what_a_rebuild_computes(
        call_store: CallStore, tmp_path: Path, name: str, seed: int) -> None:
    def change(calls: list[AnyCall], index: int, rnd: random.Random) -> int:
        new = CHANGES[name](calls[index], rnd)
        if new is None:
            return 0
        calls[index] = new
        return 1

    assert _changed_after_update(call_store, tmp_path, seed, change) > 20


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("column", "values"), [("user_number", ("1000", "1001", "1002")),
                                                ("unique_call_id", ("", "55501", "55502"))])
def test_rows_whose_user_or_call_id_changes_in_place_leave_what_a_rebuild_computes(
        call_store: CallStore, tmp_path: Path, seed: int, column: str,
        values: tuple[str, ...]) -> None:
    # The API's rows name their user and call id in their key, so only a change in
    # place (a repair of the file, a later migration) gives a row another of either.
    moved: list[tuple[str, str]] = []

    def change(calls: list[AnyCall], index: int, rnd: random.Random) -> int:
        call = calls[index]
        if column == "user_number" and not isinstance(call, UserCall):
            return 0
        moved.append((rnd.choice(values), call.key))
        return 1

    real_upsert = call_store.upsert

    def upsert_then_move(batch: list[AnyCall]) -> object:
        result = real_upsert(batch)
        with write_transaction(call_store.callbacks._conn()) as conn:
            conn.executemany(f"UPDATE calls SET {column} = ? WHERE key = ?", moved)
        moved.clear()
        return result

    call_store.upsert = upsert_then_move  # type: ignore[method-assign]
    assert _changed_after_update(call_store, tmp_path, seed, change) > 20


def _missed(factory: CallFactory, number: str, minutes: int, status: str = "abandoned"
            ) -> GroupCall:
    """A Sales queue row of ``number``'s, ``minutes`` before now."""
    return factory.group_call(CallKind.QUEUE, group="Queue Sales", status=status,
                              unique_call_id=f"77{minutes}", caller_id=number,
                              caller_e164=f"+{number}",
                              call_start_at=NOW - timedelta(minutes=minutes), call_duration=40)


def test_a_missed_call_answered_after_all_leaves_no_item(call_store: CallStore,
                                                         tmp_path: Path) -> None:
    factory = CallFactory(seed=9, users=3, callers=5, start=EPOCH, span=SPAN)
    jane = "61412000001"
    missed = _missed(factory, jane, 90)
    call_store.upsert([missed])
    call_store.callbacks.update(SCOPE, to_micros(NOW))
    item = call_store.callbacks.item(f"+{jane}")
    assert item is not None
    assert item.state is ItemState.OPEN

    call_store.upsert([replace(missed, status="answered")])  # the sync knows better now
    call_store.callbacks.update(SCOPE, to_micros(NOW))

    assert call_store.callbacks.item(f"+{jane}") is None  # not "Reached": never missed
    assert _items(call_store.callbacks._conn()) == _rebuilt(call_store, tmp_path / "copy")


def test_an_answered_call_missed_after_all_reopens_its_caller(call_store: CallStore,
                                                              tmp_path: Path) -> None:
    factory = CallFactory(seed=10, users=3, callers=5, start=EPOCH, span=SPAN)
    jane = "61412000001"
    answered = _missed(factory, jane, 60, status="answered")
    call_store.upsert([_missed(factory, jane, 90), answered])
    call_store.callbacks.update(SCOPE, to_micros(NOW))
    item = call_store.callbacks.item(f"+{jane}")
    assert item is not None
    assert item.state is ItemState.REACHED

    call_store.upsert([replace(answered, status="no_agents")])
    call_store.callbacks.update(SCOPE, to_micros(NOW))

    item = call_store.callbacks.item(f"+{jane}")
    assert item is not None
    assert (item.state, item.attempts) == (ItemState.OPEN, 2)
    assert _items(call_store.callbacks._conn()) == _rebuilt(call_store, tmp_path / "copy")


def test_a_file_from_before_the_migration_gets_the_triggers_that_see_it(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, MIGRATIONS[:MIGRATIONS.index(watch_leg_changes)])  # the older triggers
    conn.close()
    factory = CallFactory(seed=11, users=3, callers=5, start=EPOCH, span=SPAN)
    jane = "61412000001"
    missed = _missed(factory, jane, 30)
    with CallStore(path, default_region="AU") as store:  # upgrades
        store.upsert([missed])
        store.callbacks.update(SCOPE, to_micros(NOW))
        assert store.callbacks.item(f"+{jane}") is not None
        store.upsert([replace(missed, status="answered")])
        store.callbacks.update(SCOPE, to_micros(NOW))
        assert store.callbacks.items() == []
