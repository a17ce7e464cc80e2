"""Events as the relay keeps and sends them, desks, and who receives what.

A webhook's fields become an :class:`IncomingEvent`: values normalised to
strings (numbers and booleans written out, ``""`` / ``"null"`` and friends to
null, lists of URLs kept as lists of strings), the two spellings the PBX uses
for the same field folded into one (``callerid`` → ``caller_id``,
``ringgroup_name`` → ``ring_group_name``), and the ``type`` taken from the
body, else from the trigger in the URL, else ``unknown``. Unknown types and
fields are kept as they came.

Routing is one rule, :meth:`Desk.wants`: an event goes to a desk of the same
account when its ``user_number`` is the desk's extension, or its
``queue_name`` / ``ring_group_name`` is one of the desk's queues / ring groups
(names compared without case). An event that names none of these goes to
nobody. The relay's own events for the whole team (callback records) carry
:data:`ACCOUNT_ROUTE`, which every desk of the account has. No I/O here.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pbxdesk.relay.triggers import type_of_trigger

FieldValue = str | list[str] | None

MAX_FIELDS = 200
"""More fields than this in one event is not a PBX webhook."""
MAX_KEY_LENGTH = 100

ACCOUNT_ROUTE = "*"
"""Every desk's route: events the relay makes for the whole account (no webhook has it)."""

_NULL_STRINGS = frozenset({"", "null", "none", "undefined", "nil"})
_ALIASES = {"callerid": "caller_id", "ringgroup_name": "ring_group_name"}
_TYPE_CHARS = re.compile(r"[^a-z0-9_.-]+")


class UnreadableEventError(ValueError):
    """A webhook body part that cannot be an event (the message says why, without values)."""


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """One webhook event, normalised, before it is stored."""

    type: str
    fields: Mapping[str, FieldValue]

    @property
    def routes(self) -> frozenset[str]:
        return routes_of(self.fields)

    def digest(self, account: str) -> str:
        """Identity for once-only storage: the same event posted twice has the same digest."""
        canonical = json.dumps([account, self.type, sorted(self.fields.items())],
                               separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def data_json(self, received_at: datetime) -> str:
        """The SSE ``data:`` line: the fields, the type and ``received_at``, as one JSON line."""
        data: dict[str, FieldValue] = {"type": self.type, **self.fields,
                                       "received_at": iso_ms(received_at)}
        return json.dumps(data, separators=(",", ":"), ensure_ascii=True)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as stored: its stream id, its type, whom it concerns and its data line."""

    id: str
    type: str
    routes: frozenset[str]
    data: str

    @property
    def frame(self) -> bytes:
        """The event as one Server-Sent Events message."""
        return f"id: {self.id}\nevent: {self.type}\ndata: {self.data}\n\n".encode()


@dataclass(frozen=True, slots=True)
class Desk:
    """One agent's pbxdesk: the events it may receive are those of its routes."""

    id: str
    account: str
    extension: str
    queues: tuple[str, ...] = ()
    ring_groups: tuple[str, ...] = ()
    created_at: str = ""

    @property
    def routes(self) -> frozenset[str]:
        return frozenset(
            [ACCOUNT_ROUTE, extension_route(self.extension),
             *(queue_route(name) for name in self.queues),
             *(ring_group_route(name) for name in self.ring_groups)])

    def wants(self, event_routes: Iterable[str]) -> bool:
        return not self.routes.isdisjoint(event_routes)

    def to_json(self) -> dict[str, Any]:
        return {"desk": self.id, "account": self.account, "extension": self.extension,
                "queues": list(self.queues), "ring_groups": list(self.ring_groups),
                "created_at": self.created_at}


def extension_route(extension: str) -> str:
    return "x:" + extension.strip()


def queue_route(name: str) -> str:
    return "q:" + _fold(name)


def ring_group_route(name: str) -> str:
    return "g:" + _fold(name)


def routes_of(fields: Mapping[str, FieldValue]) -> frozenset[str]:
    """The routes an event's fields name (see the module docstring)."""
    routes: list[str] = []
    for field, route in (("user_number", extension_route), ("queue_name", queue_route),
                         ("ring_group_name", ring_group_route)):
        value = fields.get(field)
        if isinstance(value, str) and value.strip():
            routes.append(route(value))
    return frozenset(routes)


def normalise_event(raw: Any, trigger: str | None) -> IncomingEvent:
    """One webhook event from a decoded JSON object or form fields.

    Raises:
        UnreadableEventError: not an object, no fields, too many fields, or a key
            that is not text.
    """
    if not isinstance(raw, Mapping):
        raise UnreadableEventError("an event must be an object of fields")
    if not raw:
        raise UnreadableEventError("an event without fields")
    if len(raw) > MAX_FIELDS:
        raise UnreadableEventError(f"an event with more than {MAX_FIELDS} fields")
    fields: dict[str, FieldValue] = {}
    event_type: str | None = None
    for key, value in raw.items():
        if not isinstance(key, str):
            raise UnreadableEventError("a field name that is not text")
        name = _readable(key).strip()
        if not name or len(name) > MAX_KEY_LENGTH:
            raise UnreadableEventError("an empty or overlong field name")
        if name == "type":
            text = _scalar(value)
            event_type = text if isinstance(text, str) else None
            continue
        fields[name] = _value(value)
    for alias, name in _ALIASES.items():
        if alias in fields:
            aliased = fields.pop(alias)
            if fields.get(name) is None:
                fields[name] = aliased
    return IncomingEvent(_event_type(event_type, trigger), fields)


def iso_ms(moment: datetime) -> str:
    """``2026-11-27T09:15:02.123Z``, the PBX's own timestamp form."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _event_type(given: str | None, trigger: str | None) -> str:
    if given:
        cleaned = _TYPE_CHARS.sub("_", given.strip().lower())[:64].strip("_")
        if cleaned:
            return cleaned
    if trigger:
        return type_of_trigger(trigger)
    return "unknown"


def _value(value: Any) -> FieldValue:
    if isinstance(value, list | tuple):
        items = [_scalar(item) for item in value]
        return [item for item in items if item is not None]
    return _scalar(value)


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = _readable(value).strip()
        return None if text.lower() in _NULL_STRINGS else text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    # A nested object or list inside a list: kept as its JSON text, never dropped.
    return _readable(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str))


def _readable(text: str) -> str:
    """``text`` with unpaired surrogates (JSON's ``"\\ud800"``, not Unicode) as U+FFFD.

    They cannot be encoded as UTF-8, so the store (SQLite, Redis) and every desk
    would fail on them.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()
