"""The frozen app's entry point: the same ``pbxdesk`` command as from source."""

import sys

from pbxdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
