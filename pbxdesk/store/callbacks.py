"""The callbacks worklist in SQLite: derived from ``calls``, kept up to date in steps.

:meth:`CallbackStore.update` reads only what is new since its last run: call
rows with an id above the last one it read, and rows a trigger marked because
a deciding column changed (see :mod:`pbxdesk.store.callbackschema`). From them
it adds the unanswered inbound calls in scope (merged into attempts), then
recomputes the items of just the callers concerned: those with new attempts,
and those with attempts whom a new row answered or called back (whether a
caller was reached or tried is read from ``calls`` through the worklist's own
indexes, so the order the rows arrive in does not matter). A marked row may
have left callers too (an inbound missed call re-reported as outbound, or as
answered after all, leaves no attempt; one moved out of the horizon or scope,
or with a shorter ring, leaves a smaller one): its former callers, kept by a
second trigger, have their attempts merged again from their rows. Rows older than
the scope's horizon are ignored, and attempts that age past it are pruned, so
the worklist stays the size of the horizon, not of the history. Work on a
worker thread; the view reads :meth:`CallbackStore.items`.

Most callers of a commit are new to the worklist, and most of those need no
rules at all: their one leg is their item. Whether anybody answered or called
them since it began is asked of the store's :class:`ContactBound` in memory
(not of ``calls``' indexes, whose leaves each commit leaves cold); where it
says "perhaps", the rules statement decides. The first update of a session
reads the bound (under a second at a million calls). The pass over the rows (its
SQL, legs merged into attempts, the bound kept complete) is
:mod:`pbxdesk.store.callbackrows`; this module orders the steps and keeps their
bookkeeping.

When the scope changes (my extension, the queues and ring groups chosen, the
days kept) the derived tables are emptied and rebuilt from the calls in
chunks of :data:`CHUNK_ROWS` ids, each its own short transaction so the sync
is never held up for long. Records (what agents did) are never derived: they
survive rebuilds, and live in :mod:`pbxdesk.store.callbackrecords`
(:class:`~pbxdesk.store.callbackrecords.CallbackRecords`), which merges
records from any desk. No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pbxdesk.store.callbackitems import RECOMPUTE_SQL, first_call_items, recompute
from pbxdesk.store.callbackrows import (
    ATTEMPT_COLUMNS,
    BETWEEN,
    CONTACTS_OF,
    DIRTY,
    NEW_ROWS,
    OLD_CONTACTS,
    RANGE,
    fold_missing,
    forget_attempts,
    legs_of,
    moved_callers,
    take_rows,
)
from pbxdesk.store.callbackrules import (
    ITEM_COLUMNS,
    ItemRow,
    ItemState,
)
from pbxdesk.store.connection import ConnectionPerThread, write_transaction
from pbxdesk.store.contactbound import CONTACT_SOURCES, ContactBound
from pbxdesk.store.errors import guarded

CHUNK_ROWS: Final = 50_000
"""Call ids read per transaction."""
PRUNE_EVERY_US: Final = 3600 * 1_000_000
ALL_GROUPS: Final = "*"
_DAY_US: Final = 86_400 * 1_000_000
@dataclass(frozen=True, slots=True)
class Scope:
    """Which unanswered calls become callbacks.

    Attributes:
        extensions: whose missed user calls count; empty: every user's.
        groups: queue and ring-group names whose unanswered calls count;
            :data:`ALL_GROUPS` alone: all of them.
        days: how far back a call may have started (the horizon).
    """

    extensions: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    days: int = 7

    def key(self) -> str:
        return json.dumps([sorted(self.extensions), sorted(self.groups), self.days])

    def horizon_us(self, now_us: int) -> int:
        return now_us - self.days * _DAY_US


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """What one :meth:`CallbackStore.update` did."""

    rows_read: int = 0
    items_changed: int = 0
    rebuilt: bool = False
    numbers: frozenset[str] = frozenset()
    """The callers whose items may have changed (read them again)."""


class CallbackStore:
    """The worklist's derived tables and items; each thread uses its own connection."""

    def __init__(self, connections: ConnectionPerThread,
                 contacts: ContactBound | None = None) -> None:
        """``contacts``: the bound the store's writer folds its batches into, if any."""
        self._conn = connections.conn
        self.path: Path = connections.path
        self.contacts = ContactBound() if contacts is None else contacts
        """When contact with each number last ended, at the latest (see contactbound)."""

    # -- deriving ------------------------------------------------------------------------

    @guarded
    def prepare(self) -> None:
        """Read the contact bound from the store if it is not (once a session, or when
        the store outgrew it); :meth:`update` does it first otherwise."""
        if not self.contacts.ready:
            self.contacts.build(self._conn())

    @guarded
    def update(self, scope: Scope, now_us: int) -> UpdateResult:
        """Bring the worklist up to date with the calls stored since the last update."""
        rows = changed = 0
        rebuilt = False
        touched: set[str] = set()
        self.prepare()
        while True:
            with write_transaction(self._conn()) as conn:
                if _state(conn, "scope") != scope.key():
                    _clear_derived(conn)
                    _set_state(conn, "scope", scope.key())
                    rebuilt = True
                done, read, numbers, firsts, written, moved = _read_new_calls(
                    conn, scope, now_us, self.contacts)
                pruned = _prune(conn, scope, now_us) | moved
                changed += written + recompute(conn, numbers, pruned)
                rows += read
                touched |= numbers | firsts | pruned
            if done:
                return UpdateResult(rows, changed, rebuilt, frozenset(touched))

    # -- reading -------------------------------------------------------------------------

    @guarded
    def built_for(self, scope: Scope) -> bool:
        """Whether the items stored are ``scope``'s (else the next update rebuilds them)."""
        return _state(self._conn(), "scope") == scope.key()

    @guarded
    def query_plans(self, scope: Scope, now_us: int) -> dict[str, str]:
        """SQLite's plan for each statement an update or a read relies on, by name.

        For the tests that keep them index walks (rowid ranges of ``calls``,
        this module's own indexes), whatever becomes of ``calls``' indexes.
        """
        numbers = json.dumps(["+61412345678"])
        scoped = (scope.horizon_us(now_us), 0, json.dumps(list(scope.extensions)), 0,
                  json.dumps(list(scope.groups)), 0)
        statements: dict[str, tuple[str, tuple[object, ...]]] = {
            # The legs and the callers contacted are read by one statement.
            "legs": (NEW_ROWS.format(rows=RANGE), (*scoped, 0, 1)),
            "legs_dirty": (NEW_ROWS.format(rows=DIRTY), scoped),
            "contacted": (NEW_ROWS.format(rows=RANGE), (*scoped, 0, 1)),
            "contacts_dirty": (CONTACTS_OF.format(rows=DIRTY), ()),
            "contacts_between": (CONTACTS_OF.format(rows=BETWEEN), (0, 1)),
            "contacts_old": (CONTACTS_OF.format(rows=OLD_CONTACTS), (0, 1, scoped[0])),
            "bound_in": (CONTACT_SOURCES[0], ()),
            "bound_out": (CONTACT_SOURCES[1], ()),
            "attempts_of": (f"SELECT {ATTEMPT_COLUMNS} FROM callback_attempts "
                            "WHERE number IN (SELECT value FROM json_each(?))", (numbers,)),
            "recompute": (RECOMPUTE_SQL, (numbers,)),
            "prune_attempts": ("DELETE FROM callback_attempts WHERE start_us < ?",
                               (scoped[0],)),
        }
        # A changed row's former callers' legs, read again (E.164 numbers, then the rest).
        for name, (rows, bounds) in zip(("legs_moved", "legs_moved_other"),
                                        legs_of(["+61412345678"], ["12345678901", ""], 1),
                                        strict=True):
            statements[name] = (NEW_ROWS.format(rows=rows), (*scoped, *bounds))
        conn = self._conn()
        return {name: "\n".join(str(row[-1]) for row in conn.execute(
                    f"EXPLAIN QUERY PLAN {sql}", params))
                for name, (sql, params) in statements.items()}

    @guarded
    def items(self) -> list[ItemRow]:
        """Every item, in no particular order (the view sorts)."""
        return [_item(row) for row in self._conn().execute(
            f"SELECT {', '.join(ITEM_COLUMNS)} FROM callback_items")]

    @guarded
    def items_of(self, numbers: Iterable[str]) -> list[ItemRow]:
        """The items of these callers (those that have one)."""
        return [_item(row) for row in self._conn().execute(
            f"SELECT {', '.join(ITEM_COLUMNS)} FROM callback_items "
            "WHERE number IN (SELECT value FROM json_each(?))", (json.dumps(list(numbers)),))]

    @guarded
    def item(self, number: str) -> ItemRow | None:
        row = self._conn().execute(
            f"SELECT {', '.join(ITEM_COLUMNS)} FROM callback_items WHERE number = ?",
            (number,)).fetchone()
        return None if row is None else _item(row)


