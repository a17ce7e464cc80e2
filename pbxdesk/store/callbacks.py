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
reads the bound (under a second at a million calls).

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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pbxdesk.store.callbackitems import RECOMPUTE_SQL, first_call_items, recompute
from pbxdesk.store.callbackrules import (
    ITEM_COLUMNS,
    Attempt,
    ItemRow,
    ItemState,
    merge_legs,
)
from pbxdesk.store.connection import ConnectionPerThread, write_transaction
from pbxdesk.store.contactbound import CONTACT_SOURCES, ContactBound
from pbxdesk.store.errors import guarded

CHUNK_ROWS: Final = 50_000
"""Call ids read per transaction."""
PRUNE_EVERY_US: Final = 3600 * 1_000_000
ALL_GROUPS: Final = "*"
_DAY_US: Final = 86_400 * 1_000_000
_MAX_EXTENSION_DIGITS: Final = 6  # as pbxdesk.phone.results.MAX_EXTENSION_DIGITS


def _number_key(e164: str, raw: str) -> str:
    """SQL for a row's caller key: E.164; else digits too long for an extension; else NULL."""
    return (f"CASE WHEN {e164} IS NOT NULL THEN {e164} "
            f"WHEN length({raw}) > {_MAX_EXTENSION_DIGITS} AND {raw} NOT GLOB '*[^0-9]*' "
            f"THEN {raw} END")


# Inbound rows nobody answered: missed, abandoned, busy, failed, and the voicemail or
# give-up outcomes the API names in ways the outcome code does not know.
_UNANSWERED: Final = (
    "(outcome IN (2, 3, 4, 5) OR (outcome = 0 AND (lower(type) LIKE '%voicemail%' "
    "OR lower(status) IN ('no_agents', 'exited', 'noanswer', 'no_answer'))))")
_CALLER_KEY: Final = _number_key("caller_e164", "caller_id")
# Withheld / anonymous: no number at all; an extension (a colleague) is not a callback.
_IS_EXTENSION: Final = (f"(caller_id <> '' AND length(caller_id) <= {_MAX_EXTENSION_DIGITS} "
                        "AND caller_id NOT GLOB '*[^0-9]*')")
_CONTACT: Final = "CASE direction WHEN 2 THEN dest_e164 ELSE caller_e164 END"
_LEG_KEY: Final = f"coalesce({_CALLER_KEY}, '')"
_KNOWN: Final = 1  # the leg's caller has attempts already
_UNTOUCHED: Final = 2  # nor records: a first call if nobody reached them since (the bound says)
_CONTACT_ROW: Final = "direction IN (1, 2) AND (outcome = 1 OR direction = 2)"
# One pass over the rows to read. Each leg (an inbound row nobody answered, in scope)
# comes as an attempt of its own, in the columns of ``callback_attempts`` (a caller's
# only leg is their new attempt as it stands), then whether its caller has attempts
# already (to merge it with) or, if not, records. A contact (an answered call or a
# call-back; only E.164 numbers, as the indexes that find a caller's calls hold) comes
# with its number in column 10 (NULL for a leg) when it concerns a caller with attempts
# (column 11: the rows' effect on those callers' items), or when the contact bound has
# not folded its row in yet (column 12; see pbxdesk.store.contactbound; such rows from
# before the horizon are read apart, _OLD_CONTACTS). ?1 the horizon, ?2-?5 the scope
# (_scoped), ?6 the bound's ``folded_to``; the rows' own condition may use ?7 and ?8.
_NEW_ROWS: Final = (
    f"SELECT {_LEG_KEY}, coalesce(caller_id, ''), coalesce(caller_name, ''), "
    "nullif(unique_call_id, ''), start_us, start_us + max(call_duration, 0) * 1000000, "
    "CASE WHEN kind THEN group_name ELSE '' END, kind, max(call_duration, 0), "
    "CASE WHEN direction = 1 AND outcome <> 1 THEN CASE WHEN EXISTS (SELECT 1 "
    f"FROM callback_attempts AS a WHERE a.number = {_LEG_KEY}) THEN {_KNOWN} "
    f"WHEN EXISTS (SELECT 1 FROM callback_records AS r WHERE r.number = {_LEG_KEY}) THEN 0 "
    f"ELSE {_UNTOUCHED} END END, "
    f"CASE WHEN {_CONTACT_ROW} THEN {_CONTACT} END, "
    f"CASE WHEN {_CONTACT_ROW} THEN {_CONTACT} IN (SELECT number FROM callback_attempts) END, "
    "id > ?6 "
    "FROM calls WHERE {rows} AND start_us >= ?1 AND ((direction = 1 AND " + _UNANSWERED +
    f" AND NOT {_IS_EXTENSION}"
    " AND ((kind = 0 AND (?2 OR user_number IN (SELECT value FROM json_each(?3))))"
    " OR (kind > 0 AND (?4 OR group_name IN (SELECT value FROM json_each(?5))))))"
    f" OR ({_CONTACT_ROW} AND ({_CONTACT} IN (SELECT number FROM callback_attempts)"
    f" OR (id > ?6 AND {_CONTACT} IS NOT NULL))))")
