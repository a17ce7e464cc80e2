"""The default country: which country a number without ``+`` belongs to.

Owns validating a region setting and guessing one on first run. The guess tries,
in order, until one names a country phonenumbers knows:

1. the locale variables ``LC_ALL``, ``LC_TELEPHONE``, ``LC_MESSAGES``, ``LANG``
   and ``LANGUAGE`` (``en_AU.UTF-8`` → AU; ``C.UTF-8`` names no country);
2. Python's current locale (:func:`locale.getlocale`), when reading the real
   environment;
3. the time zone (``TZ`` or ``/etc/localtime``) looked up in the system's
   ``zone.tab`` (``Australia/Sydney`` → AU): many Linux desktops run a
   country-less ``C.UTF-8`` locale but a correct time zone;
4. :data:`FALLBACK_REGION`.

The first-run settings page shows the guess so the user can correct it.
"""

from __future__ import annotations

import contextlib
import locale
import os
import re
from collections.abc import Mapping
from pathlib import Path

import phonenumbers

# "US" when nothing else names a country: the locale machinery itself defaults to
# American English, so an unconfigured machine is most often a US-locale one.
FALLBACK_REGION = "US"

_LOCALE_VARIABLES = ("LC_ALL", "LC_TELEPHONE", "LC_MESSAGES", "LANG", "LANGUAGE")
_ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")
_LOCALTIME = Path("/etc/localtime")
_LOCALE_PART = re.compile(r"[_-]")


def normalize_region(region: str | None) -> str | None:
    """``region`` as an upper-case code phonenumbers supports, or None."""
    if not region:
        return None
    code = region.strip().upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def region_from_locale_name(name: str | None) -> str | None:
    """The country of a POSIX or BCP 47 locale name, if it names one.

    ``en_AU.UTF-8`` → AU, ``de_DE@euro`` → DE, ``pt-BR`` → BR,
    ``zh_Hant_TW`` → TW, ``en_AU:en`` (a ``LANGUAGE`` list) → AU; ``C``,
    ``POSIX`` and ``en`` → None.
    """
    if not name:
        return None
    for entry in name.split(":"):
        base = re.split(r"[.@]", entry, maxsplit=1)[0]
        for part in _LOCALE_PART.split(base)[1:]:
            if len(part) == 2 and part.isalpha():
                region = normalize_region(part)
                if region:
                    return region
    return None


def region_from_timezone(tz_name: str | None, zone_tab: str) -> str | None:
    """The country ``zone_tab`` (the text of tzdata's ``zone.tab``) gives ``tz_name``."""
    if not tz_name:
        return None
    tz_name = tz_name.lstrip(":")
    for line in zone_tab.splitlines():
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) >= 3 and fields[2] == tz_name:
            return normalize_region(fields[0])
    return None


def default_region_from_locale(environ: Mapping[str, str] | None = None) -> str:
    """A first-run guess at the user's country; never raises.

    Args:
        environ: the variables to read; None reads the real environment, the
            process locale and ``/etc/localtime`` as well (tests pass a dict so
            the machine they run on does not matter).
    """
    real = environ is None
    env: Mapping[str, str] = os.environ if environ is None else environ
    for variable in _LOCALE_VARIABLES:
        region = region_from_locale_name(env.get(variable))
        if region:
            return region
    if real:
        with contextlib.suppress(ValueError):
            region = region_from_locale_name(locale.getlocale()[0])
            if region:
                return region
    region = _region_from_system_timezone(env.get("TZ") or (_localtime_name() if real else None))
    return region or FALLBACK_REGION


def _localtime_name() -> str | None:
    """``Area/City`` from the ``/etc/localtime`` link, where the system has one."""
    try:
        target = str(_LOCALTIME.resolve(strict=True))
    except (OSError, RuntimeError):
        return None
    marker = "/zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None


def _region_from_system_timezone(tz_name: str | None) -> str | None:
    if not tz_name:
        return None
    try:
        zone_tab = _ZONE_TAB.read_text(encoding="utf-8", errors="replace")
    except OSError:  # Windows, or a system without tzdata
        return None
    return region_from_timezone(tz_name, zone_tab)
