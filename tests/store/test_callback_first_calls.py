"""A first call's item written straight from its leg equals what the rules statement writes.

:meth:`CallbackStore.update` writes the item of a caller with no attempts yet,
whose one new leg needs nothing else (no records; nobody answered or called
them since it began, as the contact bound tells), without the rules
statement. Here varied calls (a few callers calling often: withheld,
extensions, long digits, names given or not, vias with commas, answered calls
and call-backs in the same commit, records before and after a caller's first
call: done, not needed, reopened, snoozed, claimed, noted) are committed in
batches; after each update every item must be, value and type, what the rules
statement writes for all the callers at once.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from pbxdesk.api.models import CallKind, GroupCall
from pbxdesk.store import CallStore
from pbxdesk.store.callbackitems import recompute
from pbxdesk.store.callbackrules import ITEM_COLUMNS, CallbackRecord
from pbxdesk.store.callbacks import ALL_GROUPS, Scope
from pbxdesk.store.rows import AnyCall, to_micros
from tests.fixtures.store import EPOCH, CallFactory

SPAN = timedelta(days=20)
NOW = EPOCH + SPAN
SCOPE = Scope(("1000", "1001", "1002"), (ALL_GROUPS,), days=10)
_QUOTED = ", ".join(f"quote({column})" for column in ITEM_COLUMNS)


def _odd(call: AnyCall, rnd: random.Random) -> AnyCall:
    """Now and then a caller the factory does not make, or a via with a comma."""
    roll = rnd.random()
    if roll < 0.06:
        return replace(call, caller_id=rnd.choice((None, "", "anonymous")), caller_e164=None)
    if roll < 0.09:
        return replace(call, caller_id=rnd.choice(("1003", "22")), caller_e164=None)
    if roll < 0.12:
        return replace(call, caller_id=rnd.choice(("12345678901", "0012345")), caller_e164=None)
    if roll < 0.14:  # a number the API gave only as E.164
        return replace(call, caller_id=None)
    if roll < 0.25 and getattr(call, "call_kind", None) is not None:
        return replace(call, group="Sales, North")
    return call


def _flipped(call: AnyCall) -> AnyCall:
    """The row as the PBX reports it later: a missed call answered after all, or not."""
    if isinstance(call, GroupCall):
        return replace(call, status="abandoned" if call.status == "answered" else "answered")
    flips = {"user_inbound_missed": "user_inbound_answered",
             "user_inbound_answered": "user_inbound_missed"}
    return replace(call, type=flips.get(call.type or "", call.type))


def _batches(seed: int) -> list[list[AnyCall]]:
    rnd = random.Random(seed)
    factory = CallFactory(seed=seed, users=3, callers=rnd.choice((15, 40, 120)),
                          start=EPOCH, span=SPAN)
    # and many who call once or twice: first calls
    fresh = CallFactory(seed=seed + 100, users=3, callers=2000, start=EPOCH, span=SPAN)
    calls = [_odd(call, rnd) for call in [*factory.calls(1500), *fresh.calls(700)]]
    calls += [factory.group_call(CallKind.QUEUE, index, 200) for index in range(0, 200, 7)]
    calls.sort(key=lambda call: call.call_start_at or EPOCH)
    history, recent = calls[:500], calls[500:]
    batches = [history]
    while recent:  # commits of the newest days, now and then out of order
        size = rnd.randrange(20, 200)
        batch, recent = recent[:size], recent[size:]
        if rnd.random() < 0.3:
            rnd.shuffle(batch)
        batches.append(batch)
    return batches


def _records(rnd: random.Random, numbers: list[str], at_us: int) -> list[CallbackRecord]:
    fields = (("state", "done"), ("state", "not_needed"), ("state", "open"),
              ("snooze", str(at_us + 3_600_000_000)), ("snooze", ""), ("note", "ring back"),
              ("claim", "calling"), ("claim", ""))
    chosen = rnd.sample(numbers, min(len(numbers), 8))
    return [CallbackRecord(number, *rnd.choice(fields), at_us + index, rnd.choice("AB"), "ana")
            for index, number in enumerate(chosen)]


def _items(conn: sqlite3.Connection) -> list[tuple[str, ...]]:
    return conn.execute(f"SELECT {_QUOTED} FROM callback_items ORDER BY number").fetchall()


def _by_the_rules(conn: sqlite3.Connection) -> list[tuple[str, ...]]:
    """Every item as the rules statement writes it (rolled back afterwards)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        numbers = {number for (number,) in conn.execute(
            "SELECT DISTINCT number FROM callback_attempts")}
        recompute(conn, numbers)
        return _items(conn)
    finally:
        conn.execute("ROLLBACK")


@pytest.mark.parametrize(("seed", "elsewhere"),
                         [(1, False), (2, False), (3, False), (4, False), (5, False), (6, False),
                          (7, True), (8, True)])
def test_items_written_from_a_first_call_equal_the_rules_statements(
        call_store: CallStore, seed: int, elsewhere: bool) -> None:
    """``elsewhere``: every other commit by another store object on the file, whose
    writes the worklist's contact bound is not told of (it reads those rows itself)."""
    rnd = random.Random(seed)
    other = CallStore(call_store.path) if elsewhere else call_store
    conn = call_store.callbacks._conn()  # the update's own connection (this thread's)
    statements: list[str] = []  # what the updates ran
    batches = _batches(seed)
    span_us = to_micros(NOW) - to_micros(EPOCH)
    for step, batch in enumerate(batches):
        if step > 1 and rnd.random() < 0.5:  # rows read before that changed since (dirty)
            batch = batch + [_flipped(call) for call in rnd.sample(batches[step - 1], 5)]
        (other if step % 2 else call_store).upsert(batch)
        at_us = to_micros(EPOCH) + span_us * (step + 1) // len(batches)
        if step and rnd.random() < 0.5:
            # Records, also for callers with no attempts yet (a first call then needs the rules).
            numbers = [call.caller_e164 for call in batch if call.caller_e164]
            call_store.callback_records.add_records(_records(rnd, [*numbers, ""], at_us))
        conn.set_trace_callback(statements.append)
        call_store.callbacks.update(SCOPE, to_micros(NOW))
        conn.set_trace_callback(None)

        assert _items(conn) == _by_the_rules(conn), f"after commit {step}"

    written_straight = sum(1 for sql in statements
                           if sql.startswith("INSERT OR REPLACE INTO callback_items")
                           and "VALUES" in sql)
    assert written_straight > 0  # the shortcut was taken ...
    assert any(sql.lstrip().startswith("WITH g AS") for sql in statements)  # ... and the rules
    if elsewhere:
        other.close()
