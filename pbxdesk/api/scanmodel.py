"""The values a history scan works with: row marks, requests, what it learnt, what it missed.

A scan (:mod:`pbxdesk.api.history`) reasons about rows only by their place in
the server's order: a :class:`Mark` is a row's start time and key. What it
learns about the server along the way (how its dates work, whether it honours
``oldest_first`` and the name selectors) is a :class:`ServerTraits`, shared by
every scan of one client and kept by the sync between runs. Everything here
turns into plain JSON and back, so a scan can be resumed after a restart.
No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

HOUR = 3600
DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How far a server's day may be from the UTC day: UTC-12 to UTC+14.
ZONE_WEST = -12 * HOUR
ZONE_EAST = 14 * HOUR
# cutoff(to_date) - to_date 00:00 UTC, in seconds: exclusive to_date gives -zone
# (-14 h … +12 h), inclusive gives 24 h - zone (+10 h … +36 h). Between 10 h and 12 h
# both fit (an exclusive UTC-11 server cuts where an inclusive UTC+13 one does).
_INCLUSIVE_ABOVE = -ZONE_WEST              # 12 h: above, only an inclusive to_date fits
_EXCLUSIVE_BELOW = 24 * HOUR - ZONE_EAST   # 10 h: below, only an exclusive one
INCLUSIVE_CUT = (float(24 * HOUR - ZONE_EAST), float(24 * HOUR - ZONE_WEST))
"""Where an inclusive to_date can cut (seconds after its day's midnight UTC)."""


def epoch_seconds(moment: datetime) -> float:
    return (moment - _EPOCH).total_seconds()


def midnight(day: date) -> float:
    """``day`` 00:00 UTC in epoch seconds."""
    return epoch_seconds(datetime.combine(day, time(0), UTC))


def utc_day(seconds: float, shift: float = 0.0) -> date:
    """The calendar day of ``seconds`` after moving it by ``shift`` seconds."""
    return (_EPOCH + timedelta(seconds=seconds + shift)).date()


@dataclass(frozen=True, slots=True)
class Mark:
    """One row's place in the server's order: its start (epoch seconds), key and name
    (the user's extension or the group's name, for the selector)."""

    at: float
    key: str
    name: str | None = None

    def to_json(self) -> list[Any]:
        return [self.at, self.key, self.name]

    @classmethod
    def from_json(cls, value: Any) -> Mark | None:
        if (isinstance(value, list) and len(value) == 3 and isinstance(value[0], int | float)
                and not isinstance(value[0], bool) and isinstance(value[1], str)
                and (value[2] is None or isinstance(value[2], str))):
            return cls(float(value[0]), value[1], value[2])
        return None


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One request a scan wants sent (dates as the API takes them)."""

    from_date: date
    to_date: date
    newest_first: bool
    offset: int
    names: tuple[str, ...] = ()
    """Names for the selector; empty sends none."""


@dataclass(frozen=True, slots=True)
class IncompleteDay:
    """A day whose calls of one kind the API could not all hand over.

    ``missing`` is an estimate (0 when nothing better than "some" is known).
    """

    day: date
    missing: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "missing": self.missing, "reason": self.reason}

    @classmethod
    def from_json(cls, value: Any) -> IncompleteDay | None:
        try:
            return cls(date.fromisoformat(value["day"]), max(0, int(value["missing"])),
                       str(value["reason"]))
        except (TypeError, KeyError, ValueError):
            return None


@dataclass(slots=True)
class ServerTraits:
    """What the scans have learnt about the server's history endpoints.

    The date filter is described by ``cutoff(to_date) - to_date 00:00 UTC``: a
    range of seconds narrowed by every answer that shows where a ``to_date``
    cut the rows. From it follow whether ``to_date`` is inclusive and roughly
    the server's time zone. A one-day query (``from_date == to_date``) that
    returns rows proves an inclusive ``to_date`` on its own.

    Attributes:
        cut_low, cut_high: what is known of the cut (seconds, see above).
        one_day_rows: a one-day query returned rows (inclusive for sure).
        oldest_first: ``sort_by=oldest_first`` works (None: not tried yet).
        selectors: per call kind (its value), whether the name selector works.
    """

    cut_low: float = float(-ZONE_EAST)
    cut_high: float = float(24 * HOUR - ZONE_WEST)
    one_day_rows: bool = False
    one_day_empty: bool = False
    oldest_first: bool | None = None
    selectors: dict[str, bool] = field(default_factory=dict)

    @property
    def inclusive(self) -> bool | None:
        """Whether ``to_date`` includes its own day; None while it is not known."""
        # The cut lies in (cut_low, cut_high].
        if self.one_day_rows or self.cut_low >= _INCLUSIVE_ABOVE:
            return True
        if self.one_day_empty or self.cut_high < _EXCLUSIVE_BELOW:
            return False
        return None

    @property
    def zone_known(self) -> bool:
        """The server's day boundaries are known to within a few hours."""
        return self.inclusive is not None and self.cut_high - self.cut_low <= 3 * HOUR

    @property
    def zone_shift(self) -> float:
        """Seconds to add to a UTC time to get the server's calendar day (an estimate)."""
        inclusive = self.inclusive
        if inclusive is None:
            return 0.0
        if self.cut_high - self.cut_low > 6 * HOUR:
            return 0.0  # not pinned down yet: UTC is the likeliest guess
        cut = (self.cut_low + self.cut_high) / 2
        zone = (24 * HOUR - cut) if inclusive else -cut
        return float(min(ZONE_EAST, max(ZONE_WEST, zone)))

    def learn_cut(self, to_date: date, above: float | None, below: float | None) -> None:
        """The row at ``above`` fell inside ``to_date``, the one at ``below`` outside it."""
        low = self.cut_low if above is None else max(self.cut_low, above - midnight(to_date))
        high = self.cut_high if below is None else min(self.cut_high, below - midnight(to_date))
        if low >= high:
            # Contradicts what was learnt earlier (a daylight-saving change, or the
            # server changed): the new answer wins.
            low = float(-ZONE_EAST) if above is None else above - midnight(to_date)
            high = float(24 * HOUR - ZONE_WEST) if below is None else below - midnight(to_date)
            if low >= high:
                return
        self.cut_low, self.cut_high = low, high

    def server_day(self, seconds: float) -> date:
        """The server's calendar day of a row starting at ``seconds`` (an estimate)."""
        return utc_day(seconds, self.zone_shift)

    def query_to(self, last_day: date) -> date:
        """The ``to_date`` that reaches the end of ``last_day`` (one more if exclusive)."""
        return last_day if self.inclusive is True else last_day + timedelta(days=1)

    def to_json(self) -> dict[str, Any]:
        return {"cut_low": self.cut_low, "cut_high": self.cut_high,
                "one_day_rows": self.one_day_rows, "one_day_empty": self.one_day_empty,
                "oldest_first": self.oldest_first,
                "selectors": dict(self.selectors)}

    def restore(self, value: Any) -> None:
        """Take over what an earlier :meth:`to_json` says; anything odd is ignored."""
        if not isinstance(value, dict):
            return
        low, high = value.get("cut_low"), value.get("cut_high")
        if (isinstance(low, int | float) and isinstance(high, int | float)
                and not isinstance(low, bool) and not isinstance(high, bool)
                and float(-ZONE_EAST) <= low < high <= float(24 * HOUR - ZONE_WEST)):
            self.cut_low, self.cut_high = float(low), float(high)
        if value.get("one_day_rows") is True:
            self.one_day_rows = True
        elif value.get("one_day_empty") is True:
            self.one_day_empty = True
        if isinstance(value.get("oldest_first"), bool):
            self.oldest_first = value["oldest_first"]
        selectors = value.get("selectors")
        if isinstance(selectors, dict):
            self.selectors.update({str(k): v for k, v in selectors.items()
                                   if isinstance(v, bool)})
