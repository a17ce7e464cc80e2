"""Deterministic call history: when calls happen and what each call leaves behind.

:func:`start_times` spreads calls over business hours in the account's time
zone (weekdays mostly); :class:`CallFactory` turns one start time into the rows
that call produces: a direct or outbound user call, an internal call, or a
queue / ring-group call with its summary row and the agents' legs (an answered
queue call also gives the agent a ``user_inbound_answered`` row with the same
``unique_call_id``). An unanswered inbound call may have follow-ups, as
missed calls do in a call centre: the caller tries again (and gets through or
not), or an agent calls back (answered or not); callers may withhold their
number (``withheld_share``). Follow-ups draw from a random stream of their
own, so the calls around them stay as they were. The same seed gives the
same rows, row for row.
"""

from __future__ import annotations

import bisect
import functools
import random
from datetime import UTC, datetime, time, timedelta, tzinfo
from itertools import accumulate

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox.account import Account, Group, User, person_name
from pbxdesk.sandbox.numbers import random_caller
from pbxdesk.sandbox.rows import CallRows, GroupRow, UserRow

# Relative call volume per local hour of a weekday, and per weekday (Mon..Sun).
HOUR_WEIGHTS = (0.002, 0.001, 0.001, 0.001, 0.002, 0.005, 0.02, 0.1, 0.6, 1.0, 1.2, 1.1,
                0.8, 0.9, 1.1, 1.0, 0.8, 0.35, 0.12, 0.05, 0.03, 0.02, 0.01, 0.005)
DAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.12, 0.04)
FOREIGN_SHARE = 0.07
ODD_TYPES = ("user_outbound_failed", "user_inbound_voicemail", "user_callback_answered",
             "user_outbound_busy")
ODD_QUEUE_STATUSES = ("timeout", "no_agents", "exited")
ODD_RING_GROUP_STATUSES = ("busy", "noanswer")
# After an unanswered inbound call: how often the caller tries again, how often an
# agent calls back, and how often either gets through.
RETRY_SHARE = 0.3
CALL_BACK_SHARE = 0.6
GOT_THROUGH_SHARE = 0.65
WITHHELD_ID = "anonymous"


def start_times(rng: random.Random, zone: tzinfo | None, *, end: float, days: float,
                count: int) -> list[int]:
    """``count`` sorted call start times (epoch seconds) in the ``days`` before ``end``."""
    begin = end - days * 86_400
    slots: list[tuple[float, float]] = []  # (utc start, utc end) of each covered hour
    weights: list[float] = []
    day = datetime.fromtimestamp(begin, zone).date()
    last = datetime.fromtimestamp(end, zone).date()
    while day <= last:
        # The UTC offset at noon is good for the whole working day; DST switches at night.
        offset = datetime.combine(day, time(12), zone).utcoffset() or timedelta()
        midnight = datetime.combine(day, time(0), UTC).timestamp() - offset.total_seconds()
        for hour, weight in enumerate(HOUR_WEIGHTS):
            lo = max(begin, midnight + hour * 3600)
            hi = min(end, midnight + (hour + 1) * 3600)
            if hi > lo:
                slots.append((lo, hi))
                weights.append(weight * DAY_WEIGHTS[day.weekday()] * (hi - lo) / 3600)
        day += timedelta(days=1)
    if not slots or count <= 0:
        return []
    cumulative = list(accumulate(weights))
    total = cumulative[-1]
    result = []
    for _ in range(count):
        lo, hi = slots[min(bisect.bisect(cumulative, rng.random() * total), len(slots) - 1)]
        result.append(int(lo + rng.random() * (hi - lo)))
    result.sort()
    return result


class Contacts:
    """The account's outside world: people and businesses who call and get called.

    A few regulars call often (picks are skewed towards the start of the list).
    """

    def __init__(self, seed: int, region: str, count: int) -> None:
        self.numbers, self.names = _contact_pool(seed, region, count)

    def pick(self, rng: random.Random) -> tuple[str, str | None]:
        index = int(len(self.numbers) * rng.random() ** 2)
        return self.numbers[index], self.names[index]


@functools.lru_cache(maxsize=8)
def _contact_pool(seed: int, region: str,
                  count: int) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """Numbers and names of ``count`` contacts; cached, as validating numbers is the slow
    part of building a small sandbox and test suites build many alike."""
    rng = random.Random(f"contacts:{seed}:{region}")
    numbers = tuple(random_caller(rng, region, FOREIGN_SHARE) for _ in range(count))
    names = tuple(person_name(rng) if rng.random() < 0.45 else None for _ in range(count))
    return numbers, names


class IdSequence:
    """``unique_call_id`` values: digit strings, unique within a sandbox."""

    def __init__(self, base: int) -> None:
        self._next = base

    def __call__(self) -> str:
        self._next += 1
        return str(self._next)


