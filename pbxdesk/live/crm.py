"""Open in CRM: a web address made from a template setting and a caller's number.

The setting is a URL with placeholders, e.g.
``https://crm.example.com/search?phone={e164}``:

- ``{e164}``: the number in E.164 (``+61412345678``);
- ``{digits}``: the same without the ``+`` (``61412345678``);
- ``{number}``: the number as the PBX sent it.

Every value is percent-encoded (``+`` becomes ``%2B``), so a hostile caller ID
cannot add a parameter, a path or a fragment. The template itself must be an
``http``/``https`` address with a host, and the placeholders may only stand
after the host (a number never chooses where the browser goes). An empty
template turns the feature off. No Qt here.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote, urlsplit

PLACEHOLDERS: Final = ("e164", "digits", "number")
_FIELD = re.compile(r"\{([^{}]*)\}")
_SAMPLE = "0"
MAX_TEMPLATE_CHARS: Final = 2000


def template_problem(template: str) -> str | None:
    """None when ``template`` is usable (or empty: off), else what to correct."""
    text = template.strip()
    if not text:
        return None
    if len(text) > MAX_TEMPLATE_CHARS:
        return f"At most {MAX_TEMPLATE_CHARS} characters"
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        return "A web address has no spaces"
    names = _FIELD.findall(text)
    unknown = [name for name in names if name not in PLACEHOLDERS]
    if unknown:
        return (f"Unknown placeholder {{{unknown[0]}}}: use "
                + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS))
    if not names:
        return "Put {e164}, {digits} or {number} where the caller's number goes"
    if "{" in _FIELD.sub("", text) or "}" in _FIELD.sub("", text):
        return "Braces are only for the placeholders {e164}, {digits} and {number}"
    try:
        parts = urlsplit(_FIELD.sub(_SAMPLE, text))
        host = parts.hostname
    except ValueError:
        return "That is not a web address; write it as e.g. https://crm.example.com/search?phone={e164}"
    if parts.scheme not in {"http", "https"} or not host:
        return "The address must start with https:// (or http://) and name a host"
    if "{" in urlsplit(text).netloc:
        return "The placeholder must come after the host name (in the path or the query)"
    return None


def crm_url(template: str, e164: str | None, raw_number: str | None) -> str | None:
    """The address to open for this caller, or None (no template, or no number to fill in)."""
    text = template.strip()
    if not text or template_problem(text) is not None:
        return None
    values = {"e164": e164, "digits": e164.lstrip("+") if e164 else None,
              "number": raw_number.strip() if raw_number else None}
    needed = set(_FIELD.findall(text))
    if any(not values[name] for name in needed):
        if not e164 and raw_number and raw_number.strip():
            # An extension or a number phonenumbers could not read: its raw form, encoded.
            values = {name: raw_number.strip() for name in PLACEHOLDERS}
        else:
            return None
    return _FIELD.sub(lambda match: quote(values[match.group(1)] or "", safe=""), text)


def is_web_link(url: str) -> bool:
    """True for an ``http``/``https`` address with a host (what pbxdesk ever opens)."""
    try:
        parts = urlsplit(url)
        return parts.scheme in {"http", "https"} and bool(parts.hostname)
    except ValueError:
        return False
