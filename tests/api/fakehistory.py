"""A small scripted history endpoint for scan tests (an httpx.MockTransport handler).

It serves ``get-user-calls`` with the API's paging caps and lets a test pick
what the sandbox does not vary: the time zone and inclusivity of the date
filter, a server that ignores ``sort_by`` or the user selector, rows without
start times, and calls arriving or deleted with every request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx


class FakeHistory:
    """Rows in memory, answered like the API (only what a scan uses)."""

    def __init__(self, starts: list[datetime], *, tz_hours: float = 0, inclusive: bool = True,
                 ignore_sort: bool = False, refuse_sort: bool = False,
                 ignore_selector: bool = False,
                 max_offset: int = 9999, max_limit: int = 10000,
                 users: tuple[str, ...] = ("1010",)) -> None:
        self.tz = timedelta(hours=tz_hours)
        self.inclusive = inclusive
        self.ignore_sort = ignore_sort
        self.refuse_sort = refuse_sort
        self.ignore_selector = ignore_selector
        self.max_offset = max_offset
        self.max_limit = max_limit
        self.rows: list[dict[str, Any]] = []
        self.requests: list[httpx.Request] = []
        self.before_answer: Callable[[FakeHistory], None] | None = None
        self._users = users
        for start in starts:
            self.add(start)

    def add(self, start: datetime | None) -> dict[str, Any]:
        number = len(self.rows)
        row = {"unique_call_id": f"{number:08d}", "type": "user_inbound_answered",
               "caller_id": "61299990000", "user_number": self._users[number % len(self._users)],
               "call_start_at": start.strftime("%Y-%m-%dT%H:%M:%S.000Z") if start else None,
               "call_duration": 10, "conversation_duration": 5}
        self.rows.append(row)
        return row

    def keys(self) -> set[str]:
        return {key_of(row) for row in self.rows}

    def delete(self, count: int) -> None:
        """Delete ``count`` of the newest rows but one (calls deleted on the PBX)."""
        newest = sorted(self.rows, key=lambda row: row["call_start_at"] or "", reverse=True)
        for row in newest[1:count + 1]:
            self.rows.remove(row)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before_answer is not None:
            self.before_answer(self)
        params = request.url.params
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 100))
        if not 0 <= offset <= self.max_offset or not 1 <= limit <= self.max_limit:
            return httpx.Response(400, json={"code": 400, "status": "error",
                                             "message": "offset or limit out of range"})
        if self.refuse_sort and params.get("sort_by") == "oldest_first":
            return httpx.Response(400, json={"code": 400, "status": "error",
                                             "message": "sort_by must be newest_first"})
        low = date.fromisoformat(params["from_date"]) if "from_date" in params else date.min
        high = date.fromisoformat(params["to_date"]) if "to_date" in params else date.max
        selected = [row for row in self.rows if self._in_range(row, low, high)]
        wanted = {name for name in params.get("users_numbers", "").split(",") if name}
        if wanted and not self.ignore_selector:
            selected = [row for row in selected if row["user_number"] in wanted]
        oldest_first = params.get("sort_by") == "oldest_first" and not self.ignore_sort
        # Ties broken by id, as a database index would: a stable order across requests.
        selected.sort(key=lambda row: (row["call_start_at"] or "", row["unique_call_id"]),
                      reverse=not oldest_first)
        page = selected[offset:offset + limit]
        return httpx.Response(200, json={"code": 200, "status": "success", "message": "",
                                         "data": page})

    def _in_range(self, row: dict[str, Any], low: date, high: date) -> bool:
        if row["call_start_at"] is None:
            return True
        start = datetime.fromisoformat(row["call_start_at"]).astimezone(UTC)
        local = (start + self.tz).date()
        return low <= local and (local <= high if self.inclusive else local < high)


def key_of(row: dict[str, Any]) -> str:
    return f"user:{row['unique_call_id']}:{row['user_number']}"


def spread(count: int, first: datetime, step: timedelta) -> list[datetime]:
    """``count`` start times going back from ``first`` by ``step``."""
    return [first - step * n for n in range(count)]