_RANGE: Final = "id > ?7 AND id <= ?8"
_BETWEEN: Final = "id > ? AND id <= ?"
_OLD_CONTACTS: Final = "id > ? AND id <= ? AND start_us < ?"  # (_NEW_ROWS leaves them out)
_DIRTY: Final = "id IN (SELECT call_id FROM callback_dirty)"
# Contacts of some rows (see _NEW_ROWS), for the contact bound.
_CONTACTS_OF: Final = (f"SELECT {_CONTACT}, start_us + max(call_duration, 0) * 1000000 "
                       f"FROM calls WHERE {{rows}} AND {_CONTACT_ROW} AND {_CONTACT} IS NOT NULL")
_ATTEMPT_COLUMNS: Final = ("id, number, raw_number, caller_name, call_ref, start_us, end_us, "
                           "via, via_kind, wait_s")


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
            "legs": (_NEW_ROWS.format(rows=_RANGE), (*scoped, 0, 1)),
            "legs_dirty": (_NEW_ROWS.format(rows=_DIRTY), scoped),
            "contacted": (_NEW_ROWS.format(rows=_RANGE), (*scoped, 0, 1)),
            "contacts_dirty": (_CONTACTS_OF.format(rows=_DIRTY), ()),
            "contacts_between": (_CONTACTS_OF.format(rows=_BETWEEN), (0, 1)),
            "contacts_old": (_CONTACTS_OF.format(rows=_OLD_CONTACTS), (0, 1, scoped[0])),
            "bound_in": (CONTACT_SOURCES[0], ()),
            "bound_out": (CONTACT_SOURCES[1], ()),
            "attempts_of": (f"SELECT {_ATTEMPT_COLUMNS} FROM callback_attempts "
                            "WHERE number IN (SELECT value FROM json_each(?))", (numbers,)),
            "recompute": (RECOMPUTE_SQL, (numbers,)),
            "prune_attempts": ("DELETE FROM callback_attempts WHERE start_us < ?",
                               (scoped[0],)),
        }
        # A changed row's former callers' legs, read again (E.164 numbers, then the rest).
        for name, (rows, bounds) in zip(("legs_moved", "legs_moved_other"),
                                        _legs_of(["+61412345678"], ["12345678901", ""], 1),
                                        strict=True):
            statements[name] = (_NEW_ROWS.format(rows=rows), (*scoped, *bounds))
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
    _fold_missing(conn, contacts, last_id, dirty)
    passes: list[tuple[str, tuple[int, ...]]] = []
    if upper > last_id:
        passes.append((_RANGE, (last_id, upper)))
    if dirty:
        passes.append((_DIRTY, ()))
    moved: set[str] = set()
    if upper > max(last_id, contacts.folded_to):  # rows the writer did not fold in
        contacts.fold(conn.execute(_CONTACTS_OF.format(rows=_OLD_CONTACTS), (
            max(last_id, contacts.folded_to), upper, horizon)))
    for rows, bounds in passes:
        if rows == _DIRTY:  # after the new rows' pass, so their legs are derived again too
            moved = _moved_callers(conn)
            passes_again = _forget_attempts(conn, moved, upper)
        else:
            passes_again = []
        for again_rows, again_bounds in [*passes_again, (rows, bounds)]:
            concerned, plain = _take_rows(conn, again_rows, again_bounds, scope, horizon,
                                          contacts)
            numbers |= concerned
            firsts |= plain.keys()
            written += first_call_items(conn, plain.values())
    if dirty:
        conn.execute("DELETE FROM callback_dirty")
    _set_state(conn, "last_id", str(upper))
    return (upper >= top, max(0, upper - last_id) + int(dirty), numbers, firsts, written,
            moved)


