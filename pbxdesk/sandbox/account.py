"""The sandbox's PBX account: its users and their SIP devices, queues, ring groups, DIDs.

Built deterministically from a seeded ``random.Random``; immutable once built.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from phonenumbers import PhoneNumberType

from pbxdesk.sandbox import names
from pbxdesk.sandbox.numbers import business_number, random_number


@dataclass(frozen=True, slots=True)
class Device:
    """One SIP device registered to a user."""

    name: str
    model: str


@dataclass(frozen=True, slots=True)
class User:
    """An agent on the PBX. ``caller_id`` is the DID shown on their outbound calls."""

    name: str
    extension: str
    devices: tuple[Device, ...]
    caller_id: str
    direct_did: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """A queue or a ring group: its name, the DID callers dial, and its members."""

    name: str
    did: str
    members: tuple[str, ...]
    """Extensions of the member users."""


@dataclass(frozen=True, slots=True)
class Account:
    """Everything the PBX knows about the customer, except the calls."""

    name: str
    country: str
    timezone: tzinfo
    dids: tuple[str, ...]
    users: tuple[User, ...]
    queues: tuple[Group, ...]
    ring_groups: tuple[Group, ...]
    _by_extension: dict[str, User] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_extension.update({user.extension: user for user in self.users})

    @property
    def main_did(self) -> str:
        return self.dids[0]

    @property
    def extensions(self) -> frozenset[str]:
        return frozenset(self._by_extension)

    def user(self, extension: str) -> User | None:
        return self._by_extension.get(extension)

    def to_json(self) -> dict[str, Any]:
        """The account as the control endpoint shows it."""
        def group(g: Group) -> dict[str, Any]:
            return {"name": g.name, "did": g.did, "members": list(g.members)}
        return {
            "name": self.name, "country": self.country, "timezone": str(self.timezone),
            "dids": list(self.dids),
            "users": [{"name": u.name, "extension": u.extension, "caller_id": u.caller_id,
                       "direct_did": u.direct_did,
                       "devices": [{"name": d.name, "model": d.model} for d in u.devices]}
                      for u in self.users],
            "queues": [group(q) for q in self.queues],
            "ring_groups": [group(g) for g in self.ring_groups],
        }


def build_account(rng: random.Random, *, country: str, timezone: tzinfo,
                  users: int, queues: int, ring_groups: int) -> Account:
    """A plausible small-business account with ``users`` agents."""
    company = company_name(rng)
    main = business_number(rng, country)
    group_count = queues + ring_groups
    dids = _unique(lambda: random_number(rng, country, PhoneNumberType.FIXED_LINE),
                   1 + group_count + max(1, users // 4), exclude={main})
    all_dids = (main, *dids)
    group_dids, direct_dids = dids[:group_count], dids[group_count:]

    people = _unique(lambda: person_name(rng), users)
    extensions = _extensions(rng, users)
    agents = []
    for index, (name, extension) in enumerate(zip(people, extensions, strict=True)):
        direct = direct_dids[index] if index < len(direct_dids) else None
        kinds = rng.sample(names.DEVICE_KINDS, k=rng.choice((1, 2, 2, 3)))
        devices = tuple(Device(f"{extension}-{kind}", model) for kind, model in kinds)
        agents.append(User(name, extension, devices, direct or main, direct))

    def groups(pool: tuple[str, ...], count: int, dids: tuple[str, ...]) -> tuple[Group, ...]:
        chosen = [pool[i] if i < len(pool) else f"{pool[i % len(pool)]} {i // len(pool) + 1}"
                  for i in range(count)]
        result = []
        for group_name, did in zip(chosen, dids, strict=True):
            size = rng.randint(min(2, users), max(min(2, users), min(users, 6)))
            members = tuple(sorted(u.extension for u in rng.sample(agents, k=size)))
            result.append(Group(group_name, did, members))
        return tuple(result)

    queue_pool = tuple(rng.sample(names.QUEUE_NAMES, k=len(names.QUEUE_NAMES)))
    ring_pool = tuple(rng.sample(names.RING_GROUP_NAMES, k=len(names.RING_GROUP_NAMES)))
    return Account(
        name=company, country=country, timezone=timezone, dids=all_dids, users=tuple(agents),
        queues=groups(queue_pool, queues, group_dids[:queues]),
        ring_groups=groups(ring_pool, ring_groups, group_dids[queues:]),
    )


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.LAST_NAMES)}"


def company_name(rng: random.Random) -> str:
    return (f"{rng.choice(names.BUSINESS_WORDS)} {rng.choice(names.BUSINESS_KINDS)}"
            f"{rng.choice(names.BUSINESS_SUFFIXES)}")


def _extensions(rng: random.Random, count: int) -> list[str]:
    """Mostly four-digit extensions (1001 up, with gaps); a few three-digit ones."""
    result: list[str] = []
    four, three = 1000, 200
    for _ in range(count):
        if rng.random() < 0.2 and three < 990:
            three += rng.randint(1, 3)
            result.append(str(three))
        else:
            four += rng.randint(1, 4)
            result.append(str(four))
    return result


def _unique(make: Callable[[], str], count: int,
            exclude: set[str] | None = None) -> tuple[str, ...]:
    seen = set(exclude or ())
    result: list[str] = []
    attempts = 0
    while len(result) < count:
        value = make()
        attempts += 1
        if value not in seen or attempts > count * 50:  # tiny pools may have to repeat
            seen.add(value)
            result.append(value)
    return tuple(result)
