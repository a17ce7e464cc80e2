"""Calls that arrived as live relay events: stored at once, flagged until a sync confirms them.

A call that ends reaches pbxdesk twice: within a second as a relay event
(``user_inbound_completed``, ``queue_call`` …), and minutes later in the
history API's pages. The event's row (:attr:`CallCompleted.history_row`) has
the same :attr:`~pbxdesk.api.models.CallRow.key` as the synced one, so the
second arrival updates the first instead of adding a row. In between the row
carries ``calls.live = 1`` (see :mod:`pbxdesk.store.rows`):

- :func:`store_live` writes event rows in one transaction: a new key is
  inserted with ``live = 1``; a key still live is updated (a later event for
  the same call); a key a sync already stored is left alone (the API's row is
  the truth, and an event replayed after a restart must not undo it). An
  optional ``meta`` value (the relay's last event id) is written in the same
  transaction, so "these rows" and "handled up to this event" commit together.
- :func:`confirm` runs inside every sync upsert (:func:`pbxdesk.store.writer.upsert`)
  and clears the flag of the batch's keys. It reads the partial index
  ``ix_calls_live``, which holds only the unconfirmed rows, so a sync of a
  million rows pays a lookup of a handful of entries per batch.

No Qt here; the store's threading rule applies (:mod:`pbxdesk.store.connection`).
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Final

from pbxdesk.api.models import AnyCall, CallKind
from pbxdesk.store import daycounts, insighttotals, rows
from pbxdesk.store.connection import write_transaction

_COLUMNS: Final = ("user_ref", "group_ref", *rows.DATA_COLUMNS)
_INSERT: Final = (f"INSERT INTO calls (key, {', '.join(_COLUMNS)}, live) "
                  f"VALUES (?, {', '.join('?' * len(_COLUMNS))}, 1)")
_UPDATE: Final = (f"UPDATE calls SET {', '.join(f'{name} = ?' for name in _COLUMNS)} "
                  "WHERE key = ? AND live = 1")
_KIND, _GROUP, _USER_NAME, _USER_NUMBER, _START, _DIRECTION, _OUTCOME = (
    rows.DATA_COLUMNS.index(name) for name in ("kind", "group_name", "user_name", "user_number",
                                               "start_us", "direction", "outcome"))
_USER_KIND: Final = rows.KIND_CODES[CallKind.USER]


@dataclass(frozen=True, slots=True)
class LiveWrite:
    """What :func:`store_live` did with a batch of event rows."""

    inserted: int = 0
    """New calls, now stored with ``live = 1``."""
    updated: int = 0
    """Calls still live whose row a later event replaced."""
    already_synced: int = 0
    """Calls a sync had stored already: left as they were."""

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)


def store_live(conn: sqlite3.Connection, calls: Iterable[AnyCall], *,
               meta: tuple[str, Any] | None = None) -> LiveWrite:
    """Store event rows flagged live (see the module docstring), and ``meta`` with them."""
    batch: dict[str, tuple[Any, ...]] = {}
    for call in calls:
        values = rows.encode(call)
        batch[rows.storable(call.key)] = tuple(
            rows.storable(value) if isinstance(value, str) else value for value in values)
    inserted = updated = synced = 0
    counted: Counter[daycounts.DayKey] = Counter()
    with write_transaction(conn):
        stored = _live_flags(conn, list(batch))
        before = insighttotals.last_id(conn)
        for key, values in batch.items():
            refs = (_user_ref(conn, values), _group_ref(conn, values))
            flag = stored.get(key)
            if flag is None:
                conn.execute(_INSERT, (key, *refs, *values))
                counted[daycounts.key_of(values[_KIND], values[_START], values[_DIRECTION],
                                         values[_OUTCOME], refs[1])] += 1
                inserted += 1
            elif flag:
                conn.execute(_UPDATE, (*refs, *values, key))
                updated += 1
            else:
                synced += 1
        daycounts.write(conn, counted)  # new rows count in the per-day totals (updates: a trigger)
        insighttotals.add_inserted(conn, before)  # and in Insights' (updates: triggers too)
        if meta is not None:
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         (meta[0], json.dumps(meta[1])))
    return LiveWrite(inserted, updated, synced)


def confirm(conn: sqlite3.Connection, keys: Collection[str]) -> int:
    """Clear the live flag of those ``keys`` that have it; call inside the write transaction.

    Returns how many rows were confirmed.
    """
    try:
        live = [key for (key,) in conn.execute("SELECT key FROM calls WHERE live = 1")]
    except sqlite3.OperationalError as exc:
        if "no such column" not in str(exc):
            raise
        return 0  # a file written before the flag existed (tests of upgrades write such)
    if not live:
        return 0
    wanted = keys if isinstance(keys, set | frozenset | dict) else set(keys)
    hits = [(key,) for key in live if key in wanted]
    if hits:
        conn.executemany("UPDATE calls SET live = 0 WHERE key = ?", hits)
    return len(hits)


def live_keys(conn: sqlite3.Connection) -> list[str]:
    """The keys of every row still waiting for a sync to confirm it."""
    return [key for (key,) in conn.execute("SELECT key FROM calls WHERE live = 1 ORDER BY key")]


def _live_flags(conn: sqlite3.Connection, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found.update(conn.execute(
            f"SELECT key, live FROM calls WHERE key IN ({', '.join('?' * len(chunk))})", chunk))
    return found


def _user_ref(conn: sqlite3.Connection, values: tuple[Any, ...]) -> int | None:
    number, name = values[_USER_NUMBER], values[_USER_NAME]
    if not (number or name):
        return None
    conn.execute("INSERT OR IGNORE INTO call_users (number, name) VALUES (?, ?)", (number, name))
    return int(conn.execute("SELECT id FROM call_users WHERE number = ? AND name = ?",
                            (number, name)).fetchone()[0])


def _group_ref(conn: sqlite3.Connection, values: tuple[Any, ...]) -> int | None:
    kind, name = values[_KIND], values[_GROUP]
    if kind == _USER_KIND or not name:
        return None
    conn.execute("INSERT OR IGNORE INTO call_groups (kind, name) VALUES (?, ?)", (kind, name))
    return int(conn.execute("SELECT id FROM call_groups WHERE kind = ? AND name = ?",
                            (kind, name)).fetchone()[0])
