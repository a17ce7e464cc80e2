"""When and how long to wait before repeating a failed GET.

:class:`RetryPolicy` holds the bounds (attempts, total delay, the longest
``Retry-After`` worth waiting for) and computes exponential backoff with full
jitter. :func:`parse_retry_after` reads the header in both of its forms. Only
GETs are ever retried: a click-to-call POST is not idempotent.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime

from pbxdesk.api.errors import (
    BudgetExhaustedError,
    NetworkError,
    PbxError,
    RateLimitedError,
    ServerError,
    TlsError,
    TruncatedError,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Bounds for retrying GETs.

    Attributes:
        attempts: Tries in total, the first one included (1 disables retries).
        base_delay: Backoff before the second try, doubled for each further try.
        max_delay: Cap on one backoff delay.
        max_total_delay: Cap on all waiting for one request; a retry that would
            pass it is not made and the last error is raised.
        max_retry_after: The longest ``Retry-After`` worth waiting for inside a
            request; a longer one raises :class:`RateLimitedError` at once so the
            caller can schedule the work instead of hanging.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_total_delay: float = 30.0
    max_retry_after: float = 30.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def backoff(self, retry_number: int) -> float:
        """Delay before retry number ``retry_number`` (1 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** max(0, retry_number - 1))
        # Full jitter: many desktops behind one account must not retry in lockstep.
        return self.rng.uniform(ceiling / 2, ceiling)

    def delay_for(self, error: PbxError, retry_number: int, waited: float) -> float | None:
        """Seconds to wait before retrying after ``error``, or None to give up.

        Raises:
            RateLimitedError: ``error`` is a 429 whose ``Retry-After`` exceeds
                :attr:`max_retry_after` (the error itself is re-raised).
        """
        if retry_number >= self.attempts or not is_retryable(error):
            return None
        delay = self.backoff(retry_number)
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            if error.retry_after > self.max_retry_after:
                raise error
            delay = max(delay, error.retry_after)
        if waited + delay > self.max_total_delay:
            return None
        return delay


NO_RETRY = RetryPolicy(attempts=1)


def is_retryable(error: PbxError) -> bool:
    """Network trouble (cut-off answers too), 5xx and 429 may pass; TLS problems and the
    own budget will not."""
    if isinstance(error, TlsError | BudgetExhaustedError):
        return False
    return isinstance(error, NetworkError | ServerError | RateLimitedError | TruncatedError)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), or None.

    ``now`` is the wall-clock time (epoch seconds) an HTTP date is measured from.
    Junk gives None; a date in the past gives 0.
    """
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
