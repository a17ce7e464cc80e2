"""Storing calls: upsert by key, one transaction per batch.

A batch is all-or-nothing: it is written inside ``BEGIN IMMEDIATE … COMMIT``,
so a crash, a kill or a full disk leaves every row of it stored or none. A row
whose key is new is inserted; for a known key only the columns whose values
changed are written (a later sync may bring longer durations), so re-syncing
the same page rewrites nothing and an update touches only the indexes of the
changed columns. Within a batch the last row for a key wins. The same
transaction keeps the per-day totals (:mod:`daycounts`) and Insights' totals
(:mod:`insighttotals`) in step, adds the
names and numbers of updated rows to the search dictionaries (:mod:`terms`;
new rows are added by the next search), and drops on-demand indexes a bulk
load outgrows (:func:`indexes.outgrown`). A row stored from a live relay event
(``calls.live = 1``, :mod:`pbxdesk.store.live`) is confirmed by the batch that
brings its key.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import logging
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Final

from pbxdesk.api.models import AnyCall, CallKind
from pbxdesk.store import daycounts, indexes, insighttotals, live, rows, terms
from pbxdesk.store.connection import write_transaction
from pbxdesk.store.contactbound import ContactBound

log = logging.getLogger("pbxdesk.store")

_COLUMNS: Final = ("user_ref", "group_ref", *rows.DATA_COLUMNS)
_INSERT: Final = (f"INSERT INTO calls (key, {', '.join(_COLUMNS)}) "
                  f"VALUES (?, {', '.join('?' * len(_COLUMNS))})")
_SELECT: Final = f"SELECT key, {', '.join(_COLUMNS)} FROM calls WHERE key IN "
_KIND, _GROUP, _USER_NAME, _USER_NUMBER = (
    rows.DATA_COLUMNS.index(name) for name in ("kind", "group_name", "user_name", "user_number"))
_KEY_CHUNK: Final = 500
# Positions in a row as _COLUMNS lists them.
_AT_GROUP_REF, _AT_KIND, _AT_DIRECTION, _AT_OUTCOME, _AT_START, _NAME = (
    _COLUMNS.index(name) for name in ("group_ref", "kind", "direction", "outcome", "start_us",
                                      "caller_name"))
# The columns Insights' totals count, as positions in an insert (key first).
_TOTALS_OF: Final = itemgetter(*(1 + _COLUMNS.index(name) for name in insighttotals.ROW_COLUMNS))
_NUMBERS: Final = ((_COLUMNS.index("caller_id"), _COLUMNS.index("caller_e164")),
                   (_COLUMNS.index("dest_number"), _COLUMNS.index("dest_e164")))
_AT_CALLER_E164, _AT_DEST_E164, _AT_DURATION = (
    _COLUMNS.index(name) for name in ("caller_e164", "dest_e164", "call_duration"))


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What one batch did: new rows, rows whose values changed, rows already up to date."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(self.inserted + other.inserted, self.updated + other.updated,
                            self.unchanged + other.unchanged)


def upsert(conn: sqlite3.Connection, calls: Iterable[AnyCall],
           contacts: ContactBound | None = None) -> UpsertResult:
    """Insert or update ``calls`` by :attr:`CallRow.key` in one transaction.

    ``contacts``: a bound to fold the batch's contacts into once it is committed
    (so the callbacks worklist need not read them again).
    """
    batch: dict[str, tuple[Any, ...]] = {}
    for call in calls:
        batch[call.key] = rows.encode(call)
    if not batch:
        return UpsertResult()
    try:
        return _write(conn, batch, contacts)
    except UnicodeEncodeError:
        # A lone surrogate (e.g. from a "\ud800" JSON escape) cannot be stored as
        # UTF-8. The batch was rolled back; store it again with U+FFFD in its place.
        log.warning("Replaced characters that cannot be stored in %d call rows", len(batch))
        clean = {rows.storable(key): tuple(rows.storable(v) if isinstance(v, str) else v
                                           for v in values) for key, values in batch.items()}
        return _write(conn, clean, contacts)


def _write(conn: sqlite3.Connection, batch: dict[str, tuple[Any, ...]],
           contacts: ContactBound | None) -> UpsertResult:
    with write_transaction(conn):
        users, groups = _references(conn, batch.values())
        stored = _stored(conn, list(batch))
        inserts: list[tuple[Any, ...]] = []
        # Rows grouped by which columns changed: an UPDATE that names a column
        # rewrites every index on it, changed or not.
        updates: dict[tuple[int, ...], list[tuple[Any, ...]]] = defaultdict(list)
        written: list[tuple[Any, ...]] = []  # new values of changed rows
        unchanged = 0
        for key, values in batch.items():
            user, group = _user_identity(values), _group_identity(values)
            new = (None if user is None else users[user],
                   None if group is None else groups[group], *values)
            old = stored.get(key)
            if old is None:
                inserts.append((key, *new))
                continue
            changed = tuple(i for i, (a, b) in enumerate(zip(new, old, strict=True))
                            if a != b or type(a) is not type(b))
            if changed:
                updates[changed].append((*(new[i] for i in changed), key))
                written.append(new)
            else:
                unchanged += 1
        indexes.outgrown(conn, len(inserts))
        ids = (0, 0)  # the ids the inserts took: after the first, up to the last
        if inserts:
            ids = (_top_id(conn), 0)
            conn.executemany(_INSERT, inserts)
            ids = (ids[0], _top_id(conn))
            insighttotals.add_rows(conn, map(_TOTALS_OF, inserts))
        for changed, params in updates.items():
            assignments = ", ".join(f"{_COLUMNS[i]} = ?" for i in changed)
            conn.executemany(f"UPDATE calls SET {assignments} WHERE key = ?", params)
        # (A trigger moves an updated row between days; new ones are counted here.)
        daycounts.write(conn, Counter(_day_key(row[1:]) for row in inserts))
        terms.write(conn, written, _NAME, _NUMBERS)
        live.confirm(conn, batch)  # rows a live relay event stored are now confirmed
    if contacts is not None:  # committed: the rows are there for anyone to read
        found = [*_contacts_of(inserts, 1), *_contacts_of(written)]
        # A number that is not text is stored as SQLite makes it: leave those rows
        # for the worklist to read as stored.
        whole = inserts and all(type(number) is str for number, _ in found)
        contacts.fold(found, ids=ids if whole else None)
    return UpsertResult(inserted=len(inserts), updated=sum(map(len, updates.values())),
                        unchanged=unchanged)


def _top_id(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0])


def _contacts_of(rows: list[tuple[Any, ...]], at: int = 0) -> list[tuple[Any, int | None]]:
    """Each row's (number, end in µs) if it is a contact (an answered inbound call or
    any outbound one; see :mod:`pbxdesk.store.contactbound`); rows as :data:`_COLUMNS`
    from position ``at`` (1 for an insert's, which has the key first)."""
    direction, outcome = _AT_DIRECTION + at, _AT_OUTCOME + at
    caller, dest = _AT_CALLER_E164 + at, _AT_DEST_E164 + at
    start, duration = _AT_START + at, _AT_DURATION + at
    contacts = [row for row in rows
                if row[direction] == 2 or (row[direction] == 1 and row[outcome] == 1)]
    numbers = [row[dest] if row[direction] == 2 else row[caller] for row in contacts]
    try:  # a sync's batch of thousands: in one comprehension
        ends: list[int | None] = [row[start] + max(row[duration], 0) * 1_000_000
                                  for row in contacts]
    except TypeError:  # a damaged time: None, which the bound counts as the latest
        ends = [row[start] + max(row[duration], 0) * 1_000_000
                if type(row[start]) is int and type(row[duration]) is int else None
                for row in contacts]
    return [pair for pair in zip(numbers, ends, strict=True) if pair[0] is not None]


def _day_key(values: tuple[Any, ...]) -> daycounts.DayKey:
    """The per-day total a row (as :data:`_COLUMNS`) counts in."""
    return daycounts.key_of(values[_AT_KIND], values[_AT_START], values[_AT_DIRECTION],
                            values[_AT_OUTCOME], values[_AT_GROUP_REF])


def _stored(conn: sqlite3.Connection, keys: list[str]) -> dict[str, tuple[Any, ...]]:
    """The stored column values (as :data:`_COLUMNS`) of those ``keys`` that exist."""
    # Keys first, answered by the key index alone: in a first sync none are found
    # and no table row is read.
    known: list[str] = []
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start:start + _KEY_CHUNK]
        known += [key for (key,) in conn.execute(
            f"SELECT key FROM calls WHERE key IN ({', '.join('?' * len(chunk))})", chunk)]
    stored: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(known), _KEY_CHUNK):
        chunk = known[start:start + _KEY_CHUNK]
        for key, *values in conn.execute(f"{_SELECT}({', '.join('?' * len(chunk))})", chunk):
            stored[key] = tuple(values)
    return stored


