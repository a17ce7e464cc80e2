"""User settings: one declarative list, read and written in one place.

:data:`SETTINGS` names every setting with its type, default, label and check.
:class:`Settings` is the immutable value the app passes around;
:class:`SettingsFile` loads and saves it as versioned JSON (atomically, so a
crash or a full disk never leaves half a file). The API key is *not* a setting:
it lives in the OS keyring (see :mod:`pbxdesk.secrets`). The window's size,
position and dock layout are UI state, kept in a separate file by the UI
(:mod:`pbxdesk.ui.windowstate`). No Qt here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import phonenumbers

from pbxdesk.damaged import read_json_object, set_aside

log = logging.getLogger("pbxdesk.settings")

SETTINGS_VERSION = 1
ApiVersion = Literal["v2", "v1"]
PostEncoding = Literal["json", "form"]
KeyStorage = Literal["keyring", "file", "none"]


class SettingsError(Exception):
    """A settings file that cannot be read or written; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every user setting, with its default. See :data:`SETTINGS` for labels and checks."""

    base_url: str = ""
    api_version: ApiVersion = "v2"
    default_region: str = "AU"
    my_extension: str = ""
    default_caller_id: str = ""
    sync_days: int = 30
    refresh_minutes: int = 5
    request_budget: int = 100
    budget_window_minutes: int = 15
    user_filter_param: str = "users_numbers"
    post_encoding: PostEncoding = "json"
    key_storage: KeyStorage = "keyring"
    confirm_before_dialling: bool = True
    watch_clipboard: bool = False
    close_to_tray: bool = True
    service_level_seconds: int = 20
    callback_groups: str = ""
    callback_days: int = 7
    # Live calls (pbxdesk-relay); the desk token is kept like the API key, never here.
    relay_url: str = ""
    live_reconcile_minutes: int = 30
    own_calls_poll_seconds: int = 60
    screen_pop: bool = True
    crm_url_template: str = ""
    crm_open_on_answer: bool = False

    @property
    def is_configured(self) -> bool:
        """True once a PBX address has been saved (the welcome page is skipped)."""
        return bool(self.base_url)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """How one setting is presented and checked."""

    key: str
    label: str
    help: str
    check: Callable[[Any], str | None] = lambda _value: None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None


def check_base_url(value: str) -> str | None:
    """None when ``value`` is a usable PBX address, else why not (for the settings dialog)."""
    text = value.strip()
    if not text:
        return "Enter your PBX's address, e.g. https://au.voipcloud.online"
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        return "That is not a web address; enter it as e.g. https://au.voipcloud.online"
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "The address must start with https:// and name a host, e.g. https://au.voipcloud.online"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return "Use https:// — plain http is only allowed for this computer (127.0.0.1, localhost)"
    if parts.query or parts.fragment:
        return "Leave out the ?query and #fragment: enter just the portal's address"
    return None


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_relay_url(value: str) -> str | None:
    """None when ``value`` is empty (live calls off) or a usable relay address, else why not."""
    text = value.strip()
    if not text:
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return "That is not a web address; enter it as e.g. https://relay.example.com"
    if parts.scheme not in {"http", "https"} or not host:
        return "The relay address must start with https:// and name a host"
    if parts.scheme == "http" and not is_loopback_host(host):
        return ("Use https:// — the desk token must not travel unencrypted (plain http only "
                "for a relay on this computer)")
    if parts.query or parts.fragment or parts.username or parts.password:
        return "Enter just the relay's address, without ?query, #fragment or a user name"
    return None


def _check_crm_template(value: str) -> str | None:
    from pbxdesk.live.crm import template_problem  # small and Qt-free

    return template_problem(value)


def _check_region(value: str) -> str | None:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        return f"{value!r} is not a country code phonenumbers knows (use e.g. AU, GB, US)"
    return None


def _check_extension(value: str) -> str | None:
    if value and not (value.isdigit() and len(value) <= 8):
        return "An extension is a few digits, e.g. 1010"
    return None


def _check_param_name(value: str) -> str | None:
    if value and not all(c.isalnum() or c in "_-" for c in value):
        return "A parameter name uses letters, digits, _ and - only"
    return None


def _check_group_names(value: str) -> str | None:
    if len(value) > 2000:
        return "Name fewer queues and ring groups (at most 2,000 characters)"
    return None


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("base_url", "PBX address",
                "Your portal's address, from its Integration / API page.", check_base_url),
    SettingSpec("api_version", "API version", "v2 for current portals; v1 for older ones.",
                choices=("v2", "v1")),
    SettingSpec("default_region", "Default country",
                "Numbers typed without a country code belong to this country.", _check_region),
    SettingSpec("my_extension", "My extension",
                "The extension whose phones ring when you place a call.", _check_extension),
    SettingSpec("default_caller_id", "Caller ID to present",
                "Empty: the PBX's default for your extension.",
                lambda v: None if not v or str(v).lstrip("+").isdigit()
                else "A caller ID is a number owned by the account"),
    SettingSpec("sync_days", "Days of history to keep in sync",
                "Fetched on first connect; older days on demand.", minimum=1, maximum=3650),
    SettingSpec("refresh_minutes", "Refresh every (minutes)", "0 turns automatic refresh off.",
                minimum=0, maximum=1440),
    SettingSpec("request_budget", "Requests allowed per window",
                "pbxdesk stays under this to respect the PBX's rate limit.",
                minimum=1, maximum=100_000),
    SettingSpec("budget_window_minutes", "Request window (minutes)",
                "The PBX documents 100 requests per 15 minutes.", minimum=1, maximum=1440),
    SettingSpec("user_filter_param", "User filter parameter",
                "Name of the query parameter that selects users (unconfirmed; empty = don't send).",
                _check_param_name),
    SettingSpec("post_encoding", "Click-to-call body",
                "How the call request is encoded: JSON, or form data as some portals expect.",
                choices=("json", "form")),
    SettingSpec("key_storage", "Keep the API key in",
                "The OS keyring; or, where none exists, a private file or nowhere.",
                choices=("keyring", "file", "none")),
    SettingSpec("confirm_before_dialling", "Confirm before dialling",
                "Call back and links open the dial pad instead of dialling at once."),
    SettingSpec("watch_clipboard", "Offer to call copied numbers",
                "Watch the clipboard for phone numbers (nothing is stored or logged)."),
    SettingSpec("close_to_tray", "Keep running in the tray when the window is closed", ""),
    SettingSpec("service_level_seconds", "Service level (seconds)",
                "Insights: a queue or ring-group call answered within this many seconds "
                "meets the service level.", minimum=1, maximum=3600),
    SettingSpec("callback_groups", "Queues and ring groups",
                "Their unanswered calls join your missed calls in Callbacks: names separated "
                "by commas, * for all of them, empty for none.", _check_group_names),
    SettingSpec("callback_days", "Callbacks reach back (days)",
                "Missed calls older than this leave the list.", minimum=1, maximum=90),
    SettingSpec("relay_url", "Relay address",
                "Your team's pbxdesk-relay, e.g. https://relay.example.com. Empty: live calls "
                "off.", check_relay_url),
    SettingSpec("live_reconcile_minutes", "While live, check the history every (minutes)",
                "Live events keep the history current; this full refresh only catches up.",
                minimum=5, maximum=1440),
    SettingSpec("own_calls_poll_seconds", "Without a relay, check my calls every (seconds)",
                "While the window is active; 0 turns it off. Uses a small share of the "
                "request budget.", minimum=0, maximum=3600),
    SettingSpec("screen_pop", "Show who is calling when my phone rings",
                "A small window near the tray that never takes the keyboard."),
    SettingSpec("crm_url_template", "Open in CRM address",
                "e.g. https://crm.example.com/search?phone={e164} ({digits}, {number} also "
                "work). Empty: no CRM button.", _check_crm_template),
    SettingSpec("crm_open_on_answer", "Open the caller in the CRM when I answer",
                "Needs the CRM address above."),
)
SPECS: Mapping[str, SettingSpec] = {spec.key: spec for spec in SETTINGS}


def validate(settings: Settings) -> dict[str, str]:
    """Problems by setting key; empty when every value is acceptable."""
    problems: dict[str, str] = {}
    for spec in SETTINGS:
        value = getattr(settings, spec.key)
        if spec.key == "base_url" and not value:
            continue  # not configured yet is a state, not an error
        message = spec.check(value)
        if message is None and spec.choices and value not in spec.choices:
            message = f"Choose one of: {', '.join(spec.choices)}"
        if message is None and spec.minimum is not None and value < spec.minimum:
            message = f"At least {spec.minimum}"
        if message is None and spec.maximum is not None and value > spec.maximum:
            message = f"At most {spec.maximum}"
        if message:
            problems[spec.key] = message
    return problems


def _coerce(field: dataclasses.Field[Any], value: Any, default: Any) -> Any:
    """``value`` as the field's type, or ``default`` when it cannot be (a hand-edited file)."""
    kind = type(default)
    if kind is bool:
        return value if isinstance(value, bool) else default
    if kind is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else default
    return value.strip() if isinstance(value, str) else default


