"""Storing calls: upsert by key, one transaction per batch.

A batch is all-or-nothing: it is written inside ``BEGIN IMMEDIATE … COMMIT``,
so a crash, a kill or a full disk leaves every row of it stored or none. A row
whose key is new is inserted; a known key is updated only where a value
changed (a later sync may bring longer durations), so re-syncing the same page
rewrites nothing and touches no index. Within a batch the last row for a key wins.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from pbxdesk.api.models import AnyCall, CallKind
from pbxdesk.store import rows
from pbxdesk.store.connection import write_transaction

log = logging.getLogger("pbxdesk.store")

_COLUMNS: Final = ("user_ref", "group_ref", *rows.DATA_COLUMNS)
_INSERT: Final = (f"INSERT INTO calls (key, {', '.join(_COLUMNS)}) "
                  f"VALUES (?, {', '.join('?' * len(_COLUMNS))})")
_UPDATE: Final = (f"UPDATE calls SET ({', '.join(_COLUMNS)}) = ({', '.join('?' * len(_COLUMNS))}) "
                  f"WHERE key = ? AND ({', '.join(_COLUMNS)}) IS NOT "
                  f"({', '.join('?' * len(_COLUMNS))})")
_KIND, _GROUP, _USER_NAME, _USER_NUMBER = (
    rows.DATA_COLUMNS.index(name) for name in ("kind", "group_name", "user_name", "user_number"))
_KEY_CHUNK: Final = 500


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What one batch did: new rows, rows whose values changed, rows already up to date."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(self.inserted + other.inserted, self.updated + other.updated,
                            self.unchanged + other.unchanged)


def upsert(conn: sqlite3.Connection, calls: Iterable[AnyCall]) -> UpsertResult:
    """Insert or update ``calls`` by :attr:`CallRow.key` in one transaction."""
    batch: dict[str, tuple[Any, ...]] = {}
    for call in calls:
        batch[call.key] = rows.encode(call)
    if not batch:
        return UpsertResult()
    try:
        return _write(conn, batch)
    except UnicodeEncodeError:
        # A lone surrogate (e.g. from a "\ud800" JSON escape) cannot be stored as
        # UTF-8. The batch was rolled back; store it again with U+FFFD in its place.
        log.warning("Replaced characters that cannot be stored in %d call rows", len(batch))
        clean = {_clean(key): tuple(_clean(v) for v in values) for key, values in batch.items()}
        return _write(conn, clean)


def _write(conn: sqlite3.Connection, batch: dict[str, tuple[Any, ...]]) -> UpsertResult:
    with write_transaction(conn):
        users, groups = _references(conn, batch.values())
        known = _existing_keys(conn, list(batch))
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        for key, values in batch.items():
            user, group = _user_identity(values), _group_identity(values)
            refs = (None if user is None else users[user],
                    None if group is None else groups[group])
            if key in known:
                updates.append((*refs, *values, key, *refs, *values))
            else:
                inserts.append((key, *refs, *values))
        if inserts:
            conn.executemany(_INSERT, inserts)
        updated = conn.executemany(_UPDATE, updates).rowcount if updates else 0
    return UpsertResult(inserted=len(inserts), updated=updated,
                        unchanged=len(updates) - updated)


def _existing_keys(conn: sqlite3.Connection, keys: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start:start + _KEY_CHUNK]
        known.update(key for (key,) in conn.execute(
            f"SELECT key FROM calls WHERE key IN ({', '.join('?' * len(chunk))})", chunk))
    return known


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


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value
