"""Sharing callback records between desks: the transport interface and the one-desk default.

A desk's records (see :class:`~pbxdesk.store.callbackrules.CallbackRecord`)
are kept in its own store first, so an agent who is offline keeps working.
A :class:`RecordTransport` carries them to the other desks of the team and
brings theirs back; the store merges whatever arrives, in any order and any
number of times (last writer per caller and field wins). Without a relay the
:class:`LocalTransport` is used: nothing leaves the desk, and the records stay
marked unshared, so a relay configured later sends them on its first connect.

A transport works for a :class:`RecordPeer` (the callbacks service), given to
:meth:`RecordTransport.start`:

* :meth:`~RecordTransport.publish` sends this desk's records and returns
  those the other side took (or refused for good: they are never offered
  again); the service marks them shared. Records a transport cannot send now
  stay unshared, and the transport asks for them again with
  :meth:`RecordPeer.share_pending` when it can (on every reconnect);
* records from other desks go to :meth:`RecordPeer.take`, never back out
  (they are stored as shared), so nothing echoes between desks;
* a transport whose other side knows this desk by an id of its own tells the
  peer (:meth:`RecordPeer.adopt_desk`), so the desk's records and the copies
  that come back are the same records.

The relay's transport is :class:`pbxdesk.services.callbackrelay.RelayRecordTransport`.
No Qt here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from pbxdesk.store.callbackrules import CallbackRecord


class RecordPeer(Protocol):
    """What a transport may ask of the desk's worklist (the callbacks service)."""

    @property
    def desk(self) -> str:
        """The id this desk signs its records with."""
        ...

    async def take(self, records: Sequence[CallbackRecord],
                   cursor: tuple[str, Any] | None = None) -> bool:
        """Keep records from other desks (and ``cursor``, a stored (key, value), with
        them); False when they could not be stored."""
        ...

    async def adopt_desk(self, desk: str) -> None:
        """Sign this desk's records (past and future) with ``desk`` from now on."""
        ...

    async def stored_value(self, key: str) -> Any:
        """A value kept in the account's store (a cursor given to :meth:`take`), or None."""
        ...

    async def agent_names(self) -> dict[str, str]:
        """The history's names of extensions (``{"1002": "Ana Silva"}``)."""
        ...

    def share_pending(self) -> None:
        """Offer every record not yet shared to the transport again."""
        ...


class RecordTransport(Protocol):
    """How records reach the other desks and theirs reach this one."""

    @property
    def shared(self) -> bool:
        """True when records go to other desks at all (a relay is configured)."""
        ...

    def start(self, peer: RecordPeer) -> None:
        """Begin exchanging records for ``peer``."""
        ...

    async def publish(self, records: Sequence[CallbackRecord]) -> Sequence[CallbackRecord]:
        """Send this desk's records; those taken (or refused for good), not just queued."""
        ...

    def stop(self) -> None:
        """Stop at once (requests in flight are abandoned: their records stay unshared)."""
        ...


class LocalTransport:
    """One desk and no relay: records stay here (unshared, for a relay added later)."""

    @property
    def shared(self) -> bool:
        return False

    def start(self, peer: RecordPeer) -> None:
        del peer  # nothing ever arrives

    async def publish(self, records: Sequence[CallbackRecord]) -> Sequence[CallbackRecord]:
        del records
        return ()

    def stop(self) -> None:
        return None
