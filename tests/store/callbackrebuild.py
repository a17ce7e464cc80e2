"""The worklist as an update left it, and as a rebuild from the same calls makes it.

For the tests that hold the incremental update to a rebuild: every item, every
column, quoted (so a value's type counts too), in number order.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from pbxdesk.store import CallStore
from pbxdesk.store.callbackrules import ITEM_COLUMNS
from pbxdesk.store.callbacks import Scope

_QUOTED = ", ".join(f"quote({column})" for column in ITEM_COLUMNS)


def stored_items(conn: sqlite3.Connection) -> list[tuple[str, ...]]:
    return conn.execute(f"SELECT {_QUOTED} FROM callback_items ORDER BY number").fetchall()


def rebuilt_items(store: CallStore, copy: Path, scope: Scope, now_us: int) -> list[tuple[str, ...]]:
    """The items a rebuild from the same calls computes (in a copy of the store at ``copy``)."""
    target = sqlite3.connect(copy)
    store.callbacks._conn().backup(target)
    target.close()
    with CallStore(copy, default_region="AU") as rebuilt:
        rebuilt.callbacks.update(replace(scope, days=scope.days + 1), now_us)
        assert rebuilt.callbacks.update(scope, now_us).rebuilt
        return stored_items(rebuilt.callbacks._conn())
