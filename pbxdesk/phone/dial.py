"""From what the agent types or pastes to a :class:`DialTarget` or a reason.

Owns the two entry points click-to-call uses:

- :func:`parse_dial_input` for the dial box: the text is meant as one number, so
  it is read as a whole first (links, extensions, vanity numbers, "ext. 12");
  only when that fails and the text reads like a sentence is a number searched
  for inside it;
- :func:`find_number_in_text` for clipboard text: the text is probably prose, so
  a dial link or a valid number inside it is preferred; only when there is
  none is the text read as a whole (a copied extension or vanity number);
  :func:`find_numbers_in_text` lists them all, for a text that holds several.

Numbers inside prose are found with phonenumbers' ``PhoneNumberMatcher`` at
``Leniency.VALID``: a valid number, written with the grouping and prefixes
people use. Short extensions are not picked out of prose ("room 1204", "2024"
are more often not extensions). Nothing here logs the text it is given.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterator

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatch, PhoneNumberMatcher

from pbxdesk.phone.display import describe
from pbxdesk.phone.numbers import parse_number_text
from pbxdesk.phone.region import normalize_region
from pbxdesk.phone.results import (
    MAX_EXTENSION_DIGITS,
    DialResult,
    DialTarget,
    NotDialable,
    Reason,
)
from pbxdesk.phone.text import SCAN_LIMIT, clean, compact, is_digit_string, looks_like_number
from pbxdesk.phone.uri import find_uri, find_uris, is_dial_uri, parse_uri

_NOT_FOUND = "No phone number found in that text."
# Candidates the matcher may try in one text: bounds the work on digit-heavy
# documents (tables of figures) that are still inside SCAN_LIMIT.
_MAX_MATCHER_TRIES = 200
# Copied text longer than this is a table or a document, not one number written
# out: when no number is found in it, say so rather than "too long".
_ONE_NUMBER_MAX = 64
_DECIMAL_BEFORE = re.compile(r"[0-9][.,]")
_DECIMAL_AFTER = re.compile(r"[.,][0-9]")
# Numbers offered from one copied text: beyond this it is a list to read, not a choice.
MAX_NUMBERS_FOUND = 6


def parse_dial_input(
    text: str,
    default_region: str | None,
    *,
    max_extension_digits: int = MAX_EXTENSION_DIGITS,
    extensions: Collection[str] = (),
) -> DialResult:
    """What the dial box holds, as a target or the reason it is not one.

    Never raises. ``default_region`` is the country of numbers typed without
    ``+`` (a settings value; None or an unknown code allows only international
    numbers and extensions). ``extensions`` are the account's known extensions
    (:mod:`pbxdesk.phone.extensions`: how digits alone are read).
    """
    cleaned = clean(text).strip()
    if is_dial_uri(cleaned):
        linked = parse_uri(cleaned, default_region, max_extension_digits=max_extension_digits,
                           extensions=extensions)
        # "tel:+61 412 345 678" is a link written loosely; "tel:… call me" is text.
        if isinstance(linked, DialTarget) or not any(ch.isspace() for ch in cleaned):
            return _with_text(linked, text)
    result = parse_number_text(cleaned, default_region, max_extension_digits, typed=True,
                               extensions=extensions)
    if isinstance(result, DialTarget) or not cleaned or looks_like_number(cleaned):
        return _with_text(result, text)
    found = _search(cleaned, default_region)
    return _with_text(found or NotDialable(Reason.NOT_A_NUMBER, _NOT_FOUND), text)


def find_number_in_text(
    text: str,
    default_region: str | None,
    *,
    max_extension_digits: int = MAX_EXTENSION_DIGITS,
    extensions: Collection[str] = (),
) -> DialResult:
    """The number to dial in clipboard text; never raises.

    Only the first :data:`~pbxdesk.phone.text.SCAN_LIMIT` characters are read.
    Preference: a dial link; digits alone as a whole (so a known extension is
    read as one); the first valid number in the text; the whole text as one
    number (an extension, a vanity number).
    """
    cleaned = clean(text).strip()
    if not cleaned:
        return _with_text(NotDialable(Reason.EMPTY, "The copied text is empty."), text)
    uri = find_uri(cleaned)
    if uri is not None:
        linked = parse_uri(uri, default_region, max_extension_digits=max_extension_digits,
                           extensions=extensions)
        if isinstance(linked, DialTarget):
            return linked
    whole = parse_number_text(cleaned, default_region, max_extension_digits,
                              extensions=extensions)
    if isinstance(whole, DialTarget) and is_digit_string(compact(cleaned)):
        return whole  # digits alone: a known extension is read as one (or offered beside)
    found = _search(cleaned, default_region)
    if isinstance(found, DialTarget):
        return found
    if isinstance(whole, DialTarget) or (
        len(cleaned) <= _ONE_NUMBER_MAX and looks_like_number(cleaned)
    ):
        return _with_text(whole, text)
    return _with_text(found or NotDialable(Reason.NOT_A_NUMBER, _NOT_FOUND), text)


def find_numbers_in_text(
    text: str,
    default_region: str | None,
    *,
    max_extension_digits: int = MAX_EXTENSION_DIGITS,
    extensions: Collection[str] = (),
    limit: int = MAX_NUMBERS_FOUND,
) -> list[DialTarget]:
    """Every number to dial in clipboard text, in the order the text gives them; never raises.

    The dial links and the valid numbers (as :func:`find_number_in_text` finds
    them), each number once however often and however written, at most
    ``limit``. Empty when the text holds none: then :func:`find_number_in_text`
    says why, or reads the whole text as one number (an extension).
    """
    cleaned = clean(text).strip()
    region = normalize_region(default_region) or phonenumbers.UNKNOWN_REGION
    found: list[tuple[int, DialTarget]] = []
    for start, uri in find_uris(cleaned):
        linked = parse_uri(uri, default_region, max_extension_digits=max_extension_digits,
                           extensions=extensions)
        if isinstance(linked, DialTarget):
            found.append((start, linked))
    found.extend((match.start, describe(match.number, default_region))
                 for match in _matches(cleaned, region, Leniency.VALID))
    targets: dict[str, DialTarget] = {}
    for _start, target in sorted(found, key=lambda pair: pair[0]):
        targets.setdefault(target.number_to_call, target)
    return list(targets.values())[:limit]


def _search(text: str, default_region: str | None) -> DialResult | None:
    """The first valid number in free ``text``; else why the first likely one fails.

    None when the text holds nothing that looks like a phone number.
    """
    region = normalize_region(default_region) or phonenumbers.UNKNOWN_REGION
    for match in _matches(text, region, Leniency.VALID):
        return describe(match.number, default_region)
    for match in _matches(text, region, Leniency.POSSIBLE):
        # Extensions off: a short figure in prose is not one. The full parse says
        # why this candidate fails (or accepts it, if only its layout was odd).
        return parse_number_text(match.raw_string, default_region, 0)
    return None


def _matches(text: str, region: str, leniency: int) -> Iterator[PhoneNumberMatch]:
    """phonenumbers' matches in ``text``, without those cut out of a decimal figure.

    In "7458.00 18813749 93544.00" the matcher finds "00 18813749 93544", an
    international call to Japan; no phone number is glued to a decimal point.
    """
    for match in PhoneNumberMatcher(text, region, leniency, _MAX_MATCHER_TRIES):
        before = text[max(0, match.start - 2) : match.start]
        after = text[match.end : match.end + 2]
        if _DECIMAL_BEFORE.fullmatch(before) or _DECIMAL_AFTER.fullmatch(after):
            continue
        yield match


def _with_text(result: DialResult, text: str) -> DialResult:
    """``result`` with the caller's input attached when it is not dialable."""
    if isinstance(result, NotDialable):
        return dataclasses.replace(result, text=text[:SCAN_LIMIT])
    return result
