"""The worklist's pass over call rows: which are legs and which are contacts.

One SQL statement (:data:`NEW_ROWS`) reads the rows an update concerns (a range
of new ids, the rows a trigger marked, or a caller's legs again) and says of
each whether it is a leg (an inbound call nobody answered, in scope: merged
into the caller's attempts by :func:`take_rows`) or a contact (an answered
call or a call-back, with the number it reached). Whether a new caller's
item follows from their leg alone is asked of the store's
:class:`~pbxdesk.store.contactbound.ContactBound`, which this module keeps
complete first (:func:`fold_missing`, and the rows a pass reads). The order
of the steps and the bookkeeping are :mod:`pbxdesk.store.callbacks`'. No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Final

from pbxdesk.store.callbackrules import Attempt, merge_legs
from pbxdesk.store.contactbound import ContactBound

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
# before the horizon are read apart, OLD_CONTACTS). ?1 the horizon, ?2-?5 the scope
# (callbacks._scoped), ?6 the bound's ``folded_to``; the rows' own condition may use ?7 and ?8.
NEW_ROWS: Final = (
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
RANGE: Final = "id > ?7 AND id <= ?8"
BETWEEN: Final = "id > ? AND id <= ?"
OLD_CONTACTS: Final = "id > ? AND id <= ? AND start_us < ?"  # (NEW_ROWS leaves them out)
DIRTY: Final = "id IN (SELECT call_id FROM callback_dirty)"
# Contacts of some rows (see NEW_ROWS), for the contact bound.
CONTACTS_OF: Final = (f"SELECT {_CONTACT}, start_us + max(call_duration, 0) * 1000000 "
                       f"FROM calls WHERE {{rows}} AND {_CONTACT_ROW} AND {_CONTACT} IS NOT NULL")
ATTEMPT_COLUMNS: Final = ("id, number, raw_number, caller_name, call_ref, start_us, end_us, "
                           "via, via_kind, wait_s")


def fold_missing(conn: sqlite3.Connection, contacts: ContactBound, last_id: int,
                  dirty: int) -> None:
    """Fold into the bound what it may lack before this update's rows are read.

    The rows changed since they were read (their contacts may be new: an
    answer that came later), and, should the bound lag behind the rows read
    before (another store object's updates), those rows: each row read is
    then folded in before any leg is judged by the bound.
    """
    if dirty:
        contacts.fold(conn.execute(CONTACTS_OF.format(rows=DIRTY)))
    folded = contacts.folded_to
    if folded < last_id:
        contacts.fold(conn.execute(CONTACTS_OF.format(rows=BETWEEN), (folded, last_id)),
                      ids=(folded, last_id))


# The callers a changed row belonged to as it was read: its leg's caller, and the
# number it answered or tried (see callbackschema.MOVED_ROWS and LEG_CHANGES).
_MOVED_CALLERS: Final = (
    f"SELECT CASE WHEN direction = 1 AND NOT {_IS_EXTENSION} THEN {_LEG_KEY} END "
    f"FROM callback_moved UNION SELECT {_CONTACT} FROM callback_moved")


def moved_callers(conn: sqlite3.Connection) -> set[str]:
    """The callers changed rows belonged to before (rare: the table is mostly empty)."""
    numbers = {number for (number,) in conn.execute(_MOVED_CALLERS) if number is not None}
    conn.execute("DELETE FROM callback_moved")
    return numbers


def forget_attempts(conn: sqlite3.Connection, numbers: set[str],
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
    return legs_of(sorted(number for number in numbers if number.startswith("+")),
                    sorted(number for number in numbers if not number.startswith("+")), upper)


def legs_of(e164: list[str], other: list[str],
             upper: int) -> list[tuple[str, tuple[Any, ...]]]:
    """The rows conditions (for :data:`NEW_ROWS`) that read these callers' legs again.

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


def take_rows(conn: sqlite3.Connection, rows: str, bounds: tuple[Any, ...],
              scoped: tuple[object, ...], horizon: int, contacts: ContactBound
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
    params = (horizon, *scoped, contacts.folded_to, *bounds)
    for row in conn.execute(NEW_ROWS.format(rows=rows), params):
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
    contacts.fold(unfolded, ids=(bounds[0], bounds[1]) if rows == RANGE else None)
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
    for row in conn.execute(f"SELECT {ATTEMPT_COLUMNS} FROM callback_attempts "
                            "WHERE number IN (SELECT value FROM json_each(?))",
                            (json.dumps(list(numbers)),)):
        found[row[1]].append(Attempt(*row))
    return found
