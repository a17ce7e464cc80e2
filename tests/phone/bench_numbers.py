"""Benchmark for pbxdesk.phone; results go to docs/benchmarks.md ("Numbers").

Run: ``.venv/bin/python -m tests.phone.bench_numbers``. Not collected by pytest:
timings are written down, never asserted.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from pbxdesk.phone import (
    find_number_in_text,
    format_as_you_type,
    format_for_display,
    parse_dial_input,
    search_digits,
)

TYPED = [
    "0412 345 678",
    "+61 2 9876 5432",
    "(02) 9876 5432 ext. 12",
    "1002",
    "tel:+61-2-9876-5432;ext=12",
    "1-800-FLOWERS",
    "9876 5432",
    "Call me on (02) 9876 5432 tomorrow",
]
WORDS = ["please", "call", "the", "customer", "back", "about", "the", "invoice", "before", "noon"]


def _per_call(func: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and worst time of one call, in microseconds, over ``repeat`` calls."""
    func()  # warm: metadata for the regions involved is loaded on first use
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times), max(times)


def _prose(size: int, number: str, *, at_end: bool, rng: random.Random) -> str:
    words: list[str] = []
    length = 0
    while length < size:
        words.append(rng.choice(WORDS))
        length += len(words[-1]) + 1
    text = " ".join(words)
    return text + " " + number if at_end else number + " " + text


def _figures(size: int, rng: random.Random) -> str:
    """A pasted spreadsheet: rows of order numbers and amounts, no phone number."""
    rows: list[str] = []
    length = 0
    while length < size:
        rows.append(f"{rng.randrange(10**7, 10**8)}\t{rng.randrange(100, 99999)}.00")
        length += len(rows[-1]) + 1
    return "\n".join(rows)


def _cold_start() -> float:
    """Milliseconds for the first parse in a fresh interpreter (imports excluded)."""
    code = (
        "import time; from pbxdesk.phone import parse_dial_input; t=time.perf_counter();"
        "parse_dial_input('0412 345 678','AU'); print((time.perf_counter()-t)*1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return float(out)


def _clipboard(text: str) -> Callable[[], object]:
    return lambda: find_number_in_text(text, "AU")


def _typed(text: str) -> Callable[[], object]:
    return lambda: parse_dial_input(text, "AU")


def main() -> None:
    rng = random.Random(4)
    number_first = _prose(4096, "0412 345 678", at_end=False, rng=rng)
    number_last = _prose(4000, "0412 345 678", at_end=True, rng=rng)
    rows: list[tuple[str, Callable[[], object], int]] = [
        (f"parse_dial_input {text!r}", _typed(text), 2000) for text in TYPED
    ]
    rows += [
        ("find_number_in_text 4 KB prose, number first", _clipboard(number_first), 200),
        ("find_number_in_text 4 KB prose, number last", _clipboard(number_last), 200),
        ("find_number_in_text 4 KB of figures, no number", _clipboard(_figures(4096, rng)), 50),
        ("find_number_in_text 1 MB clipboard (scan capped)", _clipboard(_figures(10**6, rng)), 20),
        (
            "format_as_you_type, each keystroke of +61412345678",
            lambda: [format_as_you_type("+61412345678"[:n], "AU") for n in range(1, 13)],
            500,
        ),
        ("search_digits '0412 345 678'", lambda: search_digits("0412 345 678", "AU"), 2000),
        (
            "format_for_display, 1000 API rows",
            lambda: [format_for_display(n, "AU") for n in ("61412345678", "1002") * 500],
            20,
        ),
    ]
    print(f"Python {sys.version.split()[0]}")
    print(f"cold first parse: {_cold_start():.0f} ms")
    print(f"{'case':60} {'median':>10} {'worst':>10}")
    for name, func, repeat in rows:
        median, worst = _per_call(func, repeat)
        print(f"{name:60} {median:8.0f}us {worst:8.0f}us")


if __name__ == "__main__":
    main()
