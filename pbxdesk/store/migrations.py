"""The call database's schema, as an ordered list of migrations.

``PRAGMA user_version`` holds how many migrations a file has had. Opening a file
applies the missing ones in order, each in its own transaction together with the
version bump, so a crash leaves the file at one version or the next, never in
between. A file with a higher version than :data:`SCHEMA_VERSION` was written
by a newer pbxdesk: it is refused before anything is written to it.

Rules for new migrations: append, never edit a released one; write the SQL out
in full here (do not build it from live code that may change later); derive any
new column from the raw API fields already stored, so it can be backfilled.
The column layout of ``calls`` is documented in :mod:`pbxdesk.store.rows`.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Final

from pbxdesk.store import insighttotals, talktimes, waittimes
from pbxdesk.store.callbackschema import (
    create_callback_tables,
    create_moved_rows,
    watch_leg_changes,
)
from pbxdesk.store.errors import StoreTooNewError

Migration = Callable[[sqlite3.Connection], None]

# Filter columns appended to every sort index, so that a walk in sort order can
# test the filters without reading the table row (see pbxdesk.store.query).
_FILTER_TAIL = "kind, direction, outcome, user_ref, group_ref"
# (index suffix, indexed expression) for each sortable column; the tie-breaker
# (start_us, id) follows the column in the index so ORDER BY can use it.
_SORT_INDEXES_V1 = (
    ("call_id", "unique_call_id"),
    ("type", "type COLLATE NOCASE"),
    ("caller", "caller_id"),
    ("caller_name", "caller_name COLLATE NOCASE"),
    ("destination", "dest_number"),
    ("user_name", "user_name COLLATE NOCASE"),
    ("extension", "user_number"),
    ("answered", "connected_us"),
    ("duration", "call_duration"),
    ("talk_time", "conversation_duration"),
    ("group", "group_name COLLATE NOCASE"),
    ("status", "status COLLATE NOCASE"),
)

_V1_TABLES = (
    """CREATE TABLE call_users (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL,           -- '' when the rows carried no user number
        name TEXT NOT NULL,             -- '' when the rows carried no user name
        UNIQUE (number, name)
    )""",
    """CREATE TABLE call_groups (
        id INTEGER PRIMARY KEY,
        kind INTEGER NOT NULL,          -- 1 queue, 2 ring group
        name TEXT NOT NULL,
        UNIQUE (kind, name)
    )""",
    """CREATE TABLE calls (
        id INTEGER PRIMARY KEY,         -- internal; the last sort tie-breaker
        key TEXT NOT NULL UNIQUE,       -- CallRow.key
        kind INTEGER NOT NULL,          -- 0 user, 1 queue, 2 ring group
        direction INTEGER NOT NULL,     -- derived from type at write time
        outcome INTEGER NOT NULL,       -- derived from type / status at write time
        user_ref INTEGER REFERENCES call_users (id),
        group_ref INTEGER REFERENCES call_groups (id),
        nulls INTEGER NOT NULL,         -- which raw fields were None (see rows.py)
        unique_call_id TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        group_name TEXT NOT NULL,
        caller_id TEXT NOT NULL,
        caller_name TEXT NOT NULL,
        dest_number TEXT NOT NULL,
        user_name TEXT NOT NULL,
        user_number TEXT NOT NULL,
        start_us INTEGER NOT NULL,      -- microseconds since the epoch, UTC
        connected_us INTEGER NOT NULL,
        call_duration INTEGER NOT NULL,
        conversation_duration INTEGER NOT NULL,
        caller_e164 TEXT,
        dest_e164 TEXT,
        extra TEXT                      -- JSON object of fields this code does not know
    )""",
    f"CREATE INDEX ix_calls_start ON calls (start_us, id, {_FILTER_TAIL})",
    "CREATE INDEX ix_calls_user ON calls (user_ref, start_us, kind, direction, outcome, "
    "group_ref)",
    "CREATE INDEX ix_calls_group ON calls (group_ref, start_us, kind, direction, outcome, "
    "user_ref)",
    *(f"CREATE INDEX ix_calls_sort_{name} ON calls ({expr}, start_us, id, {_FILTER_TAIL})"
      for name, expr in _SORT_INDEXES_V1),
    """CREATE TABLE sync_ranges (
        kind INTEGER NOT NULL,
        start_us INTEGER NOT NULL,
        end_us INTEGER NOT NULL,
        PRIMARY KEY (kind, start_us),
        CHECK (start_us < end_us)
    ) WITHOUT ROWID""",
    """CREATE TABLE sync_state (
        kind INTEGER PRIMARY KEY,
        last_success_us INTEGER NOT NULL
    )""",
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL             -- JSON
    ) WITHOUT ROWID""",
    """CREATE TABLE recent_dials (
        number TEXT PRIMARY KEY,        -- E.164 or an extension
        display TEXT NOT NULL,
        user_number TEXT,
        caller_id TEXT,
        dialled_us INTEGER NOT NULL,
        times INTEGER NOT NULL DEFAULT 1
    ) WITHOUT ROWID""",
    "CREATE INDEX ix_recent_dials_time ON recent_dials (dialled_us)",
)


