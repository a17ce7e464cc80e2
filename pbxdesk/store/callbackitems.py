"""Computing worklist items from attempts, reaches, tries and records, in one statement.

The rules, for one caller (a number, or the withheld group):

* The *close* is the later of: the end of the newest answered call with that
  number (either direction, anyone; never for withheld callers), and
  the time of a manual Done / Not needed (the newest ``state`` record, unless
  an ``open`` record undid it).
* Attempts that started after the close are the open *episode*: the item is
  Open, or Tried once a call to the number after the episode's first attempt
  went unanswered. Without such attempts the item is closed (Reached, Done or
  Not needed, whichever closed it last) and shows all its attempts.
* So a new missed call from a closed caller reopens the item, and an
  answered call back (or the caller getting through) closes it by itself.
* Snooze counts only if set after the episode's last attempt (a new call
  wakes it); a claim only if made during the episode; the note always.

It runs over every caller of one update at once (thousands of callers in a
few milliseconds, where a loop in Python took ten times as long), reading
each caller's calls through the partial indexes the worklist's migration adds
to ``calls`` (see :mod:`pbxdesk.store.callbackschema`). No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Sequence
from typing import Any, Final

from pbxdesk.store.callbackrules import ITEM_COLUMNS


# ?1: a JSON array of the callers to recompute.
# The newest record of one field for the caller ``g.number`` (ties: the larger desk id),
# looked for only where the caller has records at all (few do).
def _record(field: str, column: str) -> str:
    return (f"CASE WHEN has_records THEN (SELECT r.{column} FROM callback_records AS r "
            f"WHERE r.number = g.number AND r.field = '{field}' "
            "ORDER BY r.at_us DESC, r.desk DESC LIMIT 1) END")


# Of the caller's newest answered call in one direction: ``what`` (an index-only read).
def _answered(direction: int, what: str, number: str) -> str:
    index, column = (("ix_callback_calls_in", "caller_e164") if direction == 1
                     else ("ix_callback_calls_out", "dest_e164"))
    return (f"(SELECT {what} FROM calls AS c INDEXED BY {index} WHERE c.{column} = {number} "
            f"AND c.direction = {direction} AND c.outcome = 1 ORDER BY c.start_us DESC LIMIT 1)")


# The caller's calls nobody answered since the shown episode began (index-only reads).
def _tried(what: str, step: str, tail: str = "") -> str:
    return (f"(SELECT {what} FROM calls AS c INDEXED BY ix_callback_calls_out "
            f"WHERE c.dest_e164 = {step}.number AND c.direction = 2 AND c.outcome <> 1 "
            f"AND c.start_us > {step}.first_us AND ({step}.open OR c.start_us <= {step}.boundary)"
            f"{tail})")


# Of the caller's attempts after the close (an episode that follows earlier ones).
def _after(what: str) -> str:
    return (f"(SELECT {what} FROM callback_attempts AS a WHERE a.number = b.number "
            "AND a.start_us > b.boundary)")


_END: Final = "c.start_us + max(c.call_duration, 0) * 1000000"
# Two materialised steps, so the look-ups in them run once per caller, then the row:
# g: every attempt of each caller, summed up in one walk of the attempts' index (in
#    caller order, so no sorting), and whether the caller has records or was ever
#    called (most new callers have neither: their look-ups are skipped); what needs
#    more than a sum (their vias in order, the newest number and name) is read again
#    only for callers with more than one attempt or via;
# f: the facts (the newest answered call each way, the newest records);
# e: the shown episode: the attempts after the close if any, else all of them; the
#    sums of g are it, unless the close falls between the caller's attempts (a
#    reopened item: its episode is summed again);
# t: the call-backs nobody answered, and who reached the caller.
# e and t are expressions over f that SQLite inlines where they are used: measured,
# evaluating a rare look-up twice costs less than writing every caller's row to
# another temporary table (a look-up is skipped unless its CASE needs it).
RECOMPUTE_SQL: Final = f"""
WITH g AS MATERIALIZED (
    SELECT a.number, count(*) AS all_attempts, min(a.start_us) AS first_all,
           max(a.start_us) AS last_all, max(a.wait_s) AS all_wait,
           -- a caller's only via and only number and name, if that is what they have
           min(nullif(a.via, '')) AS via_low, max(nullif(a.via, '')) AS via_high,
           max(a.raw_number) AS one_raw,
           max(CASE WHEN a.caller_name <> '' THEN a.caller_name END) AS one_name,
           EXISTS (SELECT 1 FROM callback_records AS r WHERE r.number = a.number) AS has_records,
           EXISTS (SELECT 1 FROM calls AS c INDEXED BY ix_callback_calls_out
                   WHERE c.dest_e164 = a.number AND c.direction = 2) AS called
    FROM callback_attempts AS a
    WHERE a.number IN (SELECT value FROM json_each(?1))
    GROUP BY a.number
),
f AS MATERIALIZED (
    SELECT g.*,
           coalesce({_answered(1, _END, "g.number")}, -1) AS in_end,
           CASE WHEN called THEN coalesce({_answered(2, _END, "g.number")}, -1)
                ELSE -1 END AS out_end,
           {_record("state", "at_us")} AS state_at, {_record("state", "value")} AS state,
           {_record("state", "agent")} AS state_by,
           {_record("snooze", "at_us")} AS snooze_at, {_record("snooze", "value")} AS snooze,
           coalesce({_record("note", "value")}, '') AS note,
           {_record("claim", "at_us")} AS claim_at, {_record("claim", "value")} AS claim,
           {_record("claim", "agent")} AS claim_by, {_record("claim", "desk")} AS claim_desk
    FROM g
),
e AS NOT MATERIALIZED (
    SELECT b.*,
           CASE WHEN whole THEN all_attempts ELSE {_after("count(*)")} END AS attempts,
           CASE WHEN whole THEN first_all ELSE {_after("min(a.start_us)")} END AS first_us,
           last_all AS last_us,
           -- the newest attempt's number and the newest name given (times have 16 digits
           -- until the year 2286, so the largest text is the newest)
           CASE WHEN all_attempts = 1 THEN one_raw ELSE
               (SELECT a.raw_number FROM callback_attempts AS a WHERE a.number = b.number
                ORDER BY a.start_us || char(31) || a.raw_number DESC LIMIT 1) END AS newest_raw,
           CASE WHEN all_attempts = 1 THEN one_name ELSE
               (SELECT a.caller_name FROM callback_attempts AS a WHERE a.number = b.number
                AND a.caller_name <> ''
                ORDER BY a.start_us || char(31) || a.caller_name DESC LIMIT 1) END AS newest_name,
           CASE WHEN whole THEN all_wait ELSE {_after("max(a.wait_s)")} END AS wait_s,
           CASE WHEN whole THEN CASE WHEN via_low IS via_high THEN via_low ELSE
                (SELECT group_concat(DISTINCT nullif(a.via, '')) FROM callback_attempts AS a
                 WHERE a.number = b.number) END
                ELSE {_after("group_concat(DISTINCT nullif(a.via, ''))")} END AS vias
    FROM (SELECT b.*, NOT open OR first_all > boundary AS whole FROM (
        SELECT f.*, max(in_end, out_end) AS reach_end, boundary,
               CASE WHEN state IN ('done', 'not_needed') THEN state_at ELSE -1 END AS manual_at,
               last_all > boundary AS open
        FROM (SELECT f.*, max(in_end, out_end,
                              CASE WHEN state IN ('done', 'not_needed') THEN state_at ELSE -1 END)
                          AS boundary FROM f) AS f) AS b) AS b
),
t AS NOT MATERIALIZED (
    SELECT e.*,
        CASE WHEN called THEN {_tried("c.start_us || char(31) || c.user_name", "e",
                                      " ORDER BY c.start_us DESC LIMIT 1")}
        END AS last_try,
        CASE WHEN NOT open AND manual_at <= reach_end THEN
            CASE WHEN out_end >= in_end
                 THEN {_answered(2, "c.start_us || char(31) || c.user_name", "e.number")}
                 ELSE {_answered(1, "c.start_us || char(31) || c.user_name", "e.number")}
            END END AS reached
    FROM e
)
INSERT OR REPLACE INTO callback_items ({", ".join(ITEM_COLUMNS)})
SELECT number,
    coalesce(nullif(newest_raw, ''), number),
    coalesce(newest_name, ''),
    CASE WHEN open THEN last_try IS NOT NULL
         WHEN manual_at > reach_end THEN CASE state WHEN 'done' THEN 3 ELSE 4 END
         ELSE 2 END,
    attempts, first_us, last_us, replace(coalesce(vias, ''), ',', ', '), wait_s,
    CASE WHEN last_try IS NULL THEN 0 ELSE {_tried("count(*)", "t")} END,
    coalesce(CAST(substr(last_try, 1, instr(last_try, char(31)) - 1) AS INTEGER), -1),
    coalesce(substr(last_try, instr(last_try, char(31)) + 1), ''),
    CASE WHEN open THEN -1 WHEN manual_at > reach_end THEN manual_at
         ELSE CAST(substr(reached, 1, instr(reached, char(31)) - 1) AS INTEGER) END,
    CASE WHEN open THEN '' WHEN manual_at > reach_end THEN state_by
         ELSE coalesce(substr(reached, instr(reached, char(31)) + 1), '') END,
    CASE WHEN open OR manual_at > reach_end THEN 0 WHEN out_end >= in_end THEN 2 ELSE 1 END,
    CASE WHEN snooze <> '' AND snooze NOT GLOB '*[^0-9]*' AND snooze_at >= last_us
         THEN CAST(snooze AS INTEGER) ELSE -1 END,
    note,
    CASE WHEN claim = 'calling' AND claim_at >= first_us THEN claim_at ELSE -1 END,
    CASE WHEN claim = 'calling' AND claim_at >= first_us THEN claim_by ELSE '' END,
    CASE WHEN claim = 'calling' AND claim_at >= first_us THEN claim_desk ELSE '' END
