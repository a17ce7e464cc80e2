"""Alt+letter mnemonics for labels and buttons, each letter used once per page.

Hand-placed ampersands drift into collisions as settings are added; this picks
the first free letter, preferring the start of a word.
"""

from __future__ import annotations


def with_mnemonic(text: str, taken: set[str]) -> str:
    """``text`` with ``&`` before a letter not in ``taken`` (which is updated).

    Literal ampersands are escaped; when every letter is taken the text comes
    back without a mnemonic rather than with a duplicate.
    """
    escaped = text.replace("&", "&&")
    starts = [i for i, c in enumerate(text)
              if c.isalnum() and (i == 0 or not text[i - 1].isalnum())]
    others = [i for i, c in enumerate(text) if c.isalnum() and i not in starts]
    for index in starts + others:
        letter = text[index].lower()
        if letter not in taken:
            taken.add(letter)
            # Each literal "&" before index became "&&": shift the insertion point.
            at = index + text[:index].count("&")
            return escaped[:at] + "&" + escaped[at:]
    return escaped


def mnemonic_letter(text: str) -> str | None:
    """The letter a label's ``&`` marks, lower case; None without one."""
    index = 0
    while index < len(text) - 1:
        if text[index] == "&":
            if text[index + 1] != "&":
                return text[index + 1].lower()
            index += 1
        index += 1
    return None
