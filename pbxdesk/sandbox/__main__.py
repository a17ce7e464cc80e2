"""``python -m pbxdesk.sandbox``: the same as ``pbxdesk-sandbox``."""

import sys

from pbxdesk.sandbox.cli import main

sys.exit(main())
