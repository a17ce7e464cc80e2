"""The app icon: SVG sources, committed PNG/ICO/ICNS files, and the script rendering them."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QImage, QImageReader, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from tests.resources.helpers import APP_ID, ICONS, load_render_icons

render_icons = load_render_icons()

APP_SVG = ICONS / "pbxdesk.svg"
TRAY_SVG = ICONS / "pbxdesk-tray.svg"
PNG_SIZES = [16, 22, 24, 32, 48, 64, 128, 256, 512]
ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]
ICNS_TYPES = {
    "icp4": 16, "icp5": 32, "icp6": 64, "ic07": 128, "ic08": 256, "ic09": 512,
    "ic11": 32, "ic12": 64, "ic13": 256, "ic14": 512, "ic10": 1024,
}
# What SVG Tiny 1.2 / QtSvg cannot draw, or what would pull in fonts or files.
FORBIDDEN_ELEMENTS = {"filter", "mask", "clipPath", "text", "image", "foreignObject", "style",
                      "pattern", "use", "script"}


def hicolor_png(size: int) -> Path:
    return ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render(svg: Path, size: int) -> QImage:
    renderer = QSvgRenderer(QByteArray(svg.read_bytes()))
    assert renderer.isValid()
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def pixels(image: QImage) -> list[tuple[int, int, int, int]]:
    colours = [image.pixelColor(x, y) for y in range(image.height()) for x in range(image.width())]
    return [(c.red(), c.green(), c.blue(), c.alpha()) for c in colours]


@pytest.mark.parametrize("size", PNG_SIZES)
def test_png_has_right_size_and_real_alpha(qapp: QApplication, size: int) -> None:
    data = hicolor_png(size).read_bytes()
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    assert data[12:16] == b"IHDR"
    assert (width, height) == (size, size)
    assert (depth, colour_type) == (8, 6)  # 8-bit RGBA

    image = QImage.fromData(data)
    assert image.size().width() == size
    assert image.hasAlphaChannel()
    # The tile's rounded corners leave the corners see-through; its middle is solid.
    for x, y in [(0, 0), (size - 1, 0), (0, size - 1), (size - 1, size - 1)]:
        assert image.pixelColor(x, y).alpha() == 0
    assert image.pixelColor(size // 4, size // 2).alpha() == 255


def test_app_svg_renders_a_full_coloured_tile(qapp: QApplication) -> None:
    image = render(APP_SVG, 64)
    opaque = [p for p in pixels(image) if p[3] == 255]
    assert len(opaque) > 0.7 * 64 * 64
    # Several colours (tile, card, dots, badge), not a silhouette.
    assert len({p[:3] for p in opaque}) > 20


def test_tray_svg_is_one_colour_on_transparent(qapp: QApplication) -> None:
    image = render(TRAY_SVG, 32)
    visible = [p for p in pixels(image) if p[3] > 0]
    assert len(visible) > 0.3 * 32 * 32
    assert len(visible) < 0.9 * 32 * 32  # the background stays transparent
    assert {p[:3] for p in visible} == {(0, 0, 0)}


@pytest.mark.parametrize("svg", [APP_SVG, TRAY_SVG], ids=["app", "tray"])
def test_svg_uses_only_what_qtsvg_draws(svg: Path) -> None:
    root = ET.parse(svg).getroot()
    tags = {element.tag.rpartition("}")[2] for element in root.iter()}
    assert not tags & FORBIDDEN_ELEMENTS
    assert root.get("baseProfile") == "tiny"
    assert root.get("viewBox") is not None
    assert "http" not in svg.read_text().replace("http://www.w3.org/2000/svg", "")


def test_committed_files_match_a_fresh_render(qapp: QApplication) -> None:
    fresh = render_icons.generate()
    assert set(fresh) == {hicolor_png(size) for size in PNG_SIZES} | {
        ICONS / "pbxdesk.ico", ICONS / "pbxdesk.icns"}
    assert render_icons.stale_files(fresh) == []


def test_check_flags_an_svg_edit_that_was_not_rendered(qapp: QApplication, tmp_path: Path) -> None:
    edited = tmp_path / "edited.svg"
    # Recolour the missed-call dot: a small change a reviewer could miss.
    edited.write_text(APP_SVG.read_text().replace('fill="#EF4444"', 'fill="#3B82F6"'))
    assert edited.read_text() != APP_SVG.read_text()

    assert render_icons.main(["--check", "--svg", str(edited)]) == 1
    stale = render_icons.stale_files(render_icons.generate(edited))
    assert hicolor_png(512) in stale
    assert ICONS / "pbxdesk.icns" in stale


def test_script_writes_a_tree_that_then_checks_clean(qapp: QApplication, tmp_path: Path) -> None:
    assert render_icons.main(["--out", str(tmp_path)]) == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(
        [f"hicolor/{s}x{s}/apps/{APP_ID}.png" for s in PNG_SIZES] + ["pbxdesk.icns", "pbxdesk.ico"])
    assert render_icons.main(["--check", "--out", str(tmp_path)]) == 0

    hicolor_png_in_tmp = tmp_path / "hicolor" / "64x64" / "apps" / f"{APP_ID}.png"
    hicolor_png_in_tmp.unlink()
    assert render_icons.main(["--check", "--out", str(tmp_path)]) == 1


def test_script_reports_a_missing_svg_and_writes_nothing(
        qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert render_icons.main(["--svg", str(tmp_path / "nope.svg"), "--out", str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_script_reports_an_svg_qt_cannot_parse(
        qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.svg"
    broken.write_text("<svg xmlns='http://www.w3.org/2000/svg'><rect")
    assert render_icons.main(["--svg", str(broken), "--out", str(tmp_path / "out")]) == 2
    assert "cannot render" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_ico_holds_each_size_as_the_committed_png(qapp: QApplication) -> None:
    data = (ICONS / "pbxdesk.ico").read_bytes()
    entries = render_icons.read_ico(data)
    assert sorted(entries) == ICO_SIZES
    for size in ICO_SIZES:
        committed = hicolor_png(size)
        if committed.exists():
            assert entries[size] == committed.read_bytes()
        assert render_icons.png_size(entries[size]) == (size, size)

    # And Qt's own ICO reader, an independent parser, agrees.
    reader = QImageReader(str(ICONS / "pbxdesk.ico"))
    assert reader.imageCount() == len(ICO_SIZES)
    sizes = []
    for index in range(reader.imageCount()):
        assert reader.jumpToImage(index)
        sizes.append(reader.read().width())
    assert sorted(sizes) == ICO_SIZES


def test_icns_holds_1x_and_2x_pngs_up_to_1024(qapp: QApplication) -> None:
    entries = render_icons.read_icns((ICONS / "pbxdesk.icns").read_bytes())
    assert {kind for kind, _ in entries} == set(ICNS_TYPES)
    for kind, png in entries:
        edge = ICNS_TYPES[kind]
        assert render_icons.png_size(png) == (edge, edge)
        if edge in PNG_SIZES:
            assert png == hicolor_png(edge).read_bytes()

    reader = QImageReader(str(ICONS / "pbxdesk.icns"))
    assert reader.imageCount() == len(ICNS_TYPES)
    reader.jumpToImage(reader.imageCount() - 1)
    assert reader.read().width() == 1024


def test_containers_reject_bad_input_with_icon_error(qapp: QApplication) -> None:
    png16 = hicolor_png(16).read_bytes()
    ico = render_icons.build_ico({16: png16})
    icns = render_icons.build_icns([("icp4", png16)])
    assert render_icons.read_ico(ico) == {16: png16}
    assert render_icons.read_icns(icns) == [("icp4", png16)]

    bad_calls: list[tuple[Callable[[], object], str]] = [
        (lambda: render_icons.build_ico({32: png16}), "is not a 32 x 32 PNG"),  # size mismatch
        (lambda: render_icons.build_ico({}), "needs at least one image"),
        (lambda: render_icons.build_icns([("toolong", png16)]), "four ASCII characters"),
        (lambda: render_icons.build_icns([("icp4", b"not a png")]), "not a PNG image"),
        (lambda: render_icons.read_ico(ico[:30]), "runs past the end of the file"),
        (lambda: render_icons.read_ico(b"\x00\x00\x02\x00\x01\x00"),  # a cursor, not an icon
         "not an ICO file"),
        (lambda: render_icons.read_icns(icns[:-1]), "length field is wrong"),
        (lambda: render_icons.read_icns(b"icns"), "length field is wrong"),
        (lambda: render_icons.png_size(b""), "not a PNG image"),
    ]
    for call, says in bad_calls:
        with pytest.raises(render_icons.IconError, match=says):
            call()
