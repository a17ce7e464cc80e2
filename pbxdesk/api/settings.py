"""How to reach one PBX account: :class:`ClientSettings` and its checks.

The settings are plain values the app reads from its settings file and keyring.
:meth:`ClientSettings.validate` turns every combination that cannot work into a
:class:`~pbxdesk.api.errors.ConfigurationError` before anything is sent: plain
``http://`` is only allowed to this machine (the sandbox), because the key
travels in a header. The key itself is masked in ``repr`` and never appears in
a message.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from pbxdesk.addresses import bare_address
from pbxdesk.api.errors import ConfigurationError
from pbxdesk.api.models import HistoryQuery

PostEncoding = Literal["json", "form"]
API_VERSIONS = ("v1", "v2")
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientSettings:
    """Connection settings for :class:`~pbxdesk.api.client.PbxClient`.

    Attributes:
        base_url: The brand's portal host, e.g. ``https://au.voipcloud.online``. A
            pasted URL that already ends in ``/api/integration/v2`` is accepted.
        api_key: Sent in the ``token`` header; masked in ``repr``.
        api_version: ``"v2"`` (default) or ``"v1"``: the path segment after
            ``/api/integration/``.
        user_filter_param: Query parameter that selects user calls by extension
            (a guess: ``users_numbers``); ``None`` sends no selector and relies on
            the local filter alone.
        post_encoding: Body of ``call-to-number``: ``"json"`` (the vendor's docs) or
            ``"form"`` (multipart form data, as one live client sends).
        default_region: ISO country code used to read national numbers in rows.
        timeout: Seconds for connecting and for each read or write.
        max_offset, max_limit: The API's paging caps (9999 / 10000). They can be
            lowered (tests make the cap bite with little data), never raised.
    """

    base_url: str
    api_key: str = field(repr=False)
    api_version: str = "v2"
    user_filter_param: str | None = "users_numbers"
    post_encoding: PostEncoding = "json"
    default_region: str | None = None
    timeout: float = 30.0
    max_offset: int = HistoryQuery.MAX_OFFSET
    max_limit: int = HistoryQuery.MAX_LIMIT

    def __repr__(self) -> str:
        key = "''" if not self.api_key else "'***'"
        return (f"ClientSettings(base_url={self.base_url!r}, api_key={key}, "
                f"api_version={self.api_version!r}, user_filter_param={self.user_filter_param!r}, "
                f"post_encoding={self.post_encoding!r}, default_region={self.default_region!r}, "
                f"timeout={self.timeout!r}, max_offset={self.max_offset!r}, "
                f"max_limit={self.max_limit!r})")

    @property
    def host(self) -> str:
        return urlsplit(self.base_url.strip()).hostname or ""

    @property
    def api_root(self) -> str:
        """``<base>/api/integration/<version>`` without a trailing slash."""
        base = bare_address(self.base_url)
        for version in API_VERSIONS:  # tolerate a pasted full API URL
            suffix = f"/api/integration/{version}"
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        return f"{base}/api/integration/{self.api_version}"

    def endpoint_url(self, endpoint: str) -> str:
        return f"{self.api_root}/{endpoint}"

    def validate(self) -> None:
        """Raise :class:`ConfigurationError` naming the first setting that cannot work."""
        parts = urlsplit(self.base_url.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigurationError(
                "The PBX address must be a web address like https://au.voipcloud.online "
                f"(got {self._quote(self.base_url)}).")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ConfigurationError(
                "The PBX address must not contain a query, a fragment or a user name: use "
                "just the portal's address, like https://au.voipcloud.online.")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise ConfigurationError(
                f"The PBX address {parts.scheme}://{parts.hostname} is not encrypted. Use "
                "https:// (plain http:// is only allowed for the sandbox on this computer).")
        _check_key(self.api_key)
        if self.api_version not in API_VERSIONS:
            raise ConfigurationError(
                f"The API version must be one of {', '.join(API_VERSIONS)} "
                f"(got {self._quote(self.api_version)}).")
        if self.post_encoding not in ("json", "form"):
            raise ConfigurationError("The click-to-call encoding must be 'json' or 'form'.")
        if self.user_filter_param is not None and not _is_param_name(self.user_filter_param):
            raise ConfigurationError(
                "The user filter parameter must be a plain name like users_numbers.")
        if not (self.timeout > 0):  # also rejects NaN
            raise ConfigurationError("The timeout must be a positive number of seconds.")
        if not 0 <= self.max_offset <= HistoryQuery.MAX_OFFSET:
            raise ConfigurationError(
                f"The offset cap must be between 0 and {HistoryQuery.MAX_OFFSET}.")
        if not 1 <= self.max_limit <= HistoryQuery.MAX_LIMIT:
            raise ConfigurationError(
                f"The page size cap must be between 1 and {HistoryQuery.MAX_LIMIT}.")


    def _quote(self, text: str) -> str:
        """``text`` shortened and quoted for a message, with the key masked if pasted in."""
        if self.api_key.strip():
            text = text.replace(self.api_key.strip(), "***")
        return repr(text if len(text) <= 60 else text[:59] + "…")


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and the usual names for this machine."""
    name = host.strip("[]").lower().rstrip(".")
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _check_key(key: str) -> None:
    # The message must never quote the key, not even a part of it.
    if not key or not key.strip():
        raise ConfigurationError(
            "No API key is set. Copy it from the portal's Integration / API page into Settings.")
    if key != key.strip() or not key.isascii() or not key.isprintable() or " " in key:
        raise ConfigurationError(
            "The API key contains spaces, line breaks or characters that cannot be sent. "
            "Copy it again from the portal's Integration / API page into Settings.")


def _is_param_name(name: str) -> bool:
    return bool(name) and len(name) <= 64 and all(c.isascii() and (c.isalnum() or c in "_-.[]")
                                                  for c in name)
