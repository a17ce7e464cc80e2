"""Packaging tests: the ``frozen`` ones run only when asked for with ``-m frozen``.

They need the built bundle (``python3 scripts/dev.py build``), so a plain
``pytest`` leaves them out; any ``-m`` expression that mentions ``frozen``
decides for itself. This is a hook rather than ``-m "not frozen"`` in addopts
because pytest keeps only the last ``-m``: ``pytest -m slow`` would replace the
default and pull in the frozen tests without their bundle.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "frozen" in (config.getoption("markexpr") or ""):
        return
    deselected = [item for item in items if item.get_closest_marker("frozen") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item.get_closest_marker("frozen") is None]
