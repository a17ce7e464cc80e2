"""The search dictionaries: every distinct caller name and number, once.

A million calls hold far fewer distinct names and numbers (callers call again),
so search scans these short lists instead of the calls, and then finds the
calls through an index on the column (see :mod:`pbxdesk.store.search`). Any
length of text works, one letter as well as ten; a per-call trigram index cost
110 bytes and ~25 µs of writing per call, and could not look for two letters.

``caller_names`` keeps each name with its ``casefold()`` (what search compares,
so "ÄNGSTRÖM" finds "ängström"); ``call_numbers`` each number as stored with
its E.164 form. A trigram index over each (FTS5) finds three or more
characters without a scan; one or two are looked for by scanning the
dictionary. A write does not touch them: the first search after new calls
arrived adds what the calls stored since the last search hold
(:func:`catch_up`, from the id it reached, kept in ``meta``), so a first sync
stores its rows without this cost. Rows whose names or numbers an update
changes are added by the writer (:func:`write`). No Qt here.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, Final

from pbxdesk.store.connection import brief_wait
from pbxdesk.store.rows import storable

log = logging.getLogger("pbxdesk.store")

REACHED_KEY: Final = "search_dictionaries_reached_id"
WAIT_S: Final = 1.0
_CATCH_UP_BATCH: Final = 50_000


def write(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]], name_at: int,
          numbers_at: tuple[tuple[int, int], ...]) -> None:
    """Add the names and (number, E.164) pairs of ``rows`` that are not there yet.

    ``name_at``: the position of the caller name in each row; ``numbers_at``: the
    positions of each (number, E.164) pair.
    """
    names = {row[name_at] for row in rows}
    numbers = {(row[number_at], row[e164_at] or "") for number_at, e164_at in numbers_at
               for row in rows}
    _add(conn, [name for name in names if name and type(name) is str],
         [pair for pair in numbers if pair[0] and type(pair[0]) is str])


def catch_up(conn: sqlite3.Connection, stop: Callable[[], bool] = lambda: False) -> int:
    """Add the names and numbers of the calls stored since the last catch-up.

    Runs its own write transactions, a batch of calls each (call it outside a
    read snapshot); returns how many calls it looked at. Busy, read-only, or
    ``stop()`` true between batches: it leaves the rest for later.
    """
    done = reached(conn)
    newest = conn.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0]
    looked = 0
    while done < newest and not (looked and stop()):
        upto = min(newest, done + _CATCH_UP_BATCH)
        try:
            with brief_wait(conn, WAIT_S):
                conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # busy or read-only: searched by scanning
            log.info("Search dictionaries not brought up to date now: %s", exc)
            return looked
        try:
            found = conn.execute(
                "SELECT caller_name, caller_id, coalesce(caller_e164, ''), dest_number, "
                "coalesce(dest_e164, '') FROM calls WHERE id > ? AND id <= ?",
                (done, upto)).fetchall()
            write(conn, found, 0, ((1, 2), (3, 4)))
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                         (REACHED_KEY, json.dumps(upto)))
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:  # a full disk: search works with less
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            log.warning("Search dictionaries not brought up to date: %s", exc)
            return looked
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        looked += upto - done
        done = upto
    return looked


def reached(conn: sqlite3.Connection) -> int:
    """The largest id whose names and numbers the dictionaries hold (0: none)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (REACHED_KEY,)).fetchone()
    try:
        value = json.loads(row[0]) if row else 0
    except ValueError:
        value = 0
    return value if isinstance(value, int) else 0


def _add(conn: sqlite3.Connection, names: list[str], numbers: list[tuple[str, str]]) -> None:
    if names:
        before = conn.execute("SELECT coalesce(max(id), 0) FROM caller_names").fetchone()[0]
        conn.executemany("INSERT OR IGNORE INTO caller_names (name, folded) VALUES (?, ?)",
                         [(name, fold(name)) for name in names])
        conn.execute("INSERT INTO caller_names_search (rowid, folded) "
                     "SELECT id, folded FROM caller_names WHERE id > ?", (before,))
    if numbers:
        before = conn.execute("SELECT coalesce(max(id), 0) FROM call_numbers").fetchone()[0]
        conn.executemany("INSERT OR IGNORE INTO call_numbers (number, e164) VALUES (?, ?)",
                         numbers)
        conn.execute("INSERT INTO call_numbers_search (rowid, digits) "
                     "SELECT id, number || ' ' || e164 FROM call_numbers WHERE id > ?", (before,))


def fold(text: str) -> str:
    """What names are compared as: case-folded (Unicode), storable as UTF-8."""
    return storable(text).casefold()


# Strings this long are found through the trigram indexes; shorter ones by a scan
# of the dictionary (which still beats a scan of the calls by far).
MIN_TRIGRAM_CHARS: Final = 3


def names_containing(needle: str) -> tuple[str, tuple[Any, ...]]:
    """SELECT of the names whose folded form contains ``needle`` (already folded)."""
    if len(needle) >= MIN_TRIGRAM_CHARS:
        return ("SELECT name FROM caller_names WHERE id IN (SELECT rowid FROM "
                "caller_names_search WHERE caller_names_search MATCH ?)", (_phrase(needle),))
    return "SELECT name FROM caller_names WHERE instr(folded, ?) > 0", (needle,)


def numbers_containing(candidates: Sequence[str], min_e164: int) -> tuple[str, tuple[Any, ...]]:
    """SELECT of the numbers (as stored) matching any of the digit strings.

    A string of ``min_e164`` or more digits matches the number or its E.164 form;
    a shorter one only the number as stored (one or two digits are in nearly
    every E.164 form).
    """
    selects: list[str] = []
    params: list[Any] = []
    long = [digits for digits in candidates if len(digits) >= max(min_e164, MIN_TRIGRAM_CHARS)]
    if long:
        selects.append("SELECT number FROM call_numbers WHERE id IN (SELECT rowid FROM "
                       "call_numbers_search WHERE call_numbers_search MATCH ?)")
        params.append(" OR ".join(_phrase(digits) for digits in long))
    for digits in candidates:
        if digits not in long:
            selects.append("SELECT number FROM call_numbers WHERE instr(number, ?) > 0")
            params.append(digits)
    return " UNION ".join(selects) or "SELECT number FROM call_numbers WHERE 0", tuple(params)


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
