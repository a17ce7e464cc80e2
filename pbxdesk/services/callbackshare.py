"""Sharing callback records between desks: the transport interface and the one-desk default.

A desk's records (see :class:`~pbxdesk.store.callbackrules.CallbackRecord`)
are kept in its own store first, so an agent who is offline keeps working.
A :class:`RecordTransport` carries them to the other desks of the team and
brings theirs back; the store merges whatever arrives, in any order and any
number of times (last writer per caller and field wins). Without a relay the
:class:`LocalTransport` is used: nothing leaves the desk, and the records stay
marked unshared, so a relay configured later sends them on its first connect.

What a relay transport has to do (it needs an endpoint or event type of the
relay's that carries these records; see docs/callbacks.md):

* :meth:`~RecordTransport.publish` the records this desk makes, returning
  True only once the relay took them (the service then marks them shared);
* on every (re)connect, ask the service for what is still unshared
  (:meth:`~pbxdesk.services.callbacks.CallbacksService.share_pending`);
* hand every record that arrives from other desks to the ``receive``
  callback given to :meth:`~RecordTransport.start`, on the GUI thread.

No Qt here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from pbxdesk.store.callbackrules import CallbackRecord

Receive = Callable[[Sequence[CallbackRecord]], None]


class RecordTransport(Protocol):
    """How records reach the other desks and theirs reach this one."""

    @property
    def shared(self) -> bool:
        """True when records go to other desks at all (a relay is configured)."""
        ...

    def start(self, receive: Receive) -> None:
        """Begin delivering records from other desks to ``receive``."""
        ...

    def publish(self, records: Sequence[CallbackRecord]) -> bool:
        """Send this desk's records; True when they were taken (not just queued)."""
        ...

    def stop(self) -> None: ...


class LocalTransport:
    """One desk and no relay: records stay here (unshared, for a relay added later)."""

    @property
    def shared(self) -> bool:
        return False

    def start(self, receive: Receive) -> None:
        del receive  # nothing ever arrives

    def publish(self, records: Sequence[CallbackRecord]) -> bool:
        del records
        return False

    def stop(self) -> None:
        return None
