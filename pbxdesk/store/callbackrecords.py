"""The callbacks worklist's records in SQLite: what agents did, kept and shared.

A record (:class:`~pbxdesk.store.callbackrules.CallbackRecord`) is one change an
agent made to a caller's item: its state (Done, Not needed, Open again), a
snooze, a note, a claim, with the time and who made it (desk and agent). Records
are never derived from ``calls``: they survive the worklist's rebuilds, and
they travel between desks through the relay. Records from any desk are kept
side by side (one per number, field, time and desk); per number and field the
last writer wins (see :mod:`pbxdesk.store.callbackrules`), so desks that hold
the same records agree whatever order they arrived in.

An item's state reads its records (the rules of
:mod:`pbxdesk.store.callbackitems`), so keeping records, or re-signing them,
recomputes the items of the callers concerned in the same write transaction:
the worklist never shows an item that disagrees with the records stored.
Each thread uses its own connection (see :mod:`pbxdesk.store.connection`).
No Qt here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pbxdesk.store.callbackitems import recompute
from pbxdesk.store.callbackrules import CallbackRecord
from pbxdesk.store.connection import ConnectionPerThread, write_transaction
from pbxdesk.store.errors import guarded


class CallbackRecords:
    """The records of the callbacks worklist, this desk's and every other desk's."""

    def __init__(self, connections: ConnectionPerThread) -> None:
        self._conn = connections.conn
        self.path: Path = connections.path

    @guarded
    def add_records(self, records: Iterable[CallbackRecord], shared: bool = False,
                    meta: tuple[str, Any] | None = None) -> int:
        """Keep records (from this desk or others) and recompute their items.

        Returns how many records were new. ``shared``: they came from (or went
        out through) a transport already. ``meta`` (key, JSON value) is written
        in the same transaction (a transport's cursor: where it read up to).
        """
        batch = list(records)
        with write_transaction(self._conn()) as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO callback_records "
                "(number, field, at_us, desk, agent, value, shared) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(r.number, r.field, r.at_us, r.desk, r.agent, r.value, int(shared))
                 for r in batch])
            added = conn.total_changes - before
            recompute(conn, {record.number for record in batch})
            if meta is not None:
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             (meta[0], json.dumps(meta[1])))
        return added

    @guarded
    def relabel_desk(self, old: str, new: str) -> set[str]:
        """This desk's records signed ``old`` are signed ``new`` now, and unshared.

        For a desk that learns the id a relay knows it by: from then on its own
        records and the copies the relay sends back are the same rows, and a
        new relay gets them all. Returns the callers whose items were recomputed.
        """
        with write_transaction(self._conn()) as conn:
            numbers = {number for (number,) in conn.execute(
                "SELECT DISTINCT number FROM callback_records WHERE desk = ?", (old,))}
            # A copy already back from the relay is the same record: the original replaces it.
            conn.execute("UPDATE OR REPLACE callback_records SET desk = ?, shared = 0 "
                         "WHERE desk = ?", (new, old))
            recompute(conn, numbers)
        return numbers

    @guarded
    def unshared_records(self, limit: int = 1000) -> list[CallbackRecord]:
        """Records no transport has taken yet, oldest first (to send on reconnect)."""
        return [CallbackRecord(*row) for row in self._conn().execute(
            "SELECT number, field, value, at_us, desk, agent FROM callback_records "
            "WHERE shared = 0 ORDER BY at_us LIMIT ?", (limit,))]

    @guarded
    def mark_shared(self, records: Iterable[CallbackRecord]) -> None:
        with write_transaction(self._conn()) as conn:
            conn.executemany(
                "UPDATE callback_records SET shared = 1 "
                "WHERE number = ? AND field = ? AND at_us = ? AND desk = ?",
                [(r.number, r.field, r.at_us, r.desk) for r in records])

    @guarded
    def records(self, number: str) -> list[CallbackRecord]:
        """Every record kept for one caller, oldest first."""
        return [CallbackRecord(*row) for row in self._conn().execute(
            "SELECT number, field, value, at_us, desk, agent FROM callback_records "
            "WHERE number = ? ORDER BY at_us, desk", (number,))]
