"""Hostile images: what each costs to look at now, and what Pillow alone would spend on it.

    PYTHONPATH=. .venv/bin/python bench/hostile_images.py

Builds files that are small in bytes and costly to read, each within the default caps (5 MB, 16
million pixels), and times the CPU (``time.process_time``, in ms) of the product's decode as an avatar
is hashed (``open_picture`` at the hashing size), beside "Pillow alone": what the decode did before
the structure checks (any format opened, the pixel cap from the header, decoded scaled, turned
upright, made RGB; not the alpha flattening). Ordinary avatars are timed the same way for comparison.
Nothing here asserts a speed.
"""

from __future__ import annotations

import io
import struct
import time
import warnings
import zlib
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageOps

from watcher.demo.portraits import jpeg, png, portrait
from watcher.errors import ImageError
from watcher.matching.images import open_picture
from watcher.matching.images.views import WORK_SIZE

PIXELS = 16_000_000  # network.max_image_pixels
BYTES = 5_000_000  # network.max_image_bytes
SIDE = 4000  # 16 million pixels: the most the pixel cap lets through


def main() -> None:
    print(f"{'case':<58} {'bytes':>9}  {'now':<8} {'CPU ms':>8}  {'Pillow alone':>12}")
    for name, build, alone in CASES:
        data = build()
        verdict, spent, reason = _timed(lambda data=data: open_picture(data, PIXELS, WORK_SIZE))
        before = f"{_timed(lambda data=data: _pillow_alone(data))[1] * 1000:,.0f}" if alone else "not run"
        print(f"{name:<58} {len(data):>9,}  {verdict:<8} {spent * 1000:>8,.1f}  {before:>12}  {reason}")


def _timed(decode: Callable[[], object]) -> tuple[str, float, str]:
    start = time.process_time()
    try:
        decode()
        verdict, reason = "decoded", ""
    except ImageError as exc:
        verdict, reason = "refused", str(exc)
    return verdict, time.process_time() - start, reason


def _pillow_alone(data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.width * image.height <= PIXELS:
                image.draft("RGB", (WORK_SIZE, WORK_SIZE))
                ImageOps.exif_transpose(image).convert("RGB")
        except Exception:  # only the time is wanted here
            pass


# --- ordinary pictures -------------------------------------------------------------------------
def _encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def _smooth(side: int) -> Image.Image:
    """A large photo-like picture (gradients and a face), as an honest camera upload."""
    return portrait(3).resize((side, side), Image.Resampling.BILINEAR)


def _noise(side: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(7).integers(0, 256, (side, side, 3), dtype=np.uint8))


# --- JPEG ----------------------------------------------------------------------------------------
def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def _entropy(bits: str) -> bytes:
    """Bits to entropy-coded bytes: padded with ones, each 0xFF followed by a stuffed 0x00."""
    bits += "1" * (-len(bits) % 8)
    coded = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))
    return coded.replace(b"\xff", b"\xff\x00")


