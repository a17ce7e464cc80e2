"""Small helpers shared by the sandbox tests."""

from __future__ import annotations

import http.server
import json
import logging
import threading
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
    assert isinstance(body["message"], str)
    assert body["message"]
    return body["message"]


class WebhookReceiver:
    """A tiny HTTP server on loopback that records every POST it gets."""

    def __init__(self, status: int = 200) -> None:
        received: list[tuple[str, dict[str, str], Any]] = []
        self.received = received

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length))
                received.append((self.path, dict(self.headers.items()), body))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/pbx"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class LogLines(logging.Handler):
    """Collects the sandbox logger's records, as emitted (before any redaction)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)
