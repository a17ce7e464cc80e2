"""Fixtures for the services' tests (see :mod:`tests.services.helpers`)."""

from tests.services.helpers import make_env

__all__ = ["make_env"]