class SettingsFile:
    """Loads and saves :class:`Settings` as versioned JSON at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, *, first_run_region: str | None = None) -> Settings:
        """The saved settings; defaults for anything missing or unreadable.

        A damaged file (unreadable, not UTF-8, not JSON, not an object) is kept
        beside the original as ``settings.json.corrupt-<time>`` so nothing is lost
        (see :mod:`pbxdesk.damaged`), and defaults are used. ``first_run_region``
        seeds the default country when there is no file yet.
        """
        defaults = Settings()
        if first_run_region and _check_region(first_run_region) is None:
            defaults = defaults.replace(default_region=first_run_region)
        document = read_json_object(self.path, what="settings")
        if document is None:
            return defaults
        values = _upgrade(document).get("settings", {})
        if not isinstance(values, dict):
            set_aside(self.path, 'the settings file\'s "settings" is not an object')
            return defaults
        changes: dict[str, Any] = {}
        for field in dataclasses.fields(Settings):
            if field.name in values:
                default = getattr(defaults, field.name)
                changes[field.name] = _coerce(field, values[field.name], default)
        loaded = defaults.replace(**changes)
        bad = validate(loaded)
        if bad:
            log.warning("Ignoring invalid settings: %s", ", ".join(sorted(bad)))
            loaded = loaded.replace(**{key: getattr(defaults, key) for key in bad})
        return loaded

    def save(self, settings: Settings) -> None:
        """Write atomically; raises :class:`SettingsError` with a remedy on failure."""
        document = {"version": SETTINGS_VERSION, "settings": dataclasses.asdict(settings)}
        write_json_atomically(self.path, document)


def write_json_atomically(path: Path, document: Mapping[str, Any]) -> None:
    """Replace ``path`` with ``document`` so readers see the old or the new file, never half."""
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    tmp_name: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                         prefix=path.name, suffix=".tmp", delete=False) as tmp:
            tmp_name = tmp.name
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise SettingsError(
            f"Could not save {path.name} in {path.parent}: {exc.strerror or exc}. "
            "Free some disk space or check the folder's permissions, then save again; "
            "the previous settings are unchanged."
        ) from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _upgrade(document: dict[str, Any]) -> dict[str, Any]:
    """Bring an older settings document up to :data:`SETTINGS_VERSION`.

    Version 1 is the first release; later versions add steps here, oldest first.
    """
    version = document.get("version", 1)
    if not isinstance(version, int) or version > SETTINGS_VERSION:
        log.warning("Settings file is from a newer pbxdesk (version %r); reading what we know",
                    version)
    return document
