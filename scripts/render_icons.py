#!/usr/bin/env python3
"""Render the app icon SVG to the PNG, ICO and ICNS files kept in ``resources/icons/``.

    .venv/bin/python scripts/render_icons.py           # rewrite the generated files
    .venv/bin/python scripts/render_icons.py --check   # exit 1 if they are missing or stale

``resources/icons/pbxdesk.svg`` is the source. From it this script writes

* ``hicolor/<N>x<N>/apps/io.github.pbxdesk.PbxDesk.png`` for every size in
  ``PNG_SIZES`` (the freedesktop icon theme layout, so Linux packages copy the
  tree as it is);
* ``pbxdesk.ico`` for Windows: one PNG per size in ``ICO_SIZES`` (PNG entries in
  an ICO are valid since Windows Vista);
* ``pbxdesk.icns`` for macOS: PNG entries at 1x and 2x up to 1024 px (the
  format ``iconutil`` writes; PNG entries are read since OS X 10.7).

Rendering is QtSvg's ``QSvgRenderer`` into a transparent ``QImage``, the same
renderer the app uses at run time. The ICO and ICNS containers are written
here with the standard library rather than Qt's image plugins, because those
write one image per file and these formats exist to hold several.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
ICONS_DIR = ROOT / "resources" / "icons"
SOURCE_SVG = ICONS_DIR / "pbxdesk.svg"
APP_ID = "io.github.pbxdesk.PbxDesk"

PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# (OSType, edge in pixels). The "@2x" types hold the same pixels as the next
# size up, which is how macOS picks sharp icons on Retina screens.
ICNS_ENTRIES = (
    ("icp4", 16), ("icp5", 32), ("icp6", 64), ("ic07", 128), ("ic08", 256), ("ic09", 512),
    ("ic11", 32), ("ic12", 64), ("ic13", 256), ("ic14", 512), ("ic10", 1024),
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class IconError(Exception):
    """The source SVG cannot be rendered, or a container was asked to hold bad data."""


def png_path(size: int, icons_dir: Path = ICONS_DIR) -> Path:
    """Where the ``size`` px PNG lives in the hicolor tree under ``icons_dir``."""
    return icons_dir / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render_png(svg: Path, size: int) -> bytes:
    """Render ``svg`` to a ``size`` x ``size`` RGBA PNG.

    Needs a ``QGuiApplication`` (``ensure_app``). Raises ``IconError`` when the
    SVG is missing or QtSvg cannot parse it, and when the render is empty.
    """
    if size <= 0:
        raise IconError(f"icon size must be positive, not {size}")
    try:
        data = svg.read_bytes()
    except OSError as exc:
        raise IconError(f"cannot read {svg}: {exc.strerror}") from exc
    renderer = QSvgRenderer(QByteArray(data))
    if not renderer.isValid():
        raise IconError(f"QtSvg cannot render {svg}")

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter, QRectF(0, 0, size, size))
    finally:
        painter.end()
    if not _has_visible_pixels(image):
        raise IconError(f"{svg} rendered empty at {size} px")
    # PNG stores straight (not premultiplied) alpha.
    image = image.convertToFormat(QImage.Format.Format_ARGB32)

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    writer.setQuality(0)  # for PNG, 0 means the strongest zlib compression
    if not writer.write(image):
        raise IconError(f"cannot encode {size} px PNG: {writer.errorString()}")
    return bytes(buffer.data().data())


def _has_visible_pixels(image: QImage) -> bool:
    alpha = image.convertToFormat(QImage.Format.Format_Alpha8)
    bits = bytes(alpha.constBits())
    # Rows are padded to 4 bytes; only the first width bytes of each are pixels.
    line = alpha.bytesPerLine()
    return any(any(bits[y * line:y * line + alpha.width()]) for y in range(alpha.height()))


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (which the format puts first)."""
    if len(png) < 24 or not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise IconError("not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def build_ico(pngs: Mapping[int, bytes]) -> bytes:
    """An ICO file holding one PNG entry per size, smallest first.

    Args:
        pngs: square PNG images keyed by edge length, each 1..256 px.
    """
    if not pngs:
        raise IconError("an ICO needs at least one image")
    header = struct.pack("<HHH", 0, 1, len(pngs))  # reserved, type 1 = icon, count
    directory = b""
    payload = b""
    offset = len(header) + 16 * len(pngs)
    for size in sorted(pngs):
        png = pngs[size]
        if png_size(png) != (size, size) or not 1 <= size <= 256:
            raise IconError(f"ICO entry for {size} px is not a {size} x {size} PNG")
        edge = 0 if size == 256 else size  # the byte-wide field spells 256 as 0
        # width, height, palette colours, reserved, colour planes, bits per pixel,
        # bytes of image data, where the data starts
        directory += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(png), offset)
        payload += png
        offset += len(png)
    return header + directory + payload


def read_ico(data: bytes) -> dict[int, bytes]:
    """The PNG entries of an ICO written by ``build_ico``, keyed by edge length."""
    if len(data) < 6:
        raise IconError("truncated ICO header")
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    if reserved != 0 or kind != 1:
        raise IconError("not an ICO file")
    entries: dict[int, bytes] = {}
    for index in range(count):
        start = 6 + 16 * index
        if start + 16 > len(data):
            raise IconError("truncated ICO directory")
        width, _h, _c, _r, _p, _b, length, offset = struct.unpack(
            "<BBBBHHII", data[start:start + 16])
        if offset + length > len(data):
            raise IconError("ICO entry runs past the end of the file")
        entries[width or 256] = data[offset:offset + length]
    return entries


