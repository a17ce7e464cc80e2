"""Qt's opaque saved states (``saveState``, ``saveGeometry``) as text for JSON files."""

from __future__ import annotations

import base64
import binascii

from PySide6.QtCore import QByteArray


def state_to_text(state: QByteArray) -> str:
    return base64.b64encode(bytes(state.data())).decode("ascii")


def state_from_text(text: object) -> QByteArray | None:
    """The state :func:`state_to_text` wrote; None for anything else (damaged, empty)."""
    if not isinstance(text, str):
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return QByteArray(raw) if raw else None