def _v1_calls_and_bookkeeping(conn: sqlite3.Connection) -> None:
    for statement in _V1_TABLES:
        conn.execute(statement)


# The text the trigram index holds for one row: the caller's name, and the raw
# numbers plus their E.164 digits where those differ from the raw value.
def _search_numbers(row: str) -> str:
    return (
        f"{row}.caller_id || ' ' || {row}.dest_number"
        f" || CASE WHEN {row}.caller_e164 IS NULL OR ltrim({row}.caller_e164, '+') = "
        f"{row}.caller_id THEN '' ELSE ' ' || ltrim({row}.caller_e164, '+') END"
        f" || CASE WHEN {row}.dest_e164 IS NULL OR ltrim({row}.dest_e164, '+') = "
        f"{row}.dest_number THEN '' ELSE ' ' || ltrim({row}.dest_e164, '+') END"
    )


def _v2_search_index(conn: sqlite3.Connection) -> None:
    # Contentless: the index alone (the text is in ``calls``); triggers keep it in
    # step inside the writing transaction, giving the old values on delete.
    conn.execute(
        "CREATE VIRTUAL TABLE calls_search USING fts5(caller_name, numbers, "
        "content='', columnsize=0, tokenize='trigram')")
    insert_new = ("INSERT INTO calls_search (rowid, caller_name, numbers) "
                  f"VALUES (new.id, new.caller_name, {_search_numbers('new')});")
    delete_old = ("INSERT INTO calls_search (calls_search, rowid, caller_name, numbers) "
                  f"VALUES ('delete', old.id, old.caller_name, {_search_numbers('old')});")
    conn.execute(f"CREATE TRIGGER calls_search_ai AFTER INSERT ON calls BEGIN {insert_new} END")
    conn.execute(f"CREATE TRIGGER calls_search_ad AFTER DELETE ON calls BEGIN {delete_old} END")
    conn.execute(
        "CREATE TRIGGER calls_search_au AFTER UPDATE OF caller_name, caller_id, dest_number, "
        f"caller_e164, dest_e164 ON calls BEGIN {delete_old} {insert_new} END")
    conn.execute(
        "INSERT INTO calls_search (rowid, caller_name, numbers) "
        f"SELECT id, caller_name, {_search_numbers('calls')} FROM calls")


def _insights_indexes(conn: sqlite3.Connection) -> None:
    # Insights (pbxdesk.store.insights) seek the calls of one kind per local day or hour,
    # per user and per queue; each index holds every column its queries read, so the
    # table is never read and no sort is needed.
    conn.execute(
        "CREATE INDEX IF NOT EXISTS ix_calls_insights ON calls (kind, start_us, direction, "
        "outcome, user_ref, group_ref)")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS ix_calls_insights_user ON calls (kind, user_ref, start_us, "
        "direction, outcome, nulls, conversation_duration)")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS ix_calls_insights_group ON calls (kind, group_ref, "
        "start_us, direction, outcome, nulls, connected_us)")


def _live_flag(conn: sqlite3.Connection) -> None:
    # calls.live: 1 for a row stored from a live relay event, until a sync (or a poll of
    # the history API) brings the same key and confirms it. The partial index holds only
    # the unconfirmed rows (a handful), so confirming a sync batch reads a few entries.
    columns = {row[1] for row in conn.execute("PRAGMA table_info(calls)")}
    if "live" not in columns:
        conn.execute("ALTER TABLE calls ADD COLUMN live INTEGER NOT NULL DEFAULT 0")
    conn.execute("CREATE INDEX IF NOT EXISTS ix_calls_live ON calls (live, key) WHERE live = 1")


