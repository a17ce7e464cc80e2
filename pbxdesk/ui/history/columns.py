"""The table's columns for each call kind: titles, sort keys, widths, alignment.

Every field the API returns for that kind has a column (``type`` / ``status``
read as "Inbound, missed"); each column sorts in SQL on its own index. Widths
come from a sample text measured in the view's font, so the table needs no
resize-to-contents pass over its rows. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pbxdesk.api.models import CallKind
from pbxdesk.store import SortColumn


class Field(StrEnum):
    """What a column shows (also the key of the cell formatters)."""

    START = "start"
    STATUS = "status"
    GROUP = "group"
    CALLER = "caller"
    CALLER_NAME = "caller_name"
    DESTINATION = "destination"
    USER = "user"
    EXTENSION = "extension"
    ANSWERED = "answered"
    DURATION = "duration"
    TALK_TIME = "talk_time"
    CALL_ID = "call_id"


NUMBER_FIELDS = frozenset({Field.CALLER, Field.DESTINATION, Field.EXTENSION})
NAME_FIELDS = frozenset({Field.CALLER_NAME, Field.USER, Field.GROUP})
"""Elastic columns: they share the table's free width and elide at word ends."""
TIME_FIELDS = frozenset({Field.START, Field.ANSWERED})
DURATION_FIELDS = frozenset({Field.DURATION, Field.TALK_TIME})


@dataclass(frozen=True, slots=True)
class Column:
    field: Field
    title: str
    sort: SortColumn
    description: str
    """The header's tooltip: which API field it is and how it is shown."""
    sample: str
    """A typical widest value; the column is made this wide in the view's font."""

    @property
    def right_aligned(self) -> bool:
        # Answered is a clock time ("3:46 am") after Talk time: on the left it would run
        # into the talk time ("3:08 3:46 am").
        return self.field in DURATION_FIELDS or self.field is Field.ANSWERED


_START = Column(Field.START, "Start", SortColumn.START,
                "When the call started (call_start_at), in your local time",
                "00/00/0000 00:00 pm")
_CALLER = Column(Field.CALLER, "Caller", SortColumn.CALLER,
                 "The calling number ({field}); hover for the number as sent",
                 "+44 7700 900000")
_CALLER_NAME = Column(Field.CALLER_NAME, "Caller name", SortColumn.CALLER_NAME,
                      "The caller's name, when the PBX knows it (caller_name)",
                      "Alexandra Richardson")
_DESTINATION = Column(Field.DESTINATION, "Destination", SortColumn.DESTINATION,
                      "The number that was called (dest_number)", "+44 7700 900000")
_USER = Column(Field.USER, "User", SortColumn.USER_NAME,
               "The PBX user who took or made the call (user_name)", "Charlotte Clarke")
_EXTENSION = Column(Field.EXTENSION, "Ext.", SortColumn.EXTENSION,
                    "The user's extension (user_number)", "10000")
_ANSWERED = Column(Field.ANSWERED, "Answered", SortColumn.ANSWERED,
                   "When the call was answered (connected_at); empty if it never was",
                   "00/00/0000 00:00 pm")
_DURATION = Column(Field.DURATION, "Duration", SortColumn.DURATION,
                   "Ringing plus talking (call_duration)", "Duration")
_TALK = Column(Field.TALK_TIME, "Talk time", SortColumn.TALK_TIME,
               "Talking only (conversation_duration)", "Talk time")
_CALL_ID = Column(Field.CALL_ID, "Call ID", SortColumn.CALL_ID,
                  "The PBX's call id (unique_call_id); hover for any other fields it sent",
                  "000000000000")


def _caller(field_name: str) -> Column:
    return Column(_CALLER.field, _CALLER.title, _CALLER.sort,
                  _CALLER.description.format(field=field_name), _CALLER.sample)


USER_COLUMNS: tuple[Column, ...] = (
    _START,
    Column(Field.STATUS, "Type", SortColumn.TYPE,
           "Direction and outcome (type), in words; hover for the value as sent",
           "✗ Outbound, answered"),
    # How long before when it was answered: on a 1280-pixel screen beside the dial pad
    # the columns after Talk time need the scroll bar.
    _caller("caller_id"), _CALLER_NAME, _DESTINATION, _USER, _EXTENSION, _DURATION, _TALK,
    _ANSWERED, _CALL_ID,
)


def group_columns(kind: CallKind) -> tuple[Column, ...]:
    group_title = "Queue" if kind is CallKind.QUEUE else "Ring group"
    return (
        _START,
        Column(Field.STATUS, "Status", SortColumn.STATUS,
               "What happened to the call (status), in words; hover for the value as sent",
               "✗ Abandoned"),
        Column(Field.GROUP, group_title, SortColumn.GROUP,
               f"The {group_title.lower()} the call came through ({kind.group_field})",
               "Technical support"),
        _caller("callerid"), _CALLER_NAME, _DESTINATION, _USER, _EXTENSION, _DURATION, _TALK,
        _ANSWERED, _CALL_ID,
    )


def columns_for(kind: CallKind) -> tuple[Column, ...]:
    return USER_COLUMNS if kind is CallKind.USER else group_columns(kind)
