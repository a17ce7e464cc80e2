"""The sandbox's ASGI application: the API under ``/api``, the control under ``/_sandbox``.

Every error answer, including unknown paths (404) and wrong methods (405),
uses the API's error envelope, each status with one wording.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from pbxdesk.sandbox.api import api_app
from pbxdesk.sandbox.control import control_app
from pbxdesk.sandbox.errors import METHOD_NOT_ALLOWED, NOT_FOUND, error_response

if TYPE_CHECKING:
    from pbxdesk.sandbox.core import Sandbox


def build_app(sandbox: Sandbox) -> Starlette:
    routes = [Mount("/api", app=api_app(sandbox))]
    if sandbox.config.control_enabled:
        routes.append(Mount("/_sandbox", app=control_app(sandbox)))
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.router.redirect_slashes = False
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    wording = {404: NOT_FOUND, 405: METHOD_NOT_ALLOWED}.get(exc.status_code, exc.detail)
    return error_response(exc.status_code, wording, exc.headers)
