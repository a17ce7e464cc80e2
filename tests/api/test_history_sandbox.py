"""iter_history against the sandbox: every call once, frugally, whatever the date rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pbxdesk.api.client import PbxClient
from pbxdesk.api.models import CallKind, SortOrder
from pbxdesk.sandbox import Sandbox
from pbxdesk.sandbox.server import SandboxServer
from tests.fixtures.api import MakeClient

pytestmark = pytest.mark.asyncio
MakeSandbox = Callable[..., Sandbox]


def truth_keys(sandbox: Sandbox, kind: CallKind, **filters: Any) -> Counter[str]:
    """The keys the parser gives the sandbox's ground-truth rows."""
    from pbxdesk.api.parse import parse_row

    keys: Counter[str] = Counter()
    for raw in sandbox.rows(kind, **filters):
        row = parse_row(raw, kind)
        assert row is not None
        keys[row.key] += 1
    return keys


async def scan_keys(client: PbxClient, kind: CallKind, sandbox: Sandbox, *,
                    names: tuple[str, ...] = (),
                    sort: SortOrder = SortOrder.NEWEST_FIRST) -> tuple[Counter[str], Any]:
    today = sandbox.now().date()
    scan = client.iter_history(kind, today - timedelta(days=40), today + timedelta(days=1),
                               names=names, sort=sort)
    keys: Counter[str] = Counter()
    async for page in scan:
        keys.update(row.key for row in page.rows)
    return keys, scan.report


@pytest.mark.parametrize("kind", list(CallKind))
async def test_every_row_once_with_a_biting_cap(sandbox: Sandbox, make_client: MakeClient,
                                                kind: CallKind) -> None:
    client = make_client(sandbox, max_offset=300, max_limit=100)
    expected = truth_keys(sandbox, kind)
    keys, report = await scan_keys(client, kind, sandbox)
    assert keys == expected
    assert report.complete
    total = sum(expected.values())
    assert report.narrowings >= total // 400  # one window reaches 400 rows
    assert sandbox.request_count == report.requests
    assert report.requests <= 3 * total / 100 + 4  # the overlap stays modest


@pytest.mark.parametrize(("zone", "inclusive"), [("Pacific/Kiritimati", False),
                                                 ("Pacific/Pago_Pago", True),
                                                 ("account", False)])
async def test_date_rules_of_the_server_do_not_matter(make_sandbox: MakeSandbox,
                                                      make_client: MakeClient, zone: str,
                                                      inclusive: bool) -> None:
    sandbox = make_sandbox(calls=1200, date_timezone=zone, to_date_inclusive=inclusive)
    client = make_client(sandbox, max_offset=200, max_limit=100)
    keys, report = await scan_keys(client, CallKind.USER, sandbox)
    assert keys == truth_keys(sandbox, CallKind.USER)
    assert report.complete


async def test_oldest_first_and_names(sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sandbox, max_offset=100, max_limit=50)
    name = sandbox.account.queues[0].name
    keys, report = await scan_keys(client, CallKind.QUEUE, sandbox, names=(name,),
                                   sort=SortOrder.OLDEST_FIRST)
    assert keys == truth_keys(sandbox, CallKind.QUEUE, names=[name])
    assert report.complete


async def test_user_filter_over_the_scan(sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client(sandbox, max_offset=100, max_limit=50)
    extension = sandbox.account.users[3].extension
    keys, report = await scan_keys(client, CallKind.USER, sandbox, names=(extension,))
    assert keys == truth_keys(sandbox, CallKind.USER, names=[extension])
    assert report.filtered == 0  # the sandbox understands the parameter


@pytest.mark.slow
async def test_50000_calls_with_live_traffic_over_loopback(make_sandbox: MakeSandbox,
                                                           make_client: MakeClient) -> None:
    # 10:00 on a Wednesday in Sydney: the live traffic follows business hours. The
    # clock stands still unless advanced, so the calls arrive between two pages for
    # certain, however fast or slow the scan runs (its speed: docs/benchmarks.md).
    sandbox = make_sandbox(calls=50_000, live_traffic=True, live_calls_per_minute=30.0,
                           clock_speed=0.001, now=datetime(2024, 5, 15, 0, 0, tzinfo=UTC))
    with SandboxServer(sandbox) as server:
        client = make_client(base_url=server.base_url, api_key=sandbox.api_key)
        before = truth_keys(sandbox, CallKind.USER)
        rows_before = sandbox.row_count(CallKind.USER)
        today = sandbox.now().date()
        scan = client.iter_history(CallKind.USER, today - timedelta(days=40),
                                   today + timedelta(days=1))
        pages = [await anext(scan)]
        sandbox.advance(600)  # ten minutes of calls land while the client pages
        pages += [page async for page in scan]
        rows_after = sandbox.row_count(CallKind.USER)
    keys = Counter(row.key for page in pages for row in page.rows)
    assert sum(before.values()) > 45_000
    assert all(keys[key] == 1 for key in before)  # every call that existed, exactly once
    assert max(keys.values()) == 1  # and nothing twice, new calls included
    assert scan.report.complete
    # Calls arrived while the scan ran, and shifted the newest-first list under it: the
    # second page repeated more than the one row its clamped offset (9999) overlaps.
    assert rows_after > rows_before
    assert pages[1].query.offset == 9999
    assert pages[1].duplicates > 1
    # Frugal: 10,000-row pages; the date overlap costs about one request in five.
    assert scan.report.requests <= 7
