"""What the number parsers return: a dialable target or a reason it is not dialable.

Owns :class:`DialTarget`, :class:`NotDialable`, the :class:`Reason` codes and the
extension length limits that every parser in this package shares.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field

# Internal extensions on the PBX are short digit strings (e.g. 1002). The maximum is
# a setting (passed as ``max_extension_digits``); this is its default.
MAX_EXTENSION_DIGITS = 6
# One digit is never an extension: PBXs reserve single digits for menus and prefixes.
MIN_EXTENSION_DIGITS = 2
# phonenumbers' region for numbers that belong to no country (+800, +882 …).
NON_GEOGRAPHIC_REGION = "001"
# DialTarget.number_type of a premium-rate number.
PREMIUM_RATE = "premium rate"


class Reason(enum.Enum):
    """Why a number is not dialable; the UI may branch on it, tests assert it."""

    EMPTY = "empty"
    NOT_A_NUMBER = "not-a-number"
    TOO_SHORT = "too-short"
    TOO_LONG = "too-long"
    INVALID_FOR_COUNTRY = "invalid-for-country"
    UNKNOWN_COUNTRY_CODE = "unknown-country-code"
    NO_COUNTRY = "no-country"  # a national number, but no default country is set
    EMERGENCY = "emergency"


@dataclass(frozen=True, slots=True)
class DialTarget:
    """A number or internal extension that click-to-call can dial.

    Attributes:
        e164: ``+61412345678`` for the POST; None for an internal extension.
        extension: for an internal extension, its digits (``1002``); for an
            external number, an RFC 3966 ``;ext=`` / "ext. 12" suffix. The PBX
            cannot dial such a suffix: pbxdesk dials the main number and shows the
            extension so the agent can key it in once the call connects.
        display: national format when the number shares the default country's
            calling code, international otherwise (extension included).
        international: international format (extension included).
        region: ISO 3166 alpha-2 code, ``001`` for non-geographic numbers, None
            for internal extensions.
        number_type: "mobile", "landline", "toll-free", …, "extension", or "".
        alternative: for a known extension that is also a valid number of the
            default country ("131234", and 13 12 34 in Australia), that number.
            Both readings are plausible: show both, extension first, and let the
            agent choose (:meth:`without_alternative` is the extension alone).

    :attr:`region_name` and :attr:`description` are worked out when read, not
    stored: checking or dialling a number never needs them, only showing it.
    """

    e164: str | None
    extension: str | None
    display: str
    international: str
    region: str | None
    number_type: str
    alternative: DialTarget | None = None

    @property
    def is_internal(self) -> bool:
        """True for a PBX extension (no E.164 form)."""
        return self.e164 is None

    @property
    def is_premium_rate(self) -> bool:
        """True for a premium-rate number (AU 1900, UK 09, US 900 …): the caller pays extra."""
        return self.number_type == PREMIUM_RATE

    def without_alternative(self) -> DialTarget:
        """This target alone, the other reading dropped (the agent chose this one)."""
        return dataclasses.replace(self, alternative=None) if self.alternative else self

    @property
    def question(self) -> str:
        """"Extension 131234, or call 13 12 34?" when both readings are plausible; else ""."""
        if self.alternative is None:
            return ""
        return f"Extension {self.extension or ''}, or call {self.alternative.display}?"

    @property
    def number_to_call(self) -> str:
        """The value for the API's ``number_to_call`` field."""
        if self.e164 is not None:
            return self.e164
        return self.extension or ""

    @property
    def region_name(self) -> str:
        """English country name ("Australia"), "International" for ``001``, or ""."""
        if self.region is None:
            return ""
        if self.region == NON_GEOGRAPHIC_REGION:
            return "International"
        # Imported here: display imports this module.
        from pbxdesk.phone.display import country_name

        return country_name(self.region)

    @property
    def description(self) -> str:
        """``+61 412 345 678 (Australia, mobile)``, or ``Extension 1002``."""
        if self.is_internal:
            return f"Extension {self.extension or ''}"
        label = ", ".join(part for part in (self.region_name, self.number_type) if part)
        return f"{self.international} ({label})" if label else self.international


@dataclass(frozen=True, slots=True)
class NotDialable:
    """Input that cannot be dialled, with a sentence the UI can show as is.

    Attributes:
        reason: the category, for code and tests.
        message: one short sentence for the user.
        text: the input (clipboard text is capped). Left out of ``repr`` because
            clipboard text can hold anything, and a repr ends up in logs.
    """

    reason: Reason
    message: str
    text: str = field(default="", repr=False)

    def __str__(self) -> str:
        return self.message


DialResult = DialTarget | NotDialable
