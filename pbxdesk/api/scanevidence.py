"""The rows a scan read last, kept in its saved state: :class:`Evidence`.

A plan decides from what it read as well as from its state: which rows it
has read already (a row read again is not counted twice in the density a
window is sized from) and their start times (where the server's ``to_date``
cuts). Without them, a scan resumed after a stop in its first pages (the look
at the range's two ends) sized its windows from a different density and
learnt the server's dates later: up to four more requests on a first sync.

Only the rows of a scan's first :data:`PAGES` pages are kept (the range's look
is at most four pages, and the windows sized from it follow: a stop there cost
up to four requests; measured after them, at most one); after them the evidence
is dropped for good. Kept further, every page's saved state would carry
megabytes of keys (10,000-row pages) to save no request. No I/O here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from pbxdesk.api.scansweep import RowInfo

PAGES = 8
CLOSED = "closed"
"""What a state saves once the first pages are past (no evidence kept any more)."""


_Page = tuple[tuple[str, ...], tuple[float | None, ...]]


class Evidence:
    """Keys and start times (epoch seconds, None where a row has none) of the rows of
    pages read, each page in the server's order (see the module docstring)."""

    def __init__(self, pages: Iterable[_Page] = (), *, closed: bool = False) -> None:
        self._pages: list[_Page] = [] if closed else list(pages)
        self._closed = closed

    def add(self, rows: Sequence[RowInfo]) -> None:
        """Keep the page of ``rows`` if it is one of the scan's first :data:`PAGES`;
        past them, forget every page (see the module docstring)."""
        if self._closed:
            return
        self._pages.append((tuple(row.key for row in rows), tuple(row.at for row in rows)))
        if len(self._pages) > PAGES:
            self._pages.clear()
            self._closed = True

    def read_keys(self) -> set[str]:
        return {key for keys, _ in self._pages for key in keys}

    def times(self) -> list[list[float]]:
        """The start times, per page."""
        return [[at for at in times if at is not None] for _, times in self._pages]

    def last_keys(self) -> frozenset[str]:
        """The keys of the page read last."""
        return frozenset(self._pages[-1][0]) if self._pages else frozenset()

    def to_json(self) -> list[dict[str, Any]] | str:
        if self._closed:
            return CLOSED
        return [{"keys": list(keys), "at": list(times)} for keys, times in self._pages]

    @classmethod
    def from_json(cls, value: Any) -> Evidence:
        """The evidence of a :meth:`to_json`; none (nothing lost but requests) when
        ``value`` is missing (a state saved before it was kept) or damaged."""
        if value == CLOSED:
            return cls(closed=True)
        if not isinstance(value, list):
            return cls()
        pages = []
        for page in value[-PAGES:]:
            if not isinstance(page, dict):
                return cls()
            keys, times = page.get("keys"), page.get("at")
            if (not isinstance(keys, list) or not isinstance(times, list)
                    or len(keys) != len(times)
                    or not all(isinstance(key, str) for key in keys)
                    or not all(at is None or (isinstance(at, int | float) and not isinstance(
                        at, bool) and math.isfinite(at)) for at in times)):
                return cls()
            pages.append((tuple(keys), tuple(None if at is None else float(at)
                                             for at in times)))
        return cls(pages)
