"""Decoding a large JSON answer a row at a time: :func:`decode_envelope_in_slices`.

``json.loads`` decodes a 3 MB history page in one C call of 20–60 ms that
holds the interpreter lock all along: the event loop (the GUI thread) cannot
run meanwhile, though the decoding happens in a worker thread. Decoding the
envelope key by key, and its ``data`` list element by element
(``JSONDecoder.raw_decode``), lets the lock change hands between rows, and
handing each element to ``each`` as soon as it is decoded lets the caller
turn it into its row and drop the dict at once, so fewer objects live long
enough for the garbage collector to walk them again and again.

For a JSON object the result equals ``json.loads`` with ``each`` applied to
the elements of the top-level ``data`` list; anything that is not valid JSON
raises ``ValueError`` like ``json.loads``. No I/O here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def decode_envelope_in_slices(content: bytes, each: Callable[[Any], Any],
                              key: str = "data") -> Any:
    """``json.loads(content)``, with ``each`` applied to every element of ``key``'s list.

    Falls back to ``json.loads`` (whole) for anything but a UTF-8 JSON object.
    """
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return _whole(content, each, key)
    start = _skip(text, 0)
    if text[start:start + 1] != "{":
        return _whole(content, each, key)
    try:
        return _object(text, start, each, key)
    except IndexError:
        raise ValueError("Unexpected end of JSON input") from None


def _whole(content: bytes, each: Callable[[Any], Any], key: str) -> Any:
    document = json.loads(content)
    if isinstance(document, dict) and isinstance(document.get(key), list):
        document[key] = [each(item) for item in document[key]]
    return document


def _skip(text: str, index: int) -> int:
    match = _SPACE.match(text, index)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def _expect(text: str, index: int, char: str) -> int:
    if text[index] != char:
        raise ValueError(f"Expecting {char!r} at char {index}")
    return _skip(text, index + 1)


def _object(text: str, index: int, each: Callable[[Any], Any], key: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    index = _skip(text, index + 1)
    if text[index] == "}":
        return _end(text, index + 1, result)
    while True:
        if text[index] != '"':
            raise ValueError(f"Expecting property name at char {index}")
        name, index = _DECODER.raw_decode(text, index)
        index = _expect(text, _skip(text, index), ":")
        if name == key and text[index] == "[":
            result[name], index = _list(text, index, each)
        else:
            result[name], index = _DECODER.raw_decode(text, index)
        index = _skip(text, index)
        if text[index] == "}":
            return _end(text, index + 1, result)
        index = _expect(text, index, ",")


def _list(text: str, index: int, each: Callable[[Any], Any]) -> tuple[list[Any], int]:
    items: list[Any] = []
    index = _skip(text, index + 1)
    if text[index] == "]":
        return items, index + 1
    while True:
        value, index = _DECODER.raw_decode(text, index)
        items.append(each(value))
        index = _skip(text, index)
        if text[index] == "]":
            return items, index + 1
        index = _expect(text, index, ",")


def _end(text: str, index: int, result: dict[str, Any]) -> dict[str, Any]:
    if _skip(text, index) != len(text):
        raise ValueError(f"Extra data at char {index}")
    return result
