"""The relay's HTTP client and its "Test" button, as a verdict a person can act on.

:func:`relay_http_client` is the one client pbxdesk talks to a relay with:
certificates checked against the operating system's trust store (as the API
client does), no redirects (a redirect would carry the desk token elsewhere),
no timeout of its own (the stream sets a read timeout longer than the relay's
pings). :func:`relay_verdict` runs :func:`pbxdesk.live.client.check_relay`
on the address and token as typed, and never raises. Qt-free.
"""

from __future__ import annotations

import logging
import ssl
from urllib.parse import urlsplit

import httpx
import truststore

from pbxdesk import __version__
from pbxdesk.live.client import RelayAuthError, RelayError, check_relay
from pbxdesk.logs import register_secret
from pbxdesk.services.connection import ConnectionVerdict, VerdictKind

log = logging.getLogger("pbxdesk.live")

TEST_WAIT_SECONDS = 10.0


def relay_http_client() -> httpx.AsyncClient:
    """A client for one relay connection (the caller closes it)."""
    return httpx.AsyncClient(
        verify=truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT), follow_redirects=False,
        headers={"User-Agent": f"pbxdesk/{__version__}"}, timeout=httpx.Timeout(30.0))


def token_problem(relay_url: str, token: str) -> str | None:
    """Why the desk token cannot be saved with this relay address, or None."""
    if not relay_url.strip():
        return None
    text = token.strip()
    if not text:
        return "Paste the desk token the relay's administrator gave you"
    if len(text) > 512 or any(ch.isspace() or ord(ch) < 33 or ord(ch) > 126 for ch in text):
        return "A desk token is one word of letters, digits and - _ (as printed by desk add)"
    return None


async def relay_verdict(relay_url: str, token: str,
                        client: httpx.AsyncClient | None = None,
                        wait_seconds: float = TEST_WAIT_SECONDS) -> ConnectionVerdict:
    """Connect once with ``token`` and say what happened; never raises."""
    register_secret(token.strip())
    host = urlsplit(relay_url.strip()).netloc or relay_url.strip()
    own = client is None
    http = client or relay_http_client()
    try:
        await check_relay(relay_url, token, http, wait_seconds=wait_seconds)
    except ValueError as error:
        return ConnectionVerdict(False, "Check the relay address", str(error),
                                 "Correct it, then test again.", VerdictKind.INVALID)
    except RelayAuthError as error:
        return ConnectionVerdict(False, "The relay refused the desk token", str(error),
                                 "Paste the token again, or ask for a new one.",
                                 VerdictKind.AUTH)
    except RelayError as error:
        return ConnectionVerdict(False, "Cannot use the relay", str(error),
                                 "Check the address and that the relay is running, then test "
                                 "again.", VerdictKind.UNREACHABLE)
    except Exception as error:  # a test button must never crash the dialog
        log.warning("Relay test failed unexpectedly: %s", type(error).__name__)
        return ConnectionVerdict(False, "The relay test failed", type(error).__name__,
                                 "Test again; if it keeps failing, look at the log.")
    finally:
        if own:
            await http.aclose()
    return ConnectionVerdict(True, "Relay connected",
                             f"The relay at {host} accepted this desk's token.",
                             "Save to receive calls live.", VerdictKind.OK)
