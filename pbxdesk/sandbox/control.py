"""The sandbox's own remote control, under ``/_sandbox/`` (never under ``/api``).

Every route needs the header ``X-Sandbox-Token: <control token>``; bodies and
answers are JSON. The routes mirror the :class:`~pbxdesk.sandbox.core.Sandbox`
methods (see ``docs/sandbox.md`` for the table). Control requests are not
counted as API requests and never hit injected faults or the rate limit.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp

from pbxdesk.api.models import CallKind
from pbxdesk.sandbox.config import CallScript
from pbxdesk.sandbox.faults import Fault, FaultKind

if TYPE_CHECKING:
    from pbxdesk.sandbox.core import Sandbox

TOKEN_HEADER = "X-Sandbox-Token"  # noqa: S105 - a header name, not a secret
Handler = Callable[[Request, dict[str, Any]], Awaitable[dict[str, Any]]]


class ControlError(Exception):
    """A control request that cannot be done (answered 400)."""


def control_app(sandbox: Sandbox) -> ASGIApp:
    def route(path: str, handler: Handler, methods: list[str]) -> Route:
        async def endpoint(request: Request) -> Response:
            token = request.headers.get(TOKEN_HEADER, "")
            if not hmac.compare_digest(token.encode(), sandbox.control_token.encode()):
                return _error(401, f"The {TOKEN_HEADER} header is missing or wrong")
            try:
                raw = await request.body()
                body = json.loads(raw) if raw.strip() else {}
                if not isinstance(body, dict):
                    raise ControlError("the body must be a JSON object")
                return JSONResponse({"ok": True, **await handler(request, body)})
            except (ControlError, ValueError, TypeError, KeyError) as exc:
                return _error(400, str(exc) or type(exc).__name__)
        return Route(path, endpoint, methods=methods)

    async def info(_: Request, __: dict[str, Any]) -> dict[str, Any]:
        return {"base_paths": ["/api/integration/v1", "/api/integration/v2"],
                "now": sandbox.now().isoformat(),
                "rows": {kind.value: sandbox.row_count(kind) for kind in CallKind},
                "live_traffic": sandbox.live_traffic, "config": repr(sandbox.config)}

    async def account(_: Request, __: dict[str, Any]) -> dict[str, Any]:
        return {"account": sandbox.account.to_json()}

    async def reset(_: Request, __: dict[str, Any]) -> dict[str, Any]:
        sandbox.reset()
        return {}

    async def seed(_: Request, body: dict[str, Any]) -> dict[str, Any]:
        sandbox.reseed(seed=_opt_int(body, "seed"), calls=_opt_int(body, "calls"),
                       days=_opt_int(body, "days"))
        return {"rows": {kind.value: sandbox.row_count(kind) for kind in CallKind}}

    async def add_calls(_: Request, body: dict[str, Any]) -> dict[str, Any]:
        days = body.get("days")
        return {"rows_added": sandbox.add_calls(int(body["count"]),
                                                days=float(days) if days is not None else None)}

    async def add_rows(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        rows = body.get("rows")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ControlError("rows must be a list of JSON objects")
        return {"rows_added": sandbox.add_rows(CallKind(request.path_params["kind"]), rows)}

    async def delete_calls(_: Request, body: dict[str, Any]) -> dict[str, Any]:
        among = _opt_int(body, "among_newest")
        after = _opt_int(body, "after_requests") or 0
        deleted = sandbox.delete_calls(CallKind(body["kind"]), int(body["count"]),
                                       among_newest=among, after_requests=after)
        return {"deleted": deleted, "scheduled": after > 0}

    async def history_rules(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if request.method != "GET":
            allowed = {"oldest_first", "ignore_oldest_first", "ignore_user_selector",
                       "to_date_inclusive"}
            unknown = set(body) - allowed
            if unknown or not all(isinstance(value, bool) for value in body.values()):
                raise ControlError(f"only {', '.join(sorted(allowed))} can be set (true/false)")
            sandbox.set_history_rules(**body)
        rules = sandbox.history_rules
        return {name: getattr(rules, name) for name in
                ("user_filter_param", "oldest_first", "ignore_oldest_first",
                 "ignore_user_selector", "to_date_inclusive")}

    async def placed_calls(_: Request, __: dict[str, Any]) -> dict[str, Any]:
        return {"calls": [call.to_json() for call in sandbox.placed_calls()]}

    async def next_call(_: Request, body: dict[str, Any]) -> dict[str, Any]:
        script = sandbox.script_next_call(CallScript(**body))
        return {"script": dataclasses.asdict(script)}

    async def allow_list(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if request.method != "GET":
            addresses = body.get("addresses")
            if not isinstance(addresses, list):
                raise ControlError("addresses must be a list of IP addresses or networks")
            sandbox.set_allow_list(str(a) for a in addresses)
        return {"addresses": list(sandbox.allow_list)}

    async def rate_limit(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if request.method != "GET":
            window = body.get("window_seconds")
            sandbox.set_rate_limit(_opt_int(body, "limit"),
                                   float(window) if window is not None else None)
        limit, window_seconds = sandbox.rate_limit
        return {"limit": limit, "window_seconds": window_seconds}

    async def faults(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if request.method == "DELETE":
            sandbox.clear_faults()
        elif request.method == "POST":
            options = dict(body)
            kind = FaultKind(options.pop("kind"))
            sandbox.inject_fault(Fault(kind=kind, **options))
        return {"faults": [fault.to_json() for fault in sandbox.faults()]}

    async def counters(_: Request, __: dict[str, Any]) -> dict[str, Any]:
        return {"total": sandbox.request_count, "by_endpoint": sandbox.request_counts}

    async def advance(_: Request, body: dict[str, Any]) -> dict[str, Any]:
        return {"now": sandbox.advance(float(body["seconds"])).isoformat()}

    async def live(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if request.method != "GET":
            rate = body.get("calls_per_minute")
            sandbox.set_live_traffic(bool(body["enabled"]),
                                     float(rate) if rate is not None else None)
        return {"enabled": sandbox.live_traffic}

    async def webhooks(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if request.method != "GET":
            urls = body.get("urls")
            if not isinstance(urls, list):
                raise ControlError("urls must be a list")
            sandbox.set_webhooks([str(u) for u in urls], str(body.get("secret", "")))
        return {"deliveries": [d.to_json() for d in sandbox.webhook_deliveries()]}

    return Router(routes=[
        route("/", info, ["GET"]),
        route("/account", account, ["GET"]),
        route("/reset", reset, ["POST"]),
        route("/seed", seed, ["POST"]),
        route("/calls", add_calls, ["POST"]),
        route("/rows/{kind}", add_rows, ["POST"]),
        route("/delete-calls", delete_calls, ["POST"]),
        route("/history-rules", history_rules, ["GET", "PUT"]),
        route("/placed-calls", placed_calls, ["GET"]),
        route("/next-call", next_call, ["POST"]),
        route("/allow-list", allow_list, ["GET", "PUT"]),
        route("/rate-limit", rate_limit, ["GET", "PUT"]),
        route("/faults", faults, ["GET", "POST", "DELETE"]),
        route("/counters", counters, ["GET"]),
        route("/advance", advance, ["POST"]),
        route("/live", live, ["GET", "PUT"]),
        route("/webhooks", webhooks, ["GET", "PUT"]),
    ])


def _opt_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ControlError(f"{name} must be a whole number")
    return int(value)


def _error(status: int, message: str) -> Response:
    return JSONResponse({"ok": False, "error": message}, status_code=status)