def build_icns(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """An ICNS file from (OSType, PNG) pairs, in the order given."""
    body = b""
    for kind, png in entries:
        if len(kind) != 4 or not kind.isascii():
            raise IconError(f"ICNS type must be four ASCII characters, not {kind!r}")
        png_size(png)  # only PNG payloads are written here
        body += kind.encode("ascii") + struct.pack(">I", 8 + len(png)) + png
    if not body:
        raise IconError("an ICNS needs at least one image")
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def read_icns(data: bytes) -> list[tuple[str, bytes]]:
    """The (OSType, payload) pairs of an ICNS file, in file order."""
    if len(data) < 8 or data[:4] != b"icns" or struct.unpack(">I", data[4:8])[0] != len(data):
        raise IconError("not an ICNS file, or its length field is wrong")
    entries: list[tuple[str, bytes]] = []
    pos = 8
    while pos < len(data):
        if pos + 8 > len(data):
            raise IconError("truncated ICNS entry header")
        (length,) = struct.unpack(">I", data[pos + 4:pos + 8])
        if length < 8 or pos + length > len(data):
            raise IconError("ICNS entry length is out of range")
        entries.append((data[pos:pos + 4].decode("latin-1"), data[pos + 8:pos + length]))
        pos += length
    return entries


def generate(svg: Path = SOURCE_SVG, icons_dir: Path = ICONS_DIR) -> dict[Path, bytes]:
    """Every generated file under ``icons_dir`` and its content, rendered from ``svg``."""
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(size for _kind, size in ICNS_ENTRIES)})
    pngs = {size: render_png(svg, size) for size in sizes}
    files = {png_path(size, icons_dir): pngs[size] for size in PNG_SIZES}
    files[icons_dir / "pbxdesk.ico"] = build_ico({size: pngs[size] for size in ICO_SIZES})
    files[icons_dir / "pbxdesk.icns"] = build_icns(
        (kind, pngs[size]) for kind, size in ICNS_ENTRIES)
    return files


def write_files(files: Mapping[Path, bytes]) -> None:
    """Write each file through a temporary name, so an interrupted run leaves no half PNG."""
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)


def stale_files(files: Mapping[Path, bytes]) -> list[Path]:
    """The generated files that are missing on disk or look different from a fresh render."""
    return [path for path, data in files.items()
            if not path.is_file() or not same_icon_file(path.suffix, path.read_bytes(), data)]


def same_icon_file(suffix: str, old: bytes, new: bytes) -> bool:
    """Whether two .png, .ico or .icns files hold the same pictures, entry by entry."""
    if old == new:
        return True
    try:
        if suffix == ".ico":
            old_ico, new_ico = read_ico(old), read_ico(new)
            return old_ico.keys() == new_ico.keys() and all(
                images_match(old_ico[size], new_ico[size]) for size in new_ico)
        if suffix == ".icns":
            old_icns, new_icns = read_icns(old), read_icns(new)
            return [kind for kind, _ in old_icns] == [kind for kind, _ in new_icns] and all(
                images_match(a, b) for (_, a), (_, b) in zip(old_icns, new_icns, strict=True))
    except IconError:
        return False
    return images_match(old, new)


def images_match(old: bytes, new: bytes) -> bool:
    """Whether two PNGs show the same picture, allowing for anti-aliasing noise.

    Another Qt version may round edge pixels differently, so byte equality is
    too strict. An edited SVG moves or recolours whole shapes, so "at most 0.2 %
    of pixels (and at least one) differ by more than 24 levels in a channel"
    still catches it.
    """
    if old == new:
        return True
    images = [QImage.fromData(data).convertToFormat(QImage.Format.Format_RGBA8888)
              for data in (old, new)]
    if any(image.isNull() for image in images) or images[0].size() != images[1].size():
        return False
    width, height = images[1].width(), images[1].height()
    allowed = max(1, width * height // 500)
    # RGBA8888 rows are width * 4 bytes with no padding, so the buffers line up.
    # Equal rows are skipped at C speed; only rows that differ are walked in Python.
    a, b = (bytes(image.constBits())[:image.sizeInBytes()] for image in images)
    stride = width * 4
    differing = 0
    for row in range(0, len(a), stride):
        if a[row:row + stride] == b[row:row + stride]:
            continue
        for pixel in range(row, row + stride, 4):
            if any(abs(a[i] - b[i]) > 24 for i in range(pixel, pixel + 4)):
                differing += 1
                if differing > allowed:
                    return False
    return True


def ensure_app() -> QCoreApplication:
    """Return the running Qt application, starting an offscreen one if there is none."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # rendering needs no display
    app = QGuiApplication.instance()
    return app if app is not None else QGuiApplication([sys.argv[0]])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if any generated file is missing or stale")
    parser.add_argument("--svg", type=Path, default=SOURCE_SVG, help="source SVG")
    parser.add_argument("--out", type=Path, default=ICONS_DIR,
                        help="directory that receives hicolor/, pbxdesk.ico and pbxdesk.icns")
    args = parser.parse_args(argv)

    _app = ensure_app()  # keep a reference: Qt needs the app alive while rendering
    try:
        files = generate(args.svg, args.out)
    except IconError as exc:
        print(f"render_icons: {exc}", file=sys.stderr)
        return 2
    if args.check:
        stale = stale_files(files)
        for path in stale:
            print(f"stale or missing: {path}", file=sys.stderr)
        if stale:
            print("Run scripts/render_icons.py to regenerate.", file=sys.stderr)
        return 1 if stale else 0
    write_files(files)
    for path in files:
        print(path.relative_to(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
