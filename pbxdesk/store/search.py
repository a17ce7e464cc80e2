"""The search box: what the user typed, turned into an indexed SQL condition.

Text with a letter is a name: a case-insensitive substring of the caller's,
the user's or the group's name. Text without one is a number, typed in any
format, and matches where any of these is a substring of the caller, the
destination, their E.164 forms or the user's extension: its digits as typed;
the E.164 digits ``phonenumbers`` reads from it with the default region; and
for national input, the digits with the trunk prefix replaced by the country
code; and after a leading "00" (the international prefix most of the world
dials, written so even where the country's own is another, such as Australia's
0011), the digits that follow it. So "0412 345 678", "+61 412 345 678",
"0061 412 345 678", "412345678" and the partly typed "0412 34" all find a
stored ``61412345678``.

Callers' names and numbers are in the trigram index ``calls_search`` (FTS5);
users and groups are few, so they are matched here in Python and become
``user_ref`` / ``group_ref`` lists. The trigram index needs three characters:
a shorter search falls back to ``LIKE``, which scans (correct but not fast).
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Any, Final

import phonenumbers

from pbxdesk.store.rows import storable

MIN_INDEXED_CHARS: Final = 3


@dataclass(frozen=True, slots=True)
class TextQuery:
    """A search box entry: a name fragment, or digit strings any of which may match."""

    name: str | None
    numbers: tuple[str, ...]


def parse_text(text: str, region: str | None) -> TextQuery:
    # Control characters (a NUL ends an FTS5 string early) and lone surrogates
    # (not UTF-8) cannot be searched for; they become spaces / U+FFFD.
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in storable(text))
    text = " ".join(text.split())
    if not text:
        return TextQuery(None, ())
    if any(ch.isalpha() for ch in text):
        return TextQuery(text, ())
    return TextQuery(None, number_candidates(text, region))


def number_candidates(text: str, region: str | None) -> tuple[str, ...]:
    """Digit strings to look for, most specific first; empty if there are no digits."""
    digits = phonenumbers.normalize_digits_only(text)
    if not digits:
        return ()
    candidates = [digits]
    try:
        number = phonenumbers.parse(text, region)
        candidates.append(
            f"{number.country_code}{phonenumbers.national_significant_number(number)}")
    except phonenumbers.NumberParseException:
        pass
    # phonenumbers keeps the trunk prefix of a short, partly typed national number
    # ("0412" stays 0412), so swap it for the country code ourselves: 0412 -> 61412.
    if region and not text.lstrip().startswith("+"):
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        prefix = metadata.national_prefix if metadata else None
        if prefix and digits.startswith(prefix) and len(digits) > len(prefix):
            country = phonenumbers.country_code_for_region(region)
            candidates.append(f"{country}{digits[len(prefix):]}")
    if _after_double_zero(digits, region):
        candidates.append(digits[2:])  # "0061 2 …": what follows is the country code
    return tuple(dict.fromkeys(candidates))


def _after_double_zero(digits: str, region: str | None) -> bool:
    """Whether ``digits`` start with "00" as an international prefix that ``region``
    does not itself use (phonenumbers reads the country's own, such as 0011)."""
    if not digits.startswith("00") or digits.startswith("000") or len(digits) <= 4:
        return False
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region) if region else None
    own = metadata.international_prefix if metadata else None
    return not (own and re.match(f"(?:{own})", digits))


@dataclass(frozen=True, slots=True)
class TextMatch:
    """What a search text selects: ids from indexes, and/or a scanning condition.

    ``ids_sql`` is a SELECT of matching ``calls.id`` (from the trigram index and
    the user / group references); ``scan_sql`` a condition on ``calls`` for
    parts too short for the index. A row matches if either says so.
    """

    ids_sql: str | None
    ids_params: tuple[Any, ...]
    scan_sql: str | None
    scan_params: tuple[Any, ...]

    @property
    def matches_nothing(self) -> bool:
        return self.ids_sql is None and self.scan_sql is None


def text_match(conn: sqlite3.Connection, text: str, region: str | None) -> TextMatch:
    query = parse_text(text, region)
    user_refs, group_refs = _matching_refs(conn, query)
    sources: list[str] = []
    params: list[Any] = []
    match = _fts_expression(query)
    if match:
        sources.append("SELECT rowid FROM calls_search WHERE calls_search MATCH ?")
        params.append(match)
    if user_refs:
        sources.append(f"SELECT id FROM calls WHERE user_ref IN ({_marks(user_refs)})")
        params.extend(user_refs)
    if group_refs:
        sources.append(f"SELECT id FROM calls WHERE group_ref IN ({_marks(group_refs)})")
        params.extend(group_refs)
    # Too short for the trigram index: scan with LIKE (ASCII case-insensitive).
    scans: list[str] = []
    scan_params: list[Any] = []
    if query.name is not None and len(query.name) < MIN_INDEXED_CHARS:
        scans.append("caller_name LIKE ? ESCAPE '\\'")
        scan_params.append(_like(query.name))
    for digits in query.numbers:
        if len(digits) < MIN_INDEXED_CHARS:
            scans.append("caller_id LIKE ? ESCAPE '\\' OR dest_number LIKE ? ESCAPE '\\'")
            scan_params.extend((_like(digits), _like(digits)))
    return TextMatch(" UNION ".join(sources) or None, tuple(params),
                     " OR ".join(scans) or None, tuple(scan_params))


def _fts_expression(query: TextQuery) -> str | None:
    if query.name is not None and len(query.name) >= MIN_INDEXED_CHARS:
        return f"caller_name : {_phrase(query.name)}"
    numbers = [n for n in query.numbers if len(n) >= MIN_INDEXED_CHARS]
    if numbers:
        return f"numbers : ({' OR '.join(_phrase(n) for n in numbers)})"
    return None


def _matching_refs(conn: sqlite3.Connection,
                   query: TextQuery) -> tuple[list[int], list[int]]:
    users: list[int] = []
    groups: list[int] = []
    if query.name is not None:
        needle = query.name.casefold()
        users = [ref for ref, name in conn.execute("SELECT id, name FROM call_users")
                 if needle in name.casefold()]
        groups = [ref for ref, name in conn.execute("SELECT id, name FROM call_groups")
                  if needle in name.casefold()]
    elif query.numbers:
        users = [ref for ref, number in conn.execute("SELECT id, number FROM call_users")
                 if any(digits in number for digits in query.numbers)]
    return users, groups


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _marks(values: list[int]) -> str:
    return ", ".join("?" * len(values))
