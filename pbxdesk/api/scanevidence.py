"""The rows a scan read last, kept in its saved state: :class:`Evidence`.

A plan decides from what it read as well as from its state: which rows it
has read already (a row read again is not counted twice in the density a
window is sized from) and their start times (where the server's ``to_date``
cuts). Without them, a scan resumed after a stop in its first pages (the look
at the range's two ends) sized its windows from a different density and
learnt the server's dates later: up to four more requests on a first sync.

Keeping every row read would make each saved state as large as the history,
so only the rows of the last :data:`PAGES` pages are kept (the range's look is
at most four pages, so a stop inside it loses nothing), and those of the pages
that hold a row the plan goes on from (the top of the next window, a crowded
day's known ends): rows are read again, and start times compared, next to
those. No I/O here.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from pbxdesk.api.scansweep import RowInfo

PAGES = 4


_Page = tuple[tuple[str, ...], tuple[float | None, ...]]


class Evidence:
    """Keys and start times (epoch seconds, None where a row has none) of the rows of
    pages read, each page in the server's order (see the module docstring)."""

    def __init__(self, pages: Iterable[_Page] = ()) -> None:
        self._pages: list[_Page] = list(pages)

    def add(self, rows: Sequence[RowInfo], pinned: Collection[str]) -> None:
        """Keep the page of ``rows``, and forget pages older than the last :data:`PAGES`
        that hold none of the ``pinned`` keys."""
        self._pages.append((tuple(row.key for row in rows), tuple(row.at for row in rows)))
        older = len(self._pages) - PAGES
        if older > 0:
            self._pages[:older] = [page for page in self._pages[:older]
                                   if any(key in pinned for key in page[0])]

    def read_keys(self) -> set[str]:
        return {key for keys, _ in self._pages for key in keys}

    def times(self) -> list[list[float]]:
        """The start times, per page."""
        return [[at for at in times if at is not None] for _, times in self._pages]

    def last_keys(self) -> frozenset[str]:
        """The keys of the page read last."""
        return frozenset(self._pages[-1][0]) if self._pages else frozenset()

    def to_json(self) -> list[dict[str, Any]]:
        return [{"keys": list(keys), "at": list(times)} for keys, times in self._pages]

    @classmethod
    def from_json(cls, value: Any) -> Evidence:
        """The evidence of a :meth:`to_json`; none (nothing lost but requests) when
        ``value`` is missing (a state saved before it was kept) or damaged."""
        if not isinstance(value, list):
            return cls()
        pages = []
        for page in value[-2 * PAGES:]:
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
