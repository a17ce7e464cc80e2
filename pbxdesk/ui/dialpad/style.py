"""The dial pad's style sheet: rounded keys, a green Call button, a soft status box.

Colours come from the palette (``palette(...)``) so light and dark themes both
work; only the Call button has a colour of its own, with white text on it.
"""

from __future__ import annotations

from typing import Final

STYLE: Final = """
QPushButton#dialKey {
    border: 1px solid palette(mid); border-radius: 10px; background: palette(button);
}
QPushButton#dialKey:hover { background: palette(light); }
QPushButton#dialKey:pressed { background: palette(midlight); border-color: palette(highlight); }
QLabel#dialKeyLetters { color: palette(placeholder-text); }
QPushButton#callButton {
    border: none; border-radius: 10px; padding: 10px; color: white; background: #1e8e3e;
    font-weight: 600;
}
QPushButton#callButton:hover { background: #23a047; }
QPushButton#callButton:pressed { background: #177433; }
QPushButton#callButton:focus { border: 2px solid palette(highlight); }
QPushButton#callButton:disabled { background: palette(midlight); color: palette(dark); }
QLineEdit#numberField {
    border: 1px solid palette(mid); border-radius: 8px; padding: 6px 8px;
}
QLineEdit#numberField:focus { border: 2px solid palette(highlight); }
QFrame#callStatus { border-radius: 8px; background: palette(alternate-base); }
QFrame#dialChoices { border-radius: 8px; background: palette(alternate-base); }
"""
