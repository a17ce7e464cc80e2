"""Typed, immutable values exchanged with the PBX's integration API.

Rows keep the API's field names (so a reader can match them to ``docs/pbx-api.md``)
plus what the app derives: UTC-aware datetimes, integer seconds, E.164 numbers,
a stable :attr:`~CallRow.key`, the call's direction and outcome, and every field
the API sent that this code does not know (``extra``), so nothing is lost.
No Qt and no I/O here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Generic, TypeVar

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    # A factory, because dataclasses refuse an unhashable default (a mappingproxy is one).
    return _EMPTY


class CallKind(StrEnum):
    """The three call histories the API serves."""

    USER = "user"
    QUEUE = "queue"
    RING_GROUP = "ringgroup"

    @property
    def endpoint(self) -> str:
        return {"user": "get-user-calls", "queue": "get-queue-calls",
                "ringgroup": "get-ringgroup-calls"}[self.value]

    @property
    def group_field(self) -> str | None:
        """The row field naming the queue / ring group (None for user calls)."""
        return {"user": None, "queue": "queue_name", "ringgroup": "ring_group_name"}[self.value]

    @property
    def names_parameter(self) -> str | None:
        """The query parameter selecting groups by name (None for user calls)."""
        return {"user": None, "queue": "queues_names",
                "ringgroup": "ringgroups_names"}[self.value]


class SortOrder(StrEnum):
    """Values of the ``sort_by`` parameter. Only ``newest_first`` is documented."""

    NEWEST_FIRST = "newest_first"
    OLDEST_FIRST = "oldest_first"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"
    UNKNOWN = "unknown"


class Outcome(StrEnum):
    ANSWERED = "answered"
    MISSED = "missed"
    ABANDONED = "abandoned"
    BUSY = "busy"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRow:
    """Fields shared by user, queue and ring-group rows.

    ``caller_id`` holds the API's ``caller_id`` (user rows) or ``callerid``
    (group rows). Numbers are kept raw as sent; ``*_e164`` are the normalised
    forms where the raw value is a dialable number (None for extensions).
    """

    unique_call_id: str | None
    caller_id: str | None
    caller_name: str | None
    dest_number: str | None
    user_name: str | None
    user_number: str | None
    call_start_at: datetime | None
    connected_at: datetime | None
    call_duration: int | None
    conversation_duration: int | None
    caller_e164: str | None = None
    dest_e164: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_empty, compare=False)

    @property
    def kind(self) -> CallKind:
        raise NotImplementedError

    @property
    def group_name(self) -> str | None:
        return None

    @property
    def ring_duration(self) -> int | None:
        if self.call_duration is None:
            return None
        return max(0, self.call_duration - (self.conversation_duration or 0))

    @property
    def key(self) -> str:
        """A stable identity for caching and de-duplication.

        With a ``unique_call_id`` the key is that id per kind and user leg (one
        call can ring several users, each a row). Without one (group rows may
        have a null id) it is a hash of the fields that cannot change once the
        call has started: group, caller, start time, user and destination.
        """
        if self.unique_call_id:
            return f"{self.kind.value}:{self.unique_call_id}:{self.user_number or ''}"
        start = self.call_start_at.isoformat() if self.call_start_at else ""
        parts = (self.kind.value, self.group_name or "", self.caller_id or "", start,
                 self.user_name or "", self.user_number or "", self.dest_number or "")
        digest = hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()
        return f"{self.kind.value}:h:{digest[:24]}"


@dataclass(frozen=True, slots=True, kw_only=True)
class UserCall(CallRow):
    """A row of ``get-user-calls``. ``type`` is kept verbatim, known or not."""

    type: str | None

    @property
    def kind(self) -> CallKind:
        return CallKind.USER

    @property
    def direction(self) -> Direction:
        return direction_of_type(self.type)

    @property
    def outcome(self) -> Outcome:
        return outcome_of_type(self.type)


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupCall(CallRow):
    """A row of ``get-queue-calls`` or ``get-ringgroup-calls``."""

    call_kind: CallKind
    group: str | None
    status: str | None

    @property
    def kind(self) -> CallKind:
        return self.call_kind

    @property
    def group_name(self) -> str | None:
        return self.group

    @property
    def direction(self) -> Direction:
        return Direction.INBOUND

    @property
    def outcome(self) -> Outcome:
        return outcome_of_status(self.status)


AnyCall = UserCall | GroupCall
RowT = TypeVar("RowT", bound=CallRow)


def direction_of_type(call_type: str | None) -> Direction:
    text = (call_type or "").lower()
    for direction in (Direction.INBOUND, Direction.OUTBOUND, Direction.INTERNAL):
        if f"_{direction.value}" in text or text.startswith(direction.value):
            return direction
    return Direction.UNKNOWN


def outcome_of_type(call_type: str | None) -> Outcome:
    text = (call_type or "").lower()
    for outcome in Outcome:
        if outcome is not Outcome.UNKNOWN and text.endswith(outcome.value):
            return outcome
    if text.endswith(("noanswer", "no_answer", "unanswered")):
        return Outcome.MISSED
    return Outcome.UNKNOWN


def outcome_of_status(status: str | None) -> Outcome:
    text = (status or "").strip().lower()
    aliases = {"completed": Outcome.ANSWERED, "noanswer": Outcome.MISSED,
               "no_answer": Outcome.MISSED, "unanswered": Outcome.MISSED,
               "timeout": Outcome.MISSED}
    if text in aliases:
        return aliases[text]
    try:
        return Outcome(text)
    except ValueError:
        return Outcome.UNKNOWN


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryQuery:
    """Parameters of one history request. ``None`` means "do not send"."""

    from_date: date | None = None
    to_date: date | None = None
    sort: SortOrder = SortOrder.NEWEST_FIRST
    offset: int = 0
    limit: int = 100
    unique_call_id: str | None = None
    names: tuple[str, ...] = ()
    """Queue / ring-group names (group endpoints) or user numbers (user endpoint)."""

    MAX_OFFSET = 9999
    MAX_LIMIT = 10000


@dataclass(frozen=True, slots=True)
class Page(Generic[RowT]):
    """One answer of a history endpoint.

    ``rejected`` counts rows that could not be understood at all; they are logged
    and left out, the rest of the page is kept. ``filtered`` counts user rows the
    server sent for other extensions than asked for (the user filter is also
    applied locally). Pages from ``PbxClient.iter_history`` leave out rows an
    earlier page already yielded (``duplicates``) and set ``incomplete`` when the
    API could not page through every call of a day in this page's range.
    """

    rows: tuple[RowT, ...]
    query: HistoryQuery
    rejected: int = 0
    message: Any = None
    filtered: int = 0
    duplicates: int = 0
    incomplete: bool = False

    @property
    def received(self) -> int:
        """Rows the server sent for this page, whether kept or not."""
        return len(self.rows) + self.rejected + self.filtered + self.duplicates


@dataclass(frozen=True, slots=True)
class CallRequestResult:
    """What the PBX said to a click-to-call POST (the body is not documented)."""

    status_code: int
    message: str | None
    body: Mapping[str, Any] = field(default_factory=_empty, compare=False)
