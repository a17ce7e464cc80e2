"""When contact with a number last ended, at the latest: a bound kept in memory.

The callbacks worklist asks of each caller new to it (about 1,000 a commit in a
whole centre's scope) whether anyone answered them or called them since their
missed call began. Asked of ``calls``' indexes, that is two look-ups into
million-row B-trees per caller, whose leaves every commit leaves cold: a third
of an update. :class:`ContactBound` answers "certainly not" from memory for
most callers, and "perhaps" for the rest, whom the worklist's rules statement
then looks at exactly (:mod:`pbxdesk.store.callbacks`).

It is a table of buckets, a number's by the hash of its text: each holds the
latest end, in whole minutes rounded up, of any *contact* (an answered inbound
call, or an outbound call whatever its outcome) with any number of that
bucket. Two numbers sharing a bucket only make the bound later, so the answer
can be wrong only towards "perhaps". That holds while every stored row is
folded in, which is what :attr:`ContactBound.folded_to` tracks: every row
with an id up to it is. The table is read from the store once a session
(:meth:`ContactBound.build`, on the worklist's worker: under a second at a
million calls), rows a batch of :func:`pbxdesk.store.writer.upsert` stored
are folded in as it commits, and the worklist's update folds in any row
beyond :attr:`~ContactBound.folded_to` it reads (written another way) and the
rows a trigger marked as changed. Rows are never deleted, and a value that
goes down leaves the bound as it was: still a bound.

Thread-safe: the writer and the worklist's worker fold from their threads.
No Qt here.
"""

from __future__ import annotations

import array
import math
import sqlite3
import threading
from collections.abc import Iterable
from typing import Any, Final

_MIN_BUCKETS: Final = 1 << 12
_MAX_BUCKETS: Final = 1 << 22  # 16 MB: beyond, buckets are shared more, never wrong
_NEVER: Final = 0  # no contact in the bucket (before any minute a call can end in)
_LATEST: Final = (1 << 32) - 1  # a contact too late to count in minutes: always "perhaps"
_MINUTE_US: Final = 60_000_000

# Every contact with a number, from the two indexes the worklist's migration adds
# (index-only walks, in number order: no sort).
CONTACT_SOURCES: Final = (
    "SELECT caller_e164, max(start_us + max(call_duration, 0) * 1000000) "
    "FROM calls INDEXED BY ix_callback_calls_in "
    "WHERE direction = 1 AND caller_e164 IS NOT NULL AND outcome = 1 GROUP BY caller_e164",
    "SELECT dest_e164, max(start_us + max(call_duration, 0) * 1000000) "
    "FROM calls INDEXED BY ix_callback_calls_out "
    "WHERE direction = 2 AND dest_e164 IS NOT NULL GROUP BY dest_e164",
)


def _minute_after(end_us: object) -> int:
    """The bucket value for a contact that ended at ``end_us`` (rounded up; clamped).

    An end that is not a number (a damaged row) counts as the latest possible.
    """
    if isinstance(end_us, float) and math.isfinite(end_us):
        end_us = math.ceil(end_us)
    if not isinstance(end_us, int):
        return _LATEST
    return min(max(_NEVER + 1, -(-end_us // _MINUTE_US)), _LATEST)


class ContactBound:
    """Buckets of the latest contact end by number; see the module's docstring."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (buckets, mask), swapped as one so a reader never pairs a table with another's mask
        self._table: tuple[array.array[int], int] = (array.array("I"), 0)
        self._folds = 0  # contacts folded since the table was sized
        self._limit = 0  # ... until it is read again, larger
        self.folded_to = -1
        """Every row with an id up to this is folded in; -1: the table is not read yet."""

    @property
    def ready(self) -> bool:
        """Read from the store, and not too full for its size."""
        with self._lock:
            return self.folded_to >= 0 and self._folds <= self._limit

    @property
    def buckets(self) -> int:
        """The table's size (0 until read from the store)."""
        return len(self._table[0])

    def build(self, conn: sqlite3.Connection) -> None:
        """Read every stored contact, in a read transaction of ``conn`` (not in one)."""
        owner = not conn.in_transaction  # one snapshot for the top id and the contacts
        if owner:
            conn.execute("BEGIN")
        try:
            top = int(conn.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0])
            # Two buckets a call at least (a third of calls are contacts, typically):
            # sized before reading, so the rows stream into it, never all in a list.
            size = min(_MAX_BUCKETS, max(_MIN_BUCKETS, 1 << (2 * top).bit_length()))
            minutes = array.array("I", bytes(4 * size))
            read = sum(_fold_into(minutes, size - 1, conn.execute(sql))
                       for sql in CONTACT_SOURCES)
        finally:
            if owner and conn.in_transaction:
                conn.execute("COMMIT")
        with self._lock:
            self._table, self._folds = (minutes, size - 1), read
            # Read again once the contacts have doubled, or fill half the table.
            self._limit = max(2 * read, size // 2)
            self.folded_to = top

    def fold(self, contacts: Iterable[tuple[Any, Any]], *, ids: tuple[int, int] | None = None
             ) -> None:
        """Fold in contacts (number, end in µs); ``ids``: (after, last) — the rows
        with ids after the first up to the last are all in ``contacts``."""
        with self._lock:
            if self.folded_to < 0:
                return  # read from the store when it is first needed
            self._folds += _fold_into(*self._table, contacts)
            if ids is not None and ids[0] <= self.folded_to:
                self.folded_to = max(self.folded_to, ids[1])

    def quiet_since(self, number: object, start_us: object) -> bool:
        """Certainly no contact with ``number`` ended at or after ``start_us``.

        A start that is not a number (a damaged row) is never certain.
        """
        minutes, mask = self._table
        if not minutes or not isinstance(start_us, int | float) or isinstance(start_us, bool):
            return False
        return start_us > minutes[hash(number) & mask] * _MINUTE_US


def _fold_into(minutes: array.array[int], mask: int, contacts: Iterable[tuple[Any, Any]]
               ) -> int:
    """Fold the contacts in; how many there were."""
    # A writer's batch is thousands of contacts: the usual case inline, not a call each.
    top = _LATEST * _MINUTE_US
    count = 0
    for number, end_us in contacts:
        count += 1
        if number is None:
            continue
        if type(end_us) is int and 0 < end_us < top:
            value = -(-end_us // _MINUTE_US)
        else:
            value = _minute_after(end_us)
        bucket = hash(number) & mask
        if value > minutes[bucket]:
            minutes[bucket] = value
    return count