class CallFactory:
    """Makes the rows of one call starting at a given time."""

    def __init__(self, account: Account, contacts: Contacts, *, quirks_share: float,
                 ids: IdSequence, withheld_share: float = 0.0) -> None:
        self.account = account
        self.contacts = contacts
        self.quirks_share = quirks_share
        self.withheld_share = withheld_share
        self.ids = ids
        # Some agents are busier than others: a weighted pool of the users.
        weights = random.Random(len(account.users)).choices((1, 2, 3, 4), k=len(account.users))
        self._busy = [u for u, w in zip(account.users, weights, strict=True) for _ in range(w)]

    def make(self, rng: random.Random, start: int) -> CallRows:
        """The rows of one call starting at ``start`` (epoch seconds)."""
        rows = CallRows([], [])
        account = self.account
        roll = rng.random()
        if roll < 0.34:
            self._outbound(rng, start, rows)
        elif 0.62 <= roll < 0.84 and account.queues:
            self._group_call(rng, start, rng.choice(account.queues), CallKind.QUEUE, rows)
        elif 0.84 <= roll < 0.94 and account.ring_groups:
            self._group_call(rng, start, rng.choice(account.ring_groups), CallKind.RING_GROUP,
                             rows)
        elif 0.94 <= roll < 0.985 and len(account.users) > 1:
            self._internal(rng, start, rows)
        elif roll >= 0.985:
            self._odd(rng, start, rows)
        else:  # 0.34 to 0.62, and whatever the account has no group for
            self._direct_inbound(rng, start, rows)
        return rows

    def direct_inbound(self, rng: random.Random, start: int, user: User) -> CallRows:
        """A caller dialling ``user``'s number (the demo rings "me" this way)."""
        rows = CallRows([], [])
        self._direct_inbound(rng, start, rows, user)
        return rows

    # -- call shapes

    def _outbound(self, rng: random.Random, start: int, rows: CallRows) -> None:
        user = rng.choice(self._busy)
        number, _ = self.contacts.pick(rng)
        caller_id = user.caller_id if rng.random() < 0.9 else rng.choice(self.account.dids)
        if rng.random() < 0.68:
            ring, talk, kind = _ring_answered(rng), _talk(rng), "user_outbound_answered"
        else:
            ring, talk, kind = rng.randint(8, 45), 0, "user_outbound_missed"
        rows.users.append(self._user_row(rng, start, self.ids(), kind, caller_id,
                                         self.account.name, number, user, ring, talk))

    def _direct_inbound(self, rng: random.Random, start: int, rows: CallRows,
                        user: User | None = None,
                        caller: tuple[str | None, str | None] | None = None) -> None:
        user = user or rng.choice(self._busy)
        number, name = self.contacts.pick(rng) if caller is None else caller
        if caller is None and self._withheld(start):
            number, name = WITHHELD_ID, None
        roll = rng.random()
        if roll < 0.76:
            ring, talk, kind = _ring_answered(rng), _talk(rng), "user_inbound_answered"
        elif roll < 0.98:
            ring, talk, kind = rng.randint(10, 30), 0, "user_inbound_missed"
        else:
            ring, talk, kind = 0, 0, "user_inbound_busy"
        rows.users.append(self._user_row(rng, start, self.ids(), kind, number, name,
                                         user.direct_did or self.account.main_did, user,
                                         ring, talk))
        if caller is None and not talk:
            self._follow_up(start + ring, number, name, rows, None)

    def _internal(self, rng: random.Random, start: int, rows: CallRows) -> None:
        caller, callee = rng.sample(self.account.users, k=2)
        if rng.random() < 0.8:
            ring, talk, kind = _ring_answered(rng), _talk(rng) // 2 + 1, "user_internal_answered"
        else:
            ring, talk, kind = rng.randint(8, 30), 0, "user_internal_missed"
        rows.users.append(self._user_row(rng, start, self.ids(), kind, caller.extension,
                                         caller.name, callee.extension, callee, ring, talk))

    def _odd(self, rng: random.Random, start: int, rows: CallRows) -> None:
        """Types the docs do not list, so clients must keep what they do not know."""
        user = rng.choice(self._busy)
        number, name = self.contacts.pick(rng)
        kind = rng.choice(ODD_TYPES)
        talk = _talk(rng) if kind.endswith("answered") else 0
        rows.users.append(self._user_row(rng, start, self.ids(), kind, number, name,
                                         self.account.main_did, user, rng.randint(0, 20), talk))

    def _group_call(self, rng: random.Random, start: int, group: Group, kind: CallKind,
                    rows: CallRows, caller: tuple[str | None, str | None] | None = None) -> None:
        number, name = self.contacts.pick(rng) if caller is None else caller
        if caller is None and self._withheld(start):
            number, name = WITHHELD_ID, None
        members = [u for u in (self.account.user(e) for e in group.members) if u is not None]
        call_id = self.ids()
        roll = rng.random()
        answered_share = 0.78 if kind is CallKind.QUEUE else 0.82
        agent = rng.choice(members) if members else None
        user_name: str | None
        if roll < answered_share and agent is not None:
            ring = _ring_answered(rng)
            wait = ring + (int(rng.expovariate(1 / 40)) if kind is CallKind.QUEUE else 0)
            talk = _talk(rng)
            status = "answered"
            leg_start = start + wait - ring
            rows.users.append(self._user_row(rng, leg_start, call_id, "user_inbound_answered",
                                             number, name, group.did, agent, ring, talk))
            if wait - ring >= 15 and len(members) > 1 and rng.random() < 0.3:
                other = rng.choice([m for m in members if m is not agent])
                rows.users.append(self._user_row(rng, leg_start - 15, call_id,
                                                 "user_inbound_missed", number, name, group.did,
                                                 other, 15, 0))
            user_name = agent.name
            user_number = agent.extension if rng.random() < 0.9 else None
            public_id = call_id if rng.random() < 0.85 else None
        else:
            talk = 0
            if roll < 0.97 or agent is None:
                status = "abandoned"
                wait = 3 + int(rng.expovariate(1 / (50 if kind is CallKind.QUEUE else 20)))
            else:
                odd = ODD_QUEUE_STATUSES if kind is CallKind.QUEUE else ODD_RING_GROUP_STATUSES
                status = rng.choice(odd)
                wait = rng.randint(20, 300)
            if agent is not None and wait > 10 and rng.random() < 0.4:
                rows.users.append(self._user_row(rng, start + wait - 10, call_id,
                                                 "user_inbound_missed", number, name, group.did,
                                                 agent, 10, 0))
            user_name = agent.name if agent is not None and rng.random() < 0.6 else None
            user_number = None
            public_id = call_id if rng.random() < 0.5 else None
        connected = (start + wait) * 1000 if talk else None
        rows.groups.append(GroupRow(
            kind.value, group.name, start * 1000, public_id, number, name, group.did, user_name,
            user_number, connected, wait + talk, talk, status, self._quirk(rng)))
        if caller is None and not talk:
            self._follow_up(start + wait, number, name, rows, (group, kind))

    def _follow_up(self, ended: int, number: str | None, name: str | None, rows: CallRows,
                   route: tuple[Group, CallKind] | None) -> None:
        """What may follow an unanswered call from ``number`` that ended at ``ended``."""
        if number is None or number == WITHHELD_ID:
            return  # nobody can call back a withheld number, and it is nobody in particular
        rng = random.Random(f"follow-up:{number}:{ended}")
        if rng.random() < RETRY_SHARE:  # the caller tries again, the same way
            again = ended + rng.randint(60, 40 * 60)
            if route is None:
                self._direct_inbound(rng, again, rows, caller=(number, name))
            else:
                self._group_call(rng, again, *route, rows, caller=(number, name))
        if rng.random() < CALL_BACK_SHARE:  # an agent calls back
            user = rng.choice(self._busy)
            at = ended + rng.randint(5 * 60, 3 * 3600)
            if rng.random() < GOT_THROUGH_SHARE:
                ring, talk, kind = _ring_answered(rng), _talk(rng), "user_outbound_answered"
            else:
                ring, talk, kind = rng.randint(15, 40), 0, "user_outbound_missed"
            rows.users.append(self._user_row(rng, at, self.ids(), kind, user.caller_id,
                                             self.account.name, number, user, ring, talk))

    def _user_row(self, rng: random.Random, start: int, call_id: str, kind: str,
                  caller_id: str | None, caller_name: str | None, dest: str | None,
                  user: User, ring: int, talk: int) -> UserRow:
        connected = (start + ring) * 1000 if talk else None
        return UserRow(start * 1000, call_id, kind, caller_id, caller_name, dest, user.name,
                       user.extension, connected, ring + talk, talk, self._quirk(rng))

    def _withheld(self, start: int) -> bool:
        """Whether this caller withholds the number: decided by the start time, not the
        random stream, so turning it on leaves every other call as it was."""
        return (start * 2654435761) % 10_000 < self.withheld_share * 10_000

    def _quirk(self, rng: random.Random) -> int:
        return 1 if rng.random() < self.quirks_share else 0


def _ring_answered(rng: random.Random) -> int:
    return min(40, 2 + int(rng.gammavariate(2.0, 3.0)))


def _talk(rng: random.Random) -> int:
    """Talk time in seconds: median about two minutes, a long tail, capped at two hours."""
    return min(7200, max(3, int(rng.lognormvariate(4.7, 0.9))))

