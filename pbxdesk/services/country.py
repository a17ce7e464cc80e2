"""The default country, checked against the account's own numbers after the first sync.

On a first run the default country is a guess from the locale (and the time
zone): a C or en_US locale makes it the US, although every number of an
Australian PBX is +61, and then "0412 345 678" is "not a valid number". The
account's own numbers (its caller IDs and DIDs, :func:`account_numbers`) say
where it is. :class:`CountryAdvisor` looks once the first sync of an empty
store has finished and, when most of those numbers belong to a country whose
calling code differs from the default's, suggests it in the banner with a
button that switches to it. The locale's guess stays the fallback: no numbers,
no suggestion. It asks once per account: a sync into a store that already held
calls is not a first sync.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable
from typing import Final

import phonenumbers
from PySide6.QtCore import QObject, Slot

from pbxdesk.phone import country_name, normalize_region
from pbxdesk.services.callerids import CallerIdChoice, account_numbers
from pbxdesk.services.messages import Message, MessageBridge, Remedy, Severity
from pbxdesk.store import CallStore, StoreError

log = logging.getLogger("pbxdesk.app")
SOURCE: Final = "country"
# Share of the account's number uses that must belong to one country to suggest it.
MAJORITY: Final = 0.6


def account_region(numbers: Iterable[CallerIdChoice]) -> str | None:
    """The country of most of the account's numbers (weighted by use), or None."""
    uses: Counter[str] = Counter()
    for choice in numbers:
        try:
            parsed = phonenumbers.parse(choice.e164, None)
        except phonenumbers.NumberParseException:
            continue
        region = phonenumbers.region_code_for_number(parsed)
        if region and normalize_region(region):
            uses[region] += max(1, choice.uses)
    if not uses:
        return None
    region, count = uses.most_common(1)[0]
    return region if count >= MAJORITY * sum(uses.values()) else None


def suggested_region(numbers: Iterable[CallerIdChoice], current: str) -> str | None:
    """The account's country when numbers typed without + would be read in another.

    None when the account's numbers name no country, or one that shares the
    default's calling code (the US and Canada dial each other nationally).
    """
    region = account_region(numbers)
    if region is None or region == current:
        return None
    current_code = phonenumbers.country_code_for_region(current) if normalize_region(
        current) else 0
    return None if phonenumbers.country_code_for_region(region) == current_code else region


def suggestion_text(region: str, current: str) -> str:
    """The banner's words: where the account's numbers are, and what is used instead."""
    def named(code: str) -> str:
        prefix = phonenumbers.country_code_for_region(code)
        return f"{country_name(code) or code} (+{prefix})" if prefix else code

    return (f"Your account's numbers are in {named(region)}, but numbers typed without a "
            f"country code are read as {named(current)}. Use {country_name(region) or region} "
            "as the default country?")


class CountryAdvisor(QObject):
    """Suggests the account's country as the default once its first sync shows its numbers.

    Attributes:
        suggested: the country code suggested in the banner, or None.
    """

    def __init__(self, store: CallStore, messages: MessageBridge, current_region: str, *,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._messages = messages
        self._current = current_region
        self.suggested: str | None = None
        self._looking: asyncio.Future[list[CallerIdChoice]] | None = None
        try:
            self._waiting = store.date_range() is None  # an empty store: the first sync is next
        except StoreError as error:
            log.warning("Could not tell whether the store is empty: %s", error)
            self._waiting = False

    @property
    def waiting(self) -> bool:
        """True until the first sync has shown the account's numbers."""
        return self._waiting

    @Slot(object)
    def on_sync_finished(self, _result: object = None) -> None:
        """After a sync: look at the account's numbers once they are there (read on a
        worker thread: a few thousand calls, tens of ms on the GUI thread)."""
        if not self._waiting or self._looking is not None:
            return
        self._looking = asyncio.get_running_loop().run_in_executor(
            None, account_numbers, self._store, self._current)
        self._looking.add_done_callback(self._on_numbers_read)

    def _on_numbers_read(self, looking: asyncio.Future[list[CallerIdChoice]]) -> None:
        self._looking = None
        if looking.cancelled() or not self._waiting:
            return
        try:
            numbers = looking.result()
        except (StoreError, RuntimeError) as error:  # RuntimeError: the store closed
            log.warning("Could not read the account's numbers: %s", error)
            return
        if not numbers:
            return  # nothing to go by yet: the next sync may bring some
        self._waiting = False
        region = suggested_region(numbers, self._current)
        if region is None:
            return
        self.suggested = region
        log.info("The account's numbers are in %s; the default country is %s", region,
                 self._current)
        self._messages.post(Message(suggestion_text(region, self._current), Severity.INFO,
                                    Remedy.USE_ACCOUNT_COUNTRY, source=SOURCE))

    def done(self) -> None:
        """The suggestion was taken (or the account closed): take it off the banner."""
        self.suggested = None
        self._messages.clear(SOURCE)
