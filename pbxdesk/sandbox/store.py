"""Where the sandbox keeps its call history: SQLite in memory, indexed for the API.

Rows are stored as columns and turned into the API's JSON by SQLite itself
(``json_object``), so a page of 10,000 rows is served without a Python object
per row. Indexes cover what the endpoints filter and sort by: start time, the
user's extension, the group's name, the call id. Rows added verbatim
(:meth:`CallStore.add_raw`) keep their JSON text as given.

Not thread-safe on its own: :class:`~pbxdesk.sandbox.core.Sandbox` serialises
every call under its lock.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox.rows import GroupRow, UserRow

_SCHEMA = """
CREATE TABLE user_calls (
    id INTEGER PRIMARY KEY, start_ms INTEGER NOT NULL, unique_call_id TEXT, type TEXT,
    caller_id TEXT, caller_name TEXT, dest_number TEXT, user_name TEXT, user_number TEXT,
    connected_ms INTEGER, call_duration INTEGER, conversation_duration INTEGER,
    quirk INTEGER NOT NULL DEFAULT 0, raw TEXT);
CREATE TABLE group_calls (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, group_name TEXT, start_ms INTEGER NOT NULL,
    unique_call_id TEXT, callerid TEXT, caller_name TEXT, dest_number TEXT, user_name TEXT,
    user_number TEXT, connected_ms INTEGER, call_duration INTEGER,
    conversation_duration INTEGER, status TEXT, quirk INTEGER NOT NULL DEFAULT 0, raw TEXT);
