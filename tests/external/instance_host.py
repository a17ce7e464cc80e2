"""A stand-in first instance for the subprocess tests: claims, listens, prints requests.

``python -m tests.external.instance_host BASEDIR`` goes through the same
:func:`~pbxdesk.instance.hand_over` as the command line, then runs an
:class:`~pbxdesk.instance.InstanceServer` in a bare ``QCoreApplication`` and
prints one line per event, flushed: ``listening <socket path>``, ``request
<json>``, or ``delivered <outcome>`` when another instance was already there.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from pbxdesk.external import ExternalRequest
from pbxdesk.instance import Delivery, hand_over, instance_name


def main(argv: list[str]) -> int:
    name = instance_name(Path(argv[0]))
    outcome = hand_over(ExternalRequest("show", source="second-instance"), name)
    if isinstance(outcome, Delivery):
        print("delivered", outcome.value, flush=True)
        return 0
    app = QCoreApplication([])
    server = outcome.start_server()
    if server is None:
        print("listen-failed", flush=True)
        return 4
    server.sig_request_received.connect(
        lambda request: print("request", request.to_json(), flush=True))
    print("listening", server.full_name(), flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