def many_scans(side: int, scans: int) -> bytes:
    """A grey progressive JPEG whose AC scans each say "no coefficients" for every block in a few
    bytes (end-of-band runs of 32,767 blocks): the decoder still visits every block in every scan."""
    blocks = -((-side // 8) ** 2)
    head = b"\xff\xd8" + _segment(0xDB, b"\x00" + b"\x01" * 64)
    head += _segment(0xC2, struct.pack(">BHHB", 8, side, side, 1) + b"\x01\x11\x00")
    head += _segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")  # DC: "no difference" is the code 0
    head += _segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\xe0")  # AC: a run of 2^14 + n empty blocks is 0
    dc = _segment(0xDA, b"\x01\x01\x00\x00\x00\x00") + _entropy("0" * blocks)
    runs = -(-blocks // 32767)
    ac = _segment(0xDA, b"\x01\x01\x00\x01\x3f\x00") + _entropy(("0" + "1" * 14) * runs)
    return head + dc + ac * (scans - 1) + b"\xff\xd9"


def _small_jpeg() -> bytes:
    return jpeg(portrait(2).resize((64, 64)))


def _jpeg_with(segments: bytes) -> bytes:
    data = _small_jpeg()
    return data[:2] + segments + data[2:]


def _filling(unit: bytes, room: int = BYTES - 4_000) -> bytes:
    return unit * (room // len(unit))


def _jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(_small_jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _photoshop_blocks() -> bytes:
    body = b"Photoshop 3.0\x00" + b"8BIM\x04\x04\x00\x00\x00\x00\x00\x00" * 5459
    return _jpeg_with(_filling(_segment(0xED, body)))


def _icc_pieces() -> bytes:
    pieces = 76
    return _jpeg_with(
        b"".join(_segment(0xE2, b"ICC_PROFILE\x00" + bytes([i + 1, pieces]) + b"\0" * 65000) for i in range(pieces))
    )


def _exif(entries: int, *, loops: bool) -> bytes:
    """A little-endian EXIF block: orientation 6 (so the picture is turned, and its EXIF rewritten),
    ``entries`` entries more, and (``loops``) its EXIF, GPS and interoperability folders pointing at itself."""
    folders = [(0x8769, 4, 1, 8), (0x8825, 4, 1, 8), (0xA005, 4, 1, 8)] if loops else []
    others = [tag for tag in range(0x1000, 0x10000) if tag not in (0x8769, 0x8825, 0xA005)][:entries]
    tags = sorted([(0x0112, 3, 1, 6), *folders, *((tag, 1, 4, 0x01010101) for tag in others)])
    folder = struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHLL", *t) for t in tags) + b"\0\0\0\0"
    return b"II*\x00\x08\x00\x00\x00" + folder


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


# --- PNG -----------------------------------------------------------------------------------------
def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_with(before: bytes = b"", after: bytes = b"") -> bytes:
    data = png(portrait(2).resize((64, 64)))
    pixels, end = data.index(b"IDAT") - 4, data.index(b"IEND") - 4
    return data[:pixels] + before + data[pixels:end] + after + data[end:]


def _png_of_zeros(side: int, depth: int, colour: int, interlace: int, per_pixel: int) -> bytes:
    raw = b"\0" * ((side * per_pixel + 1) * side * (2 if interlace else 1))
    header = struct.pack(">IIBBBBB", side, side, depth, colour, 0, 0, interlace)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    )


def _png_declaring(width: int, height: int) -> bytes:
    data = bytearray(png(portrait(2).resize((64, 64))))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def _oversized_chunk() -> bytes:
    data = png(portrait(2).resize((64, 64)))
    at = data.index(b"IDAT") - 4
    return data[:at] + struct.pack(">I", 0x7FFFFFFF) + b"tEXt" + b"k\0" + b"v" * 1000


# --- GIF and WebP --------------------------------------------------------------------------------
_GIF_HEAD = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0, 0, 0)
_GIF_PICTURE = b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1) + b"\x80" + b"\0\0\0\xff\xff\xff" + b"\x02\x02\x44\x01\x00"


def _gif_frames(count: int) -> bytes:
    frames = [Image.new("P", (32, 32), i % 200) for i in range(count)]
    for i, frame in enumerate(frames):
        frame.putpixel((i % 32, (i // 32) % 32), 255)
    return _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=20)


def _webp_frames(count: int) -> bytes:
    frames = [Image.new("RGB", (32, 32), ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)) for i in range(count)]
    return _encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:], method=0, quality=20)


def _webp_canvas(width: int, height: int) -> bytes:
    """An animated WebP of small frames on a canvas declared ``width``×``height``: libwebp allocates it."""
    data = bytearray(_webp_frames(2))
    at = data.index(b"VP8X") + 8
    data[at + 4 : at + 10] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(data)


def _webp_exif(exif: bytes) -> bytes:
    return _encoded(Image.new("RGB", (64, 64), "teal"), "WEBP", exif=exif)


CASES: list[tuple[str, Callable[[], bytes], bool]] = [
    ("ordinary avatar: 400×400 JPEG", lambda: jpeg(portrait(5)), True),
    ("ordinary avatar: 1000×1000 JPEG", lambda: jpeg(_smooth(1000)), True),
    ("ordinary avatar: 460×460 PNG", lambda: png(_smooth(460)), True),
    ("ordinary avatar: 400×400 WebP", lambda: _encoded(portrait(5), "WEBP"), True),
    ("progressive JPEG, 1,000 scans (4000×4000)", lambda: many_scans(SIDE, 1000), True),
    ("progressive JPEG, 100 scans (4000×4000), let through", lambda: many_scans(SIDE, 100), True),
    ("JPEG of noise at the pixel cap, 4000×4000", lambda: _encoded(_noise(SIDE), "JPEG", quality=30), True),
    ("JPEG header declaring 60000×60000", lambda: _jpeg_declaring(60000, 60000), True),
    ("JPEG header declaring 5000×5000 (over the cap)", lambda: _jpeg_declaring(5000, 5000), True),
    ("JPEG with 1.25 million empty comments", lambda: _jpeg_with(_filling(b"\xff\xfe\x00\x02")), True),
    ("JPEG with 5 MB of Photoshop blocks (let through)", _photoshop_blocks, True),
    ("JPEG with a 5 MB ICC profile in 76 pieces", _icc_pieces, True),
    ("JPEG cut in half (1000×1000)", lambda: _truncated(jpeg(_smooth(1000))), True),
    (
        "progressive JPEG cut in half (1000×1000)",
        lambda: _truncated(_encoded(_smooth(1000), "JPEG", progressive=True)),
        True,
    ),
    (
        "PNG with 5,000 ICC profiles of 1 MB each",
        lambda: _png_with(_filling(_chunk(b"iCCP", b"p\0\0" + zlib.compress(b"\0" * 1_000_000, 9)))),
        True,
    ),
    ("PNG with 416,000 empty chunks", lambda: _png_with(after=_filling(_chunk(b"IDAT", b""))), True),
    (
        "PNG with 64 MB of compressed text",
        lambda: _png_with(_filling(_chunk(b"zTXt", b"k\0\0" + zlib.compress(b"a" * 1_000_000, 9)))),
        True,
    ),
    ("PNG header declaring 100000×100000", lambda: _png_declaring(100_000, 100_000), True),
    ("PNG chunk declaring 2 GB", _oversized_chunk, True),
    ("PNG at the pixel cap, 8-bit RGB", lambda: _png_of_zeros(SIDE, 8, 2, 0, 3), True),
    ("PNG at the pixel cap, 16-bit RGBA, interlaced", lambda: _png_of_zeros(SIDE, 16, 6, 1, 8), True),
    (
        "GIF with 2.5 million comment pieces",
        lambda: _GIF_HEAD + b"\x21\xfe" + _filling(b"\x01a") + b"\0" + _GIF_PICTURE + b";",
        True,
    ),
    (
        "GIF with 5 MB of stray bytes before its picture",
        lambda: _GIF_HEAD + _filling(b"\0") + _GIF_PICTURE + b";",
        True,
    ),
    ("GIF at the pixel cap, 4000×4000", lambda: _encoded(_smooth(SIDE).convert("P"), "GIF"), True),
    ("GIF with 3,000 frames", lambda: _gif_frames(3000), True),
    ("GIF with 190,000 one-pixel frames", lambda: _GIF_HEAD + _filling(_GIF_PICTURE) + b";", True),
    ("WebP with 3,000 frames", lambda: _webp_frames(3000), True),
    ("WebP canvas declared 6000×6000 (36 MP)", lambda: _webp_canvas(6000, 6000), True),
    (
        "WebP of noise at the pixel cap, 4000×4000, 4 MB",
        lambda: _encoded(_noise(SIDE), "WEBP", quality=5, method=0),
        True,
    ),
    (
        "WebP lossless at the pixel cap, 4000×4000",
        lambda: _encoded(_smooth(SIDE), "WEBP", lossless=True, method=0),
        True,
    ),
    ("WebP with 720 KB of EXIF (60,000 entries, folders looping)", lambda: _webp_exif(_exif(60_000, loops=True)), True),
    ("WebP with 64 KB of EXIF (5,400 entries, folders looping)", lambda: _webp_exif(_exif(5_400, loops=True)), True),
    ("BMP (a format avatars do not come in)", lambda: _encoded(portrait(5), "BMP"), True),
    ("TIFF (a format avatars do not come in)", lambda: _encoded(portrait(5), "TIFF", compression="tiff_lzw"), True),
    (
        "EPS (Pillow would start Ghostscript)",
        lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
        False,
    ),
    ("an HTML page served as an image", lambda: b"<!doctype html><title>Not found</title>" * 100, True),
]


if __name__ == "__main__":
    main()
