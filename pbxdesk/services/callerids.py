"""Which caller IDs the agent can present: the account's own numbers, read from history.

The API has no endpoint listing the account's numbers (DIDs), but the history
shows them: the ``caller_id`` of outbound user calls and the ``dest_number``
of inbound calls that reached a number rather than an extension (rows of the
confirmed answered / missed / abandoned outcomes only). The newest
calls are sampled (cheap at any history size) and the numbers are ranked by
how often they appear. Qt-free.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from pbxdesk.api.models import AnyCall, CallKind, Direction, Outcome
from pbxdesk.phone import format_for_display
from pbxdesk.store import NEWEST_FIRST, CallFilter, CallStore

# Newest calls read per direction: enough to see every number in use, cheap
# even for a million stored calls.
SAMPLE: Final = 500
# Only rows of the confirmed outcomes: what the fields of other types hold is not
# confirmed (docs/pbx-api.md), and a customer's number must never be offered as ours.
_OUTBOUND = CallFilter(kinds=frozenset({CallKind.USER}),
                       directions=frozenset({Direction.OUTBOUND}),
                       outcomes=frozenset({Outcome.ANSWERED, Outcome.MISSED}))
_INBOUND = CallFilter(directions=frozenset({Direction.INBOUND}),
                      outcomes=frozenset({Outcome.ANSWERED, Outcome.MISSED, Outcome.ABANDONED}))


@dataclass(frozen=True, slots=True)
class CallerIdChoice:
    """A number the agent may present.

    Attributes:
        value: what to send as ``caller_id`` (as the API itself wrote it).
        e164: the number in E.164, to tell duplicates apart.
        label: the number formatted for the agent.
        uses: how many sampled calls used it.
    """

    value: str
    e164: str
    label: str
    uses: int


def account_numbers(store: CallStore, default_region: str | None, *,
                    sample: int = SAMPLE) -> list[CallerIdChoice]:
    """The account's numbers seen in the newest calls, most used first.

    Raises:
        StoreError: the store could not be read.
    """
    return rank_numbers(_numbers_of(_newest(store, _OUTBOUND, sample),
                                    _newest(store, _INBOUND, sample)), default_region)


def _newest(store: CallStore, flt: CallFilter, count: int) -> list[AnyCall]:
    """The ``count`` newest calls of ``flt``.

    Streamed from the start-time index rather than read as a page: a page may
    first count the filter's rows, ~0.2 s at a million calls after every sync
    commit, on the UI thread. Streaming stops after ``count`` rows (~5 ms).
    """
    with contextlib.closing(store.iter_calls(flt, NEWEST_FIRST, batch_size=count)) as calls:
        return list(itertools.islice(calls, count))


def rank_numbers(numbers: Iterable[tuple[str, str | None]], default_region: str | None
                 ) -> list[CallerIdChoice]:
    """One choice per distinct number, most frequent first.

    Args:
        numbers: (raw, e164) pairs as rows hold them; pairs without an E.164 form
            (extensions, withheld, junk) are left out.
    """
    counts: Counter[str] = Counter()
    first_seen: dict[str, str] = {}
    for raw, e164 in numbers:
        if e164 is None or not raw.strip():
            continue
        counts[e164] += 1
        first_seen.setdefault(e164, raw.strip())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    # Formatting costs ~20 µs a number: only the few distinct ones are formatted.
    return [CallerIdChoice(first_seen[e164], e164,
                           format_for_display(first_seen[e164], default_region), uses)
            for e164, uses in ranked]


def _numbers_of(outbound: Iterable[AnyCall], inbound: Iterable[AnyCall]
                ) -> Iterator[tuple[str, str | None]]:
    # The rows carry their numbers' E.164 forms, computed once when they were parsed.
    for row in outbound:
        if row.caller_id:
            yield row.caller_id, row.caller_e164
    for row in inbound:
        if row.dest_number:
            yield row.dest_number, row.dest_e164
