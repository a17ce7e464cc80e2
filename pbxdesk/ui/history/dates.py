"""The filter bar's date presets as UTC half-open ranges of the user's local days.

"Today" is the local calendar day, which for an agent in Sydney starts at 13:00
or 14:00 UTC the day before; the store filters on UTC instants, so each preset
becomes ``[local midnight of the first day, local midnight after the last day)``
converted to UTC. Daylight-saving changes are handled by the system's time
zone rules (a local day can be 23 or 25 hours long). No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import Enum


class DatePreset(Enum):
    """The choices of the date drop-down, in the order shown."""

    TODAY = "Today"
    YESTERDAY = "Yesterday"
    LAST_7_DAYS = "Last 7 days"
    LAST_30_DAYS = "Last 30 days"
    CUSTOM = "Custom range"


DEFAULT_PRESET = DatePreset.LAST_30_DAYS


@dataclass(frozen=True, slots=True)
class DayRange:
    """Local calendar days ``first`` to ``last``, both included."""

    first: date
    last: date

    def normalized(self) -> DayRange:
        """The same days with the ends swapped if they were given the wrong way round."""
        return self if self.first <= self.last else DayRange(self.last, self.first)

    def to_utc(self, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
        """``[start, end)`` as aware UTC datetimes; ``zone`` defaults to the system's."""
        days = self.normalized()
        return (local_midnight(days.first, zone).astimezone(UTC),
                local_midnight(days.last + timedelta(days=1), zone).astimezone(UTC))


def local_midnight(day: date, zone: tzinfo | None = None) -> datetime:
    """The start of ``day`` in ``zone`` (the system time zone when None), aware."""
    naive = datetime.combine(day, time())
    if zone is None:
        # astimezone() on a naive datetime reads it as system local time (mktime),
        # which is what QLocale shows the user too.
        return naive.astimezone()
    return naive.replace(tzinfo=zone)


def preset_days(preset: DatePreset, today: date, custom: DayRange | None = None) -> DayRange:
    """The local days a preset covers, counting ``today`` as one of the days."""
    if preset is DatePreset.TODAY:
        return DayRange(today, today)
    if preset is DatePreset.YESTERDAY:
        yesterday = today - timedelta(days=1)
        return DayRange(yesterday, yesterday)
    if preset is DatePreset.LAST_7_DAYS:
        return DayRange(today - timedelta(days=6), today)
    if preset is DatePreset.LAST_30_DAYS:
        return DayRange(today - timedelta(days=29), today)
    return (custom or DayRange(today, today)).normalized()


def local_today() -> date:
    return datetime.now().astimezone().date()
