"""The text of one table cell and its tooltip, formatted on demand.

The model calls this from ``data()`` for the visible cells only. Numbers go
through :func:`pbxdesk.phone.format_for_display` (about 17 µs each), so their
formatted forms are kept in a small LRU per default region; times use the
user's locale (``QLocale`` short format, local time zone).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import datetime
from typing import Final

from PySide6.QtCore import QDateTime, QLocale

from pbxdesk.api.models import AnyCall, GroupCall
from pbxdesk.phone import format_for_display
from pbxdesk.ui.history.calls import status_of
from pbxdesk.ui.history.columns import Field

NUMBER_CACHE_SIZE: Final = 4096
_EXTRA_FIELDS_SHOWN: Final = 20
_EXTRA_VALUE_CHARS: Final = 120


def format_duration(seconds: int | None) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour on; "" when unknown."""
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""  # never sent, but garbage must still read as garbage
    minutes, secs = divmod(abs(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def format_time(moment: datetime | None, locale: QLocale) -> str:
    """Local date and time in the locale's short format; "" when unknown."""
    if moment is None:
        return ""
    local = QDateTime.fromMSecsSinceEpoch(int(moment.timestamp() * 1000))
    return locale.toString(local, QLocale.FormatType.ShortFormat)


def format_clock(moment: datetime | None, locale: QLocale,
                 day_of: datetime | None = None) -> str:
    """The local clock time in the locale's short format ("3:42 pm"); the whole short
    date and time when ``moment`` falls on another local day than ``day_of``."""
    if moment is None:
        return ""
    local = QDateTime.fromMSecsSinceEpoch(int(moment.timestamp() * 1000))
    if day_of is not None and local.date() != QDateTime.fromMSecsSinceEpoch(
            int(day_of.timestamp() * 1000)).date():
        return locale.toString(local, QLocale.FormatType.ShortFormat)
    return locale.toString(local.time(), QLocale.FormatType.ShortFormat)


def raw_value(call: AnyCall, field: Field) -> str | None:
    """The API's own value behind a text cell (numbers, names, ids), or None."""
    values: dict[Field, str | None] = {
        Field.CALLER: call.caller_id, Field.CALLER_NAME: call.caller_name,
        Field.DESTINATION: call.dest_number, Field.USER: call.user_name,
        Field.EXTENSION: call.user_number, Field.CALL_ID: call.unique_call_id,
        Field.GROUP: call.group_name,
    }
    return values.get(field)


def e164_of(call: AnyCall, field: Field) -> str | None:
    if field is Field.CALLER:
        return call.caller_e164
    if field is Field.DESTINATION:
        return call.dest_e164
    return None


class CellFormatter:
    """Display text and tooltips for calls, for one default region."""

    def __init__(self, default_region: str, locale: QLocale | None = None) -> None:
        self.default_region = default_region
        self.locale = locale or QLocale()
        self._numbers: OrderedDict[str, str] = OrderedDict()

    def set_default_region(self, region: str) -> None:
        self.default_region = region
        self._numbers.clear()

    def number(self, raw: str | None) -> str:
        if raw is None:
            return ""
        shown = self._numbers.get(raw)
        if shown is None:
            shown = format_for_display(raw, self.default_region)
            self._numbers[raw] = shown
            if len(self._numbers) > NUMBER_CACHE_SIZE:
                self._numbers.popitem(last=False)
        else:
            self._numbers.move_to_end(raw)
        return shown

    def display(self, call: AnyCall, field: Field) -> str:
        if field is Field.START:
            return format_time(call.call_start_at, self.locale)
        if field is Field.ANSWERED:  # the Start column has the day
            return format_clock(call.connected_at, self.locale, call.call_start_at)
        if field is Field.STATUS:
            return status_of(call).display
        if field is Field.DURATION:
            return format_duration(call.call_duration)
        if field is Field.TALK_TIME:
            return format_duration(call.conversation_duration)
        if field in (Field.CALLER, Field.DESTINATION):
            return self.number(raw_value(call, field))
        return raw_value(call, field) or ""

    def tooltip(self, call: AnyCall, field: Field) -> str:
        if field in (Field.CALLER, Field.DESTINATION):
            raw = raw_value(call, field)
            if raw is None:
                return "No number was sent"
            e164 = e164_of(call, field)
            lines = [self.number(raw), f"As sent by the PBX: {raw}"]
            if e164:
                lines.append(f"International: {e164}")
            return "\n".join(lines)
        if field is Field.STATUS:
            status = status_of(call)
            name = "status" if isinstance(call, GroupCall) else "type"
            sent = status.raw or "(nothing)"
            return f"{status.spoken}\nSent by the PBX as {name}: {sent}"
        if field is Field.DURATION:
            ring = call.ring_duration
            return "" if ring is None else f"Ringing {format_duration(ring)}, then talking"
        if field is Field.CALL_ID:
            return self.call_details(call)
        if field in (Field.START, Field.ANSWERED):
            moment = call.call_start_at if field is Field.START else call.connected_at
            return "" if moment is None else moment.isoformat(timespec="seconds")
        return raw_value(call, field) or ""

    def call_details(self, call: AnyCall) -> str:
        """The call id plus every field the API sent that the columns do not show."""
        lines = [f"Call ID: {call.unique_call_id or '(none sent)'}"]
        extra = dict(call.extra)
        if extra:
            lines.append("Other fields sent by the PBX:")
            for name in sorted(extra)[:_EXTRA_FIELDS_SHOWN]:
                lines.append(f"  {name}: {_short(extra[name])}")
            if len(extra) > _EXTRA_FIELDS_SHOWN:
                lines.append(f"  … and {len(extra) - _EXTRA_FIELDS_SHOWN} more")
        return "\n".join(lines)


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=repr,
                                                           ensure_ascii=False)
    return text if len(text) <= _EXTRA_VALUE_CHARS else text[:_EXTRA_VALUE_CHARS - 1] + "…"
