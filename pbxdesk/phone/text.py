"""Making arbitrary user text safe to hand to phonenumbers.

Owns the clean-up every parser does first: cap the length, fold compatibility
forms (full-width digits and ``＋``), turn every Unicode decimal digit into ASCII,
drop invisible format characters (bidi marks, zero-width spaces, lone
surrogates) and turn control characters other than tab and line breaks into
spaces. Also the few character
classes the parsers share.
"""

from __future__ import annotations

import re
import unicodedata

# Characters of input looked at. A phone number with its label and extension fits
# in far less; this bounds the work on a pasted document or a runaway clipboard.
SCAN_LIMIT = 4096

# Visual separators people put inside numbers (RFC 3966 allows ``-.()``; people also
# type spaces, slashes and Unicode dashes).
_VISUAL_SEPARATORS = re.compile(r"[\s\-.()/\[\]\u2010-\u2015\u2212\u30fc\uff0d]+")
# Digits, optionally led by "+", then letters/digits/keypad symbols: the shape of a
# typed number, vanity number or "number ext 12", as opposed to a sentence.
_NUMBER_SHAPE = re.compile(r"\+?[0-9][0-9A-Za-z#*,;=]*")

# Unicode categories dropped outright (a bidi mark inside "+61 2…" must not split it)
# or replaced by a space (a newline between two numbers must keep them apart).
_DROPPED = frozenset({"Cf", "Cs"})
_SPACED = frozenset({"Cc", "Co", "Cn", "Zl", "Zp", "Zs"})


def clean(text: str) -> str:
    """``text`` capped at :data:`SCAN_LIMIT` characters with digits in ASCII.

    Never raises; the result holds no format or surrogate characters and no
    control characters but tab, CR and LF.
    """
    # NFKC maps full-width digits, "＋" and ligatures to plain forms; it can grow
    # the text, so cap before and after.
    folded = unicodedata.normalize("NFKC", text[:SCAN_LIMIT])[:SCAN_LIMIT]
    out: list[str] = []
    for ch in folded:
        if " " <= ch <= "~":
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category == "Nd":
            # Arabic-Indic, Devanagari, Thai … digits: phonenumbers knows some of
            # them, the rest of our code (extensions, search) needs ASCII.
            out.append(str(unicodedata.decimal(ch)))
        elif category in _DROPPED:
            continue
        elif ch in "\t\n\r":
            # Kept: phonenumbers' matcher treats them as boundaries between the
            # cells and lines of a pasted table, where a space would join them.
            out.append(ch)
        elif category in _SPACED or ch.isspace():
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def compact(text: str) -> str:
    """``text`` without whitespace and visual separators (``-``, ``.``, brackets …)."""
    return _VISUAL_SEPARATORS.sub("", text)


def ascii_digits(text: str) -> str:
    """Only the ASCII digits of ``text``."""
    return "".join(ch for ch in text if "0" <= ch <= "9")


def is_digit_string(text: str) -> bool:
    """True when ``text`` is one or more ASCII digits and nothing else."""
    return text.isascii() and text.isdigit()


def looks_like_number(text: str) -> bool:
    """True when cleaned ``text`` reads as a typed number rather than a sentence.

    "0412 345 678", "1-800-FLOWERS" and "+61 2 9876 5432 ext. 12" do;
    "Call me on 0412 345 678" does not.
    """
    return _NUMBER_SHAPE.fullmatch(compact(text)) is not None
