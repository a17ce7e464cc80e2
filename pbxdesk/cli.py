"""The ``pbxdesk`` command line: parses arguments, hands requests to a running pbxdesk.

Order of work: parse; refuse a number that neither the rules of no country
nor those of the saved default country can dial ("hello", "+99 1", "112":
exit 2 with the reason); then, unless this is a
one-off run (``--self-test``, ``--screenshot``, ``--screenshot-pop``), hand the request to the
instance already running for this profile (:mod:`pbxdesk.instance`) as given,
and exit: the running app reads it with the account's country and extensions.
With none running, check the number in the saved default country (exit 2 with
the reason), then start the app with the request pending. Qt is imported only
from the hand-over on, so ``--help``, ``--version`` and usage errors answer
instantly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pbxdesk import __version__

if TYPE_CHECKING:
    from pbxdesk.external import ExternalRequest
    from pbxdesk.instance import Delivery, InstanceClaim

USAGE = """\
pbxdesk [options]
       pbxdesk [options] call NUMBER [--user EXT] [--caller-id NUMBER] [--prefill]
       pbxdesk [options] tel:NUMBER | callto:NUMBER | sip:NUMBER@HOST
       pbxdesk [options] --dial-clipboard [--user EXT] [--caller-id NUMBER]"""

EPILOG = """\
examples:
  pbxdesk                      start the app (the welcome page on first run), or
                               bring the running one to the front
  pbxdesk call 0412 345 678    call a number: your phones ring, then the number
                               (with "Confirm before dialling" on, the dial pad
                               shows it first and you press Call)
  pbxdesk call 1002 --user 1010 --caller-id +61290000000
                               ring extension 1010's phones, call extension 1002,
                               present +61 2 9000 0000 as the caller ID
  pbxdesk call +61412345678 --prefill
                               put the number in the dial pad without calling
  pbxdesk tel:+61-2-9876-5432  open a tel:, callto: or sip: link (this is how the
                               browser and the desktop call pbxdesk)
  pbxdesk --dial-clipboard     dial the phone number you copied; bind this command
                               to a key in your desktop's keyboard settings
  pbxdesk --demo               try everything against a built-in sandbox PBX
  pbxdesk --demo --screenshot main.png
                               save a picture of the window once it shows calls
  pbxdesk --demo --view callbacks --screenshot callbacks.png
                               the same, of the Callbacks worklist
  pbxdesk --demo --view insights --screenshot insights.png
                               the same, of the Insights tab's charts
  pbxdesk --demo --screenshot-pop pop.png
                               save a picture of the first screen pop (the demo's
                               callers ring you about once a minute)

