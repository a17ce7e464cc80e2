"""Allows ``python -m pbxdesk``."""

import sys

from pbxdesk.cli import main

sys.exit(main())
