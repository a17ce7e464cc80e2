"""The callbacks worklist's tables: one migration, written out in full.

Kept apart from :mod:`pbxdesk.store.migrations` (which lists it in
``MIGRATIONS``) so the worklist's schema reads in one place. The rules of that
module apply: never edit this once released; a change is a new migration.
Every statement stands on its own (``IF NOT EXISTS``), so the migration can
run at any position in ``MIGRATIONS``.

Tables (derived ones can always be rebuilt from ``calls``; records cannot):

* ``callback_attempts`` — one row per inbound call nobody answered, in scope:
  the legs of one call (a queue row and the agents it rang) merged.
* ``callback_items`` — the worklist: one row per caller, computed from the
  attempts, the caller's other calls and the records.
* ``callback_records`` — every state change an agent made (state, snooze,
  note, claim) with its time and who, from this desk or others; the newest
  per number and field wins. Never derived: not touched by a rebuild.
* ``callback_dirty`` — ids of call rows whose deciding columns changed after
  they were read (filled by a trigger); read by the next update.
* ``callback_state`` — the update's bookkeeping (the last call id read, the
  scope the derived tables were built for).
* ``callback_moved`` (a later migration, :data:`MOVED_ROWS`) — a changed row's
  direction and numbers as they were, for the callers it no longer belongs to
  (or belongs to differently: a leg answered after all, moved in time or
  scope, rung longer; the triggers as :data:`LEG_CHANGES` made them again).

And two partial indexes on ``calls``: every call with one number, inbound by
the caller, outbound by the destination, in time order. They answer "was this
caller reached since, and who tried them" for just the callers an update
concerns, whatever order the rows were stored in (a table of every answered
number, kept up to date instead, cost an upsert per answered call: more than
half of each update). Each row enters at most one of them.
"""

from __future__ import annotations

import sqlite3
from typing import Final

# Two tables made by their first migration and again by a later one that relies on
# them (each migration stands alone: their order may differ between builds).
_DIRTY_TABLE: Final = """CREATE TABLE IF NOT EXISTS callback_dirty (
        call_id INTEGER PRIMARY KEY
    )"""
_MOVED_TABLE: Final = """CREATE TABLE IF NOT EXISTS callback_moved (
        call_id INTEGER PRIMARY KEY,
        direction INTEGER NOT NULL,
        caller_id TEXT,
        caller_e164 TEXT,
        dest_e164 TEXT
    )"""