def _fold_missing(conn: sqlite3.Connection, contacts: ContactBound, last_id: int,
                  dirty: int) -> None:
    """Fold into the bound what it may lack before this update's rows are read.

    The rows changed since they were read (their contacts may be new: an
    answer that came later), and, should the bound lag behind the rows read
    before (another store object's updates), those rows: each row read is
    then folded in before any leg is judged by the bound.
    """
    if dirty:
        contacts.fold(conn.execute(_CONTACTS_OF.format(rows=_DIRTY)))
    folded = contacts.folded_to
    if folded < last_id:
        contacts.fold(conn.execute(_CONTACTS_OF.format(rows=_BETWEEN), (folded, last_id)),
                      ids=(folded, last_id))


# The callers a changed row belonged to as it was read: its leg's caller, and the
# number it answered or tried (see callbackschema.MOVED_ROWS and LEG_CHANGES).
_MOVED_CALLERS: Final = (
    f"SELECT CASE WHEN direction = 1 AND NOT {_IS_EXTENSION} THEN {_LEG_KEY} END "
    f"FROM callback_moved UNION SELECT {_CONTACT} FROM callback_moved")


def _moved_callers(conn: sqlite3.Connection) -> set[str]:
    """The callers changed rows belonged to before (rare: the table is mostly empty)."""
    numbers = {number for (number,) in conn.execute(_MOVED_CALLERS) if number is not None}
    conn.execute("DELETE FROM callback_moved")
    return numbers


def _forget_attempts(conn: sqlite3.Connection, numbers: set[str],
                     upper: int) -> list[tuple[str, tuple[Any, ...]]]:
    """Drop these callers' attempts; the passes that derive them again from ``calls``.

    An attempt does not say which rows it came from, so a caller who lost a leg
    has theirs merged again from their legs as stored now (those read so far:
    ids up to ``upper``).
    """
    if not numbers:
        return []
    conn.execute("DELETE FROM callback_attempts WHERE number IN (SELECT value FROM json_each(?))",
                 (json.dumps(sorted(numbers)),))
    return _legs_of(sorted(number for number in numbers if number.startswith("+")),
                    sorted(number for number in numbers if not number.startswith("+")), upper)


def _legs_of(e164: list[str], other: list[str],
             upper: int) -> list[tuple[str, tuple[Any, ...]]]:
    """The rows conditions (for :data:`_NEW_ROWS`) that read these callers' legs again.

    E.164 callers through their partial index; the rest (other digits, withheld)
    over the horizon's rows by kind and time (``+id``: not a walk of every rowid).
    """
    passes: list[tuple[str, tuple[Any, ...]]] = []
    if e164:
        passes.append(("direction = 1 AND caller_e164 IN (SELECT value FROM json_each(?7)) "
                       "AND id <= ?8", (json.dumps(e164), upper)))
    if other:
        passes.append((f"direction = 1 AND caller_e164 IS NULL AND {_LEG_KEY} IN "
                       "(SELECT value FROM json_each(?7)) AND kind IN (0, 1, 2) AND +id <= ?8",
                       (json.dumps(other), upper)))
    return passes


