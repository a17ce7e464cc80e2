"""Ground truth for the store's queries, computed in plain Python.

What SQLite should return for a filter and a sort, written independently of
the SQL: matching by the documented rules, sorting as SQLite compares (NOCASE
folds ASCII letters only; missing values sort first; ties by start, then by
the order rows were first stored).
"""

from __future__ import annotations

import functools
import string
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from pbxdesk.api.models import AnyCall, GroupCall, UserCall
from pbxdesk.store import CallFilter, Sort, SortColumn
from pbxdesk.store.search import number_candidates

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_NOCASE = {SortColumn.TYPE, SortColumn.CALLER_NAME, SortColumn.USER_NAME, SortColumn.GROUP,
           SortColumn.STATUS}


def micros(moment: datetime | None) -> int:
    if moment is None:
        return -1
    return (moment - EPOCH) // timedelta(microseconds=1)


_ATTRIBUTE = {
    SortColumn.CALL_ID: "unique_call_id", SortColumn.CALLER: "caller_id",
    SortColumn.CALLER_NAME: "caller_name", SortColumn.DESTINATION: "dest_number",
    SortColumn.USER_NAME: "user_name", SortColumn.EXTENSION: "user_number",
    SortColumn.START: "call_start_at", SortColumn.ANSWERED: "connected_at",
    SortColumn.DURATION: "call_duration", SortColumn.TALK_TIME: "conversation_duration",
    SortColumn.GROUP: "group_name",
}


def raw_value(call: AnyCall, column: SortColumn) -> str | int | datetime | None:
    if column is SortColumn.TYPE:
        return call.type if isinstance(call, UserCall) else None
    if column is SortColumn.STATUS:
        return call.status if isinstance(call, GroupCall) else None
    value: str | int | datetime | None = getattr(call, _ATTRIBUTE[column])
    return value


def sort_value(call: AnyCall, column: SortColumn) -> str | int:
    value = raw_value(call, column)
    if isinstance(value, datetime) or (value is None and column in (
            SortColumn.START, SortColumn.ANSWERED)):
        return micros(value if isinstance(value, datetime) else None)
    if column in (SortColumn.DURATION, SortColumn.TALK_TIME):
        return -1 if value is None else int(value)
    text = "" if value is None else str(value)
    return text.translate(_ASCII_LOWER) if column in _NOCASE else text


def _latest(calls: Sequence[AnyCall]) -> dict[str, tuple[int, AnyCall]]:
    """key -> (order first stored, latest row); memoised, keys are costly to hash."""
    memo_key = (id(calls), len(calls))
    if memo_key not in _LATEST:
        latest: dict[str, tuple[int, AnyCall]] = {}
        for call in calls:
            key = call.key
            latest[key] = (latest[key][0] if key in latest else len(latest), call)
        _LATEST.clear()
        _LATEST[memo_key] = latest
    return _LATEST[memo_key]


_LATEST: dict[tuple[int, int], dict[str, tuple[int, AnyCall]]] = {}


def sorted_keys(calls: Sequence[AnyCall], sort: Sort,
                keep: Callable[[AnyCall], bool] = lambda call: True) -> list[str]:
    """Keys in ``sort`` order; ``calls`` in the order they were first stored."""
    kept = [(key, order, call) for key, (order, call) in _latest(calls).items() if keep(call)]

    def sort_key(item: tuple[str, int, AnyCall]) -> tuple[str | int, int, int]:
        _, order, call = item
        return (sort_value(call, sort.column), micros(call.call_start_at), order)

    if sort.column is SortColumn.START:
        kept.sort(key=lambda item: sort_key(item)[1:], reverse=sort.descending)
    else:
        kept.sort(key=sort_key, reverse=sort.descending)
    return [key for key, _, _ in kept]


def matches(call: AnyCall, flt: CallFilter, region: str | None = "AU") -> bool:
    start = micros(call.call_start_at)
    if flt.start is not None or flt.end is not None:
        if start < max(0, micros(flt.start) if flt.start else 0):
            return False
        if flt.end is not None and start >= micros(flt.end):
            return False
    if flt.kinds and call.kind not in flt.kinds:
        return False
    if flt.directions and call.direction not in flt.directions:
        return False
    if flt.outcomes and call.outcome not in flt.outcomes:
        return False
    if flt.has_users and not ((call.user_number and call.user_number in flt.user_numbers)
                              or (call.user_name and call.user_name in flt.user_names)):
        return False
    if flt.group_names and call.group_name not in flt.group_names:
        return False
    return not flt.text or text_matches(call, flt.text, region)


def text_matches(call: AnyCall, text: str, region: str | None) -> bool:
    # Documented: control characters count as spaces, lone surrogates as U+FFFD.
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = " ".join(text.split())
    if any(ch.isalpha() for ch in text):  # any length: case-folded substrings
        needle = text.casefold()
        caller = needle in (call.caller_name or "").casefold()
        return (caller or needle in (call.user_name or "").casefold()
                or (bool(call.group_name) and needle in (call.group_name or "").casefold()))
    candidates = _candidates(text, region)
    numbers = [call.caller_id or "", call.dest_number or ""]
    indexed = [*numbers, (call.caller_e164 or "").lstrip("+"), (call.dest_e164 or "").lstrip("+")]
    for digits in candidates:
        if digits in (call.user_number or ""):
            return True
        if any(digits in number for number in (indexed if len(digits) >= 3 else numbers)):
            return True
    return False


@functools.cache
def _candidates(text: str, region: str | None) -> tuple[str, ...]:
    return number_candidates(text, region)


def expected(calls: Sequence[AnyCall], flt: CallFilter, sort: Sort,
             region: str | None = "AU") -> list[str]:
    return sorted_keys(calls, sort, lambda call: matches(call, flt, region))
