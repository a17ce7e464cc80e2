"""What the sync service and the dial pad keep next to the calls.

* :class:`SyncLedger` — per call kind, the time ranges fully synced (merged,
  half-open) and when the last sync succeeded; with it :class:`SyncCheckpoints`
  (where an interrupted scan stands, saved after every page) and
  :class:`IncompleteDays` (days whose calls the API could not all hand over).
* :class:`KeyValues` — small JSON values that belong with the data, such as
  the request budget's timestamps.
* :class:`RecentDials` — numbers dialled from the app, most recent first.

Each uses the calling thread's connection (the store's threading rule applies,
see :mod:`pbxdesk.store.connection`) and raises :class:`StoreError` for known
failures. No Qt here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from pbxdesk.api.models import CallKind
from pbxdesk.store.connection import ConnectionPerThread, write_transaction
from pbxdesk.store.errors import guarded
from pbxdesk.store.rows import KIND_CODES, KIND_OF_CODE, from_micros, to_micros

TimeRange = tuple[datetime, datetime]

MAX_RECENT_DIALS: Final = 200


class SyncLedger:
    """Which periods of each history are stored completely."""

    def __init__(self, connections: ConnectionPerThread) -> None:
        self._conn = connections.conn
        self.path: Path = connections.path
        self.checkpoints = SyncCheckpoints(connections)
        self.incomplete = IncompleteDays(connections)

    @guarded
    def add_range(self, kind: CallKind, start: datetime, end: datetime) -> None:
        """Record ``[start, end)`` as fully synced, merged with touching ranges."""
        low, high = to_micros(start), to_micros(end)
        if low >= high:
            return
        code = KIND_CODES[kind]
        with write_transaction(self._conn()) as conn:
            touching = conn.execute(
                "SELECT start_us, end_us FROM sync_ranges "
                "WHERE kind = ? AND start_us <= ? AND end_us >= ?", (code, high, low)).fetchall()
            for other_low, other_high in touching:
                low, high = min(low, other_low), max(high, other_high)
            conn.execute("DELETE FROM sync_ranges WHERE kind = ? AND start_us <= ? AND end_us >= ?",
                         (code, high, low))
            conn.execute("INSERT INTO sync_ranges (kind, start_us, end_us) VALUES (?, ?, ?)",
                         (code, low, high))

    @guarded
    def ranges(self, kind: CallKind) -> list[TimeRange]:
        """The synced ranges of ``kind``, ascending and disjoint."""
        return [(from_micros(low), from_micros(high)) for low, high in self._conn().execute(
            "SELECT start_us, end_us FROM sync_ranges WHERE kind = ? ORDER BY start_us",
            (KIND_CODES[kind],))]

    @guarded
    def gaps(self, kind: CallKind, start: datetime, end: datetime) -> list[TimeRange]:
        """The parts of ``[start, end)`` not yet synced, ascending (UTC)."""
        start, end = from_micros(to_micros(start)), from_micros(to_micros(end))  # naive = UTC
        gaps: list[TimeRange] = []
        cursor = start
        for low, high in self.ranges(kind):
            if high <= cursor:
                continue
            if low >= end:
                break
            if low > cursor:
                gaps.append((cursor, low))
            cursor = max(cursor, high)
        if cursor < end:
            gaps.append((cursor, end))
        return gaps

    @guarded
    def clear(self, kind: CallKind | None = None) -> None:
        """Forget the ranges (of one kind, or all): the next sync fetches everything."""
        with write_transaction(self._conn()) as conn:
            if kind is None:
                conn.execute("DELETE FROM sync_ranges")
            else:
                conn.execute("DELETE FROM sync_ranges WHERE kind = ?", (KIND_CODES[kind],))

    @guarded
    def mark_success(self, kind: CallKind, when: datetime) -> None:
        with write_transaction(self._conn()) as conn:
            conn.execute("INSERT INTO sync_state (kind, last_success_us) VALUES (?, ?) "
                         "ON CONFLICT (kind) DO UPDATE "
                         "SET last_success_us = excluded.last_success_us",
                         (KIND_CODES[kind], to_micros(when)))

    @guarded
    def last_success(self, kind: CallKind) -> datetime | None:
        row = self._conn().execute("SELECT last_success_us FROM sync_state WHERE kind = ?",
                                   (KIND_CODES[kind],)).fetchone()
        return None if row is None else from_micros(row[0])


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a scan of ``[start, end)`` of one kind stood when it was last saved."""

    kind: CallKind
    start: datetime
    end: datetime
    state: Any
    """The scan's JSON state; None if the stored text could not be read."""


