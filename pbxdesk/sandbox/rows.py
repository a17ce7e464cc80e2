"""The sandbox's call records, one per history row, before they become JSON.

A :class:`UserRow` becomes a row of ``get-user-calls``; a :class:`GroupRow` a
row of ``get-queue-calls`` or ``get-ringgroup-calls``. Times are epoch
milliseconds (UTC); ``quirk`` marks a row the API serves the sloppy way
(numbers as strings, ``"null"`` strings), as the real service sometimes does.
Plain tuples underneath, so a million of them insert into SQLite quickly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from pbxdesk.api.models import CallKind


class UserRow(NamedTuple):
    start_ms: int
    unique_call_id: str
    type: str
    caller_id: str | None
    caller_name: str | None
    dest_number: str | None
    user_name: str | None
    user_number: str | None
    connected_ms: int | None
    call_duration: int
    conversation_duration: int
    quirk: int

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.call_duration * 1000


class GroupRow(NamedTuple):
    kind: str
    """``CallKind.QUEUE.value`` or ``CallKind.RING_GROUP.value``."""
    group_name: str
    start_ms: int
    unique_call_id: str | None
    callerid: str | None
    caller_name: str | None
    dest_number: str | None
    user_name: str | None
    user_number: str | None
    connected_ms: int | None
    call_duration: int
    conversation_duration: int
    status: str
    quirk: int

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.call_duration * 1000

    @property
    def call_kind(self) -> CallKind:
        return CallKind(self.kind)


class CallRows(NamedTuple):
    """All rows one call produces: the group's summary and the users' legs."""

    users: list[UserRow]
    groups: list[GroupRow]


def iso_ms(epoch_ms: int | None) -> str | None:
    """The API's timestamp form: ``2019-10-01T15:31:15.000Z``."""
    if epoch_ms is None:
        return None
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def event_fields(row: UserRow | GroupRow) -> dict[str, Any]:
    """The row's fields as a webhook carries them (``caller_id`` for every kind)."""
    fields: dict[str, Any] = {"unique_call_id": row.unique_call_id}
    if isinstance(row, GroupRow):
        group_field = row.call_kind.group_field
        assert group_field is not None
        fields[group_field] = row.group_name
        fields["caller_id"] = row.callerid
    else:
        fields["caller_id"] = row.caller_id
    fields.update(
        caller_name=row.caller_name, dest_number=row.dest_number, user_name=row.user_name,
        user_number=row.user_number, call_start_at=iso_ms(row.start_ms),
        connected_at=iso_ms(row.connected_ms), call_duration=row.call_duration,
        conversation_duration=row.conversation_duration,
    )
    if isinstance(row, GroupRow):
        fields["status"] = row.status
    return fields
