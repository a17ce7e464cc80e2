"""Local days and hours of a UTC range, as UTC ranges: what Insights counts calls in.

A local day (or hour) is the stretch of UTC instants whose local clock shows
that day (hour). The range is cut into pieces of one UTC offset
(:func:`offset_segments`; a daylight-saving change starts a new piece), and
each piece's local midnights (hours) moved back by its offset are the cuts.
So a 23- or 25-hour day, an hour that happens twice (both count as that hour)
and half-hour zones come out right, and SQL only compares ``start_us`` with
bounds. Times are integer microseconds since the epoch, UTC. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Final

US: Final = 1_000_000
HOUR_US: Final = 3600 * US
DAY_US: Final = 24 * HOUR_US
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_LOCAL_EPOCH: Final = date(1970, 1, 1)


def utc_offset_us(moment_us: int, zone: tzinfo | None) -> int:
    """The UTC offset in force at ``moment_us`` in ``zone`` (None: the system's)."""
    utc = _EPOCH + timedelta(microseconds=moment_us)
    local = utc.astimezone(zone) if zone is not None else utc.astimezone()
    offset = local.utcoffset() or timedelta()
    return offset // timedelta(microseconds=1)


def offset_segments(start_us: int, end_us: int,
                    zone: tzinfo | None) -> list[tuple[int, int]]:
    """``(from_us, offset_us)`` pieces of ``[start_us, end_us)`` with one UTC offset each.

    Found by probing once a day and bisecting to the microsecond where the
    offset changes (rules change at most a few times a year, never twice in a
    day; two years are 730 probes, a few milliseconds).
    """
    segments = [(start_us, utc_offset_us(start_us, zone))]
    step = DAY_US
    probe = start_us
    last = end_us - 1  # the range's last instant: a change before it counts
    while probe < last:
        nxt = min(probe + step, last)
        offset = utc_offset_us(nxt, zone)
        if offset != segments[-1][1]:
            low, high = probe, nxt  # offset(low) is the old one, offset(high) the new
            while high - low > 1:
                middle = (low + high) // 2
                if utc_offset_us(middle, zone) == segments[-1][1]:
                    low = middle
                else:
                    high = middle
            segments.append((high, offset))
        probe = nxt
    return segments


@dataclass(frozen=True, slots=True)
class Bucket:
    """``[lo, hi)`` in UTC microseconds: local ``day`` (and ``hour`` for hour buckets)."""

    lo: int
    hi: int
    day: date
    hour: int = 0

    @property
    def weekday(self) -> int:
        """Monday 0 … Sunday 6."""
        return self.day.weekday()


def buckets(start_us: int, end_us: int, zone: tzinfo | None, *,
            hours: bool) -> list[Bucket]:
    """The local days (or hours) of ``[start_us, end_us)`` in order, cut to the range.

    The same local day or hour can appear twice in a row (an hour the clocks go
    back over); callers add such buckets up by their day and hour.
    """
    made = []
    cuts = _cuts(start_us, end_us, zone, HOUR_US if hours else DAY_US)
    for index, (lo, unit) in enumerate(cuts):
        hi = cuts[index + 1][0] if index + 1 < len(cuts) else end_us
        if hours:
            made.append(Bucket(lo, hi, local_day(unit // 24), unit % 24))
        else:
            made.append(Bucket(lo, hi, local_day(unit)))
    return made


def _cuts(start_us: int, end_us: int, zone: tzinfo | None, size: int) -> list[tuple[int, int]]:
    """``(utc_us, local unit number)`` where each local unit of the range begins."""
    if end_us <= start_us:
        return []
    segments = offset_segments(start_us, end_us, zone)
    cuts: list[tuple[int, int]] = []
    for index, (seg_lo, offset) in enumerate(segments):
        seg_hi = segments[index + 1][0] if index + 1 < len(segments) else end_us
        unit = (seg_lo + offset) // size
        if not cuts or cuts[-1][1] != unit:
            cuts.append((seg_lo, unit))
        unit += 1
        while unit * size - offset < seg_hi:
            cuts.append((unit * size - offset, unit))
            unit += 1
    return cuts


def local_day(day_number: int) -> date:
    """Local day ``day_number`` counted from 1 January 1970."""
    return _LOCAL_EPOCH + timedelta(days=day_number)


def local_days(start_us: int, end_us: int, zone: tzinfo | None) -> list[date]:
    """Every local day the range touches, in order."""
    return list(dict.fromkeys(b.day for b in buckets(start_us, end_us, zone, hours=False)))


def hour_periods(start_us: int, end_us: int, zone: tzinfo | None, weekday: int,
                 hour: int) -> list[tuple[datetime, datetime]]:
    """The UTC ranges of ``[start_us, end_us)`` whose local time is that weekday and hour.

    Exactly the instants Insights counts in that heat-map cell, so a history
    filtered by them lists the cell's calls. Touching ranges are joined.
    """
    return [(_EPOCH + timedelta(microseconds=lo), _EPOCH + timedelta(microseconds=hi))
            for lo, hi in cell_periods(start_us, end_us, zone)[weekday * 24 + hour]]


def cell_periods(start_us: int, end_us: int, zone: tzinfo | None) -> list[list[tuple[int, int]]]:
    """:func:`hour_periods` of all 7 × 24 cells (weekday × 24 + hour) at once, in µs.

    One pass over the range's hours: two years are 17,520 of them.
    """
    cells: list[list[tuple[int, int]]] = [[] for _ in range(7 * 24)]
    cuts = _cuts(start_us, end_us, zone, HOUR_US)
    for index, (lo, unit) in enumerate(cuts):
        hi = cuts[index + 1][0] if index + 1 < len(cuts) else end_us
        day = unit // 24  # 1 January 1970 was a Thursday (weekday 3)
        periods = cells[(day + 3) % 7 * 24 + unit % 24]
        if periods and periods[-1][1] == lo:
            periods[-1] = (periods[-1][0], hi)
        else:
            periods.append((lo, hi))
    return cells
