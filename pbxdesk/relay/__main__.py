"""``python -m pbxdesk.relay``: the same as ``pbxdesk-relay``."""

import sys

from pbxdesk.relay.cli import main

sys.exit(main())