class SyncCheckpoints:
    """Per kind and period, the state of an unfinished scan (saved after each page)."""

    def __init__(self, connections: ConnectionPerThread) -> None:
        self._conn = connections.conn
        self.path: Path = connections.path

    @guarded
    def save(self, kind: CallKind, start: datetime, end: datetime, state: Any,
             when: datetime) -> None:
        text = json.dumps(state, separators=(",", ":"))
        with write_transaction(self._conn()) as conn:
            conn.execute(
                "INSERT INTO sync_checkpoints (kind, start_us, end_us, state, saved_us) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, start_us) DO UPDATE SET "
                "end_us = excluded.end_us, state = excluded.state, saved_us = excluded.saved_us",
                (KIND_CODES[kind], to_micros(start), to_micros(end), text, to_micros(when)))

    @guarded
    def of(self, kind: CallKind) -> list[Checkpoint]:
        """The saved scans of ``kind``, oldest period first."""
        found = []
        for low, high, text in self._conn().execute(
                "SELECT start_us, end_us, state FROM sync_checkpoints WHERE kind = ? "
                "ORDER BY start_us", (KIND_CODES[kind],)):
            try:
                state = json.loads(text)
            except (ValueError, RecursionError):
                state = None  # damaged: the period is simply scanned again
            found.append(Checkpoint(kind, from_micros(low), from_micros(high), state))
        return found

    @guarded
    def drop(self, kind: CallKind, start: datetime) -> None:
        with write_transaction(self._conn()) as conn:
            conn.execute("DELETE FROM sync_checkpoints WHERE kind = ? AND start_us = ?",
                         (KIND_CODES[kind], to_micros(start)))

    @guarded
    def clear(self) -> None:
        with write_transaction(self._conn()) as conn:
            conn.execute("DELETE FROM sync_checkpoints")


@dataclass(frozen=True, slots=True)
class IncompleteDay:
    """A day whose calls of ``kind`` the API could not all hand over.

    ``missing`` is an estimate (0: unknown); ``tries`` counts the times the day
    was read (first found, then tried again), ``tried_at`` the last of them.
    """

    kind: CallKind
    day: date
    missing: int
    reason: str
    found_at: datetime
    tried_at: datetime
    tries: int


