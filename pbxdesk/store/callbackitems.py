"""Computing worklist items from attempts, reaches, tries and records, in one statement.

The rules, for one caller (a number, or the withheld group):

* The *close* is the later of: the end of the answered call with that number
  that ended last (either direction, anyone; never for withheld callers), and
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
few milliseconds, where a loop in Python took ten times as long), reading the
index of each table per caller. No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from typing import Final

from pbxdesk.store.callbackrules import ITEM_COLUMNS

# ?1: a JSON array of the callers to recompute.
RECOMPUTE_SQL: Final = f"""
WITH n AS MATERIALIZED (
    SELECT DISTINCT value AS number FROM json_each(?1)
    WHERE EXISTS (SELECT 1 FROM callback_attempts AS a WHERE a.number = value)
),
m AS MATERIALIZED (  -- the winning record per caller and field
    SELECT number, field, value, at_us, desk, agent FROM (
        SELECT c.number, c.field, c.value, c.at_us, c.desk, c.agent,
               row_number() OVER (PARTITION BY c.number, c.field
                                  ORDER BY c.at_us DESC, c.desk DESC) AS rank
        FROM n JOIN callback_records AS c ON c.number = n.number)
    WHERE rank = 1
),
k AS MATERIALIZED (
    SELECT n.number,
           CASE WHEN n.number <> '' THEN coalesce(r.end_us, -1) ELSE -1 END AS reach_end,
           r.start_us AS reach_start, r.by_name AS reach_by, r.direction AS reach_direction,
           CASE WHEN ms.value IN ('done', 'not_needed') THEN ms.at_us ELSE -1 END AS manual_at,
           ms.value AS manual_value, ms.agent AS manual_by,
           mz.value AS snooze_value, mz.at_us AS snooze_at, coalesce(mn.value, '') AS note,
           mc.value AS claim_value, mc.at_us AS claim_at, mc.agent AS claim_by,
           mc.desk AS claim_desk
    FROM n LEFT JOIN callback_reach AS r ON r.number = n.number
    LEFT JOIN m AS ms ON ms.number = n.number AND ms.field = 'state'
    LEFT JOIN m AS mz ON mz.number = n.number AND mz.field = 'snooze'
    LEFT JOIN m AS mn ON mn.number = n.number AND mn.field = 'note'
    LEFT JOIN m AS mc ON mc.number = n.number AND mc.field = 'claim'
),
o AS MATERIALIZED (
    SELECT k.*, max(reach_end, manual_at) AS boundary,
           CASE WHEN EXISTS (SELECT 1 FROM callback_attempts AS a WHERE a.number = k.number
                             AND a.start_us > max(reach_end, manual_at))
                THEN max(reach_end, manual_at) END AS open_after
    FROM k
),
g AS MATERIALIZED (  -- the shown episode: after the close when open, else all of them
    SELECT o.*, count(*) AS attempts, min(a.start_us) AS first_us, max(a.start_us) AS last_us,
           max(a.wait_s) AS wait_s, group_concat(DISTINCT nullif(a.via, '')) AS vias
    FROM o JOIN callback_attempts AS a ON a.number = o.number
        AND a.start_us > coalesce(o.open_after, -9)
    GROUP BY o.number
),
t AS MATERIALIZED (
    SELECT g.*,
        (SELECT raw_number || char(31) || caller_name FROM callback_attempts AS a
         WHERE a.number = g.number ORDER BY start_us DESC LIMIT 1) AS newest,
        (SELECT count(*) FROM callback_tries AS t WHERE t.number = g.number
         AND t.start_us > g.first_us
         AND (g.open_after IS NOT NULL OR t.start_us <= g.boundary)) AS tries,
        (SELECT t.start_us || char(31) || t.by_name FROM callback_tries AS t
         WHERE t.number = g.number AND t.start_us > g.first_us
         AND (g.open_after IS NOT NULL OR t.start_us <= g.boundary)
         ORDER BY t.start_us DESC LIMIT 1) AS last_try
    FROM g
)
INSERT OR REPLACE INTO callback_items ({", ".join(ITEM_COLUMNS)})
SELECT number,
    coalesce(nullif(substr(newest, 1, instr(newest, char(31)) - 1), ''), number),
    coalesce(nullif(substr(newest, instr(newest, char(31)) + 1), ''),
             (SELECT caller_name FROM callback_attempts AS a WHERE a.number = t.number
              AND caller_name <> '' ORDER BY start_us DESC LIMIT 1), ''),
    CASE WHEN open_after IS NOT NULL THEN tries > 0
         WHEN manual_at > reach_end THEN CASE manual_value WHEN 'done' THEN 3 ELSE 4 END
         ELSE 2 END,
    attempts, first_us, last_us, replace(coalesce(vias, ''), ',', ', '), wait_s, tries,
    CASE WHEN last_try IS NULL THEN -1
         ELSE CAST(substr(last_try, 1, instr(last_try, char(31)) - 1) AS INTEGER) END,
    CASE WHEN last_try IS NULL THEN '' ELSE substr(last_try, instr(last_try, char(31)) + 1) END,
    CASE WHEN open_after IS NOT NULL THEN -1 WHEN manual_at > reach_end THEN manual_at
         ELSE reach_start END,
    CASE WHEN open_after IS NOT NULL THEN '' WHEN manual_at > reach_end THEN manual_by
         ELSE reach_by END,
    CASE WHEN open_after IS NOT NULL OR manual_at > reach_end THEN 0 ELSE reach_direction END,
    CASE WHEN snooze_value <> '' AND snooze_value NOT GLOB '*[^0-9]*' AND snooze_at >= last_us
         THEN CAST(snooze_value AS INTEGER) ELSE -1 END,
    note,
    CASE WHEN claim_value = 'calling' AND claim_at >= first_us THEN claim_at ELSE -1 END,
    CASE WHEN claim_value = 'calling' AND claim_at >= first_us THEN claim_by ELSE '' END,
    CASE WHEN claim_value = 'calling' AND claim_at >= first_us THEN claim_desk ELSE '' END
FROM t
"""
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
