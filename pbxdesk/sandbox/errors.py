"""The sandbox API's error answers: one exception that carries status, message and headers.

Every refusal the API makes (401, 400, 429, injected 5xx, 404, 405) goes out in
the same envelope: ``{"code": N, "status": "error", "message": "..."}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.responses import Response


class ApiError(Exception):
    """A refusal the API answers with an error body."""

    def __init__(self, status_code: int, message: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return error_response(self.status_code, self.message, self.headers)


def error_body(status_code: int, message: str) -> bytes:
    return json.dumps({"code": status_code, "status": "error", "message": message},
                      separators=(",", ":")).encode()


def error_response(status_code: int, message: str,
                   headers: Mapping[str, str] | None = None) -> Response:
    return Response(error_body(status_code, message), status_code=status_code,
                    headers=dict(headers or {}), media_type="application/json")


NOT_AUTHORISED = "Not authorised"
