"""Requests from outside the window: what they are, how they travel, how argv makes one.

An :class:`ExternalRequest` is what a launch of ``pbxdesk`` asks the app to do:
dial a number or a ``tel:``/``callto:``/``sip:`` link, put one in the dial pad,
dial the copied number, or just show the window. The first instance gets it
from its own command line (``Options.request``); a second launch sends it
to the first over the single-instance socket as one JSON line
(:mod:`pbxdesk.instance`); on macOS a link arrives as a ``QFileOpenEvent``.

:func:`request_from_args` turns the parsed command line (:mod:`pbxdesk.cli`)
into a request; :meth:`ExternalRequest.target` reads its number with
:mod:`pbxdesk.phone` (all number rules live there). No Qt here.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from pbxdesk.settings import SPECS

if TYPE_CHECKING:
    from pbxdesk.phone import DialResult

Action = Literal["dial", "prefill", "dial_clipboard", "show"]
Source = Literal["cli", "uri", "second-instance"]
ACTIONS: Final[tuple[str, ...]] = get_args(Action)
SOURCES: Final[tuple[str, ...]] = get_args(Source)

WIRE_VERSION: Final = 1
# A request line longer than this is not from pbxdesk: the receiver drops it.
MAX_WIRE_BYTES: Final = 8192
# Longer "numbers" are pasted documents; the phone parser reads no more than this either.
MAX_NUMBER_CHARS: Final = 2048


class BadRequestError(ValueError):
    """A request that cannot be carried out as given; the message says why."""


@dataclass(frozen=True, slots=True)
class ExternalRequest:
    """One thing a launch from outside asks the running app to do.

    Attributes:
        action: "dial" (dial ``number``, or open it in the dial pad when the
            user wants to confirm calls), "prefill" (dial pad only, never dial),
            "dial_clipboard" (read the clipboard and do as for "dial"), "show"
            (bring the window to the front).
        number: the number or link exactly as given; left out of ``repr``
            because reprs end up in logs.
        user: the extension whose phones ring; None for the configured one.
        caller_id: the number to present; None for the configured default.
        source: "cli" (``pbxdesk call``, ``--dial-clipboard``), "uri" (a link
            opened by the desktop or browser), "second-instance" (a plain
            relaunch while pbxdesk runs).
    """

    action: Action
    number: str = field(default="", repr=False)
    user: str | None = None
    caller_id: str | None = None
    source: Source = "cli"

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise BadRequestError(f"Unknown action {self.action[:40]!r}")
        if self.source not in SOURCES:
            raise BadRequestError(f"Unknown source {self.source[:40]!r}")
        if self.has_number and not self.number.strip():
            raise BadRequestError("Give the number to call.")
        if not self.has_number and self.number:
            raise BadRequestError(f"A {self.action!r} request takes no number.")
        if len(self.number) > MAX_NUMBER_CHARS:
            raise BadRequestError("That is too long to be a phone number or a link.")
        # The settings' own checks: --user is an extension, --caller-id a number.
        for key, value in (("my_extension", self.user), ("default_caller_id", self.caller_id)):
            if value is None:
                continue
            problem = SPECS[key].check(value) if value else f"{SPECS[key].label} is empty"
            if problem:
                raise BadRequestError(f"{problem} (not {value[:40]!r}).")

    @property
    def has_number(self) -> bool:
        """True for the actions that carry a number ("dial", "prefill")."""
        return self.action in ("dial", "prefill")

    def target(self, default_region: str | None) -> DialResult:
        """What ``number`` dials, read with the user's default country; never raises."""
        # Imported here: phonenumbers' metadata takes most of a second to load, and a
        # relaunch that only shows the window should not wait for it.
        from pbxdesk.phone import NotDialable, Reason, is_dial_uri, parse_dial_input, parse_uri

        if not self.has_number:
            return NotDialable(Reason.EMPTY, "This request carries no number.")
        if is_dial_uri(self.number):
            return parse_uri(self.number, default_region)
        return parse_dial_input(self.number, default_region)

    # -- the wire ------------------------------------------------------------------------

    def to_json(self) -> str:
        """One line of JSON (no newline in it) for the single-instance socket."""
        return json.dumps({"v": WIRE_VERSION, "action": self.action, "number": self.number,
                           "user": self.user, "caller_id": self.caller_id,
                           "source": self.source}, ensure_ascii=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> ExternalRequest:
        """Read :meth:`to_json`'s output; raises :class:`BadRequestError` for anything else.

        The sender is another process of the same user, but still outside input:
        every field is type-checked and unknown fields are ignored (a newer
        pbxdesk may send more).
        """
        if len(text) > MAX_WIRE_BYTES:
            raise BadRequestError("The request is too long.")
        try:
            document: Any = json.loads(text)
        except (ValueError, UnicodeDecodeError) as error:
            raise BadRequestError("The request is not JSON.") from error
        if not isinstance(document, dict):
            raise BadRequestError("The request is not a JSON object.")
        if document.get("v") != WIRE_VERSION:
            raise BadRequestError(f"Unsupported request version {str(document.get('v'))[:20]!r}.")
        number: Any = document.get("number", "")
        user: Any = document.get("user")
        caller_id: Any = document.get("caller_id")
        action: Any = document.get("action")
        source: Any = document.get("source", "second-instance")
        if not all(isinstance(value, str) for value in (number, action, source)) or not all(
                value is None or isinstance(value, str) for value in (user, caller_id)):
            raise BadRequestError("The request has a field of the wrong type.")
        return cls(action=action, number=number, user=user, caller_id=caller_id,
                   source=source)


def request_from_args(args: argparse.Namespace) -> ExternalRequest:
    """The request a command line makes (see :func:`pbxdesk.cli.build_parser`).

    ``args.words`` holds the positional words: none (start, or show the
    running window), ``call NUMBER…`` (the rest joined, so an unquoted
    ``call +61 2 9876 5432`` works) or one link. Raises
    :class:`BadRequestError` for a command line that makes no sense; the
    number itself is not judged here (see :meth:`ExternalRequest.target`).
    """
    words: list[str] = list(args.words or ())
    if words:
        from pbxdesk.phone import is_dial_uri
    user: str | None = args.user
    caller_id: str | None = args.caller_id
    if args.dial_clipboard:
        if words or args.prefill:
            raise BadRequestError("--dial-clipboard dials the copied number: it takes no "
                                  "number and no --prefill.")
        return ExternalRequest("dial_clipboard", user=user, caller_id=caller_id)
    action: Action = "prefill" if args.prefill else "dial"
    if words and words[0] == "call":
        number = " ".join(words[1:]).strip()
        if not number:
            raise BadRequestError("Give the number to call, e.g. pbxdesk call 0412 345 678")
        return ExternalRequest(action, number, user, caller_id, source="cli")
    if len(words) == 1 and is_dial_uri(words[0]):
        return ExternalRequest(action, words[0], user, caller_id, source="uri")
    if words and is_dial_uri(words[0]):
        raise BadRequestError("Give one link at a time.")
    if words:
        raise BadRequestError(
            f"Unknown command {words[0]!r}: use 'pbxdesk call NUMBER' or a tel:, callto: "
            "or sip: link")
    if user is not None or caller_id is not None or args.prefill:
        raise BadRequestError("--user, --caller-id and --prefill go with 'call NUMBER', a link "
                              "or --dial-clipboard")
    return ExternalRequest("show", source="second-instance")
