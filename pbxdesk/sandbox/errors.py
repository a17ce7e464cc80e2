"""The sandbox API's answers' envelope parts: error answers and the ``message`` field.

Every refusal the API makes (401, 400, 429, injected 5xx, 404, 405) goes out in
the same envelope: ``{"code": N, "status": "error", "message": "..."}``. The
doc has seen ``message`` both as a string and as an object; what the object
holds is unknown. :class:`MessageForms` makes a share of the API's answers
(success and error alike) carry the sandbox's guess, ``{"success": ["..."]}``
or ``{"error": ["..."]}``, so clients meet both.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

NOT_AUTHORISED = "Not authorised"
NOT_FOUND = "Not found"
METHOD_NOT_ALLOWED = "Method not allowed"
Message = str | dict[str, list[str]]


class MessageForms:
    """Decides, answer by answer, whether ``message`` is a string or an object.

    ``object_share`` of the answers get the object form, drawn from a random
    sequence seeded with the sandbox's seed (the same sequence on each run).
    Thread-safe.
    """

    def __init__(self, object_share: float, seed: int) -> None:
        self._share = object_share
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def message(self, text: str, *, ok: bool) -> Message:
        if self._share <= 0:
            return text
        with self._lock:
            as_object = self._random.random() < self._share
        return {"success" if ok else "error": [text]} if as_object else text


class ApiError(Exception):
    """A refusal the API answers with an error body."""

    def __init__(self, status_code: int, message: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.headers = dict(headers or {})

    def response(self, forms: MessageForms | None = None) -> Response:
        message = self.message if forms is None else forms.message(self.message, ok=False)
        return error_response(self.status_code, message, self.headers)


def error_body(status_code: int, message: Message) -> bytes:
    return json.dumps({"code": status_code, "status": "error", "message": message},
                      separators=(",", ":")).encode()


def error_response(status_code: int, message: Message,
                   headers: Mapping[str, str] | None = None) -> Response:
    return Response(error_body(status_code, message), status_code=status_code,
                    headers=dict(headers or {}), media_type="application/json")


def success_body(message: Message, data: Any) -> dict[str, Any]:
    """The envelope of a successful answer."""
    return {"code": 200, "status": "success", "message": message, "data": data}