# Fewer, smaller indexes (see pbxdesk.store.indexes for what reads them).
# The twelve sort indexes and the per-call trigram index made a first sync write
# ~5,000 rows/s and the file 873 bytes a call; sorts other than by start time now
# get an index when first asked for (built in one pass, so packed), search reads
# two small dictionaries of distinct names and numbers, and counts come from
# per-day totals kept up to date with every write.
_COMPACT_DROPPED_INDEXES = (
    "ix_calls_start", "ix_calls_user", "ix_calls_group",
    *(f"ix_calls_sort_{name}" for name, _ in _SORT_INDEXES_V1),
    # Insights' indexes, replaced by ones in the order a sync writes (start time
    # descending: appended, pages full; ascending, every page was split in half) that
    # the history reads too: (kind, start_us, …) holds what ix_calls_by_kind_and_start
    # holds, and the history's user index takes the columns Insights reads per agent.
    "ix_calls_insights", "ix_calls_insights_user", "ix_calls_insights_group",
)
_COMPACT_STATEMENTS = (
    "DROP TRIGGER IF EXISTS calls_search_ai",
    "DROP TRIGGER IF EXISTS calls_search_ad",
    "DROP TRIGGER IF EXISTS calls_search_au",
    "DROP TABLE IF EXISTS calls_search",
    *(f"DROP INDEX IF EXISTS {name}" for name in _COMPACT_DROPPED_INDEXES),
    # A tab's calls newest first, date ranges, and the edges of a count. DESC: a sync
    # writes newest first, so new entries land at the end of the index, pages full.
    "CREATE INDEX IF NOT EXISTS ix_calls_by_kind_and_start ON calls "
    "(kind, start_us DESC, id DESC, direction, outcome, user_ref, group_ref)",
    # Calls of the users a filter names (and their counts); Insights per agent.
    "CREATE INDEX IF NOT EXISTS ix_calls_by_user_and_start ON calls "
    "(kind, user_ref, start_us DESC, id DESC, direction, outcome, group_ref, nulls, "
    "conversation_duration)",
    # Insights per queue or ring group.
    "CREATE INDEX IF NOT EXISTS ix_calls_by_group_and_start ON calls "
    "(kind, group_ref, start_us DESC, direction, outcome, nulls, connected_us)",
    # Calls per day: a count adds these up instead of walking an index.
    # day: start_us // 86400000000; -1 without a start; 1e12 for a start not stored
    # as an integer (sorts after every date, as the row does).
    """CREATE TABLE IF NOT EXISTS call_day_counts (
        kind INTEGER NOT NULL,
        day INTEGER NOT NULL,
        direction INTEGER NOT NULL,
        outcome INTEGER NOT NULL,
        group_ref INTEGER NOT NULL,     -- 0 for none
        calls INTEGER NOT NULL,
        PRIMARY KEY (kind, day, direction, outcome, group_ref)
    ) WITHOUT ROWID""",
    # Counted afresh: a file may come back to this step holding counts already (a
    # development build's order of migrations, a restored version number).
    "DELETE FROM call_day_counts",
    """INSERT INTO call_day_counts (kind, day, direction, outcome, group_ref, calls)
        SELECT kind, CASE WHEN typeof(start_us) <> 'integer' THEN 1000000000000
                          WHEN start_us < 0 THEN -1 ELSE start_us / 86400000000 END,
               direction, outcome, coalesce(group_ref, 0), count(*)
        FROM calls GROUP BY 1, 2, 3, 4, 5""",
    # New rows are counted by the writer, a batch at a time (a trigger per row cost
    # a fifth of a first sync); a row that changes day or codes, or is deleted (by
    # anything), is counted by these.
    """CREATE TRIGGER IF NOT EXISTS call_day_counts_au
        AFTER UPDATE OF kind, start_us, direction, outcome, group_ref ON calls BEGIN
        UPDATE call_day_counts SET calls = calls - 1
            WHERE kind = old.kind AND direction = old.direction AND outcome = old.outcome
            AND group_ref = coalesce(old.group_ref, 0) AND day = CASE
                WHEN typeof(old.start_us) <> 'integer' THEN 1000000000000
                WHEN old.start_us < 0 THEN -1 ELSE old.start_us / 86400000000 END;
        INSERT INTO call_day_counts (kind, day, direction, outcome, group_ref, calls)
            VALUES (new.kind, CASE WHEN typeof(new.start_us) <> 'integer' THEN 1000000000000
                    WHEN new.start_us < 0 THEN -1 ELSE new.start_us / 86400000000 END,
                    new.direction, new.outcome, coalesce(new.group_ref, 0), 1)
            ON CONFLICT DO UPDATE SET calls = calls + 1;
    END""",
    """CREATE TRIGGER IF NOT EXISTS call_day_counts_ad AFTER DELETE ON calls BEGIN
        UPDATE call_day_counts SET calls = calls - 1
            WHERE kind = old.kind AND direction = old.direction AND outcome = old.outcome
            AND group_ref = coalesce(old.group_ref, 0) AND day = CASE
                WHEN typeof(old.start_us) <> 'integer' THEN 1000000000000
                WHEN old.start_us < 0 THEN -1 ELSE old.start_us / 86400000000 END;
    END""",
    # Every distinct caller name and number, what search scans (a few hundred
    # thousand short strings at most, where the calls are a million).
    """CREATE TABLE IF NOT EXISTS caller_names (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        folded TEXT NOT NULL            -- casefold() of name, what search compares
    )""",
    """CREATE TABLE IF NOT EXISTS call_numbers (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL,           -- caller_id or dest_number as stored
        e164 TEXT NOT NULL,             -- its E.164 form as stored, '' for none
        UNIQUE (number, e164)
    )""",
    # Trigram indexes of the dictionaries (rowid = the entry's id): three or more
    # characters are found without scanning even a few hundred thousand entries.
    "CREATE VIRTUAL TABLE IF NOT EXISTS caller_names_search USING fts5(folded, content='', "
    "columnsize=0, tokenize='trigram')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS call_numbers_search USING fts5(digits, content='', "
    "columnsize=0, tokenize='trigram')",
    # Indexes built on demand (pbxdesk.store.indexes): their definition, and how
    # many rows were stored when built and since, to drop one a bulk load outgrew.
    """CREATE TABLE IF NOT EXISTS ondemand_indexes (
        name TEXT PRIMARY KEY,
        built_us INTEGER NOT NULL,      -- when it was built (the oldest goes first)
        built_rows INTEGER NOT NULL,    -- calls stored then
        added_rows INTEGER NOT NULL     -- calls inserted since
    ) WITHOUT ROWID""",
)


