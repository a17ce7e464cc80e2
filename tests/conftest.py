"""Suite-wide test configuration.

Qt runs offscreen, the keyring is an in-memory backend (the real one is never
touched), and fixtures shared between areas live in ``tests/fixtures/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import keyring
import keyring.backend
import pytest

# Set before the fixture plugins below import Qt; none of the imports above do.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = [
    "tests.fixtures.sandbox",
    "tests.fixtures.api",
    "tests.fixtures.store",
    "tests.fixtures.qt",
    "tests.fixtures.callbacks",
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
