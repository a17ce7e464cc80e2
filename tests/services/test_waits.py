"""The words for a rate limit: the locale's short clock, and who asked for the pause."""

from __future__ import annotations

from datetime import datetime

import pytest

from pbxdesk.api.budget import RequestBudget
from pbxdesk.api.errors import BudgetExhaustedError, RateLimitedError
from pbxdesk.services.waits import (
    DEFAULT_WAIT_SECONDS,
    local_short_time,
    rate_limit_reason,
    wait_seconds,
)


def _local(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime.now().astimezone().replace(hour=hour, minute=minute, second=second,
                                               microsecond=0)


@pytest.mark.usefixtures("australian_locale")
def test_the_clock_is_the_locales_short_one_without_seconds() -> None:
    # (Qt's newer locale data puts a narrow no-break space before "pm".)
    assert local_short_time(_local(15, 41)).replace("\u202f", " ") == "3:41 pm"
    assert local_short_time(_local(9, 5)).replace("\u202f", " ") == "9:05 am"


@pytest.mark.usefixtures("australian_locale")
def test_a_moment_inside_a_minute_reads_as_the_next_minute() -> None:
    # "Resumes at 3:41 pm" for 3:41:30 would send the user back 30 s too early.
    assert local_short_time(_local(15, 41, 1)).replace("\u202f", " ") == "3:42 pm"
    assert local_short_time(_local(23, 59, 30)).replace("\u202f", " ") == "12:00 am"


def test_who_asked_for_the_pause() -> None:
    budget = RequestBudget(limit=100, window=15 * 60.0)
    spent = BudgetExhaustedError(datetime.now().astimezone(), 30.0, 100, 900.0)
    assert rate_limit_reason(spent, budget) == (
        "pbxdesk has used its budget of 100 requests per 15 minutes to stay inside the "
        "PBX's limit")
    assert rate_limit_reason(spent, RequestBudget(limit=1, window=60.0)).startswith(
        "pbxdesk has used its budget of 1 request per minute ")
    assert "per 90 seconds" in rate_limit_reason(spent, RequestBudget(limit=5, window=90.0))
    assert rate_limit_reason(RateLimitedError(40.0), budget) == (
        "The PBX asked pbxdesk to slow down")


def test_wait_seconds_uses_retry_after_or_a_default() -> None:
    assert wait_seconds(RateLimitedError(42.0)) == 42.0
    assert wait_seconds(RateLimitedError(None)) == DEFAULT_WAIT_SECONDS
    assert wait_seconds(RateLimitedError(0.0)) == DEFAULT_WAIT_SECONDS  # "now", yet still refused
    assert wait_seconds(RateLimitedError(0.2)) == 1.0
