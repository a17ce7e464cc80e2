"""Action icons: the desktop's icon theme where it has one, our own SVGs otherwise.

Windows, macOS, minimal Linux desktops and the PyInstaller bundle often have no
freedesktop icon theme, so ``QIcon.fromTheme`` gives nothing and the toolbar
shows bare text. :func:`action_icon` asks the theme first (:data:`THEME_NAMES`)
and falls back to ``resources/icons/actions/<name>.svg``: black strokes on
transparent, a mask tinted here to the palette's text colour so it reads on a
dark palette too (the tray icon is the same kind of mask, see
:func:`render_tinted`).

The tinted icons are cached by name and colours; the theme is asked on every
call, so a theme that appears later wins. Icons already set on widgets keep
their colour: set them again when the palette changes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Final

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from pbxdesk.resources import resource_path

log = logging.getLogger("pbxdesk.ui")

THEME_NAMES: Final[Mapping[str, str]] = MappingProxyType({
    "refresh": "view-refresh",
    "dial": "call-start",
    "dialpad": "input-dialpad",
    "export": "document-save-as",
    "settings": "preferences-system",
    "search": "edit-find",
    "missed-call": "call-missed",
})
"""Our icon name -> the freedesktop (icon naming spec / Adwaita) name tried first."""

ICON_DIR: Final = "icons/actions"
"""Where the fallback SVGs sit inside ``resources/``: ``<ICON_DIR>/<name>.svg``."""

SIZES: Final = (16, 24, 32, 48)
"""Logical sizes rendered; Qt scales the nearest one for any other size."""


def render_tinted(renderer: QSvgRenderer, size: int, tint: QColor | None,
                  scale: float = 1.0) -> QImage:
    """``renderer``'s drawing in a ``size`` px square, every opaque pixel in ``tint``.

    Args:
        tint: the colour; None leaves the drawing as it is.
        scale: device pixel ratio: the image has ``round(size * scale)`` pixels
            and says it is ``size`` logical pixels wide.
    """
    pixels = max(1, round(size * scale))
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    if tint is not None:
        # Keep the mask's shape (its alpha), replace its colour.
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(image.rect(), tint)
    painter.end()
    image.setDevicePixelRatio(pixels / size)
    return image


def action_icon(name: str, palette: QPalette | None = None) -> QIcon:
    """The icon for ``name``, a key of :data:`THEME_NAMES`.

    Args:
        palette: whose text colours tint the fallback (default: the application's).

    Returns:
        The theme's icon when the theme has one, else our SVG tinted to the
        palette's WindowText (Disabled mode: its disabled WindowText). A null
        icon if the SVG is missing (a bare wheel install without ``resources/``).

    Raises:
        KeyError: ``name`` is not one of ours: a typo should fail loudly in tests
            rather than show a blank button.
    """
    theme_name = THEME_NAMES[name]
    if QIcon.hasThemeIcon(theme_name):
        return QIcon.fromTheme(theme_name)
    palette = QGuiApplication.palette() if palette is None else palette
    role = QPalette.ColorRole.WindowText
    normal = palette.color(QPalette.ColorGroup.Active, role)
    disabled = palette.color(QPalette.ColorGroup.Disabled, role)
    # A copy: a caller's addPixmap() must not change the cached icon.
    # The sharpest screen's ratio, as QGuiApplication::devicePixelRatio() gives it.
    ratio = max((screen.devicePixelRatio() for screen in QGuiApplication.screens()),
                default=1.0)
    return QIcon(_fallback_icon(name, normal.rgba(), disabled.rgba(), ratio))


@lru_cache(maxsize=64)
def _fallback_icon(name: str, normal: int, disabled: int, ratio: float) -> QIcon:
    """Our SVG for ``name`` in the colours ``normal`` and ``disabled`` (QRgb values)."""
    path = resource_path(f"{ICON_DIR}/{name}.svg")
    if not path.is_file():  # checked first: QSvgRenderer would log a Qt warning
        log.warning("Icon file %s is missing", path)
        return QIcon()
    renderer = QSvgRenderer(str(path))
    if not renderer.isValid():
        log.warning("Icon file %s is not an SVG Qt can draw", path)
        return QIcon()
    icon = QIcon()
    scales = sorted({1.0, ratio})  # 1x for plain screens, the ratio for a HiDPI one
    for mode, colour in ((QIcon.Mode.Normal, normal), (QIcon.Mode.Disabled, disabled)):
        tint = QColor.fromRgba(colour)
        for size in SIZES:
            for scale in scales:
                icon.addPixmap(QPixmap.fromImage(render_tinted(renderer, size, tint, scale)),
                               mode)
    return icon
