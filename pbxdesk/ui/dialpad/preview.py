"""The line under the dial pad's number field: what Call will dial, in words.

"Will dial +61 412 345 678 (Australia, mobile)", "Will dial extension 1002",
the question when the digits read two ways ("Extension 131234, or call
13 12 34?"), and a warning for a premium-rate number. The words only; the pad
picks the icon.
"""

from __future__ import annotations

from PySide6.QtWidgets import QStyle

from pbxdesk.phone import DialResult, DialTarget, Reason, keep_typing_hint

_OK = QStyle.StandardPixmap.SP_DialogApplyButton
_WARNING = QStyle.StandardPixmap.SP_MessageBoxWarning
_QUESTION = QStyle.StandardPixmap.SP_MessageBoxQuestion
_INFO = QStyle.StandardPixmap.SP_MessageBoxInformation


def preview_of(result: DialResult, region: str | None, extensions: frozenset[str],
               notice: str = "") -> tuple[QStyle.StandardPixmap, str]:
    """The icon and words for what the field holds.

    Args:
        result: the field read with ``region`` and the account's ``extensions``.
        notice: what to say instead of "Enter a phone number" while the field is
            empty ("Nothing to call in what you copied: …").
    """
    if isinstance(result, DialTarget):
        hint = (keep_typing_hint(result.extension or "", region, extensions)
                if result.is_internal and result.alternative is None else "")
        icon = (_QUESTION if result.alternative is not None
                else _WARNING if result.is_premium_rate else _OK)
        return icon, preview_text(result, hint)
    if result.reason is Reason.EMPTY:
        return (_WARNING, notice) if notice else (_INFO, result.message)
    return _WARNING, result.message


def preview_text(target: DialTarget, hint: str = "") -> str:
    """The line under the field for a dialable target.

    ``hint`` is :func:`pbxdesk.phone.keep_typing_hint`'s for an extension
    ("or keep typing for a phone number").
    """
    if target.alternative is not None:
        return target.question
    if target.is_internal:
        text = f"Will dial extension {target.extension}"
        return f"{text}, {hint}" if hint else text
    if target.is_premium_rate:
        where = f" ({target.region_name})" if target.region_name else ""
        text = f"Premium-rate number: {target.international}{where}. Calls to it cost extra"
    else:
        text = f"Will dial {target.description}"
    if target.extension:
        # The PBX cannot dial an extension suffix: the agent keys it in.
        text += f". Key in extension {target.extension} once connected."
    elif target.is_premium_rate:
        text += "."
    return text
