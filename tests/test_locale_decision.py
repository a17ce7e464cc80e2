"""One locale decision, made at start from the system alone: the date order of the first
run (before the set-up chose a default country) is the date order of every run after."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from pbxdesk.paths import AppPaths
from pbxdesk.settings import Settings, SettingsFile


def start_and_read_locale(basedir: Path, env: dict[str, str]) -> str:
    """Start pbxdesk (no account yet: the welcome page), read the locale it logs, stop it."""
    log = basedir / "logs" / "pbxdesk.log"
    before = log.read_text(encoding="utf-8") if log.exists() else ""
    process = subprocess.Popen([sys.executable, "-m", "pbxdesk", "--basedir", str(basedir)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            text = log.read_text(encoding="utf-8") if log.exists() else ""
            found = re.findall(r"Locale for dates and numbers: (\S+)", text[len(before):])
            if found:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no locale logged; exit {process.poll()}")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_date_format_does_not_change_after_the_first_run_set_up(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("LC_") and key not in {"LANG", "LANGUAGE", "TZ"}}
    env.update(QT_QPA_PLATFORM="offscreen", LANG="C", TZ="UTC")  # no locale, no country
    first = start_and_read_locale(tmp_path, env)
    # The first-run set-up: the agent picks Australia as the default country.
    settings_file = SettingsFile(AppPaths.under(tmp_path).settings_file)
    settings_file.save(Settings().replace(default_region="AU"))
    assert settings_file.load().default_region == "AU"
    second = start_and_read_locale(tmp_path, env)
    assert second == first
    assert first.startswith("en_")  # English with separators, not the C locale
    # A system with a locale decides it, whatever the settings say.
    assert start_and_read_locale(tmp_path, {**env, "LANG": "en_GB.UTF-8"}) == "en_GB"