class IncompleteDays:
    """The days each kind still lacks calls of, kept until a scan reads them whole."""

    def __init__(self, connections: ConnectionPerThread) -> None:
        self._conn = connections.conn
        self.path: Path = connections.path

    @guarded
    def update(self, kind: CallKind, first: date, last: date,
               days: Iterable[tuple[date, int, str]], when: datetime, *,
               retried: bool = False) -> None:
        """A finished scan of the days ``first``..``last`` found these ``(day, missing,
        reason)`` incomplete: every other day of that span is whole now.

        ``retried``: the scan was a try again of these days (it counts as a try; a
        regular sync that finds a listed day incomplete again does not).
        """
        code, stamp = KIND_CODES[kind], to_micros(when)
        found = {day.isoformat(): (max(0, int(missing)), reason) for day, missing, reason in days}
        with write_transaction(self._conn()) as conn:
            listed = [day for (day,) in conn.execute(
                "SELECT day FROM incomplete_days WHERE kind = ? AND day BETWEEN ? AND ?",
                (code, first.isoformat(), last.isoformat()))]
            conn.executemany("DELETE FROM incomplete_days WHERE kind = ? AND day = ?",
                             [(code, day) for day in listed if day not in found])
            # A retry counts as a try; finding the day again in a regular sync does not.
            conn.executemany(
                "INSERT INTO incomplete_days (kind, day, missing, reason, found_us, tried_us, "
                "tries) VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (kind, day) DO UPDATE SET "
                "missing = excluded.missing, reason = excluded.reason, "
                "tried_us = CASE WHEN ? THEN excluded.tried_us ELSE tried_us END, "
                "tries = tries + ?",
                [(code, day, missing, reason, stamp, stamp, retried, int(retried))
                 for day, (missing, reason) in found.items()])

    @guarded
    def of(self, kind: CallKind | None = None) -> list[IncompleteDay]:
        """The incomplete days (of one kind, or all), newest day first."""
        sql = ("SELECT kind, day, missing, reason, found_us, tried_us, tries "
               "FROM incomplete_days")
        params: tuple[Any, ...] = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (KIND_CODES[kind],)
        result = []
        for code, day, missing, reason, found, tried, tries in self._conn().execute(
                sql + " ORDER BY day DESC, kind", params):
            try:
                parsed = date.fromisoformat(day)
            except ValueError:
                continue
            result.append(IncompleteDay(KIND_OF_CODE[code], parsed, int(missing), str(reason),
                                        from_micros(found), from_micros(tried), int(tries)))
        return result

    @guarded
    def clear(self, kind: CallKind | None = None) -> None:
        with write_transaction(self._conn()) as conn:
            if kind is None:
                conn.execute("DELETE FROM incomplete_days")
            else:
                conn.execute("DELETE FROM incomplete_days WHERE kind = ?", (KIND_CODES[kind],))


class KeyValues:
    """A small persistent map of JSON values (not for user settings: those are a file)."""

    def __init__(self, connections: ConnectionPerThread) -> None:
        self._conn = connections.conn
        self.path: Path = connections.path

    @guarded
    def get(self, key: str, default: Any = None) -> Any:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except ValueError:
            return default

    @guarded
    def set(self, key: str, value: Any) -> None:
        """Store ``value`` (anything ``json`` can encode) under ``key``."""
        text = json.dumps(value)
        with write_transaction(self._conn()) as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, text))

    @guarded
    def delete(self, key: str) -> None:
        with write_transaction(self._conn()) as conn:
            conn.execute("DELETE FROM meta WHERE key = ?", (key,))


@dataclass(frozen=True, slots=True)
class RecentDial:
    """A number dialled from the app. ``number`` is E.164 or an extension."""

    number: str
    display: str
    user_number: str | None
    caller_id: str | None
    dialled_at: datetime
    times: int = 1


class RecentDials:
    """The dial pad's history: one entry per number, the newest dial wins."""

    def __init__(self, connections: ConnectionPerThread) -> None:
        self._conn = connections.conn
        self.path: Path = connections.path

    @guarded
    def add(self, number: str, display: str, user_number: str | None,
            caller_id: str | None, when: datetime) -> None:
        """Record a dial; keeps the :data:`MAX_RECENT_DIALS` most recent numbers."""
        with write_transaction(self._conn()) as conn:
            conn.execute(
                "INSERT INTO recent_dials (number, display, user_number, caller_id, dialled_us) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (number) DO UPDATE SET "
                "display = excluded.display, user_number = excluded.user_number, "
                "caller_id = excluded.caller_id, dialled_us = excluded.dialled_us, "
                "times = times + 1",
                (number, display, user_number, caller_id, to_micros(when)))
            conn.execute(
                "DELETE FROM recent_dials WHERE number NOT IN (SELECT number FROM recent_dials "
                "ORDER BY dialled_us DESC LIMIT ?)", (MAX_RECENT_DIALS,))

    @guarded
    def recent(self, limit: int = 20) -> list[RecentDial]:
        """The ``limit`` most recently dialled distinct numbers, newest first."""
        return [RecentDial(number, display, user, caller, from_micros(when), times)
                for number, display, user, caller, when, times in self._conn().execute(
                    "SELECT number, display, user_number, caller_id, dialled_us, times "
                    "FROM recent_dials ORDER BY dialled_us DESC, number LIMIT ?",
                    (max(0, limit),))]

    @guarded
    def clear(self) -> None:
        with write_transaction(self._conn()) as conn:
            conn.execute("DELETE FROM recent_dials")
