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
megabytes of keys (10,000-row pages) to save no request.

Each page's saved form is made once, when it is read: its keys joined into one
string and its start times packed as 8-byte floats in base64. Saved as lists,
the eighth page's state took 60-80 ms of ``json.dumps`` (a C call that holds
the GIL: the window froze meanwhile), re-encoding every float of every page
each time; a few big strings copy in a few milliseconds, and the times come
back bit for bit. States saved as lists (an older pbxdesk) are read too.
No I/O here.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from collections.abc import Iterable, Sequence
from typing import Any

from pbxdesk.api.scansweep import RowInfo

PAGES = 8
CLOSED = "closed"
"""What a state saves once the first pages are past (no evidence kept any more)."""


_Page = tuple[tuple[str, ...], tuple[float | None, ...]]
_SEPARATOR = "\x1f"
"""Between a page's keys in its saved form (a page with a key holding one is saved as a
list)."""


class Evidence:
    """Keys and start times (epoch seconds, None where a row has none) of the rows of
    pages read, each page in the server's order (see the module docstring)."""

    def __init__(self, pages: Iterable[_Page] = (), *, closed: bool = False) -> None:
        self._pages: list[_Page] = [] if closed else list(pages)
        self._saved = [_saved_page(keys, times) for keys, times in self._pages]
        self._closed = closed

    def add(self, rows: Sequence[RowInfo]) -> None:
        """Keep the page of ``rows`` if it is one of the scan's first :data:`PAGES`;
        past them, forget every page (see the module docstring)."""
        if self._closed:
            return
        page = (tuple(row.key for row in rows), tuple(row.at for row in rows))
        self._pages.append(page)
        self._saved.append(_saved_page(*page))
        if len(self._pages) > PAGES:
            self._pages.clear()
            self._saved.clear()
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
        return list(self._saved)

    @classmethod
    def from_json(cls, value: Any) -> Evidence:
        """The evidence of a :meth:`to_json`; none (nothing lost but requests) when
        ``value`` is missing (a state saved before it was kept) or damaged."""
        if value == CLOSED:
            return cls(closed=True)
        if not isinstance(value, list):
            return cls()
        pages = []
        for saved in value[-PAGES:]:
            page = _read_page(saved) if isinstance(saved, dict) else None
            if page is None:
                return cls()
            pages.append(page)
        return cls(pages)


def _saved_page(keys: tuple[str, ...], times: tuple[float | None, ...]) -> dict[str, Any]:
    """A page as saved: keys joined, times packed (None as NaN); see the module docstring."""
    joined = _SEPARATOR.join(keys)
    packed = struct.pack(f"<{len(times)}d", *(math.nan if at is None else at for at in times))
    return {"keys": joined if keys and joined.count(_SEPARATOR) == len(keys) - 1
            else list(keys),
            "at64": base64.b64encode(packed).decode("ascii")}


def _read_page(saved: dict[Any, Any]) -> _Page | None:
    """A saved page (either form), or None if it is damaged."""
    keys = saved.get("keys")
    if isinstance(keys, str):
        keys = keys.split(_SEPARATOR)
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        return None
    times = _unpacked(saved["at64"]) if "at64" in saved else saved.get("at")
    if (not isinstance(times, list) or len(keys) != len(times)
            or not all(at is None or (isinstance(at, int | float) and not isinstance(
                at, bool) and math.isfinite(at)) for at in times)):
        return None
    return tuple(keys), tuple(None if at is None else float(at) for at in times)


def _unpacked(packed: object) -> list[float | None] | None:
    if not isinstance(packed, str):
        return None
    try:
        raw = base64.b64decode(packed, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) % 8:
        return None
    return [None if math.isnan(at) else at for at in struct.unpack(f"<{len(raw) // 8}d", raw)]
