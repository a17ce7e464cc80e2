"""The generated account and history: deterministic, valid numbers, realistic shape."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import phonenumbers
import pytest

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox import Sandbox
from pbxdesk.sandbox.config import load_zone
from tests.fixtures.sandbox import sandbox_config

FIXED_NOW = datetime(2025, 3, 14, 6, 30, tzinfo=UTC)
Row = dict[str, Any]


def _start(row: Row) -> datetime:
    return datetime.fromisoformat(row["call_start_at"].replace("Z", "+00:00"))


def _external_numbers(sandbox: Sandbox) -> list[str]:
    """Every number in the history that is not an extension of the account."""
    numbers = []
    for row in sandbox.rows(CallKind.USER):
        numbers += [row["caller_id"], row["dest_number"]]
    for kind in (CallKind.QUEUE, CallKind.RING_GROUP):
        numbers += [row["callerid"] for row in sandbox.rows(kind)]
    return [n for n in numbers if n not in sandbox.account.extensions]


def test_same_seed_same_data(make_sandbox: Callable[..., Sandbox]) -> None:
    first = make_sandbox(now=FIXED_NOW)
    second = make_sandbox(now=FIXED_NOW)
    assert first.account == second.account
    for kind in CallKind:
        assert first.rows(kind) == second.rows(kind)
        assert first.rows(kind)


def test_other_seed_other_data(make_sandbox: Callable[..., Sandbox]) -> None:
    first = make_sandbox(now=FIXED_NOW)
    other = make_sandbox(now=FIXED_NOW, seed=8)
    assert first.account.users != other.account.users
    assert first.rows(CallKind.USER) != other.rows(CallKind.USER)


def test_account_depends_on_seed_not_on_history_size(
        make_sandbox: Callable[..., Sandbox]) -> None:
    assert make_sandbox(calls=100).account == make_sandbox(calls=900).account


def test_fixed_now_ends_the_history_there(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(now=FIXED_NOW, days=10)
    rows = sandbox.rows(CallKind.USER)
    assert _start(rows[0]) <= FIXED_NOW
    assert (FIXED_NOW - _start(rows[-1])).days < 10


def test_account_shape(sandbox: Sandbox) -> None:
    account = sandbox.account
    assert len(account.users) == 12
    assert len(account.queues) == 3
    assert len(account.ring_groups) == 2
    extensions = [u.extension for u in account.users]
    assert len(set(extensions)) == len(extensions)
    for user in account.users:
        assert re.fullmatch(r"[0-9]{3,4}", user.extension)
        assert re.fullmatch(r"\S+ \S+", user.name)
        assert 1 <= len(user.devices) <= 3
        assert all(d.name.startswith(user.extension) for d in user.devices)
        assert user.caller_id in account.dids
    for group in (*account.queues, *account.ring_groups):
        assert group.members
        assert set(group.members) <= set(extensions)
        assert group.did in account.dids
    for did in account.dids:
        assert phonenumbers.is_valid_number(phonenumbers.parse("+" + did))
        assert phonenumbers.region_code_for_number(phonenumbers.parse("+" + did)) == "AU"


def test_external_numbers_are_valid_mostly_local_some_foreign(sandbox: Sandbox) -> None:
    numbers = _external_numbers(sandbox)
    regions: Counter[str] = Counter()
    for number in set(numbers):
        assert re.fullmatch(r"[1-9][0-9]{6,14}", number), number
        parsed = phonenumbers.parse("+" + number)
        assert phonenumbers.is_valid_number(parsed), number
        regions[str(phonenumbers.region_code_for_number(parsed))] += 1
    total = sum(regions.values())
    assert regions["AU"] / total > 0.8
    assert len(regions) >= 3  # some international callers
    kinds = Counter(phonenumbers.number_type(phonenumbers.parse("+" + n))
                    for n in set(numbers) if n.startswith("61"))
    assert kinds[phonenumbers.PhoneNumberType.MOBILE] > 10
    assert kinds[phonenumbers.PhoneNumberType.FIXED_LINE] > 10


def test_another_country(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(country="GB", calls=300)
    assert str(sandbox.account.timezone) == "Europe/London"
    regions = Counter(phonenumbers.region_code_for_number(phonenumbers.parse("+" + n))
                      for n in _external_numbers(sandbox))
    assert regions.most_common(1)[0][0] == "GB"


def test_calls_follow_business_hours_on_weekdays(sandbox: Sandbox) -> None:
    zone = sandbox.account.timezone
    starts = [_start(row).astimezone(zone) for row in sandbox.rows(CallKind.USER)]
    in_hours = sum(1 for s in starts if 7 <= s.hour < 19)
    weekdays = sum(1 for s in starts if s.weekday() < 5)
    assert in_hours / len(starts) > 0.9
    assert weekdays / len(starts) > 0.85
    assert weekdays < len(starts)  # a few weekend calls


def test_mix_of_directions_outcomes_and_durations(sandbox: Sandbox) -> None:
    rows = [r for r in sandbox.rows(CallKind.USER) if isinstance(r["call_duration"], int)]
    types = Counter(row["type"] for row in rows)
    total = len(rows)
    inbound = sum(n for t, n in types.items() if t.startswith("user_inbound"))
    outbound = sum(n for t, n in types.items() if t.startswith("user_outbound"))
    assert 0.3 < inbound / total < 0.7
    assert 0.2 < outbound / total < 0.5
    missed = types["user_inbound_missed"] + types["user_outbound_missed"]
    assert 0.1 < missed / total < 0.4
    talk = [row["conversation_duration"] for row in rows if row["conversation_duration"]]
    assert 60 < statistics.median(talk) < 300
    assert max(talk) <= 7200
    rings = [row["call_duration"] - row["conversation_duration"] for row in rows]
    assert statistics.median(rings) < 30
    groups = Counter(row["status"] for row in sandbox.rows(CallKind.QUEUE))
    assert groups["answered"] > groups["abandoned"] > 0


@pytest.mark.parametrize(("share", "low", "high"), [(0.0, 0.0, 0.0), (0.5, 0.4, 0.6),
                                                    (1.0, 1.0, 1.0)])
def test_quirks_share_is_a_setting(make_sandbox: Callable[..., Sandbox], share: float,
                                   low: float, high: float) -> None:
    rows = make_sandbox(quirks_share=share, calls=400).rows(CallKind.USER)
    quirky = sum(1 for row in rows if isinstance(row["call_duration"], str))
    assert low <= quirky / len(rows) <= high


def test_add_calls_add_rows_and_reset(sandbox: Sandbox) -> None:
    before = {kind: sandbox.row_count(kind) for kind in CallKind}
    added = sandbox.add_calls(200, days=2)
    after = {kind: sandbox.row_count(kind) for kind in CallKind}
    assert sum(after.values()) - sum(before.values()) == added > 150
    odd = {"unique_call_id": 5, "type": "user_teleport_answered", "caller_id": "+61 2 1234",
           "call_start_at": "2020-01-01T00:00:00.000Z", "call_duration": "x", "extra": [1]}
    assert sandbox.add_rows(CallKind.USER, [odd]) == 1
    assert sandbox.rows(CallKind.USER)[-1] == odd  # the oldest row, served verbatim
    sandbox.reset()
    assert {kind: sandbox.row_count(kind) for kind in CallKind} == before


def test_reseed_rebuilds_with_the_new_size(sandbox: Sandbox) -> None:
    users = sandbox.account.users
    sandbox.reseed(seed=99, calls=300, days=5)
    assert sandbox.account.users != users
    rows = sandbox.rows(CallKind.USER)
    assert 200 < len(rows) < 400
    assert (sandbox.now() - _start(rows[-1])).days < 5
    assert sandbox.config.seed == 99


@pytest.mark.parametrize(("bad", "message"), [
    ({"calls": -1}, "calls must be 0 or more"), ({"days": 0}, "days must be from 1"),
    ({"country": "XX"}, "country must be a two-letter region"),
    ({"quirks_share": 2.0}, "quirks_share must be from 0 to 1"),
    ({"message_object_share": -0.1}, "message_object_share must be from 0 to 1"),
    ({"clock_speed": 0}, "clock_speed must be more than 0"),
    ({"allow_list": ("not-an-ip",)}, "'not-an-ip' is not an IP address"),
    ({"timezone": "Mars/Base"}, "'Mars/Base' is not a time zone"),
    ({"rate_limit": 0}, "rate_limit must be 1 or more"), ({"api_key": ""}, "api_key must not"),
    ({"date_timezone": "Nowhere"}, "'Nowhere' is not a time zone"),
])
def test_config_rejects_nonsense(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        sandbox_config(**bad)


def test_config_repr_hides_secrets() -> None:
    text = repr(sandbox_config(webhook_secret="hook-secret-value"))
    assert "sandbox-test-key" not in text
    assert "sandbox-test-control" not in text
    assert "hook-secret-value" not in text


def test_utc_needs_no_tz_database() -> None:
    assert load_zone("UTC") is UTC
    assert load_zone("utc") is UTC
    assert str(load_zone("Europe/Dublin")) == "Europe/Dublin"
