"""Who may use the sandbox API: the allow-list, the ``token`` key and the rate limit.

Checked in that order for every API request. A wrong key and an address that
is not allow-listed are both answered ``401 Not authorised``, as the real PBX
does, so a client cannot tell them apart either. The rate limit is a sliding
window per key in *real* time (clients budget in real time, whatever the
simulated clock does); over it the answer is 429 with ``Retry-After``.
Thread-safe.
"""

from __future__ import annotations

import collections
import hmac
import ipaddress
import math
import threading
import time
from collections.abc import Callable, Iterable

from pbxdesk.sandbox.config import parse_network
from pbxdesk.sandbox.errors import NOT_AUTHORISED, ApiError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AccessGuard:
    """Decides whether one API request may go ahead."""

    def __init__(self, api_key: str, allow_list: Iterable[str], rate_limit: int | None,
                 window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._key = api_key.encode()
        self._clock = clock
        self._networks: tuple[Network, ...] = ()
        self._limit = rate_limit
        self._window = window_seconds
        self._hits: dict[str, collections.deque[float]] = {}
        self.set_allow_list(allow_list)

    @property
    def allow_list(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(str(net) for net in self._networks)

    @property
    def rate_limit(self) -> tuple[int | None, float]:
        with self._lock:
            return self._limit, self._window

    def set_allow_list(self, entries: Iterable[str]) -> None:
        """Replace the allow-list (addresses or CIDR networks); ValueError on a bad entry."""
        networks = tuple(parse_network(entry) for entry in entries)
        with self._lock:
            self._networks = networks

    def set_rate_limit(self, limit: int | None, window_seconds: float) -> None:
        if limit is not None and limit < 1:
            raise ValueError("the rate limit must be 1 or more requests (or off)")
        if window_seconds <= 0:
            raise ValueError("the rate-limit window must be more than 0 seconds")
        with self._lock:
            self._limit, self._window = limit, window_seconds
            self._hits.clear()

    def reset_window(self) -> None:
        with self._lock:
            self._hits.clear()

    def check(self, token: str | None, client_host: str | None) -> None:
        """Raise 401 or 429 as :class:`ApiError`, or return if the request may proceed."""
        if not self._address_allowed(client_host) or token is None or \
                not hmac.compare_digest(token.encode(), self._key):
            raise ApiError(401, NOT_AUTHORISED)
        retry_after = self._take(token)
        if retry_after is not None:
            raise ApiError(429, f"Too many requests: this account may make {self._limit} "
                                f"requests per {self._window:g} seconds. Retry after "
                                f"{retry_after} seconds.",
                           {"Retry-After": str(retry_after)})

    def _address_allowed(self, host: str | None) -> bool:
        if host is None:
            return False
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        with self._lock:
            return any(address.version == net.version and address in net
                       for net in self._networks)

    def _take(self, key: str) -> int | None:
        """Count one request for ``key``; the whole seconds to wait if over the limit."""
        with self._lock:
            if self._limit is None:
                return None
            now = self._clock()
            hits = self._hits.setdefault(key, collections.deque())
            while hits and hits[0] <= now - self._window:
                hits.popleft()
            if len(hits) >= self._limit:
                return max(1, math.ceil(hits[0] + self._window - now))
            hits.append(now)
            return None
