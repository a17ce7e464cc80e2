"""Phone numbers: parsing what people type or paste, and what the API sends.

Built on ``phonenumbers``; no hand-written numbering rules. No Qt here. The
package's parts, each importable from ``pbxdesk.phone``:

- ``results``: :class:`DialTarget`, :class:`NotDialable`, :class:`Reason`;
- ``dial``: :func:`parse_dial_input` (dial box), :func:`find_number_in_text`
  and :func:`find_numbers_in_text` (clipboard);
- ``uri``: :func:`parse_uri` for ``tel:``, ``callto:`` and ``sip:`` links;
- ``numbers``: one number as a whole (emergency numbers, validity);
- ``extensions``: digits alone: a known extension, a number, or both
  (:func:`keep_typing_hint` for an extension on its way to more);
- ``partial``: numbers on their way ("0412 345": too short, keep typing);
- ``display``: :func:`format_for_display`, :func:`normalize_api_number`,
  :func:`format_as_you_type`, :func:`country_name` (from the generated
  ``countries`` table);
- ``search``: :func:`search_digits` for the call store;
- ``region``: :func:`default_region_from_locale` and region validation;
- ``text``: input clean-up shared by all of them;
- ``warmup``: :func:`warm_up` loads what the first number typed needs, ahead of it.

Every public function takes any ``str`` without raising.
"""

from __future__ import annotations

from pbxdesk.phone.dial import (
    MAX_NUMBERS_FOUND,
    find_number_in_text,
    find_numbers_in_text,
    parse_dial_input,
)
from pbxdesk.phone.display import (
    country_name,
    format_as_you_type,
    format_for_display,
    normalize_api_number,
)
from pbxdesk.phone.extensions import keep_typing_hint
from pbxdesk.phone.numbers import is_emergency_number
from pbxdesk.phone.region import (
    FALLBACK_REGION,
    default_region_from_locale,
    normalize_region,
    region_from_locale_name,
)
from pbxdesk.phone.results import (
    MAX_EXTENSION_DIGITS,
    MIN_EXTENSION_DIGITS,
    PREMIUM_RATE,
    DialResult,
    DialTarget,
    NotDialable,
    Reason,
)
from pbxdesk.phone.search import search_digits
from pbxdesk.phone.uri import URI_SCHEMES, is_dial_uri, parse_uri
from pbxdesk.phone.warmup import warm_up

__all__ = [
    "FALLBACK_REGION",
    "MAX_EXTENSION_DIGITS",
    "MAX_NUMBERS_FOUND",
    "MIN_EXTENSION_DIGITS",
    "PREMIUM_RATE",
    "URI_SCHEMES",
    "DialResult",
    "DialTarget",
    "NotDialable",
    "Reason",
    "country_name",
    "default_region_from_locale",
    "find_number_in_text",
    "find_numbers_in_text",
    "format_as_you_type",
    "format_for_display",
    "is_dial_uri",
    "is_emergency_number",
    "keep_typing_hint",
    "normalize_api_number",
    "normalize_region",
    "parse_dial_input",
    "parse_uri",
    "region_from_locale_name",
    "search_digits",
    "warm_up",
]
