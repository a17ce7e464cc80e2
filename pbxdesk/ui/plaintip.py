"""Tooltips that show outside text as it is, never as markup.

Qt reads a tooltip as HTML whenever its first line looks like it holds a tag
(``Qt.mightBeRichText``), and tooltips offer no plain-text switch. Callers'
names and the PBX's fields come from outside: a caller who sets their name to
``<img src="file:///…" width="90000" height="90000">`` made hovering the
history row load a local file and allocate gigabytes for a tooltip, freezing
the app. :func:`plain_tip` returns text Qt shows exactly as given.
"""

from __future__ import annotations

from PySide6.QtGui import Qt


def plain_tip(text: str) -> str:
    """``text`` for ``setToolTip`` / ``ToolTipRole``: unchanged when Qt would read it as
    plain text anyway, else escaped (every ``<`` and ``&`` shown as typed)."""
    if not Qt.mightBeRichText(text):
        return text
    return Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal)
