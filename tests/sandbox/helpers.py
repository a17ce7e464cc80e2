"""Small helpers shared by the sandbox tests."""

from __future__ import annotations

from typing import Any

import httpx


def data_of(response: httpx.Response) -> list[dict[str, Any]]:
    """The rows of a successful history answer, after checking its envelope."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "status", "message", "data"}
    assert body["code"] == 200
    assert body["status"] == "success"
    assert isinstance(body["data"], list)
    return body["data"]


def error_of(response: httpx.Response, status: int) -> str:
    """The message of an error answer, after checking status and body shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "status", "message"}
    assert body["code"] == status
    assert body["status"] == "error"
    assert isinstance(body["message"], str) and body["message"]
    return body["message"]
