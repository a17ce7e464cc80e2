"""``pbxdesk-sandbox``: run the sandbox PBX on the command line until Ctrl+C.

Prints the base URL, the API key and the control token on start; every
setting of :class:`~pbxdesk.sandbox.config.SandboxConfig` is an option.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from types import FrameType

from pbxdesk.logs import setup_logging
from pbxdesk.sandbox.config import DEFAULT_ALLOW_LIST, SandboxConfig
from pbxdesk.sandbox.core import Sandbox
from pbxdesk.sandbox.server import SandboxServer


class _HelpFormatter(argparse.HelpFormatter):
    """Appends "(default: X)" where there is a default worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default not in (None, False, "", [], argparse.SUPPRESS) and \
                "default" not in text:
            text += " (default: %(default)s)"
        return text


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pbxdesk-sandbox",
        description="A local emulator of the hosted PBX's integration API (call history, "
                    "click-to-call, webhooks) for trying pbxdesk without an account.",
        epilog="Control endpoints, what is a guess and more: docs/sandbox.md.",
        formatter_class=_HelpFormatter)
    net = p.add_argument_group("server")
    net.add_argument("--host", default="127.0.0.1", help="address to listen on")
    net.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free)")
    net.add_argument("--log-level", default="info",
                     choices=["debug", "info", "warning", "error"], help="console log level")
    data = p.add_argument_group("data")
    data.add_argument("--seed", type=int, default=1, help="seed of the generated account and calls")
    data.add_argument("--calls", type=int, default=5000, help="number of calls in the history")
    data.add_argument("--days", type=int, default=30, help="days of history before now")
    data.add_argument("--country", default="AU", help="the account's country (region code)")
    data.add_argument("--timezone", default=None,
                      help="the account's time zone for business hours (default: the country's)")
    data.add_argument("--users", type=int, default=12, help="number of users")
    data.add_argument("--queues", type=int, default=3, help="number of queues")
    data.add_argument("--ring-groups", type=int, default=2, help="number of ring groups")
    data.add_argument("--quirks-share", type=float, default=0.03,
                      help='share of rows with numbers as strings and "null" strings')
    data.add_argument("--withheld-share", type=float, default=0.0,
                      help='share of inbound callers who withhold their number ("anonymous")')
    data.add_argument("--now", type=datetime.fromisoformat, default=None,
                      help="start the clock at this ISO time with offset (default: real time)")
    access = p.add_argument_group("access")
    access.add_argument("--api-key", default=None,
                        help="the account's API key (header 'token'; default: a random one)")
    access.add_argument("--allow", action="append", metavar="ADDRESS",
                        help="allow-listed client address or CIDR network; repeat for more "
                             f"(default: {', '.join(DEFAULT_ALLOW_LIST)})")
    access.add_argument("--rate-limit", type=int, default=100,
                        help="requests per key per window")
    access.add_argument("--rate-window", type=float, default=900.0,
                        help="rate-limit window in seconds")
    access.add_argument("--no-rate-limit", action="store_true", help="turn the rate limit off")
    guesses = p.add_argument_group("unconfirmed API details")
    guesses.add_argument("--user-filter-param", default="users_numbers",
                         help="query parameter that selects users on get-user-calls")
    guesses.add_argument("--no-oldest-first", action="store_true",
                         help="refuse sort_by=oldest_first with 400")
    guesses.add_argument("--ignore-oldest-first", action="store_true",
                         help="accept sort_by=oldest_first but answer newest first")
    guesses.add_argument("--ignore-user-selector", action="store_true",
                         help="ignore the user selector: answer with every user's calls")
    guesses.add_argument("--date-timezone", default="UTC",
                         help="time zone of from_date/to_date: UTC, 'account' or an IANA name")
    guesses.add_argument("--to-date-exclusive", action="store_true",
                         help="treat to_date as exclusive (default: inclusive)")
    guesses.add_argument("--strict-paging", action="store_true",
                         help="answer 400 to limit/offset out of range instead of capping them")
    guesses.add_argument("--message-object-share", type=float, default=0.03,
                         help="share of answers whose message is an object, not a string")
    sim = p.add_argument_group("simulation")
    sim.add_argument("--clock-speed", type=float, default=1.0,
                     help="simulated seconds per real second (rings, talk, live traffic)")
    sim.add_argument("--live", action="store_true", help="new calls keep arriving")
    sim.add_argument("--live-calls-per-minute", type=float, default=2.0,
                     help="arrival rate of live calls, per simulated minute")
    sim.add_argument("--webhook-url", action="append", default=[], metavar="URL",
                     help="POST webhook events here; repeat for more; {trigger} in a URL "
                          "becomes each event's trigger path (one URL per trigger)")
    sim.add_argument("--webhook-secret", default="", help="value of the X-Pbx-Token header")
    sim.add_argument("--webhook-no-type", action="store_true",
                     help="leave 'type' out of bodies sent to {trigger} URLs")
    ctl = p.add_argument_group("control")
    ctl.add_argument("--control-token", default=None,
                     help="token for /_sandbox/ (header X-Sandbox-Token; default: random)")
    ctl.add_argument("--no-control", action="store_true", help="disable /_sandbox/ entirely")
    return p


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    return SandboxConfig(
        seed=args.seed, calls=args.calls, days=args.days, country=args.country.upper(),
        timezone=args.timezone, now=args.now, users=args.users, queues=args.queues,
        ring_groups=args.ring_groups, quirks_share=args.quirks_share,
        withheld_share=args.withheld_share,
        api_key=args.api_key or f"sbx-{secrets.token_urlsafe(18)}",
        allow_list=tuple(args.allow) if args.allow else DEFAULT_ALLOW_LIST,
        rate_limit=None if args.no_rate_limit else args.rate_limit,
        rate_window_seconds=args.rate_window, user_filter_param=args.user_filter_param,
        oldest_first=not args.no_oldest_first, ignore_oldest_first=args.ignore_oldest_first,
        ignore_user_selector=args.ignore_user_selector, date_timezone=args.date_timezone,
        strict_paging=args.strict_paging, message_object_share=args.message_object_share,
        to_date_inclusive=not args.to_date_exclusive, clock_speed=args.clock_speed,
        live_traffic=args.live, live_calls_per_minute=args.live_calls_per_minute,
        webhook_urls=tuple(args.webhook_url), webhook_secret=args.webhook_secret,
        webhook_type_in_body=not args.webhook_no_type,
        control_enabled=not args.no_control, control_token=args.control_token)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    setup_logging(None, level=getattr(logging, args.log_level.upper()), console=True)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"Building {config.calls} calls over {config.days} days …", flush=True)
    with Sandbox(config) as sandbox:
        server = SandboxServer(sandbox, args.host, args.port)
        try:
            server.start()
        except (OSError, RuntimeError) as exc:
            print(f"Cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
            return 1
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        _print_banner(server, sandbox)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        print("Stopping …", flush=True)
        server.stop()
    print("Stopped.", flush=True)
    return 0


def _print_banner(server: SandboxServer, sandbox: Sandbox) -> None:
    config = sandbox.config
    lines = [
        f"Sandbox PBX running at {server.base_url}",
        f"  API base URL:  {server.base_url}/api/integration/v2/",
        f"  API key:       {config.api_key}    (send it in the 'token' header)",
        f"  Allow-list:    {', '.join(sandbox.allow_list)}",
    ]
    if config.control_enabled:
        lines.append(f"  Control token: {sandbox.control_token}    "
                     f"(header X-Sandbox-Token, under {server.base_url}/_sandbox/)")
    else:
        lines.append("  Control:       disabled")
    users = ", ".join(f"{u.extension} {u.name}" for u in sandbox.account.users[:4])
    lines += [f"  Users:         {users}, …", "Press Ctrl+C to stop."]
    # Printed, not logged: the key is meant for the person who started the sandbox,
    # and the log's redaction would (rightly) mask it.
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
