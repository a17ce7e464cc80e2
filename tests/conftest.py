"""Suite-wide test configuration.

Qt runs offscreen, the keyring is an in-memory backend (the real one is never
touched), and fixtures shared between areas live in ``tests/fixtures/``. Each
test starts with no masked secrets and no damaged files on record, so a test
that relies on either sets them up itself.

Hypothesis runs the ``ci`` profile unless ``HYPOTHESIS_PROFILE`` names another:
derandomised (the same examples on every run, seeded from each test's name),
at most 100 examples unless a test says fewer or more, no deadline (speed is
benchmarked, never asserted) and, on failure, the ``@reproduce_failure`` blob
and seed printed so the example reproduces. ``dev`` is the same with fresh
random examples on each run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import keyring
import keyring.backend
import pytest
from hypothesis import HealthCheck, settings

from pbxdesk import logs
from pbxdesk.damaged import take_set_aside

settings.register_profile(
    "ci", derandomize=True, max_examples=100, deadline=None, print_blob=True, database=None,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "dev", max_examples=100, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_report_header() -> str:
    current = settings.default
    seeding = ("derandomized: each test's seed comes from its name, the same on every run"
               if current.derandomize else "a fresh random seed per run (printed on failure)")
    return (f"hypothesis profile {settings.get_current_profile_name()!r}: {seeding}; "
            f"max_examples={current.max_examples}; a failure prints its @reproduce_failure")

# Set before the fixture plugins below import Qt; none of the imports above do.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = [
    "tests.fixtures.sandbox",
    "tests.fixtures.api",
    "tests.fixtures.store",
    "tests.fixtures.qt",
    "tests.fixtures.callbacks",
    "tests.fixtures.garbage",
]


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in a dict, so tests can see what was stored."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """No secret registered by an earlier test masks this one's log lines."""
    monkeypatch.setattr(logs, "_secrets", set())


@pytest.fixture(autouse=True)
def fresh_damaged_files() -> Iterator[None]:
    """Files set aside by an earlier test are not reported in this one."""
    take_set_aside()
    yield
    take_set_aside()
