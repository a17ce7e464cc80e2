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

Names compare case-folded (Unicode ``casefold``), whatever their length: "jo"
finds "John" and "Jones". The text is looked for in the dictionaries of
distinct caller names and numbers (:mod:`pbxdesk.store.terms`), then the calls
holding a found value are sought on the caller-name, caller and destination
indexes (:class:`Part`); users and groups are few, so they are matched here in
Python and become ``user_ref`` / ``group_ref`` lists.
"""

# SQL here is assembled from constant identifiers and '?' placeholders only; every
# value is bound as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Any, Final, Protocol

import phonenumbers

from pbxdesk.store import indexes, terms
from pbxdesk.store.filters import SortColumn
from pbxdesk.store.rows import storable
from pbxdesk.store.terms import fold, names_containing, numbers_containing

# Digit strings this long or longer also match a number's E.164 form; a shorter
# one only the number as stored (one or two digits are in nearly every E.164 form).
MIN_E164_CHARS: Final = 3


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
class Part:
    """Some of a search's matches: the rows ``sql`` selects, sought on ``index`` (None:
    a range of ids read from the table)."""

    index: str | None
    sql: str
    params: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class TextMatch:
    """What a search text selects: the union of its :attr:`parts`.

    ``condition`` / ``params`` say the same as one condition on a ``calls`` row
    (for a walk in some other order, which tests each row it passes).
    """

    parts: tuple[Part, ...]

    @property
    def matches_nothing(self) -> bool:
        return not self.parts

    @property
    def condition(self) -> str:
        return " OR ".join(f"({part.sql})" for part in self.parts) or "0"

    @property
    def params(self) -> tuple[Any, ...]:
        return tuple(value for part in self.parts for value in part.params)


class ValueMemo(Protocol):
    def value_table(self, key: object, columns: tuple[str, ...], select_sql: str,
                    params: tuple[Any, ...]) -> str:
        """The name of a temporary table (``columns``) holding what ``select_sql`` returns."""


def text_match(conn: sqlite3.Connection, text: str, region: str | None,
               memo: ValueMemo | None = None) -> TextMatch:
    """The calls ``text`` finds; with ``memo``, the matched names and numbers are
    kept in temporary tables (a search's pages then scan the dictionaries once)."""
    query = parse_text(text, region)
    user_refs, group_refs = _matching_refs(conn, query)
    parts: list[Part] = []
    if query.name is not None:
        select, params = names_containing(fold(query.name))
        found = _value_set(conn, memo, ("names", fold(query.name)), ("name",), select, params)
        if found is not None:
            names, values = found
            parts.append(Part(indexes.SEARCHED[SortColumn.CALLER_NAME],
                              f"caller_name COLLATE NOCASE IN (SELECT name FROM {names})",
                              values))
    elif query.numbers:
        select, params = numbers_containing(query.numbers, MIN_E164_CHARS)
        found = _value_set(conn, memo, ("numbers", query.numbers), ("number",), select, params)
        if found is not None:
            # Matched by the number as stored: the rare number stored with two E.164
            # forms (the default country changed) is found through either.
            numbers, values = found
            for column, index in (("caller_id", SortColumn.CALLER),
                                  ("dest_number", SortColumn.DESTINATION)):
                parts.append(Part(indexes.SEARCHED[index],
                                  f"{column} IN (SELECT number FROM {numbers})", values))
    if user_refs:
        parts.append(Part(indexes.BY_USER_AND_START, f"user_ref IN ({_marks(user_refs)})",
                          tuple(user_refs)))
    if group_refs:
        parts.append(Part(indexes.BY_KIND_AND_START, f"group_ref IN ({_marks(group_refs)})",
                          tuple(group_refs)))
    # Calls stored since the dictionaries were last brought up to date (normally
    # none: a search catches up first, unless the store was busy or read-only).
    reached = terms.reached(conn)
    newest = conn.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0]
    if newest > reached:
        tests, params = _row_tests(query)
        if tests:
            parts.append(Part(None, f"id > {reached:d} AND ({tests})", params))
    return TextMatch(tuple(parts))


def _row_tests(query: TextQuery) -> tuple[str, tuple[Any, ...]]:
    """The search as a test of a row's own names and numbers."""
    if query.name is not None:
        return "instr(pbx_fold(caller_name), ?) > 0", (fold(query.name),)
    tests: list[str] = []
    params: list[str] = []
    for digits in query.numbers:
        columns = ["caller_id", "dest_number"]
        if len(digits) >= MIN_E164_CHARS:
            columns += ["coalesce(caller_e164, '')", "coalesce(dest_e164, '')"]
        tests += [f"instr({column}, ?) > 0" for column in columns]
        params += [digits] * len(columns)
    return " OR ".join(tests), tuple(params)


def _value_set(conn: sqlite3.Connection, memo: ValueMemo | None, key: object,
               columns: tuple[str, ...], select_sql: str, params: tuple[Any, ...]
               ) -> tuple[str, tuple[Any, ...]] | None:
    """A table (or subquery) of the dictionary values ``select_sql`` finds; None if empty."""
    if memo is None:
        if conn.execute(f"SELECT 1 FROM ({select_sql}) LIMIT 1", params).fetchone() is None:
            return None
        return f"({select_sql})", params
    try:
        table = memo.value_table(key, columns, select_sql, params)
    except sqlite3.OperationalError:  # no temporary tables (a query-only connection)
        return _value_set(conn, None, key, columns, select_sql, params)
    if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None:
        return None
    return table, ()


def _matching_refs(conn: sqlite3.Connection,
                   query: TextQuery) -> tuple[list[int], list[int]]:
    users: list[int] = []
    groups: list[int] = []
    if query.name is not None:
        needle = fold(query.name)
        users = [ref for ref, name in conn.execute("SELECT id, name FROM call_users")
                 if needle in fold(name)]
        groups = [ref for ref, name in conn.execute("SELECT id, name FROM call_groups")
                  if needle in fold(name)]
    elif query.numbers:
        users = [ref for ref, number in conn.execute("SELECT id, number FROM call_users")
                 if any(digits in number for digits in query.numbers)]
    return users, groups


def _marks(values: list[int]) -> str:
    return ", ".join("?" * len(values))
