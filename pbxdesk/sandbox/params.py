"""Reading and checking what clients send: history query parameters and call requests.

Anything wrong becomes an :class:`~pbxdesk.sandbox.errors.ApiError` (400) with a
message that names the parameter, so a client's developer can see what to fix.
The guessed parts of the API (user filter name, ``oldest_first``, the time zone
and inclusivity of the dates, 400 or a cap for ``limit``/``offset`` out of range)
follow :class:`HistoryRules`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from pbxdesk.api.models import CallKind, HistoryQuery, SortOrder
from pbxdesk.sandbox.account import Account, User
from pbxdesk.sandbox.errors import ApiError
from pbxdesk.sandbox.numbers import parse_dial_target
from pbxdesk.sandbox.store import RowQuery

_DIGITS = re.compile(r"[0-9]{1,9}")
# Capped mode reads any whole number (a sign, up to 30 digits) and caps it to the range.
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,30}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DEFAULT_LIMIT = 100


@dataclass(frozen=True, slots=True)
class HistoryRules:
    """The sandbox's answers to the open questions about the history endpoints."""

    user_filter_param: str = "users_numbers"
    oldest_first: bool = True
    ignore_oldest_first: bool = False
    ignore_user_selector: bool = False
    date_zone: tzinfo | None = None
    """Time zone the dates are read in; None is UTC."""
    to_date_inclusive: bool = True
    strict_paging: bool = False
    """400 for ``limit``/``offset`` out of range; otherwise they are capped, as the doc says."""


@dataclass(frozen=True, slots=True)
class CallRequest:
    """A click-to-call request that passed every check."""

    user: User
    destination: str
    """Wire digits, or an internal extension."""
    caller_id: str


def parse_history(params: Mapping[str, str], kind: CallKind, rules: HistoryRules) -> RowQuery:
    """The query a history request asks for, or a 400 naming the first bad parameter."""
    strict = rules.strict_paging
    limit = _integer(params, "limit", DEFAULT_LIMIT, 1, HistoryQuery.MAX_LIMIT, strict=strict)
    offset = _integer(params, "offset", 0, 0, HistoryQuery.MAX_OFFSET, strict=strict)
    sort = params.get("sort_by", SortOrder.NEWEST_FIRST.value)
    allowed = [SortOrder.NEWEST_FIRST.value]
    if rules.oldest_first:
        allowed.append(SortOrder.OLDEST_FIRST.value)
    if sort not in allowed:
        raise ApiError(400, f"sort_by must be {' or '.join(allowed)}, not {sort!r}")
    from_date = _date(params, "from_date")
    to_date = _date(params, "to_date")
    if from_date is not None and to_date is not None and from_date > to_date:
        raise ApiError(400, "from_date must not be after to_date")
    start_from, start_before = date_range_ms(from_date, to_date, rules)
    names_param = rules.user_filter_param if kind is CallKind.USER else kind.names_parameter
    names = split_names(params.get(names_param or "", ""))
    if kind is CallKind.USER and rules.ignore_user_selector:
        names = ()
    call_id = params.get("unique_call_id") or None
    newest_first = sort == SortOrder.NEWEST_FIRST.value or rules.ignore_oldest_first
    return RowQuery(start_from_ms=start_from, start_before_ms=start_before, names=names,
                    unique_call_id=call_id, newest_first=newest_first,
                    offset=offset, limit=limit)


def date_range_ms(from_date: date | None, to_date: date | None,
                  rules: HistoryRules) -> tuple[int | None, int | None]:
    """Epoch-ms bounds [from, before) of a date filter under ``rules``."""
    def midnight(day: date) -> int:
        return int(datetime.combine(day, time(0), rules.date_zone or UTC).timestamp() * 1000)

    start = midnight(from_date) if from_date is not None else None
    before = None
    if to_date is not None:
        before = midnight(to_date + timedelta(days=1) if rules.to_date_inclusive else to_date)
    return start, before


def split_names(text: str) -> tuple[str, ...]:
    """Comma-separated names or extensions; blanks around and between are dropped."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_call_request(fields: Mapping[str, str], account: Account) -> CallRequest:
    """Check a call-to-number body against the account, or a 400 that says what is wrong."""
    user_number = fields.get("user_number", "").strip()
    if not user_number:
        raise ApiError(400, "user_number is required")
    user = account.user(user_number)
    if user is None:
        raise ApiError(400, f"user_number {user_number!r} is not a user of this account")
    target = fields.get("number_to_call", "").strip()
    if not target:
        raise ApiError(400, "number_to_call is required")
    destination = parse_dial_target(target, account.extensions)
    if destination is None:
        raise ApiError(400, f"number_to_call {target!r} is not a valid international "
                            "number (E.164) or an extension of this account")
    caller_id = fields.get("caller_id", "").strip()
    if not caller_id:
        return CallRequest(user, destination, user.caller_id)
    did = parse_dial_target(caller_id, frozenset())
    if did is None or did not in account.dids:
        raise ApiError(400, f"caller_id {caller_id!r} is not a number of this account")
    return CallRequest(user, destination, did)


def _integer(params: Mapping[str, str], name: str, default: int, low: int, high: int, *,
             strict: bool) -> int:
    """A whole-number parameter: capped to ``low..high``, or (``strict``) a 400 outside it."""
    raw = params.get(name)
    if raw is None:
        return default
    if not strict and _WHOLE_NUMBER.fullmatch(raw):
        return min(max(int(raw), low), high)
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def _date(params: Mapping[str, str], name: str) -> date | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a date as YYYY-MM-DD, not {raw!r}") from None

