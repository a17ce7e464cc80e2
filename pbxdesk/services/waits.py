"""Words for a rate limit: when pbxdesk may send again, told in the user's own clock.

The API client's errors say *how long* to wait (:class:`RateLimitedError`'s
``retry_after``, :class:`BudgetExhaustedError`'s ``available_at``); the sync and
call services say *when*, in the locale's short time ("3:41 pm", as the status
bar does), and what happens then. The texts take the clock as a
:data:`TimeText` so the services can be handed another one in tests;
:func:`local_short_time` is the app's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.errors import BudgetExhaustedError, RateLimitedError

TimeText = Callable[[datetime], str]
"""Formats a moment (an aware datetime) as a time of day for the user."""

# A 429 without Retry-After: wait this long before the next try.
DEFAULT_WAIT_SECONDS = 60.0


def next_whole_minute(moment: datetime) -> datetime:
    """``moment`` in local time, moved on to the next whole minute if inside one.

    "Resumes at 3:42 pm" must not send the user back at 3:41:10 for a wait that
    ends at 3:41:40, so a time said without seconds is rounded up, never down.
    """
    local = moment.astimezone()
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return local


def local_short_time(moment: datetime) -> str:
    """``moment`` in the locale's short clock, e.g. "3:41 pm" (see next_whole_minute)."""
    # Imported here: the Qt-free connection test shares next_whole_minute with this module.
    from PySide6.QtCore import QLocale, QTime

    local = next_whole_minute(moment)
    return QLocale().toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)


def resume_time(error: RateLimitedError, now: datetime) -> datetime:
    """When sending may start again after ``error``, seen at ``now``."""
    if isinstance(error, BudgetExhaustedError):
        return error.available_at
    return now + timedelta(seconds=wait_seconds(error))


def wait_seconds(error: RateLimitedError) -> float:
    """How long to wait after ``error`` before sending again (never less than a second)."""
    return max(1.0, error.retry_after or DEFAULT_WAIT_SECONDS)


def rate_limit_reason(error: RateLimitedError, budget: RequestBudget) -> str:
    """Who asked for the pause, as a clause: the PBX (429) or pbxdesk's own budget."""
    if isinstance(error, BudgetExhaustedError) and error.reserve:
        return (f"Syncing has used the {budget.limit - error.reserve} of pbxdesk's "
                f"{_count(budget.limit, 'request')} per {_period(budget.window)} it may use "
                f"(the other {error.reserve} are kept for calls)")
    if isinstance(error, BudgetExhaustedError):
        return (f"pbxdesk has used its budget of {_count(budget.limit, 'request')} per "
                f"{_period(budget.window)} to stay inside the PBX's limit")
    return "The PBX asked pbxdesk to slow down"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _period(seconds: float) -> str:
    """"15 minutes", "minute", "90 seconds": the budget's window in its own unit."""
    seconds = round(seconds)
    if seconds >= 60 and seconds % 60 == 0:
        number, unit = seconds // 60, "minute"
    else:
        number, unit = seconds, "second"
    return unit if number == 1 else f"{number} {unit}s"
