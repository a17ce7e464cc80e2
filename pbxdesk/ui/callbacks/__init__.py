"""The Callbacks view: missed callers as a worklist (see :mod:`pbxdesk.ui.callbacks.tab`)."""

from pbxdesk.ui.callbacks.tab import CallbacksTab

__all__ = ["CallbacksTab"]
