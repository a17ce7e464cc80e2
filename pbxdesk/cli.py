"""The ``pbxdesk`` command line: parses arguments and hands over to the app.

Kept free of Qt imports so ``--help`` and ``--version`` answer instantly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pbxdesk import __version__

EPILOG = """\
examples:
  pbxdesk                      start the app (the welcome page on first run)
  pbxdesk --demo               try everything against a built-in sandbox PBX
  pbxdesk --demo --screenshot main.png
                               save a picture of the window once it shows calls

The API key is kept in the system keyring, never in the settings file.
Logs: the log folder of your platform (or DIR/logs with --basedir DIR).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pbxdesk",
        description="Call history and click-to-call for agents on a hosted cloud PBX "
                    "(Phone Cloud, VoIPLine, VoIPcloud and resellers).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"pbxdesk {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="start a sandbox PBX on 127.0.0.1 with realistic calls and "
                             "connect to it, in a throw-away profile unless --basedir is given")
    parser.add_argument("--basedir", type=Path, metavar="DIR",
                        help="keep settings, data and logs under DIR instead of the "
                             "platform's folders")
    parser.add_argument("--screenshot", type=Path, metavar="FILE.png",
                        help="with --demo: once the first sync is shown, save a PNG of the "
                             "main window to FILE.png and exit (works without a display)")
    parser.add_argument("--debug", action="store_true",
                        help="log in detail, also to the terminal")
    parser.add_argument("--self-test", action="store_true",
                        help="check that this installation works (offscreen, against a "
                             "built-in sandbox), print one summary line and exit 0, or "
                             "non-zero with the reason")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    if args.screenshot is not None and not args.demo:
        parser.error("--screenshot needs --demo (a real account's calls are private)")
    # Imported here: Qt loads only when the app really starts.
    if args.self_test:
        from pbxdesk.selftest import run_self_test

        return run_self_test()
    from pbxdesk.app import Options, run

    return run(Options(demo=args.demo, basedir=args.basedir, screenshot=args.screenshot,
                       debug=args.debug))
