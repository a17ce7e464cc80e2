"""The search dictionaries: every distinct caller name and number, once.

A million calls hold far fewer distinct names and numbers (callers call again),
so search scans these short lists instead of the calls, and then finds the
calls through an index on the column (see :mod:`pbxdesk.store.search`). Any
length of text works, one letter as well as ten; a per-call trigram index cost
110 bytes and ~25 µs of writing per call, and could not look for two letters.

``caller_names`` keeps each name with its ``casefold()`` (what search compares,
so "ÄNGSTRÖM" finds "ängström"); ``call_numbers`` each number as stored with
its E.164 form. The writer adds a batch's new values in the batch's
transaction. No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from pbxdesk.store.rows import storable


def write(conn: sqlite3.Connection, rows: Iterable[tuple[Any, ...]], name_at: int,
          numbers_at: tuple[tuple[int, int], ...]) -> None:
    """Add the names and (number, E.164) pairs of ``rows`` that are not there yet.

    ``name_at``: the position of the caller name in each row; ``numbers_at``: the
    positions of each (number, E.164) pair.
    """
    names: set[str] = set()
    numbers: set[tuple[str, str]] = set()
    for row in rows:
        name = row[name_at]
        if name and type(name) is str:
            names.add(name)
        for number_at, e164_at in numbers_at:
            number = row[number_at]
            if number and type(number) is str:
                numbers.add((number, row[e164_at] or ""))
    if names:
        conn.executemany("INSERT OR IGNORE INTO caller_names (name, folded) VALUES (?, ?)",
                         [(name, fold(name)) for name in names])
    if numbers:
        conn.executemany("INSERT OR IGNORE INTO call_numbers (number, e164) VALUES (?, ?)",
                         numbers)


def fold(text: str) -> str:
    """What names are compared as: case-folded (Unicode), storable as UTF-8."""
    return storable(text).casefold()


NAMES_CONTAINING = "SELECT name FROM caller_names WHERE instr(folded, ?) > 0"
"""Names containing the (folded) parameter."""


def numbers_containing(long_digits: int, short_digits: int) -> str:
    """SELECT (number, e164) of the dictionary matching any of the digit strings.

    ``long_digits`` strings of three or more digits match the number or its E.164
    form; ``short_digits`` shorter ones only the number as stored (one or two
    digits are in nearly every E.164 form).
    """
    tests = (["instr(number, ?) > 0 OR instr(e164, ?) > 0"] * long_digits
             + ["instr(number, ?) > 0"] * short_digits)
    return f"SELECT number, e164 FROM call_numbers WHERE {' OR '.join(tests) or '0'}"
