"""Adding accounts and desks: what ``pbxdesk-relay account add`` / ``desk add`` do.

The clear-text secret and token exist only in the returned values (printed
once by the command line); the store keeps their hashes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pbxdesk.relay.credentials import (
    hash_secret,
    is_account_name,
    new_desk_id,
    new_desk_token,
    new_secret,
)
from pbxdesk.relay.events import Desk, iso_ms
from pbxdesk.relay.store.base import RelayStore


class AdminError(ValueError):
    """A request the store cannot carry out (the message says what to do instead)."""


@dataclass(frozen=True, slots=True)
class AccountCredentials:
    account: str
    webhook_path: str
    """``/hooks/NAME``; each trigger may also post to ``/hooks/NAME/<trigger>``."""
    secret: str
    """The portal's webhook secret (sent as ``X-Pbx-Token``)."""

    def to_json(self) -> dict[str, Any]:
        return {"account": self.account, "webhook_path": self.webhook_path,
                "secret": self.secret}


@dataclass(frozen=True, slots=True)
class DeskCredentials:
    desk: Desk
    token: str
    """The bearer token for ``GET /events``, shown once."""

    def to_json(self) -> dict[str, Any]:
        return {**self.desk.to_json(), "token": self.token}


async def add_account(store: RelayStore, name: str) -> AccountCredentials:
    if not is_account_name(name):
        raise AdminError(f"{name!r} cannot be an account name: use letters, digits, - and _ "
                         "(at most 64); it becomes part of the webhook URL.")
    secret = new_secret()
    if not await store.add_account(name, hash_secret(secret), _now()):
        raise AdminError(f"The account {name!r} exists already.")
    return AccountCredentials(name, f"/hooks/{name}", secret)


async def add_desk(store: RelayStore, account: str, extension: str,
                   queues: Iterable[str] = (), ring_groups: Iterable[str] = ()
                   ) -> DeskCredentials:
    if await store.account_secret_hash(account) is None:
        raise AdminError(f"There is no account {account!r}; add it first with "
                         f"`account add {account}`.")
    extension = extension.strip()
    if not extension or len(extension) > 32 or any(ch.isspace() for ch in extension):
        raise AdminError(f"{extension!r} is not an extension (e.g. 1001).")
    cleaned_queues = _names(queues, "queue")
    cleaned_groups = _names(ring_groups, "ring group")
    desk = Desk(id=new_desk_id(), account=account, extension=extension, queues=cleaned_queues,
                ring_groups=cleaned_groups, created_at=_now())
    token = new_desk_token()
    await store.add_desk(desk, hash_secret(token))
    return DeskCredentials(desk, token)


def _names(names: Iterable[str], what: str) -> tuple[str, ...]:
    cleaned: list[str] = []
    for name in names:
        text = " ".join(name.split())
        if not text or len(text) > 100:
            raise AdminError(f"{name!r} is not a {what} name.")
        if text not in cleaned:
            cleaned.append(text)
    return tuple(cleaned)


def _now() -> str:
    return iso_ms(datetime.now(UTC))