"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS user_start ON user_calls (start_ms);
CREATE INDEX IF NOT EXISTS user_number_start ON user_calls (user_number, start_ms);
CREATE INDEX IF NOT EXISTS user_call_id ON user_calls (unique_call_id);
CREATE INDEX IF NOT EXISTS group_start ON group_calls (kind, start_ms);
CREATE INDEX IF NOT EXISTS group_name_start ON group_calls (kind, group_name, start_ms);
CREATE INDEX IF NOT EXISTS group_call_id ON group_calls (unique_call_id);
ANALYZE;
"""
_USER_COLUMNS = UserRow._fields
_GROUP_COLUMNS = GroupRow._fields
# Built from the row types' own field names, never from input.
_INSERT_USER = (f"INSERT INTO user_calls ({', '.join(_USER_COLUMNS)}) "  # noqa: S608
                f"VALUES ({', '.join('?' * len(_USER_COLUMNS))})")
_INSERT_GROUP = (f"INSERT INTO group_calls ({', '.join(_GROUP_COLUMNS)}) "  # noqa: S608
                 f"VALUES ({', '.join('?' * len(_GROUP_COLUMNS))})")
_TIMESTAMP = "strftime('%Y-%m-%dT%H:%M:%fZ', {} / 1000.0, 'unixepoch')"


def _row_json(fields: list[tuple[str, str, str]]) -> str:
    """SQL that renders one row as the API's JSON, the sloppy way when ``quirk`` is set.

    ``fields`` are (JSON key, SQL expression, kind) with kind ``text``, ``int``
    or ``time``. Quirky rows send numbers as strings and nulls as ``"null"``.
    """
    plain, quirky = [], []
    for key, column, kind in fields:
        value = _TIMESTAMP.format(column) if kind == "time" else column
        plain.append(f"'{key}', {value}")
        if kind == "int":
            quirky.append(f"'{key}', coalesce(CAST({value} AS TEXT), 'null')")
        else:
            quirky.append(f"'{key}', coalesce({value}, 'null')")
    return (f"CASE WHEN raw IS NOT NULL THEN raw "
            f"WHEN quirk THEN json_object({', '.join(quirky)}) "
            f"ELSE json_object({', '.join(plain)}) END")


_COMMON_TAIL = [
    ("caller_name", "caller_name", "text"), ("dest_number", "dest_number", "text"),
    ("user_name", "user_name", "text"), ("user_number", "user_number", "text"),
    ("call_start_at", "start_ms", "time"), ("connected_at", "connected_ms", "time"),
    ("call_duration", "call_duration", "int"),
    ("conversation_duration", "conversation_duration", "int"),
]
_USER_JSON = _row_json([("unique_call_id", "unique_call_id", "text"), ("type", "type", "text"),
                        ("caller_id", "caller_id", "text"), *_COMMON_TAIL])


def _group_json(kind: CallKind) -> str:
    group_field = kind.group_field
    assert group_field is not None
    return _row_json([("unique_call_id", "unique_call_id", "text"),
                      (group_field, "group_name", "text"), ("callerid", "callerid", "text"),
                      *_COMMON_TAIL, ("status", "status", "text")])


_TABLE = {CallKind.USER: "user_calls", CallKind.QUEUE: "group_calls",
          CallKind.RING_GROUP: "group_calls"}
# Up to this many names a filtered page merges one index scan per name (SQLite allows
# 500 arms in a compound SELECT); more names fall back to a plain IN.
_MAX_MERGED_NAMES = 50
_JSON = {CallKind.USER: _USER_JSON, CallKind.QUEUE: _group_json(CallKind.QUEUE),
         CallKind.RING_GROUP: _group_json(CallKind.RING_GROUP)}


@dataclass(frozen=True, slots=True)
class RowQuery:
    """A validated history query; times are epoch ms, ``limit`` None means all."""

    start_from_ms: int | None = None
    start_before_ms: int | None = None
    names: tuple[str, ...] = ()
    """User extensions (user calls) or group names (group calls)."""
    unique_call_id: str | None = None
    newest_first: bool = True
    offset: int = 0
    limit: int | None = None


class CallStore:
    """The history rows of one sandbox."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def insert(self, users: Iterable[UserRow], groups: Iterable[GroupRow]) -> None:
        with self._transaction():
            self._db.executemany(_INSERT_USER, users)
            self._db.executemany(_INSERT_GROUP, groups)

    def create_indexes(self) -> None:
        """Index and analyse; done once after the bulk load, which is faster that way."""
        self._db.executescript(_INDEXES)

    def add_raw(self, kind: CallKind, rows: Iterable[tuple[Mapping[str, Any], int]]) -> int:
        """Store rows verbatim, each with the start time (ms) used to sort and filter it."""
        count = 0
        with self._transaction():
            for row, start_ms in rows:
                text = json.dumps(dict(row), separators=(",", ":"), ensure_ascii=False)
                call_id = _text_or_none(row.get("unique_call_id"))
                if kind is CallKind.USER:
                    self._db.execute(
                        "INSERT INTO user_calls (start_ms, unique_call_id, user_number, raw) "
                        "VALUES (?, ?, ?, ?)",
                        (start_ms, call_id, _text_or_none(row.get("user_number")), text))
                else:
                    group = _text_or_none(row.get(kind.group_field or ""))
                    self._db.execute(
                        "INSERT INTO group_calls (kind, group_name, start_ms, unique_call_id, "
                        "raw) VALUES (?, ?, ?, ?, ?)", (kind.value, group, start_ms, call_id, text))
                count += 1
        return count

    def page(self, kind: CallKind, query: RowQuery) -> list[str]:
        """The JSON text of each row ``query`` selects, in order."""
        names = tuple(dict.fromkeys(query.names))  # a name given twice selects its rows once
        if 1 < len(names) <= _MAX_MERGED_NAMES:
            return self._merged_page(kind, dataclasses.replace(query, names=names))
        where, params = self._where(kind, query)
        direction = "DESC" if query.newest_first else "ASC"
        table = _TABLE[kind]
        sql = (f"SELECT {_JSON[kind]} FROM {table} WHERE {where} "  # noqa: S608 - fixed parts
               f"ORDER BY start_ms {direction}, id {direction} LIMIT ? OFFSET ?")
        params += [-1 if query.limit is None else query.limit, query.offset]
        return [text for (text,) in self._db.execute(sql, params)]

    def _merged_page(self, kind: CallKind, query: RowQuery) -> list[str]:
        """A page filtered by several names, as a merge of one index scan per name.

        With ``name IN (...)`` SQLite either sorts every matching row or walks
        the start-time index checking each row; merging the per-name scans,
        which each arrive in start order from the (name, start) index, reads
        only ``offset + limit`` index entries and then renders just the page.
        """
        direction = "DESC" if query.newest_first else "ASC"
        table = _TABLE[kind]
        arms: list[str] = []
        params: list[Any] = []
        for name in query.names:
            where, arm_params = self._where(kind, dataclasses.replace(query, names=(name,)))
            arms.append(f"SELECT id, start_ms FROM {table} WHERE {where}")  # noqa: S608
            params += arm_params
        keys = (f"SELECT id AS page_id, start_ms AS page_start FROM ({' UNION ALL '.join(arms)} "  # noqa: S608
                f"ORDER BY start_ms {direction}, id {direction} LIMIT ? OFFSET ?)")
        params += [-1 if query.limit is None else query.limit, query.offset]
        sql = (f"SELECT {_JSON[kind]} FROM ({keys}) AS page "  # noqa: S608 - fixed parts
               f"JOIN {table} ON {table}.id = page.page_id "
               f"ORDER BY page_start {direction}, page_id {direction}")
        return [text for (text,) in self._db.execute(sql, params)]

    def delete_newest(self, kind: CallKind, count: int, among: int | None,
                      rng: random.Random) -> int:
        """Delete ``count`` random rows of ``kind`` among its ``among`` newest (None: all)."""
        table = _TABLE[kind]
        where, params = self._where(kind, RowQuery())
        ids = [row_id for (row_id,) in self._db.execute(
            f"SELECT id FROM {table} WHERE {where} "  # noqa: S608 - fixed parts
            "ORDER BY start_ms DESC, id DESC LIMIT ?", [*params, -1 if among is None else among])]
        chosen = rng.sample(ids, min(max(0, count), len(ids)))
        with self._transaction():
            self._db.executemany(f"DELETE FROM {table} WHERE id = ?",  # noqa: S608
                                 [(row_id,) for row_id in chosen])
        return len(chosen)

    def count(self, kind: CallKind) -> int:
        if kind is CallKind.USER:
            (count,) = self._db.execute("SELECT count(*) FROM user_calls").fetchone()
        else:
            (count,) = self._db.execute(
                "SELECT count(*) FROM group_calls WHERE kind = ?", (kind.value,)).fetchone()
        return int(count)

    def high_water(self) -> tuple[int, int]:
        """The highest row ids now: :meth:`truncate` goes back to this point."""
        (user,) = self._db.execute("SELECT coalesce(max(id), 0) FROM user_calls").fetchone()
        (group,) = self._db.execute("SELECT coalesce(max(id), 0) FROM group_calls").fetchone()
        return int(user), int(group)

    def truncate(self, mark: tuple[int, int]) -> None:
        """Delete every row added after :meth:`high_water` returned ``mark``."""
        with self._transaction():
            self._db.execute("DELETE FROM user_calls WHERE id > ?", (mark[0],))
            self._db.execute("DELETE FROM group_calls WHERE id > ?", (mark[1],))

    def _where(self, kind: CallKind, query: RowQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if kind is not CallKind.USER:
            clauses.append("kind = ?")
            params.append(kind.value)
        if query.start_from_ms is not None:
            clauses.append("start_ms >= ?")
            params.append(query.start_from_ms)
        if query.start_before_ms is not None:
            clauses.append("start_ms < ?")
            params.append(query.start_before_ms)
        if query.names:
            column = "user_number" if kind is CallKind.USER else "group_name"
            clauses.append(f"{column} IN ({', '.join('?' * len(query.names))})")
            params.extend(query.names)
        if query.unique_call_id is not None:
            clauses.append("unique_call_id = ?")
            params.append(query.unique_call_id)
        return " AND ".join(clauses) or "1", params

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN … COMMIT (or ROLLBACK on error) for the autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
