"""Packaging tests: the ``frozen`` ones run only when asked for with ``-m frozen``.

They need the built bundle (``python3 scripts/dev.py build``), so a plain
``pytest`` leaves them out even before the default options say ``-m "not frozen"``;
any ``-m`` expression that mentions ``frozen`` decides for itself.
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
