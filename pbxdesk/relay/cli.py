"""``pbxdesk-relay``: the relay's command line (also ``python -m pbxdesk.relay``).

::

    pbxdesk-relay --store STORE account add NAME
    pbxdesk-relay --store STORE account list
    pbxdesk-relay --store STORE desk add --account NAME --extension EXT
                                [--queue Q]… [--ring-group G]…
    pbxdesk-relay --store STORE desk list
    pbxdesk-relay --store STORE desk revoke ID
    pbxdesk-relay --store STORE serve --host H --port P [--certfile F --keyfile K]

Admin commands print one JSON object (``list`` commands: one JSON array) on
standard output; errors go to standard error with exit status 1 (2 for usage).
``STORE`` defaults to ``$PBXDESK_RELAY_STORE``. Imports no Qt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pbxdesk import __version__
from pbxdesk.logs import setup_logging
from pbxdesk.relay.admin import AdminError, add_account, add_desk
from pbxdesk.relay.app import RelayConfig
from pbxdesk.relay.store import RelayStore, StoreError, make_store

STORE_VARIABLE = "PBXDESK_RELAY_STORE"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pbxdesk-relay",
        description="Receives the PBX's webhooks and streams each agent's call events to "
                    "their pbxdesk (Server-Sent Events).",
        epilog="Set-up, TLS, systemd and the portal steps: docs/relay.md.")
    p.add_argument("--store", default=os.environ.get(STORE_VARIABLE),
                   help="a folder (embedded SQLite store, one relay process) or "
                        "redis://host:port/db (any number of relay processes); "
                        f"default ${STORE_VARIABLE}")
    p.add_argument("--version", action="version", version=f"pbxdesk-relay {__version__}")
    commands = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    account = commands.add_parser("account", help="PBX accounts that post webhooks")
    account_commands = account.add_subparsers(dest="action", required=True, metavar="ACTION")
    account_add = account_commands.add_parser(
        "add", help="add an account; prints its webhook_path and secret (X-Pbx-Token)")
    account_add.add_argument("name", help="letters, digits, - and _ (part of the webhook URL)")
    account_commands.add_parser("list", help="list the accounts")

    desk = commands.add_parser("desk", help="the agents' pbxdesks that receive events")
    desk_commands = desk.add_subparsers(dest="action", required=True, metavar="ACTION")
    desk_add = desk_commands.add_parser(
        "add", help="add a desk; prints its id and token (shown once)")
    desk_add.add_argument("--account", required=True, help="the account it belongs to")
    desk_add.add_argument("--extension", required=True, help="the agent's extension, e.g. 1001")
    desk_add.add_argument("--queue", action="append", default=[], metavar="Q",
                          help="also receive this queue's call summaries (repeat for more)")
    desk_add.add_argument("--ring-group", action="append", default=[], metavar="G",
                          help="also receive this ring group's call summaries (repeat)")
    desk_commands.add_parser("list", help="list the desks (never their tokens)")
    desk_revoke = desk_commands.add_parser(
        "revoke", help="revoke a desk: its token stops working, its stream is cut off")
    desk_revoke.add_argument("id", help="the desk id from `desk add` or `desk list`")

    serve = commands.add_parser("serve", help="run the relay until Ctrl+C or SIGTERM")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on "
                       "(default 127.0.0.1: behind a reverse proxy)")
    serve.add_argument("--port", type=int, default=8790, help="port (default 8790)")
    serve.add_argument("--certfile", help="TLS certificate chain (PEM) to serve HTTPS directly")
    serve.add_argument("--keyfile", help="its private key (PEM)")
    serve.add_argument("--retention-hours", type=float, default=24.0,
                       help="how long events are kept for desks that reconnect (default 24)")
    serve.add_argument("--records-days", type=float, default=90.0,
                       help="how long shared callback records are kept for desks that "
                       "catch up (default 90: the longest callbacks horizon)")
    serve.add_argument("--max-events", type=int, default=None,
                       help="Redis only: events kept per account at most (default 500000)")
    serve.add_argument("--forwarded-allow-ips", default=None,
                       help="proxies whose X-Forwarded-For is trusted (default 127.0.0.1)")
    serve.add_argument("--log-level", default="info",
                       choices=["debug", "info", "warning", "error"])
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.store:
        print(f"pbxdesk-relay: give --store FOLDER or --store redis://host:port/db "
              f"(or set {STORE_VARIABLE})", file=sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(args)
    try:
        store = make_store(args.store)
        result = asyncio.run(_with_store(store, _ADMIN[(args.command, args.action)], args))
    except (StoreError, AdminError) as exc:
        print(f"pbxdesk-relay: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


async def _with_store(store: RelayStore, action: Callable[[RelayStore, Any], Awaitable[Any]],
                      args: argparse.Namespace) -> Any:
    await store.open()
    try:
        return await action(store, args)
    finally:
        await store.close()


async def _account_add(store: RelayStore, args: argparse.Namespace) -> Any:
    return (await add_account(store, args.name)).to_json()


async def _account_list(store: RelayStore, _args: argparse.Namespace) -> Any:
    return [{"account": name, "webhook_path": f"/hooks/{name}"}
            for name in await store.account_names()]


async def _desk_add(store: RelayStore, args: argparse.Namespace) -> Any:
    return (await add_desk(store, args.account, args.extension, args.queue,
                           args.ring_group)).to_json()


async def _desk_list(store: RelayStore, _args: argparse.Namespace) -> Any:
    return [desk.to_json() for desk in await store.desks()]


async def _desk_revoke(store: RelayStore, args: argparse.Namespace) -> Any:
    if not await store.remove_desk(args.id):
        raise AdminError(f"There is no desk {args.id!r} (see `desk list`).")
    return {"desk": args.id, "revoked": True}


async def _nothing(_store: RelayStore, _args: argparse.Namespace) -> Any:
    return None


_ADMIN: dict[tuple[str, str], Callable[[RelayStore, Any], Awaitable[Any]]] = {
    ("account", "add"): _account_add, ("account", "list"): _account_list,
    ("desk", "add"): _desk_add, ("desk", "list"): _desk_list,
    ("desk", "revoke"): _desk_revoke,
}


def _serve(args: argparse.Namespace) -> int:
    from pbxdesk.relay.server import serve_forever  # uvicorn only for this command

    if bool(args.certfile) != bool(args.keyfile):
        print("pbxdesk-relay: --certfile and --keyfile go together", file=sys.stderr)
        return 2
    if args.certfile:
        problem = _certificate_problem(args.certfile, args.keyfile)
        if problem is not None:
            print(f"pbxdesk-relay: {problem}", file=sys.stderr)
            return 1
    level = getattr(logging, args.log_level.upper())
    setup_logging(None, level=level, console=True)
    uvicorn_log = logging.getLogger("uvicorn")
    uvicorn_log.handlers = list(logging.getLogger("pbxdesk").handlers)
    uvicorn_log.setLevel(level)
    uvicorn_log.propagate = False

    def store() -> RelayStore:
        return make_store(args.store, retention_seconds=args.retention_hours * 3600,
                          records_retention_seconds=args.records_days * 86_400,
                          max_events=args.max_events, lock=True)

    try:
        # Opened once here so a store that cannot be used is one clear line, not a traceback.
        asyncio.run(_with_store(store(), _nothing, args))
    except StoreError as exc:
        print(f"pbxdesk-relay: {exc}", file=sys.stderr)
        return 1
    return serve_forever(store(), args.host, args.port, certfile=args.certfile,
                         keyfile=args.keyfile, forwarded_allow_ips=args.forwarded_allow_ips,
                         config=RelayConfig())


def _certificate_problem(certfile: str, keyfile: str) -> str | None:
    """Why the relay cannot serve HTTPS with these files (one line), or None."""
    import ssl

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except ssl.SSLError as exc:  # (an OSError too)
        return (f"{certfile} and {keyfile} are not a PEM certificate chain and its private "
                f"key ({exc.reason or exc})")
    except OSError as exc:  # missing, unreadable (e.g. the key is root's only)
        where = exc.filename or f"{certfile} / {keyfile}"
        return f"cannot read {where}: {exc.strerror or exc}"
    return None


if __name__ == "__main__":
    sys.exit(main())
