"""The dial pad: a panel for click-to-call (issue #4).

:class:`DialPad` is the panel the main window docks; its parts are
``numberedit`` (the number field), ``keypad`` (the keys), ``choices`` (whose
phones ring, caller ID), ``preview`` (what Call will dial, in words),
``choicebar`` (the pad's questions), ``status`` (the current call),
``callfollow`` (keeps the status on the newest call), ``spinner`` (busy
indicator), ``recent`` (recent numbers), ``style`` (the style sheet), ``padview``
(the controls, laid out) and ``pad`` (the panel that gives them behaviour).
"""

from pbxdesk.ui.dialpad.pad import DialPad
from pbxdesk.ui.dialpad.preview import preview_text

__all__ = ["DialPad", "preview_text"]
