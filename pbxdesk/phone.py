"""Phone numbers: parsing what people type or paste, and what the API sends.

Built on ``phonenumbers``; no hand-written numbering rules. No Qt here.
"""

from __future__ import annotations

import phonenumbers

# Internal extensions on the PBX are short digit strings (e.g. 1002).
MAX_EXTENSION_DIGITS = 6


def normalize_api_number(raw: str | None, default_region: str | None = None) -> str | None:
    """E.164 for a number as the API sends it, or None for extensions and junk.

    The API sends international numbers as digits without ``+`` (``61300000000``);
    a value that does not parse that way is tried as a national number of
    ``default_region``.
    """
    if raw is None:
        return None
    digits = raw.strip()
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isdigit() or len(digits) <= MAX_EXTENSION_DIGITS:
        return None
    candidates: list[tuple[str, str | None]] = [("+" + digits, None)]
    if default_region:
        candidates.append((digits, default_region))
    for text, region in candidates:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None
