"""The ``pbxdesk`` command line: parses arguments and hands over to the app."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pbxdesk import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pbxdesk",
        description="Call history and click-to-call for agents on a hosted cloud PBX.",
    )
    parser.add_argument("--version", action="version", version=f"pbxdesk {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    return 0
