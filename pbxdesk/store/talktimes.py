"""Agents' median talk time over a long range, read in talk-time order (nothing sorted).

Per agent, Insights shows the median talk time of the answered calls that have
one (``has_talk``, :mod:`pbxdesk.store.insighttotals`). Over a short range the
calls are read on the user index by start time and SQLite sorts their talk
times (:mod:`pbxdesk.store.insights`); over two years of a million calls that
sort took 170 of 250–290 ms. The migration :func:`create_index` adds
``ix_calls_talk_times``: only those calls, in the order user, talk time, start
(about 13 bytes a call at a million). A median then costs two walks of each
agent's entries and no sort: one counts the agent's calls inside the range, the
next stops at the middle one (``LIMIT … OFFSET``). That walk passes the
agent's calls outside the range too, so it is taken only when the range holds
a large part of the agents' answered calls (:func:`worth_walking`).
No Qt here.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Final

from pbxdesk.api.models import CallKind
from pbxdesk.store import rows
from pbxdesk.store.insighttotals import answered_ever, condition

TALK_INDEX: Final = "ix_calls_talk_times"
WALK_SHARE: Final = 0.25
"""The part of the agents' answered calls (ever) a range must hold for the index walk.

At a million calls: the walk takes ~70 ms whatever the range; sorting the
range's talk times took ~20 ms for a month, 140 ms for a year, 250–290 ms for two."""

_USER: Final = rows.KIND_CODES[CallKind.USER]
# The index's WHERE, repeated word for word in every query that reads it: SQLite
# uses a partial index only for a query whose WHERE contains the index's.
_TALKED: Final = f"kind = {_USER} AND {condition('has_talk')}"


def create_index(conn: sqlite3.Connection) -> None:
    """The migration: the user calls with a talk time, by user, talk time and start."""
    conn.execute(f"CREATE INDEX IF NOT EXISTS {TALK_INDEX} ON calls "
                 f"(user_ref, conversation_duration, start_us) WHERE {_TALKED}")


def _among(refs: Collection[int] | None) -> tuple[str, list[int]]:
    if refs is None:
        return "", []
    return f" AND user_ref IN ({', '.join('?' * len(refs))})", list(refs)


def worth_walking(conn: sqlite3.Connection, refs: Collection[int] | None,
                  answered_in_range: int) -> bool:
    """Whether the range's answered calls are a large part of these users' (None: all).

    Then :func:`medians` is quicker than sorting the range's talk times.
    """
    ever = answered_ever(conn, (_USER,), refs)
    return bool(ever) and answered_in_range >= WALK_SHARE * ever


def medians(conn: sqlite3.Connection, refs: Collection[int] | None,
            start_us: int, end_us: int) -> dict[int, float]:
    """Each user's median talk time (seconds) in ``start_us <= start < end_us``.

    For the users ``refs`` (None: every user with a reference); a user without
    such calls is left out. The median is ``percentile(…, 0.5)`` of
    :mod:`pbxdesk.store.insights` (the middle value, or the mean of the two).
    """
    among, params = _among(refs)
    inside = f"WHERE {_TALKED} AND start_us >= ? AND start_us < ?"
    counted = conn.execute(
        f"SELECT user_ref, count(*) FROM calls INDEXED BY {TALK_INDEX} {inside}{among} "
        "AND user_ref IS NOT NULL GROUP BY user_ref", [start_us, end_us, *params]).fetchall()
    middle_sql = (f"SELECT conversation_duration FROM calls INDEXED BY {TALK_INDEX} "
                  f"{inside} AND user_ref = ? ORDER BY conversation_duration LIMIT ? OFFSET ?")
    found: dict[int, float] = {}
    for ref, calls in counted:
        # As percentile(): rank (calls - 1) / 2 counted from 0, between two ranks when even.
        middle = [value for (value,) in conn.execute(
            middle_sql, (start_us, end_us, ref, 2 - calls % 2, (calls - 1) // 2))]
        if calls % 2:
            found[ref] = float(middle[0])
        else:
            below, above = middle
            found[ref] = below + (above - below) * 0.5
    return found