CALLBACK_TABLES: Final = (
    """CREATE TABLE IF NOT EXISTS callback_attempts (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL,           -- E.164, other digits, or '' (withheld / anonymous)
        raw_number TEXT NOT NULL,       -- the caller as the API sent it
        caller_name TEXT NOT NULL,
        call_ref TEXT,                  -- unique_call_id shared by the call's rows, if any
        start_us INTEGER NOT NULL,
        end_us INTEGER NOT NULL,
        via TEXT NOT NULL,              -- queue / ring group name; '' for a direct call
        via_kind INTEGER NOT NULL,      -- 0 direct, 1 queue, 2 ring group
        wait_s INTEGER NOT NULL         -- how long the caller rang or held
    )""",
    "CREATE INDEX IF NOT EXISTS ix_callback_attempts_number "
    "ON callback_attempts (number, start_us)",
    # direction is implied by the WHERE, but SQLite reads only what an index holds
    # (a "covering" walk) when every column a query names is in it.
    "CREATE INDEX IF NOT EXISTS ix_callback_calls_in ON calls "
    "(caller_e164, start_us, outcome, direction, call_duration, user_name) "
    "WHERE direction = 1 AND caller_e164 IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS ix_callback_calls_out ON calls "
    "(dest_e164, start_us, outcome, direction, call_duration, user_name) "
    "WHERE direction = 2 AND dest_e164 IS NOT NULL",
    """CREATE TABLE IF NOT EXISTS callback_items (
        number TEXT PRIMARY KEY,
        raw_number TEXT NOT NULL,
        caller_name TEXT NOT NULL,
        state INTEGER NOT NULL,         -- 0 open, 1 tried, 2 reached, 3 done, 4 not needed
        attempts INTEGER NOT NULL,
        first_us INTEGER NOT NULL,
        last_us INTEGER NOT NULL,
        via TEXT NOT NULL,              -- names in the order the caller came, ', '
        wait_s INTEGER NOT NULL,
        tries INTEGER NOT NULL,
        last_try_us INTEGER NOT NULL,   -- -1 none
        last_try_by TEXT NOT NULL,
        closed_us INTEGER NOT NULL,     -- when it was reached or marked; -1 open
        closed_by TEXT NOT NULL,
        closed_direction INTEGER NOT NULL,  -- reached: 1 they called in, 2 we called out
        snooze_until_us INTEGER NOT NULL,  -- -1 none
        note TEXT NOT NULL,
        claim_us INTEGER NOT NULL,      -- -1 none
        claim_by TEXT NOT NULL,
        claim_desk TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS callback_records (
        number TEXT NOT NULL,
        field TEXT NOT NULL,            -- state, snooze, note, claim
        at_us INTEGER NOT NULL,
        desk TEXT NOT NULL,
        agent TEXT NOT NULL,
        value TEXT NOT NULL,
        shared INTEGER NOT NULL DEFAULT 0,  -- 1 once a transport took it
        PRIMARY KEY (number, field, at_us, desk)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS ix_callback_records_unshared ON callback_records (shared) "
    "WHERE shared = 0",
    _DIRTY_TABLE,
    """CREATE TABLE IF NOT EXISTS callback_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID""",
    # A row read before may change later (a live row confirmed by the sync): only the
    # columns that decide what a row means for the worklist mark it for a second look.
    "CREATE TRIGGER IF NOT EXISTS callback_calls_au AFTER UPDATE OF kind, direction, outcome, "
    "caller_id, caller_e164, dest_e164, start_us, user_number, group_name ON calls "
    "BEGIN INSERT OR IGNORE INTO callback_dirty (call_id) VALUES (new.id); END",
)


def create_callback_tables(conn: sqlite3.Connection) -> None:
    """The migration: empty tables; the first update fills them from ``calls``."""
    for statement in CALLBACK_TABLES:
        conn.execute(statement)


# A later migration. A row that changes direction or numbers leaves the callers it
# belonged to before (its attempt, or its answer or try): ``callback_dirty`` holds
# only its id, so its numbers as they were are kept here for the next update.
MOVED_ROWS: Final = (
    _MOVED_TABLE,
    # The first values a row had since the last update are the ones read then (OR IGNORE).
    "CREATE TRIGGER IF NOT EXISTS callback_calls_moved AFTER UPDATE OF kind, direction, "
    "caller_id, caller_e164, dest_e164 ON calls WHEN old.kind IS NOT new.kind "
    "OR old.direction IS NOT new.direction OR old.caller_id IS NOT new.caller_id "
    "OR old.caller_e164 IS NOT new.caller_e164 OR old.dest_e164 IS NOT new.dest_e164 "
    "BEGIN INSERT OR IGNORE INTO callback_moved "
    "(call_id, direction, caller_id, caller_e164, dest_e164) "
    "VALUES (old.id, old.direction, old.caller_id, old.caller_e164, old.dest_e164); END",
)


def create_moved_rows(conn: sqlite3.Connection) -> None:
    """The migration: where changed rows were before (see :data:`MOVED_ROWS`)."""
    for statement in MOVED_ROWS:
        conn.execute(statement)


# A later migration. A row may also stop being a leg (or start being one) without
# changing direction or numbers: re-reported as answered after all, or as missed; a
# voicemail type or a no-agents status that comes or goes (the outcome code stays 0);
# a start time moved across the horizon; another user or group (out of scope); or
# stay a leg with other values (a longer ring, a name: an attempt only grows when a
# leg is merged again). Both triggers are made again: a change of type, status,
# duration, name or call id marks the row too, and a row that was a leg as read
# (inbound, nobody answered; whether in scope and horizon is the update's to say),
# or an inbound answer that is none any more, keeps its former numbers in
# ``callback_moved`` so that its callers' attempts are derived again. The triggers
# run only for rows an UPDATE names these columns of (the writer names only changed
# ones): inserts, the bulk of every commit, never see them.
LEG_CHANGES: Final = (
    _DIRTY_TABLE,
    _MOVED_TABLE,
    "DROP TRIGGER IF EXISTS callback_calls_au",
    "CREATE TRIGGER callback_calls_au AFTER UPDATE OF kind, direction, outcome, type, status, "
    "caller_id, caller_e164, dest_e164, start_us, user_number, group_name, call_duration, "
    "caller_name, unique_call_id ON calls "
    "BEGIN INSERT OR IGNORE INTO callback_dirty (call_id) VALUES (new.id); END",
    "DROP TRIGGER IF EXISTS callback_calls_moved",
    "CREATE TRIGGER callback_calls_moved AFTER UPDATE OF kind, direction, outcome, type, "
    "status, caller_id, caller_e164, dest_e164, start_us, user_number, group_name, "
    "call_duration, caller_name, unique_call_id ON calls WHEN "
    # another direction or other numbers (as before)
    "old.kind IS NOT new.kind OR old.direction IS NOT new.direction "
    "OR old.caller_id IS NOT new.caller_id OR old.caller_e164 IS NOT new.caller_e164 "
    "OR old.dest_e164 IS NOT new.dest_e164 "
    # an inbound answer no more (it reached its caller)
    "OR (old.direction = 1 AND old.outcome = 1 AND new.outcome IS NOT 1) "
    # a leg as read (the update's rule for nobody answered, on the old values) changed
    "OR (old.direction = 1 AND (old.outcome IN (2, 3, 4, 5) OR (old.outcome = 0 "
    "AND (lower(old.type) LIKE '%voicemail%' "
    "OR lower(old.status) IN ('no_agents', 'exited', 'noanswer', 'no_answer')))) "
    "AND (old.outcome IS NOT new.outcome OR old.type IS NOT new.type "
    "OR old.status IS NOT new.status OR old.start_us IS NOT new.start_us "
    "OR old.user_number IS NOT new.user_number OR old.group_name IS NOT new.group_name "
    "OR old.call_duration IS NOT new.call_duration OR old.caller_name IS NOT new.caller_name "
    "OR old.unique_call_id IS NOT new.unique_call_id)) "
    # The first values a row had since the last update are the ones read then (OR IGNORE).
    "BEGIN INSERT OR IGNORE INTO callback_moved "
    "(call_id, direction, caller_id, caller_e164, dest_e164) "
    "VALUES (old.id, old.direction, old.caller_id, old.caller_e164, old.dest_e164); END",
)


def watch_leg_changes(conn: sqlite3.Connection) -> None:
    """The migration: rows that stop or start being legs (see :data:`LEG_CHANGES`)."""
    for statement in LEG_CHANGES:
        conn.execute(statement)
