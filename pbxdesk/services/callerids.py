"""Which caller IDs the agent can present: the account's own numbers, read from history.

The API has no endpoint listing the account's numbers (DIDs), but the history
shows them: the ``caller_id`` of outbound user calls and the ``dest_number``
of inbound calls that reached a number rather than an extension. The newest
calls are sampled (cheap at any history size) and the numbers are ranked by
how often they appear. Qt-free.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from pbxdesk.api.models import AnyCall, CallKind, Direction
from pbxdesk.phone import format_for_display, normalize_api_number
from pbxdesk.store import CallFilter, CallStore

# Newest calls read per direction: enough to see every number in use, cheap
# even for a million stored calls (one indexed page each).
SAMPLE: Final = 500
_OUTBOUND = CallFilter(kinds=frozenset({CallKind.USER}),
                       directions=frozenset({Direction.OUTBOUND}))
_INBOUND = CallFilter(directions=frozenset({Direction.INBOUND}))


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
    outbound = store.page(_OUTBOUND, limit=sample)
    inbound = store.page(_INBOUND, limit=sample)
    return rank_numbers(_numbers_of(outbound, inbound), default_region)


def rank_numbers(raw_numbers: Iterable[str], default_region: str | None
                 ) -> list[CallerIdChoice]:
    """One choice per distinct number (extensions and junk left out), most frequent first."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, str] = {}
    for raw in raw_numbers:
        e164 = normalize_api_number(raw, default_region)
        if e164 is None:
            continue
        counts[e164] += 1
        first_seen.setdefault(e164, raw.strip())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [CallerIdChoice(first_seen[e164], e164,
                           format_for_display(first_seen[e164], default_region), uses)
            for e164, uses in ranked]


def _numbers_of(outbound: Iterable[AnyCall], inbound: Iterable[AnyCall]) -> Iterable[str]:
    for row in outbound:
        if row.caller_id:
            yield row.caller_id
    for row in inbound:
        if row.dest_number:
            yield row.dest_number
