"""When to read an incomplete day again: :func:`due_for_retry`.

A day the API could not hand over whole stays in the store's list until a scan
reads it whole. Trying again costs requests (a crowded day several), and when
the server itself is the reason (it ignores the selector) the answer will not
change soon; so a day waits an hour after it was last tried, twice as long
after each further try (at most a day), and retries run only while the budget
has plenty left over for the regular refresh. No Qt here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import date, datetime, timedelta

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.models import CallKind
from pbxdesk.store.bookkeeping import IncompleteDay

FIRST_WAIT = timedelta(hours=1)
LONGEST_WAIT = timedelta(days=1)
SPARE_REQUESTS = 30
"""Background requests that must be left (after the retry) for it to run."""
COST_PER_DAY = 6
"""Requests a crowded day's retry is expected to take."""


def wait_after(tries: int) -> timedelta:
    """How long a day waits before it is tried again, after ``tries`` tries."""
    hours = 1 << max(0, min(tries - 1, 10))  # 1, 2, 4 … hours
    return min(LONGEST_WAIT, FIRST_WAIT * hours)


def due_for_retry(listed: Sequence[IncompleteDay], kinds: Collection[CallKind], now: datetime,
                  oldest: date, budget: RequestBudget) -> Iterator[IncompleteDay]:
    """The listed days to read again now, least recently tried first.

    Only days of ``kinds`` from ``oldest`` on (the synced window) whose wait is
    over, and only while the budget keeps :data:`SPARE_REQUESTS` background
    requests beyond what a retry is expected to cost.
    """
    waiting = sorted((entry for entry in listed
                      if entry.kind in kinds and entry.day >= oldest
                      and now - entry.tried_at >= wait_after(entry.tries)),
                     key=lambda entry: (entry.tried_at, entry.day))
    for entry in waiting:
        if budget.remaining(background=True) < SPARE_REQUESTS + COST_PER_DAY:
            return
        yield entry
