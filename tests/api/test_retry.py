"""Retry bounds and Retry-After parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from pbxdesk.api.errors import (
    AuthError,
    BadRequestError,
    BudgetExhaustedError,
    NetworkError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    TlsError,
)
from pbxdesk.api.retry import RetryPolicy, is_retryable, parse_retry_after

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0), (" 7 ", 7.0), ("1.5", 1.5), ("0", 0.0), ("-5", 0.0),
    ("Wed, 01 May 2024 12:01:30 GMT", 90.0), ("Wed, 01 May 2024 11:00:00 GMT", 0.0),
    (None, None), ("", None), ("soon", None), ("inf", None), ("nan", None), ("9" * 100, None),
])
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0, rng=random.Random(3))
    for retry_number, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (9, 5.0)]:
        delays = {policy.backoff(retry_number) for _ in range(50)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1  # jittered


def test_delay_for_stops_after_attempts_and_total_delay() -> None:
    policy = RetryPolicy(attempts=3, base_delay=1.0, max_total_delay=10.0)
    error = ServerError(503)
    assert policy.delay_for(error, 1, 0.0) is not None
    assert policy.delay_for(error, 2, 0.0) is not None
    assert policy.delay_for(error, 3, 0.0) is None
    assert policy.delay_for(error, 1, 9.9) is None  # would pass the total cap


def test_delay_for_honours_retry_after_and_refuses_absurd_waits() -> None:
    policy = RetryPolicy(max_retry_after=30.0, max_total_delay=60.0)
    assert policy.delay_for(RateLimitedError(20.0), 1, 0.0) == pytest.approx(20.0)
    absurd = RateLimitedError(3600.0)
    with pytest.raises(RateLimitedError, match="Try again in 60 minutes") as caught:
        policy.delay_for(absurd, 1, 0.0)
    assert caught.value is absurd


@pytest.mark.parametrize(("error", "retryable"), [
    (NetworkError("x"), True), (ServerError(500), True), (RateLimitedError(None), True),
    (TlsError("x"), False), (AuthError(401), False), (BadRequestError("x"), False),
    (ProtocolError("x"), False),
    (BudgetExhaustedError(datetime.now(UTC), 5.0, 100, 900.0), False),
])
def test_what_is_retried(error: Exception, retryable: bool) -> None:
    assert is_retryable(error) is retryable  # type: ignore[arg-type]
