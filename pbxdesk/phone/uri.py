"""Dial links: ``tel:`` (RFC 3966), ``callto:`` and ``sip:``/``sips:`` URIs.

Owns reading the number out of a link, whether it comes from a web page, the
clipboard or the command line (``pbxdesk tel:+61412345678``):

- ``tel:+61-2-9876-5432;ext=12;isub=34``: visual separators go, ``;ext=`` becomes
  the target's extension, ``;isub=`` (an ISDN subaddress no PBX trunk can dial)
  and unknown parameters are ignored, ``%``-escapes are decoded;
- ``tel:9876 5432;phone-context=+612``: a local number with a global context is
  read in that context; with a domain context (``;phone-context=pbx.example``)
  it is read in the default country, or as an extension when short;
- ``sip:+61412345678@host;user=phone`` and ``sip:1002@pbx``: the user part is
  the number; a ``:password`` in it and ``?headers`` are dropped;
- ``callto:+61…`` and ``callto://+61…`` (and ``tel://``) read alike.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from urllib.parse import unquote

from pbxdesk.phone.numbers import parse_number_text
from pbxdesk.phone.results import MAX_EXTENSION_DIGITS, DialResult, NotDialable, Reason
from pbxdesk.phone.text import SCAN_LIMIT, ascii_digits, clean, compact

URI_SCHEMES = ("tel", "callto", "sip", "sips")
_SCHEME = re.compile(r"(?i)(tel|callto|sips?):")
# A link somewhere in free text, e.g. "Join: sip:1002@pbx.example" in an e-mail.
_URI_IN_TEXT = re.compile(r"(?i)(?<![\w.+-])(?:tel|callto|sips?):[^\s<>\"']+")

_NOT_A_LINK = "That isn't a tel:, callto: or sip: link."


def is_dial_uri(text: str) -> bool:
    """True when ``text`` (stripped) starts with one of :data:`URI_SCHEMES` and a colon."""
    return _SCHEME.match(text.strip()) is not None


def find_uri(text: str) -> str | None:
    """The first dial link inside cleaned free ``text``, if any."""
    match = _URI_IN_TEXT.search(text)
    return match.group(0) if match else None


def find_uris(text: str) -> Iterator[tuple[int, str]]:
    """Every dial link inside cleaned free ``text``, with where it starts."""
    for match in _URI_IN_TEXT.finditer(text):
        yield match.start(), match.group(0)


def parse_uri(
    uri: str,
    default_region: str | None = None,
    *,
    max_extension_digits: int = MAX_EXTENSION_DIGITS,
    extensions: Collection[str] = (),
) -> DialResult:
    """The target of a ``tel:``, ``callto:`` or ``sip:`` link; never raises.

    Args:
        uri: the link; schemes are case-insensitive.
        default_region: the country for a local number without a global
            ``phone-context``; None dials only international numbers and extensions.
        max_extension_digits: longest internal extension.
        extensions: the account's known extensions.
    """
    text = clean(uri).strip()
    match = _SCHEME.match(text)
    if match is None:
        return NotDialable(Reason.NOT_A_NUMBER, _NOT_A_LINK, uri[:SCAN_LIMIT])
    scheme = match.group(1).lower()
    rest = text[match.end() :].lstrip("/")
    rest = rest.split("?", 1)[0]  # SIP headers, callto options
    if scheme.startswith("sip"):
        rest = rest.split("@", 1)[0].split(":", 1)[0]  # "user:password@host;params"
    local, params = _split_params(rest)
    number = clean(unquote(local, errors="replace"))
    context = params.get("phone-context", "")
    if context.startswith("+") and not number.lstrip().startswith("+"):
        # RFC 3966 5.1.5: a global context is the prefix the local number extends.
        number = "+" + ascii_digits(context) + compact(number)
    extension = ascii_digits(params.get("ext", "")) or None
    result = parse_number_text(number, default_region, max_extension_digits,
                               extension=extension, extensions=extensions)
    if isinstance(result, NotDialable):
        return NotDialable(result.reason, result.message, uri[:SCAN_LIMIT])
    return result


def _split_params(subscriber: str) -> tuple[str, dict[str, str]]:
    """``"+61…;ext=12;isub=3"`` → ``("+61…", {"ext": "12", "isub": "3"})``, decoded."""
    local, *pairs = subscriber.split(";")
    params: dict[str, str] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        params.setdefault(name.strip().lower(), clean(unquote(value, errors="replace")).strip())
    return local, params