# -- the steps of an update (all inside the caller's write transaction) -------------------

def _state(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM callback_state WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def _set_state(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO callback_state (key, value) VALUES (?, ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))


def _clear_derived(conn: sqlite3.Connection) -> None:
    for table in ("callback_attempts", "callback_items", "callback_dirty", "callback_moved"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("DELETE FROM callback_state WHERE key IN ('last_id', 'pruned_us')")


def _read_new_calls(conn: sqlite3.Connection, scope: Scope, now_us: int,
                    contacts: ContactBound) -> tuple[bool, int, set[str], set[str], int, set[str]]:
    """Read the next chunk of new rows and every dirty row.

    Returns (all read, rows read, the callers whose items are still to
    recompute, the first callers whose items are written already, how many
    rows that wrote, and the callers a dirty row belonged to before it changed
    (see callbackschema.LEG_CHANGES): their attempts are derived again, and
    they lose their item if none are left). A first call's item written by one pass is
    written again by the recompute when a later pass concerns the caller too.
    """
    last_id = int(_state(conn, "last_id") or 0)
    top = int(conn.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0])
    upper = min(top, last_id + CHUNK_ROWS)
    horizon = scope.horizon_us(now_us)
    numbers: set[str] = set()
    firsts: set[str] = set()
    written = 0
    dirty = conn.execute("SELECT count(*) FROM callback_dirty").fetchone()[0]
    fold_missing(conn, contacts, last_id, dirty)
    passes: list[tuple[str, tuple[int, ...]]] = []
    if upper > last_id:
        passes.append((RANGE, (last_id, upper)))
    if dirty:
        passes.append((DIRTY, ()))
    moved: set[str] = set()
    if upper > max(last_id, contacts.folded_to):  # rows the writer did not fold in
        contacts.fold(conn.execute(CONTACTS_OF.format(rows=OLD_CONTACTS), (
            max(last_id, contacts.folded_to), upper, horizon)))
    for rows, bounds in passes:
        if rows == DIRTY:  # after the new rows' pass, so their legs are derived again too
            moved = moved_callers(conn)
            passes_again = forget_attempts(conn, moved, upper)
        else:
            passes_again = []
        for again_rows, again_bounds in [*passes_again, (rows, bounds)]:
            concerned, plain = take_rows(conn, again_rows, again_bounds, _scoped(scope),
                                          horizon, contacts)
            numbers |= concerned
            firsts |= plain.keys()
            written += first_call_items(conn, plain.values())
    if dirty:
        conn.execute("DELETE FROM callback_dirty")
    _set_state(conn, "last_id", str(upper))
    return (upper >= top, max(0, upper - last_id) + int(dirty), numbers, firsts, written,
            moved)


def _scoped(scope: Scope) -> tuple[object, ...]:
    """The parameters of :data:`NEW_ROWS` that say whose rows are legs."""
    return (not scope.extensions, json.dumps(list(scope.extensions)), ALL_GROUPS in scope.groups,
            json.dumps([name for name in scope.groups if name != ALL_GROUPS]))


def _prune(conn: sqlite3.Connection, scope: Scope, now_us: int) -> set[str]:
    """Drop attempts older than the horizon (at most hourly); the numbers they concerned.

    A scan of the attempts (the horizon's few thousand rows, once an hour): cheaper
    than an index on their times that every update would have to write.
    """
    pruned = int(_state(conn, "pruned_us") or 0)
    if now_us - pruned < PRUNE_EVERY_US:
        return set()
    horizon = scope.horizon_us(now_us)
    numbers = {number for (number,) in conn.execute(
        "DELETE FROM callback_attempts WHERE start_us < ? RETURNING number", (horizon,))}
    _set_state(conn, "pruned_us", str(now_us))
    return numbers


_STATES: Final = tuple(ItemState)


def _item(row: Sequence[Any]) -> ItemRow:
    return ItemRow(row[0], row[1], row[2], _STATES[row[3]], *row[4:])