def _compact_indexes(conn: sqlite3.Connection) -> None:
    for statement in _COMPACT_STATEMENTS:
        conn.execute(statement)
    # The search dictionaries start empty: the first search fills them from the
    # stored calls (pbxdesk.store.terms.catch_up), off the thread that opens the file.


def _sync_progress(conn: sqlite3.Connection) -> None:
    # Where an interrupted scan stands (a restart resumes it), and the days whose
    # calls the API could not all hand over (shown, and tried again later).
    conn.execute(
        """CREATE TABLE IF NOT EXISTS sync_checkpoints (
            kind INTEGER NOT NULL,
            start_us INTEGER NOT NULL,
            end_us INTEGER NOT NULL,
            state TEXT NOT NULL,            -- JSON, see pbxdesk.api.scanplan
            saved_us INTEGER NOT NULL,
            PRIMARY KEY (kind, start_us)
        ) WITHOUT ROWID""")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS incomplete_days (
            kind INTEGER NOT NULL,
            day TEXT NOT NULL,              -- the server's calendar day, YYYY-MM-DD
            missing INTEGER NOT NULL,       -- an estimate; 0 when unknown
            reason TEXT NOT NULL,
            found_us INTEGER NOT NULL,
            tried_us INTEGER NOT NULL,
            tries INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (kind, day)
        ) WITHOUT ROWID""")


MIGRATIONS: Final[tuple[Migration, ...]] = (
    _v1_calls_and_bookkeeping,
    _v2_search_index,
    _insights_indexes,
    _live_flag,
    create_callback_tables,
    _compact_indexes,
    _sync_progress,
    insighttotals.create,  # Insights' running totals, filled from the calls
    talktimes.create_index,  # Insights' median talk times over long ranges
    waittimes.create_index,  # Insights' waits per queue and ring group over long ranges
    create_moved_rows,  # Callbacks: the callers a row belonged to before it changed
    watch_leg_changes,  # Callbacks: rows answered after all, moved in time or scope, too
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(conn: sqlite3.Connection, path: Path) -> int:
    """The file's version; raises :class:`StoreTooNewError` if we do not know it."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise StoreTooNewError(path, version, SCHEMA_VERSION)
    return version


def migrate(conn: sqlite3.Connection, path: Path,
            migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Bring the file up to ``len(migrations)``; returns how many were applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    applied = 0
    while True:
        # BEGIN IMMEDIATE takes the write lock first, so two processes opening the
        # same old file cannot both run a migration; the version is re-read inside.
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = check_not_newer(conn, path)
            if version >= len(migrations):
                conn.execute("COMMIT")
                return applied
            migrations[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1:d}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied += 1