Numbers without a country code belong to the default country in Settings.
If pbxdesk already runs (for the same --basedir), the request goes to it as
given (it reads the number with the account's country and extensions) and
this command ends at once, saying "Sent to the running pbxdesk". Otherwise the
number is checked first: one that cannot be dialled is refused with the reason.
Exit status: 0 done, 1 the running pbxdesk did not take the request, 2 a usage
error or a number that cannot be dialled (the reason is printed).

The API key is kept in the system keyring, never in the settings file.
Logs: the log folder of your platform (or DIR/logs with --basedir DIR).
"""

VIEW_NAMES = ("user", "queue", "ringgroup", "callbacks", "insights")
"""``--view`` choices: the history tabs, Callbacks and Insights
(pbxdesk.ui.mainwindow.MainWindow.views)."""

# Shown in an error about a number: enough to recognise it, not a pasted document.
_SHOWN_CHARS = 60


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pbxdesk", usage=USAGE,
        description="Call history and click-to-call for agents on a hosted cloud PBX "
                    "(Phone Cloud, VoIPLine, VoIPcloud and resellers).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("words", nargs="*", metavar="call NUMBER | LINK",
                        help="'call' and the number to call (spaces allowed), or one tel:, "
                             "callto: or sip: link")
    calling = parser.add_argument_group("calling")
    calling.add_argument("--user", metavar="EXT",
                         help="the extension whose phones ring (default: yours, from Settings)")
    calling.add_argument("--caller-id", metavar="NUMBER",
                         help="the number to present to the person called (default: the "
                              "caller ID in Settings, else the PBX's)")
    calling.add_argument("--prefill", action="store_true",
                         help="only put the number in the dial pad; never call at once")
    calling.add_argument("--dial-clipboard", action="store_true",
                         help="dial the phone number found in the copied text")
    parser.add_argument("--version", action="version", version=f"pbxdesk {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="start a sandbox PBX on 127.0.0.1 with realistic calls and "
                             "connect to it, in a throw-away profile unless --basedir is given")
    parser.add_argument("--basedir", type=Path, metavar="DIR",
                        help="keep settings, data and logs under DIR instead of the "
                             "platform's folders (a separate pbxdesk from the default one)")
    parser.add_argument("--screenshot", type=Path, metavar="FILE.png",
                        help="with --demo: once the first sync is shown, save a PNG of the "
                             "main window to FILE.png and exit (works without a display)")
    parser.add_argument("--view", choices=VIEW_NAMES, metavar="NAME",
                        help="open on this tab: user, queue, ringgroup (the call histories), "
                             "callbacks or insights; with --screenshot, the tab pictured")
    parser.add_argument("--screenshot-pop", type=Path, metavar="FILE.png",
                        help="with --demo: wait for the first screen pop (a simulated call "
                             "to you, through the demo's built-in relay), save a PNG of it "
                             "to FILE.png and exit; non-zero with the reason if none comes "
                             "within 90 s (works without a display)")
    parser.add_argument("--debug", action="store_true",
                        help="log in detail, also to the terminal")
    parser.add_argument("--self-test", action="store_true",
                        help="check that this installation works (offscreen, against a "
                             "built-in sandbox), print one summary line and exit 0, or "
                             "non-zero with the reason")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # Intermixed: "call --user 1010 0412 345 678" reads like "call 0412 345 678 --user 1010".
    args = parser.parse_intermixed_args(sys.argv[1:] if argv is None else list(argv))
    if args.screenshot is not None and not args.demo:
        parser.error("--screenshot needs --demo (a real account's calls are private)")
    if args.screenshot_pop is not None and not args.demo:
        parser.error("--screenshot-pop needs --demo (a real account's callers are private)")
    # Imported here: Qt loads only when the app really starts.
    if args.self_test:
        from pbxdesk.selftest import run_self_test

        return run_self_test()
    from pbxdesk.external import BadRequestError, request_from_args

    try:
        request = request_from_args(args)
    except BadRequestError as error:
        parser.error(str(error))
    region = _default_region(args) if request.has_number else None
    if _dial_problem(request, None) is not None:
        # Not even a number without a country: refused, unless the saved country reads
        # it ("call me on 0412 345 678" needs one to be found in the words).
        problem = _dial_problem(request, region)
        if problem is not None:
            return _refuse(request, problem)
    claim: InstanceClaim | None = None
    if args.screenshot is None and args.screenshot_pop is None:
        # A screenshot run is a one-off tool, never "the" instance.
        from pbxdesk.instance import Delivery, hand_over, instance_name
        from pbxdesk.privatedir import PrivateFolderError

        try:
            name = instance_name(args.basedir, demo=args.demo)
        except PrivateFolderError as error:  # never a socket others could reach
            print(f"pbxdesk: {error}; starting without the single-instance guard "
                  "(links and `pbxdesk call` open new windows).", file=sys.stderr)
        else:
            outcome = hand_over(request, name)
            if isinstance(outcome, Delivery):
                return _report(outcome, request)
            claim = outcome
    try:
        # No pbxdesk runs: the one about to start would read the number just so.
        problem = _dial_problem(request, region)
        if problem is not None:
            return _refuse(request, problem)
        return _run_app(args, request, claim)
    finally:
        if claim is not None:
            claim.release()  # normally released once the app listens


def _dial_problem(request: ExternalRequest, region: str | None) -> str | None:
    """Why the request's number cannot be dialled in ``region``, or None.

    With ``region`` None, only what no default country could make dialable is a
    problem: a national number ("0412 345 678") needs one, and is not refused.
    """
    if not request.has_number:
        return None
    from pbxdesk.phone import NotDialable, Reason

    result = request.target(region)
    if not isinstance(result, NotDialable) or (
            region is None and result.reason is Reason.NO_COUNTRY):
        return None
    return result.message


def _refuse(request: ExternalRequest, problem: str) -> int:
    shown = request.number if len(request.number) <= _SHOWN_CHARS else (
        request.number[:_SHOWN_CHARS] + "…")
    print(f"pbxdesk: cannot call {shown!r}: {problem}", file=sys.stderr)
    return 2


def _default_region(args: argparse.Namespace) -> str:
    """The default country the app will use: the demo's, or the saved settings'."""
    if args.demo:
        from pbxdesk.demo import DEMO_COUNTRY

        return DEMO_COUNTRY
    from pbxdesk.paths import AppPaths
    from pbxdesk.phone import default_region_from_locale
    from pbxdesk.settings import SettingsFile

    paths = AppPaths.under(args.basedir) if args.basedir is not None else AppPaths.default()
    settings = SettingsFile(paths.settings_file).load(
        first_run_region=default_region_from_locale())
    return settings.default_region


def _report(delivery: Delivery, request: ExternalRequest) -> int:
    from pbxdesk.instance import SEND_TIMEOUT_MS, Delivery

    if delivery is Delivery.SENT:
        print("pbxdesk is already running: showed its window." if request.action == "show"
              else "Sent to the running pbxdesk.")
        return 0
    if delivery is Delivery.REFUSED:
        print("pbxdesk: the running pbxdesk could not read this request (is it another "
              "version?). Quit it and try again.", file=sys.stderr)
    else:
        print(f"pbxdesk: a pbxdesk is running but did not answer within "
              f"{SEND_TIMEOUT_MS // 1000} s. Try again, or quit it and start it again.",
              file=sys.stderr)
    return 1


def _run_app(args: argparse.Namespace, request: ExternalRequest,
             claim: InstanceClaim | None) -> int:
    from pbxdesk.app import Options, run

    pending = None if request.action == "show" else request
    return run(Options(demo=args.demo, basedir=args.basedir, screenshot=args.screenshot,
                       screenshot_pop=args.screenshot_pop,
                       debug=args.debug, request=pending, instance=claim, view=args.view))
