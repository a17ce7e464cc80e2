"""Keeps the dial pad's status box on the newest call the service reports.

:class:`CallFollower` shows each state the :class:`~pbxdesk.services.calls.CallService`
announces for the newest attempt (an older attempt moving on never hides it),
and a refused request's reason for as long as it holds, through a
:class:`~pbxdesk.ui.dialpad.status.RefusalWatch`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget

from pbxdesk.phone import DialTarget
from pbxdesk.services.calls import CallAttempt, CallService
from pbxdesk.ui.dialpad.status import CallStatus, RefusalWatch


class CallFollower(QObject):
    """Shows the service's calls in ``status``.

    Attributes:
        refusal: the watch on the refusal shown (parented to ``pad``, like ``status``).
        last_request: the last call asked for, as (target, extension), so a refusal
            can be checked again; set by the pad when it asks the service.
    """

    def __init__(self, service: CallService, status: CallStatus,
                 chosen_user: Callable[[], str], pad: QWidget) -> None:
        """``chosen_user`` gives the extension picked in the pad now ('' for none)."""
        super().__init__(pad)
        self._service = service
        self._status = status
        self._chosen_user = chosen_user
        self._shown_attempt = 0
        self.last_request: tuple[DialTarget, str] | None = None
        self.refusal = RefusalWatch(status, self._refusal_now, self._restore_status, pad)
        service.sig_call_state_changed.connect(self._on_service_call_state_changed)
        service.sig_call_refused.connect(self._on_service_call_refused)

    def show_call_under_way(self) -> None:
        """Show the call the service is following, if any (the pad is new)."""
        if self._service.current is not None:
            self._on_service_call_state_changed(self._service.current)

    @Slot(object)
    def _on_service_call_state_changed(self, attempt: CallAttempt) -> None:
        if attempt.attempt_id < self._shown_attempt:
            return  # an older call moved on; the newest one stays shown
        self._shown_attempt = attempt.attempt_id
        self.refusal.stop()  # a call's own news replaces a refusal
        self._status.show_status(attempt.display, attempt.text, attempt.state)

    @Slot(str)
    def _on_service_call_refused(self, reason: str) -> None:
        # The reason names the number itself; the request may not have come from the field.
        self.refusal.show(reason)

    def _refusal_now(self) -> str | None:
        """Why the last call asked for would still be refused (None: it would not)."""
        if self.last_request is None:
            return None
        target, user = self.last_request
        return self._service.refusal(target, self._chosen_user() or user)

    def _restore_status(self) -> None:
        """The refusal no longer holds: show the current call again, or nothing."""
        current = self._service.current
        if current is not None:
            self._status.show_status(current.display, current.text, current.state)
        else:
            self._status.hide()
