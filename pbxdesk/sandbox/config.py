"""The sandbox's settings: one frozen dataclass, validated once, plus the call script.

Every behaviour that ``docs/pbx-api.md`` marks as a guess has a setting here
whose default is the documented guess, so a test (or a user comparing with the
real service) can flip it without a code change.
"""

from __future__ import annotations

import ipaddress
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

import phonenumbers

DEFAULT_ALLOW_LIST = ("127.0.0.1", "::1")


@dataclass(frozen=True, slots=True, kw_only=True)
class CallScript:
    """How the next simulated click-to-call goes.

    When ``device_answers`` is false the devices ring for the config's
    ``device_timeout_seconds`` and the call ends ``not_answered``; the same holds
    for the destination with ``destination_timeout_seconds``.
    """

    device_answers: bool = True
    destination_answers: bool = True
    device_ring_seconds: float = 3.0
    destination_ring_seconds: float = 6.0
    talk_seconds: float = 45.0
    answering_device: int = 0
    """Index into the user's devices of the one that picks up (clamped)."""

    def __post_init__(self) -> None:
        for name in ("device_ring_seconds", "destination_ring_seconds", "talk_seconds"):
            value = getattr(self, name)
            if not 0 <= value <= 86_400:
                raise ValueError(f"{name} must be between 0 and 86400 seconds, not {value!r}")
        if self.answering_device < 0:
            raise ValueError("answering_device must be 0 or more")


@dataclass(frozen=True, slots=True, kw_only=True)
class SandboxConfig:
    """Everything that shapes one sandbox PBX. Secrets are left out of ``repr``."""

    # -- data
    seed: int = 1
    calls: int = 5_000
    """Number of calls (not rows) in the generated history."""
    days: int = 30
    country: str = "AU"
    timezone: str | None = None
    """The account's time zone (business hours); None derives it from ``country``."""
    now: datetime | None = None
    """Where the simulated clock starts and the history ends; None is the real time."""
    users: int = 12
    queues: int = 3
    ring_groups: int = 2
    quirks_share: float = 0.03
    """Share of rows that carry numbers as strings and ``"null"`` strings."""
    withheld_share: float = 0.0
    """Share of inbound callers who withhold their number (``"anonymous"``: a guess)."""

    # -- access
    api_key: str = field(default="sandbox-key", repr=False)
    allow_list: tuple[str, ...] = DEFAULT_ALLOW_LIST
    rate_limit: int | None = 100
    """Requests per key per window; None turns the limit off."""
    rate_window_seconds: float = 900.0

    # -- guesses about the history endpoints
    user_filter_param: str = "users_numbers"
    oldest_first: bool = True
    """Accept ``sort_by=oldest_first``; when false it is a 400 like any unknown value."""
    ignore_oldest_first: bool = False
    """Accept ``sort_by=oldest_first`` but answer newest first anyway (a server that
    ignores it)."""
    ignore_user_selector: bool = False
    """Ignore the user selector: answer with every user's calls (a server without it)."""
    date_timezone: str = "UTC"
    """Time zone of ``from_date``/``to_date``: ``UTC``, ``account`` or an IANA name."""
    to_date_inclusive: bool = True
    strict_paging: bool = False
    """Answer 400 to ``limit``/``offset`` outside 1..10000 / 0..9999 instead of capping them."""
    message_object_share: float = 0.03
    """Share of API answers whose ``message`` is an object instead of a string."""

    # -- time and simulation
    clock_speed: float = 1.0
    """Simulated seconds per real second (rings, talk, live traffic)."""
    live_traffic: bool = False
    live_calls_per_minute: float = 2.0
    """New calls per simulated minute while live traffic is on."""
    live_focus_extension: str | None = None
    """With live traffic: this user's phone also rings from outside at about
    ``live_focus_calls_per_minute`` (the demo's "me"; the first call within seconds)."""
    live_focus_calls_per_minute: float = 1.0
    device_timeout_seconds: float = 30.0
    destination_timeout_seconds: float = 45.0
    call_script: CallScript = CallScript()
    """The outcome of click-to-calls nobody scripted."""

    # -- webhooks and control
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str = field(default="", repr=False)
    webhook_timeout_seconds: float = 5.0
    webhook_type_in_body: bool = True
    """False: bodies sent to a per-trigger URL (one with ``{trigger}``) carry no ``type``."""
    control_enabled: bool = True
    control_token: str | None = field(default=None, repr=False)
    """Token for ``/_sandbox/``; None makes a random one per sandbox."""

    def __post_init__(self) -> None:
        _check(self.calls >= 0, f"calls must be 0 or more, not {self.calls}")
        _check(1 <= self.days <= 3660, f"days must be from 1 to 3660, not {self.days}")
        _check(self.country in phonenumbers.SUPPORTED_REGIONS,
               f"country must be a two-letter region code phonenumbers knows, not {self.country!r}")
        _check(1 <= self.users <= 2000, f"users must be from 1 to 2000, not {self.users}")
        _check(0 <= self.queues <= 200, f"queues must be from 0 to 200, not {self.queues}")
        _check(0 <= self.ring_groups <= 200,
               f"ring_groups must be from 0 to 200, not {self.ring_groups}")
        _check(0.0 <= self.quirks_share <= 1.0,
               f"quirks_share must be from 0 to 1, not {self.quirks_share}")
        _check(0.0 <= self.withheld_share <= 1.0,
               f"withheld_share must be from 0 to 1, not {self.withheld_share}")
        _check(bool(self.api_key), "api_key must not be empty")
        _check(self.rate_limit is None or self.rate_limit >= 1,
               f"rate_limit must be 1 or more (or None for no limit), not {self.rate_limit}")
        _check(self.rate_window_seconds > 0, "rate_window_seconds must be more than 0")
        _check(bool(self.user_filter_param.strip()), "user_filter_param must not be empty")
        _check(0.0 <= self.message_object_share <= 1.0,
               f"message_object_share must be from 0 to 1, not {self.message_object_share}")
        _check(self.clock_speed > 0, f"clock_speed must be more than 0, not {self.clock_speed}")
        _check(self.live_calls_per_minute > 0, "live_calls_per_minute must be more than 0")
        _check(self.live_focus_calls_per_minute > 0,
               "live_focus_calls_per_minute must be more than 0")
        _check(self.device_timeout_seconds > 0 and self.destination_timeout_seconds > 0,
               "ring timeouts must be more than 0 seconds")
        _check(self.webhook_timeout_seconds > 0, "webhook_timeout_seconds must be more than 0")
        if self.now is not None:
            _check(self.now.tzinfo is not None, "now must be a time-zone-aware datetime")
        for entry in self.allow_list:
            parse_network(entry)
        if self.timezone is not None:
            load_zone(self.timezone)
        if self.date_timezone != "account":
            load_zone(self.date_timezone)


def parse_network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """An allow-list entry (an address or a CIDR network) as a network."""
    try:
        return ipaddress.ip_network(entry.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{entry!r} is not an IP address or network") from None


def load_zone(name: str) -> tzinfo:
    """A time zone by IANA name. UTC needs no tz database (Windows has none without
    the ``tzdata`` package)."""
    if name.strip().upper() in {"UTC", "Z", "ETC/UTC"}:
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone this system knows") from None


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