def _scoped(scope: Scope) -> tuple[object, ...]:
    """The parameters of :data:`_NEW_ROWS` that say whose rows are legs."""
    return (not scope.extensions, json.dumps(list(scope.extensions)), ALL_GROUPS in scope.groups,
            json.dumps([name for name in scope.groups if name != ALL_GROUPS]))


def _take_rows(conn: sqlite3.Connection, rows: str, bounds: tuple[Any, ...], scope: Scope,
               horizon: int, contacts: ContactBound
               ) -> tuple[set[str], dict[str, tuple[Any, ...]]]:
    """Merge the rows' legs into attempts; the callers whose items the rows concern.

    Returns the callers whose items need the rules statement, and apart from
    them the plain first calls (their one leg by caller): a caller with no
    attempts, no records and one leg here, whom nobody reached or called
    since it began (the contact bound, once the rows' own contacts are in
    it): their items follow from the leg. The callers contacted are read
    before this pass writes its attempts: a caller who has attempts only from
    it is among its legs anyway.
    """
    legs: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    known: set[str] = set()  # callers with attempts before these rows
    untouched: set[str] = set()  # callers with a leg, no attempts and no records
    contacted: set[str] = set()
    unfolded: list[tuple[str, int]] = []
    params = (horizon, *_scoped(scope), contacts.folded_to, *bounds)
    for row in conn.execute(_NEW_ROWS.format(rows=rows), params):
        if row[10] is None:
            legs[row[0]].append(row[:9])
            if row[9] == _KNOWN:
                known.add(row[0])
            elif row[9] == _UNTOUCHED:
                untouched.add(row[0])
            continue
        if row[11]:
            contacted.add(row[10])
        if row[12]:
            unfolded.append((row[10], row[5]))
    # This pass's contacts first: a leg may be answered by a row read with it.
    contacts.fold(unfolded, ids=(bounds[0], bounds[1]) if rows == _RANGE else None)
    if not legs:
        return contacted, {}
    plain: dict[str, tuple[Any, ...]] = {}
    attempts = _attempts_of(conn, known) if known else defaultdict(list)
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[object, ...]] = []
    for number, caller_legs in legs.items():
        if len(caller_legs) == 1 and number not in known:
            leg = caller_legs[0]
            inserts.append(leg)  # a first call, in one row: nothing to merge
            if (number in untouched and number not in contacted
                    and contacts.quiet_since(number, leg[4])):
                plain[number] = leg
            continue
        for attempt in merge_legs(attempts[number], [Attempt(None, *leg) for leg in caller_legs]):
            values = (attempt.number, attempt.raw_number, attempt.caller_name, attempt.call_ref,
                      attempt.start_us, attempt.end_us, attempt.via, attempt.via_kind,
                      attempt.wait_s)
            if attempt.id is None:
                inserts.append(values)
            else:
                updates.append((*values, attempt.id))
    conn.executemany("INSERT INTO callback_attempts (number, raw_number, caller_name, call_ref, "
                     "start_us, end_us, via, via_kind, wait_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     inserts)
    conn.executemany("UPDATE callback_attempts SET number = ?, raw_number = ?, caller_name = ?, "
                     "call_ref = ?, start_us = ?, end_us = ?, via = ?, via_kind = ?, wait_s = ? "
                     "WHERE id = ?", updates)
    return contacted | (legs.keys() - plain.keys()), plain


def _attempts_of(conn: sqlite3.Connection, numbers: Iterable[str]) -> dict[str, list[Attempt]]:
    found: dict[str, list[Attempt]] = defaultdict(list)
    for row in conn.execute(f"SELECT {_ATTEMPT_COLUMNS} FROM callback_attempts "
                            "WHERE number IN (SELECT value FROM json_each(?))",
                            (json.dumps(list(numbers)),)):
        found[row[1]].append(Attempt(*row))
    return found


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
