"""The integration API's endpoints, as the sandbox serves them.

Routes for ``get-user-calls``, ``get-queue-calls``, ``get-ringgroup-calls`` and
``call-to-number`` under both ``/api/integration/v1/`` and
``/api/integration/v2/``, and ``get-system-status`` under v1 only (the doc lists
it in the v1 docs alone), behind the fault middleware. Each endpoint checks
access first (401/429), then its input (400). A path with a trailing slash is
not redirected: like any unknown path it is a 404 (before any key check).

Guesses, documented in ``docs/sandbox.md``: the ``call-to-number`` success
body (``{"code":200,"status":"success","message":"Call request accepted",
"data":{...}}`` without a call id), the ``get-system-status`` body, the 404 for
a trailing slash, and the object form of ``message`` (:class:`MessageForms`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from pbxdesk.api.models import CallKind
from pbxdesk.logs import sandbox_log
from pbxdesk.sandbox.errors import NOT_FOUND, ApiError, error_response, success_body
from pbxdesk.sandbox.faults import FaultMiddleware
from pbxdesk.sandbox.params import parse_history

if TYPE_CHECKING:
    from pbxdesk.sandbox.core import Sandbox

Endpoint = Callable[[Request], Awaitable[Response]]
_ENCODINGS = {"application/json": "json", "multipart/form-data": "multipart",
              "application/x-www-form-urlencoded": "urlencoded"}


def api_app(sandbox: Sandbox) -> ASGIApp:
    """The ``/api`` sub-application: both versions, faults in front."""
    def version(routes: list[Route]) -> Router:
        return Router(routes=routes, redirect_slashes=False, default=_not_found)

    routes = _routes(sandbox)
    router = Router(routes=[Mount("/integration/v1", app=version([*routes, _status(sandbox)])),
                            Mount("/integration/v2", app=version(routes))],
                    redirect_slashes=False, default=_not_found)
    return FaultMiddleware(router, sandbox.admit_request)


def _guarded(sandbox: Sandbox, handler: Endpoint) -> Endpoint:
    """``handler`` behind the key, allow-list and rate-limit checks; refusals as answers."""
    async def endpoint(request: Request) -> Response:
        try:
            sandbox.check_access(request.headers.get("token"),
                                 request.client.host if request.client else None)
            response = await handler(request)
        except ApiError as error:
            response = error.response(sandbox.message_forms)
        # Method, path and status only: never headers (the key) or bodies.
        sandbox_log.debug("%s %s -> %s", request.method, request.url.path,
                          response.status_code)
        return response
    return endpoint


def _status(sandbox: Sandbox) -> Route:
    """``get-system-status``: its body is the sandbox's guess (the doc knows none)."""
    async def system_status(request: Request) -> Response:
        return JSONResponse(success_body(
            sandbox.message_forms.message("System is operational", ok=True),
            {"status": "operational", "time": sandbox.now().isoformat(),
             "server": "pbxdesk sandbox"}))

    return Route("/get-system-status", _guarded(sandbox, system_status), methods=["GET"])


def _routes(sandbox: Sandbox) -> list[Route]:
    def guarded(handler: Endpoint) -> Endpoint:
        return _guarded(sandbox, handler)

    def history(kind: CallKind) -> Endpoint:
        async def handler(request: Request) -> Response:
            query = parse_history(request.query_params, kind, sandbox.history_rules)
            return Response(sandbox.history_body(kind, query), media_type="application/json")
        return handler

    async def call_to_number(request: Request) -> Response:
        fields, encoding = await read_fields(request)
        placed = sandbox.place_call(fields, encoding)
        return JSONResponse(success_body(
            sandbox.message_forms.message("Call request accepted", ok=True),
            {"user_number": placed.user_number, "number_to_call": placed.destination,
             "caller_id": placed.caller_id, "devices_ringing": len(placed.ringing_devices)}))

    return [
        Route(f"/{kind.endpoint}", guarded(history(kind)), methods=["GET"]) for kind in CallKind
    ] + [
        Route("/call-to-number", guarded(call_to_number), methods=["POST"]),
    ]


async def read_fields(request: Request) -> tuple[dict[str, str], str]:
    """A click-to-call body as text fields, and which encoding it came in."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    encoding = _ENCODINGS.get(media_type)
    if encoding is None:
        raise ApiError(400, "Send the fields as JSON, multipart form data or a URL-encoded "
                            f"form, not {media_type or 'an untyped body'!r}")
    if encoding == "json":
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "The body is not valid JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "The JSON body must be an object")
        return {str(k): _text(v) for k, v in data.items() if v is not None}, encoding
    fields: dict[str, str] = {}
    try:
        async with request.form() as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    fields[key] = (await value.read()).decode("utf-8", "replace")
                else:
                    fields[key] = value
    except ApiError:
        raise
    except Exception:  # python-multipart raises several types for a malformed body
        raise ApiError(400, f"The {encoding} body could not be read") from None
    return fields, encoding


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(404, NOT_FOUND)(scope, receive, send)
