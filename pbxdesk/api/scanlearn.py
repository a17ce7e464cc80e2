"""What each answer teaches a scan about the server's dates and the account's density.

* Where ``to_date`` cuts: the first row of a newest-first answer is the newest
  row before the cut, so the cut lies after it and (when the query selected no
  names of its own) no later than the next row read after it
  (:meth:`ServerTraits.learn_cut`). A first row outside the known region a
  window had to begin in puts the cut below that region.
* Whether ``to_date`` is inclusive: a one-day query (``from_date == to_date``)
  that returns rows proves it; one that returns nothing, for a day rows were
  read in wherever an inclusive cut could be, proves the opposite.
* How dense the history is: every full page of all names (a group's pages
  show only its own density). No I/O here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from pbxdesk.api.scanestimate import Density, SeenTimes
from pbxdesk.api.scanmodel import DAY, INCLUSIVE_CUT, PageRequest, ServerTraits, midnight
from pbxdesk.api.scansweep import RowInfo, Segment


def learn_from_answer(traits: ServerTraits, density: Density, seen_times: SeenTimes,
                      segment: Segment, request: PageRequest, rows: Sequence[RowInfo],
                      seen: Collection[str], limit: int) -> None:
    """Update ``traits`` and ``density`` from one answer (before its rows join ``seen``)."""
    timed = [row.at for row in rows if row.at is not None]
    if request.from_date == request.to_date and not segment.strict:
        if rows:
            traits.one_day_rows = True
        elif _day_holds_rows(traits, seen_times, request.from_date):
            traits.one_day_empty = True  # to_date is exclusive: [d, d] is empty
    if len(rows) >= limit and len(timed) >= 2 and not segment.strict:
        density.note_rate(len(timed), min(timed), max(timed))
    if not request.newest_first or request.offset != 0:
        return
    first = timed[0] if timed else None
    if first is not None:
        # Asked for some names only, the next row read after the first may be of
        # another name: before the cut as well. Only a query of every name puts it after.
        after = None if segment.strict else seen_times.next_after(first)
        traits.learn_cut(request.to_date, first, after)
    bound = segment.current.bound
    if bound is not None and not segment.strict and not segment.current.pages and not (
            rows and (rows[0].key == bound.key or rows[0].key in seen
                      or (first is not None and first > bound.at))):
        traits.learn_cut(request.to_date, None, bound.at)  # the cut is below it


def _day_holds_rows(traits: ServerTraits, seen_times: SeenTimes, day: date) -> bool:
    """Whether rows were read that an inclusive to_date would put in ``day``, wherever
    within what is known of the cut the server's day begins and ends."""
    low = max(traits.cut_low, INCLUSIVE_CUT[0])
    high = min(traits.cut_high, INCLUSIVE_CUT[1])
    if low > high:
        return False
    begins, ends = midnight(day) + high - DAY, midnight(day) + low
    after = seen_times.next_after(begins)
    return after is not None and after < ends
