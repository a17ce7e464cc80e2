"""The one spelling of a server address (a PBX or a relay) that names it.

Keyring accounts, cursors, saved event ids and database files are keyed by an
address the user typed. "https://relay.example.com/" and " https://relay.example.com"
must name the same server, or a trailing slash would lose a saved token or start
a second store, so every key is made from the same bare form.
"""

from __future__ import annotations


def bare_address(url: str) -> str:
    """``url`` without surrounding blanks and trailing slashes."""
    return url.strip().rstrip("/")