FROM t
"""


# The item RECOMPUTE_SQL writes for such a caller (an Open item, one attempt).
_FIRST_CALL_ITEMS: Final = (
    f"INSERT OR REPLACE INTO callback_items ({', '.join(ITEM_COLUMNS)}) VALUES "
    "(?1, ?2, ?3, 0, 1, ?4, ?4, ?5, ?6, 0, -1, '', -1, '', 0, -1, '', -1, '', '')")


def first_call_items(conn: sqlite3.Connection,
                     legs: Iterable[Sequence[Any]]) -> int:
    """Write the items of callers whose one leg makes their item by itself.

    A caller with no attempts before, no records, and nobody who answered or
    called them since the leg began: the rules statement would find the item
    Open, with this leg as its whole episode.

    ``legs``: rows in the columns of ``callback_attempts`` without the id
    (number, raw number, name, call ref, start, end, via, via kind, wait).
    The same values as :data:`RECOMPUTE_SQL` writes for them (a test compares
    both), without its look-ups: most of an update's callers are such. Returns
    the rows written.
    """
    before = conn.total_changes
    conn.executemany(_FIRST_CALL_ITEMS, [
        (leg[0], leg[1] or leg[0], leg[2], leg[4], leg[6].replace(",", ", "), leg[8])
        for leg in legs])
    return conn.total_changes - before


_DROP_EMPTY: Final = (
    "DELETE FROM callback_items WHERE number IN (SELECT value FROM json_each(?)) "
    "AND NOT EXISTS (SELECT 1 FROM callback_attempts AS a "
    "WHERE a.number = callback_items.number)")


def recompute(conn: sqlite3.Connection, numbers: Collection[str],
              pruned: Collection[str] = ()) -> int:
    """Write the items of ``numbers`` and ``pruned`` afresh; returns the rows written.

    ``pruned``: callers who lost attempts to the horizon; those left with none
    lose their item. Call inside a write transaction.
    """
    if not numbers and not pruned:
        return 0
    before = conn.total_changes
    conn.execute(RECOMPUTE_SQL, (json.dumps([*numbers, *pruned]),))
    if pruned:
        conn.execute(_DROP_EMPTY, (json.dumps(list(pruned)),))
    return conn.total_changes - before