def _user_identity(values: tuple[Any, ...]) -> tuple[str, str] | None:
    number, name = values[_USER_NUMBER], values[_USER_NAME]
    return (number, name) if number or name else None


def _group_identity(values: tuple[Any, ...]) -> tuple[int, str] | None:
    kind, name = values[_KIND], values[_GROUP]
    return (kind, name) if kind != rows.KIND_CODES[CallKind.USER] and name else None


def _references(conn: sqlite3.Connection, batch: Iterable[tuple[Any, ...]]
                ) -> tuple[dict[tuple[str, str], int], dict[tuple[int, str], int]]:
    """Ids in ``call_users`` / ``call_groups`` for the batch, adding new ones."""
    wanted_users: set[tuple[str, str]] = set()
    wanted_groups: set[tuple[int, str]] = set()
    for values in batch:
        if (user := _user_identity(values)) is not None:
            wanted_users.add(user)
        if (group := _group_identity(values)) is not None:
            wanted_groups.add(group)
    users: dict[tuple[str, str], int] = {
        (number, name): ref for ref, number, name in
        conn.execute("SELECT id, number, name FROM call_users")}
    groups: dict[tuple[int, str], int] = {
        (kind, name): ref for ref, kind, name in
        conn.execute("SELECT id, kind, name FROM call_groups")}
    for number, name in sorted(wanted_users - users.keys()):
        cursor = conn.execute("INSERT INTO call_users (number, name) VALUES (?, ?)",
                              (number, name))
        users[(number, name)] = int(cursor.lastrowid or 0)
    for kind, name in sorted(wanted_groups - groups.keys()):
        cursor = conn.execute("INSERT INTO call_groups (kind, name) VALUES (?, ?)", (kind, name))
        groups[(kind, name)] = int(cursor.lastrowid or 0)
    return users, groups
