"""Loading, ahead of the first keystroke, what reading a number of one country needs.

phonenumbers loads each region's metadata on first use, and the "keep typing"
check (:mod:`pbxdesk.phone.partial`) compiles the patterns of every region that
shares the calling code (Australia's +61 brings Christmas Island and the Cocos
Islands): 15–25 ms the first time an Australian number is typed, a freeze on the
GUI thread. :func:`warm_up` does that work once, from a background thread, by
reading the region's example number as it would be typed.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from pbxdesk.phone.dial import parse_dial_input
from pbxdesk.phone.display import format_as_you_type
from pbxdesk.phone.region import normalize_region
from pbxdesk.phone.text import compact


def warm_up(region: str | None) -> None:
    """Read ``region``'s example number digit by digit, as the dial pad will; never raises.

    Safe from any thread: imports take Python's import lock, and the caches it
    fills may at worst be filled twice.
    """
    code = normalize_region(region)
    if code is None:
        return
    example = (phonenumbers.example_number_for_type(code, PhoneNumberType.MOBILE)
               or phonenumbers.example_number(code))
    if example is None:
        return
    digits = compact(phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL))
    for end in range(1, len(digits) + 1):
        parse_dial_input(digits[:end], code)
    format_as_you_type(digits, code)
