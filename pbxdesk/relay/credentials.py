"""Account secrets and desk tokens: made here, kept only as hashes, compared in constant time.

Both are 256-bit random strings, so a plain SHA-256 is enough to keep them (a
slow password hash protects guessable secrets; these are not guessable). The
clear text is printed once, when it is made, and never stored or logged.
No I/O here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_ACCOUNT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# Compared against when an account is unknown, so that answer takes as long as a wrong secret.
_NO_SECRET_HASH = hashlib.sha256(b"no account has this secret").hexdigest()


def is_account_name(name: str) -> bool:
    """Letters, digits, ``-`` and ``_``, at most 64: it becomes part of the webhook URL."""
    return _ACCOUNT_NAME.fullmatch(name) is not None


def new_secret() -> str:
    """A webhook secret for the portal's ``X-Pbx-Token``."""
    return secrets.token_urlsafe(32)


def new_desk_token() -> str:
    """A desk's bearer token (the prefix makes a leaked one recognisable)."""
    return "pbxdesk_" + secrets.token_urlsafe(32)


def new_desk_id() -> str:
    return "d_" + secrets.token_hex(5)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def secret_matches(given: str, stored_hash: str | None) -> bool:
    """Whether ``given`` is the secret behind ``stored_hash``; None (no account) never matches.

    Takes the same time whether the account exists or not and wherever the
    hashes differ.
    """
    expected = stored_hash if stored_hash is not None else _NO_SECRET_HASH
    same = hmac.compare_digest(hash_secret(given), expected)
    return same and stored_hash is not None
