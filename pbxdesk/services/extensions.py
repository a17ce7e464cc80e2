"""The account's extensions, as its users in the history show them. Qt-free.

Digits alone are read against these (:mod:`pbxdesk.phone.extensions`): a known
extension is dialled as one, and offered beside the number when the digits are
a valid number too. Every user row the API sends carries ``user_number``; the
store keeps each user seen, so the set grows as a sync brings new users.
"""

from __future__ import annotations

from collections.abc import Iterable

from pbxdesk.store import UserInfo


def account_extensions(users: Iterable[UserInfo], my_extension: str = "") -> frozenset[str]:
    """The extensions of ``users`` (their numbers that are digits) and the agent's own."""
    numbers = {user.number.strip() for user in users}
    numbers.add(my_extension.strip())
    return frozenset(number for number in numbers
                     if number and number.isascii() and number.isdigit())
