"""Waiting for the window's first painted page of stored calls.

A start shows the stored calls before it connects the account (see
``Controller.open_session``): the second step, which imports the HTTP client
and the sync on a worker thread and competes for the GIL with the history's
reader, waits until the user can see the calls.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from pbxdesk.ui.mainwindow import MainWindow

# A window that never paints (hidden, minimised, on no screen) must not keep the
# account from connecting for long.
FIRST_PAINT_TIMEOUT_S: Final = 1.5


class _PaintWatch(QObject):
    """Calls ``done`` after the first paint of the watched widget once ``ready()``."""

    def __init__(self, ready: Callable[[], bool], done: Callable[[], None]) -> None:
        super().__init__()
        self._ready = ready
        self._done = done

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and self._ready():
            QTimer.singleShot(0, self._done)  # after this paint has reached the screen
        return False


async def painted(widget: QWidget, ready: Callable[[], bool] = lambda: True, *,
                  timeout_s: float = FIRST_PAINT_TIMEOUT_S) -> bool:
    """Wait for ``widget``'s next paint after ``ready()`` holds; False on timeout."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[bool] = loop.create_future()

    def finish(result: bool) -> None:
        if not future.done():
            future.set_result(result)

    watch = _PaintWatch(ready, lambda: finish(True))
    widget.installEventFilter(watch)
    widget.update()
    timer = loop.call_later(timeout_s, finish, False)
    try:
        return await future
    finally:
        timer.cancel()
        with contextlib.suppress(RuntimeError):  # the widget went with its account
            widget.removeEventFilter(watch)
        watch.deleteLater()


async def stored_calls_painted(window: MainWindow) -> bool:
    """Wait until the shown tab has painted (a history: with its first page of calls)."""
    tab = window.current_tab()
    if tab is not None:
        model = tab.model
        return await painted(tab.view.viewport(), lambda: not model.loading)
    shown = window.tabs.currentWidget()
    return await painted(shown if shown is not None else window)
