"""action_icon(): the theme's icon when there is one, else our SVG tinted to the palette."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from pbxdesk.resources import resource_path
from pbxdesk.ui import icons
from pbxdesk.ui.icons import ICON_DIR, THEME_NAMES, action_icon, render_tinted
from tests.packaging.helpers import ROOT, load

NAMES = sorted(THEME_NAMES)
# What SVG Tiny 1.2 / QtSvg cannot draw, or what would pull in fonts or files
# (the same rule as tests/resources/test_icons.py has for the app icon).
FORBIDDEN_ELEMENTS = {"filter", "mask", "clipPath", "text", "image", "foreignObject", "style",
                      "pattern", "use", "script"}
FAKE_THEME = "pbxdesk-test-theme"
THEME_RED = QColor("#ff0000")


def opaque_colours(image: QImage) -> set[str]:
    return {image.pixelColor(x, y).name() for x in range(image.width())
            for y in range(image.height()) if image.pixelColor(x, y).alpha() == 255}


def palette(text: str, disabled: str) -> QPalette:
    made = QPalette(QGuiApplication.palette())
    made.setColor(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText, QColor(text))
    made.setColor(QPalette.ColorGroup.Inactive, QPalette.ColorRole.WindowText, QColor(text))
    made.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor(disabled))
    return made


def set_theme(paths: list[str], name: str, fallback: str) -> None:
    QIcon.setThemeSearchPaths(paths)
    QIcon.setThemeName(name)
    QIcon.setFallbackThemeName(fallback)


@pytest.fixture(autouse=True)
def theme(qapp: QApplication, tmp_path: Path) -> Iterator[Path]:
    """No icon theme at all (as on Windows or in the bundle); yields where one can go.

    Restores Qt's theme settings and empties the icon cache afterwards, so no
    test sees another's icons.
    """
    saved = (QIcon.themeSearchPaths(), QIcon.themeName(), QIcon.fallbackThemeName())
    themes = tmp_path / "themes"
    themes.mkdir()
    icons._fallback_icon.cache_clear()
    set_theme([str(themes)], "", "")
    yield themes
    set_theme(*saved)
    icons._fallback_icon.cache_clear()


def install_fake_theme(themes: Path) -> None:
    """A one-icon theme, ``view-refresh`` as a red square, made the current theme."""
    folder = themes / FAKE_THEME / "24x24" / "actions"
    folder.mkdir(parents=True)
    (themes / FAKE_THEME / "index.theme").write_text(
        "[Icon Theme]\nName=pbxdesk test\nComment=Tests only\nDirectories=24x24/actions\n\n"
        "[24x24/actions]\nSize=24\nType=Fixed\n", encoding="utf-8")
    square = QPixmap(24, 24)
    square.fill(THEME_RED)
    assert square.save(str(folder / "view-refresh.png"))
    QIcon.setThemeName(FAKE_THEME)


@pytest.mark.parametrize("name", NAMES)
def test_every_name_has_an_icon_at_16_and_24(name: str) -> None:
    icon = action_icon(name)

    assert not icon.isNull()
    assert {QSize(16, 16), QSize(24, 24)} <= set(icon.availableSizes())
    for size in (16, 24):
        pixmap = icon.pixmap(QSize(size, size), 1.0)
        assert pixmap.size() == QSize(size, size)
        assert len(opaque_colours(pixmap.toImage())) == 1  # drawn, not blank


@pytest.mark.parametrize(("text", "disabled"), [("#1b1b1b", "#a0a0a0"), ("#f0f0f0", "#6e6e6e")],
                         ids=["light-palette", "dark-palette"])
@pytest.mark.parametrize("name", NAMES)
def test_fallback_takes_the_palette_text_colours(name: str, text: str, disabled: str) -> None:
    icon = action_icon(name, palette(text, disabled))

    normal = icon.pixmap(QSize(24, 24), 1.0).toImage()
    greyed = icon.pixmap(QSize(24, 24), 1.0, QIcon.Mode.Disabled).toImage()
    assert opaque_colours(normal) == {text}  # light strokes on a dark palette, and so on
    assert opaque_colours(greyed) == {disabled}
    # Only the colour differs between the modes, not the shape.
    assert [normal.pixelColor(x, 12).alpha() for x in range(24)] == [
        greyed.pixelColor(x, 12).alpha() for x in range(24)]


def test_without_a_palette_the_application_palette_tints() -> None:
    expected = QGuiApplication.palette().color(QPalette.ColorGroup.Active,
                                               QPalette.ColorRole.WindowText).name()

    image = action_icon("dial").pixmap(QSize(24, 24), 1.0).toImage()

    assert opaque_colours(image) == {expected}


def test_a_hidpi_screen_gets_pixmaps_drawn_at_its_ratio() -> None:
    # The offscreen screen is 1x, so ask for the icon a 2x screen would get.
    icon = icons._fallback_icon("search", QColor("#000000").rgba(), QColor("#808080").rgba(), 2.0)
    renderer = QSvgRenderer(str(resource_path(f"{ICON_DIR}/search.svg")))

    pixmap = icon.pixmap(QSize(48, 48), 2.0)

    assert pixmap.size() == QSize(96, 96)
    assert pixmap.devicePixelRatio() == 2.0
    # Drawn at 96 px, not the 48 px pixmap scaled up (which would be blurred).
    sharp = render_tinted(renderer, 48, QColor("#000000"), 2.0)
    assert pixmap.toImage().convertToFormat(sharp.format()) == sharp


def test_an_unknown_name_raises_key_error() -> None:
    with pytest.raises(KeyError, match="quit"):
        action_icon("quit")


def test_icons_are_cached_per_colour_and_callers_get_copies() -> None:
    light = palette("#1b1b1b", "#a0a0a0")
    dark = palette("#f0f0f0", "#6e6e6e")

    first = action_icon("export", light)
    assert action_icon("export", light).cacheKey() == first.cacheKey()  # not drawn again
    assert action_icon("export", dark).cacheKey() != first.cacheKey()
    assert icons._fallback_icon.cache_info().misses == 2

    first.addPixmap(QPixmap(64, 64))
    assert QSize(64, 64) not in action_icon("export", light).availableSizes()


def test_the_theme_icon_wins_when_the_theme_has_one(theme: Path) -> None:
    assert action_icon("refresh").name() == ""  # ours, and now in the cache

    install_fake_theme(theme)
    refresh = action_icon("refresh")
    settings = action_icon("settings")

    assert refresh.name() == "view-refresh"
    assert opaque_colours(refresh.pixmap(QSize(24, 24), 1.0).toImage()) == {THEME_RED.name()}
    # The theme has no gear, so that one stays ours.
    assert settings.name() == ""
    assert THEME_RED.name() not in opaque_colours(settings.pixmap(QSize(24, 24), 1.0).toImage())


def test_a_missing_svg_gives_a_null_icon_and_a_warning(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(icons, "resource_path", lambda relative: tmp_path / relative)

    with caplog.at_level(logging.WARNING, logger="pbxdesk.ui"):
        icon = action_icon("dialpad")

    assert icon.isNull()  # the button shows its text instead
    assert "dialpad.svg is missing" in caplog.text


@pytest.mark.parametrize("name", NAMES)
def test_svg_is_a_one_colour_mask_inside_the_margin(name: str) -> None:
    svg = resource_path(f"{ICON_DIR}/{name}.svg")
    root = ET.parse(svg).getroot()
    assert root.get("baseProfile") == "tiny"
    assert root.get("viewBox") == "0 0 24 24"
    assert not {element.tag.rpartition("}")[2] for element in root.iter()} & FORBIDDEN_ELEMENTS

    image = render_tinted(QSvgRenderer(str(svg)), 24, None)

    visible = {(x, y) for x in range(24) for y in range(24) if image.pixelColor(x, y).alpha()}
    assert opaque_colours(image) == {"#000000"}
    assert len(visible) > 24  # a drawing, not a dot
    # Strokes stay 1 unit inside the edge, so nothing is clipped at any size.
    assert not {(x, y) for x, y in visible if 0 in (x, y) or 23 in (x, y)}


def test_every_icon_is_named_here_and_shipped_in_the_bundle() -> None:
    bundle = load("bundle.py")
    on_disk = {path.stem for path in (ROOT / "resources" / ICON_DIR).glob("*.svg")}

    assert set(THEME_NAMES) == on_disk == set(bundle.ACTION_ICONS)
    for platform in ("linux", "win32", "darwin"):
        shipped = {source for source, _dest in bundle.data_files(platform)}
        assert {f"resources/{ICON_DIR}/{name}.svg" for name in on_disk} <= shipped
