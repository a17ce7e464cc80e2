"""Building a sandbox's data from its config: the account, the callers, the history.

Separate random streams keep things stable that people expect to be stable:
the account (users, extensions, DIDs) depends only on the seed and the account
sizes, not on how many calls are generated; calls added later
(:meth:`Dataset.add_calls`) and live traffic draw from their own streams.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from pbxdesk.sandbox.account import Account, build_account
from pbxdesk.sandbox.config import SandboxConfig, load_zone
from pbxdesk.sandbox.generator import CallFactory, Contacts, IdSequence, start_times
from pbxdesk.sandbox.numbers import zone_for_region
from pbxdesk.sandbox.rows import GroupRow, UserRow
from pbxdesk.sandbox.store import CallStore

# Calls are generated and inserted in chunks so a million never sit in Python lists at once.
_CHUNK = 50_000


@dataclass(slots=True)
class Dataset:
    """One sandbox's account and history."""

    account: Account
    store: CallStore
    factory: CallFactory
    anchor: float
    """Where the generated history ends (epoch seconds)."""
    generated_mark: tuple[int, int]
    """Row ids at the end of the generated history; ``reset`` truncates back to it."""
    extra_rng: random.Random

    def add_calls(self, count: int, *, end: float, days: float) -> int:
        """Generate ``count`` more calls in the ``days`` before ``end``; returns the row count."""
        starts = start_times(self.extra_rng, self.account.timezone, end=end, days=days,
                             count=count)
        return insert_calls(self.store, self.factory, self.extra_rng, starts, until=end)


def build_dataset(config: SandboxConfig, anchor: float) -> Dataset:
    zone = load_zone(config.timezone) if config.timezone else zone_for_region(config.country)
    account_rng = random.Random(f"account:{config.seed}")
    account = build_account(account_rng, country=config.country, timezone=zone,
                            users=config.users, queues=config.queues,
                            ring_groups=config.ring_groups)
    contacts = Contacts(config.seed, config.country, min(20_000, max(100, config.calls // 10)))
    # Ids look like the vendor's (12 digits, rising with time) and never repeat.
    ids = IdSequence((int(anchor) - config.days * 86_400) * 100)
    factory = CallFactory(account, contacts, quirks_share=config.quirks_share, ids=ids,
                          withheld_share=config.withheld_share)
    calls_rng = random.Random(f"calls:{config.seed}")
    starts = start_times(calls_rng, zone, end=anchor, days=config.days, count=config.calls)
    store = CallStore()
    insert_calls(store, factory, calls_rng, starts, until=anchor)
    store.create_indexes()
    return Dataset(account, store, factory, anchor, store.high_water(),
                   random.Random(f"extra:{config.seed}"))


def insert_calls(store: CallStore, factory: CallFactory, rng: random.Random,
                 starts: Iterable[int], *, until: float) -> int:
    """Make a call at each start time and store its rows; returns the number of rows.

    Rows of calls still going on at ``until`` are left out: history holds ended
    calls only (a call's follow-ups, later calls of their own, may not have happened yet).
    """
    users: list[UserRow] = []
    groups: list[GroupRow] = []
    total = 0
    until_ms = until * 1000
    for start in starts:
        rows = factory.make(rng, start)
        users += [row for row in rows.users if row.end_ms <= until_ms]
        groups += [row for row in rows.groups if row.end_ms <= until_ms]
        if len(users) + len(groups) >= _CHUNK:
            store.insert(users, groups)
            total += len(users) + len(groups)
            users, groups = [], []
    store.insert(users, groups)
    return total + len(users) + len(groups)
