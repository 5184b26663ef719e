"""Untrusted image bytes to a small RGB picture: one decode path for references, avatars and logos.

Decoding dominates the cost of looking at a picture, so the JPEG decoder is asked to scale while
it decodes (``Image.draft``), and nothing larger than the caller needs is ever made.

What could make a small file cost minutes is refused from its structure, before any pixel is
decoded (``DecodedImage`` checks it on arrival): only JPEG, PNG, GIF and WebP are opened, so no other
Pillow decoder is ever reached; the pixel cap is read from the header (a WebP's before Pillow
allocates its canvas); a JPEG may have MAX_SCANS scans and MAX_JPEG_SEGMENTS marker segments, a
PNG MAX_PNG_CHUNKS chunks and one ICC profile, a GIF MAX_GIF_BLOCKS blocks before its first picture,
and any image MAX_EXIF_BYTES of EXIF (checked before it is parsed); only the first frame of an
animation is decoded, and its frames are never counted. What each case costs, refused or let
through, is measured by bench/hostile_images.py.

``DecodedImage`` is decoded once and drawn at every size asked for: each picture is the one
``open_picture`` gives for that size. A JPEG scaled while decoding gives other pixels at another
scale, so it is decoded again only where the scale differs; a PNG, GIF or WebP never is.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import ExifTags, Image, UnidentifiedImageError

from watcher.errors import ImageError

# libjpeg's progressive script (jcparam.c, jpeg_simple_progression) has 10 scans for a colour
# image, 2 + 4 per component for others (18 for CMYK) and 6 per component past four (60 at
# libjpeg's most, ten components); mozjpeg picks its scans among 64 candidates. Each scan can make
# the decoder visit every block: a 4000×4000 JPEG with 1,000 scans (10 KB) took 1.3 s of CPU.
MAX_SCANS = 100
# Tables, EXIF, XMP, ICC in 64 KB pieces, one DHT per scan: a few dozen. Pillow reads each segment
# before the first scan in Python: 1.25 million empty comments (5 MB) took 1.1 s.
MAX_JPEG_SEGMENTS = 1000
# libpng writes its pixels in 8 KB chunks (610 for 5 MB); an encoder writing a chunk per row stays
# under this up to 10,000 rows. Pillow reads each chunk in Python: 416,000 empty ones took 1.3 s.
MAX_PNG_CHUNKS = 10_000
# The PNG specification allows one ICC profile; Pillow inflates each to up to 1 MB: 5,000 (5 MB) took 4.5 s.
MAX_ICC_PROFILES = 1
# Extension sub-blocks (and stray bytes) before a GIF's first picture, each read by Pillow in
# Python: 2.5 million one-byte comment pieces took 0.9 s. An XMP packet of 10 KB is about 150.
MAX_GIF_BLOCKS = 4096
# EXIF is read to turn the picture upright, and Pillow parses every entry in Python: 720 KB of
# them in a WebP took 2 s (with ImageOps.exif_transpose, which also rewrites them all). A JPEG's
# EXIF segment holds 64 KB at most, and a PNG's or WebP's is copied from one.
MAX_EXIF_BYTES = 65_535
# EXIF orientations (2–8) and the turn that makes the picture upright, as the EXIF standard defines them.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_WALK_LIMIT = 10 * MAX_JPEG_SEGMENTS  # past this the count is not worth its own cost: "over N"

_FORMATS = {  # the formats avatars, banners, logos and roster photos come in, by their first bytes
    "JPEG": (b"\xff\xd8\xff",),
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "GIF": (b"GIF87a", b"GIF89a"),
}
# A marker after a segment or inside entropy-coded data, as libjpeg finds it: 0xFF (the last of
# any fill 0xFFs), then a byte that is not a stuffed 0x00 nor a restart marker (which starts no
# segment). One pass of the regular expression engine: 3 ms for 4.4 MB of entropy-coded data.
_JPEG_MARKER = re.compile(rb"\xff([^\x00\xd0-\xd7\xff])")
_STANDALONE = {0x01, 0xD8}  # TEM and SOI: no length follows
_END_OF_IMAGE = 0xD9
_START_OF_SCAN = 0xDA
_GIF_BLOCK = re.compile(rb"[!,;]")  # an extension, an image, the trailer: Pillow skips other bytes one by one
# Pillow's plugins raise these on malformed files; an avatar that is one is unreadable, not a crash.
_MALFORMED = (OSError, ValueError, SyntaxError, EOFError, LookupError, TypeError, ArithmeticError, struct.error)


def open_picture(
    data: bytes,
    max_pixels: int,
    side: int,
    *,
    keep_alpha: bool = False,
    resample: Image.Resampling = Image.Resampling.BOX,
) -> Image.Image:
    """Decode image bytes to RGB at most ``side`` pixels on the longest side; transparency goes on white
    (or, with ``keep_alpha``, RGBA as it is: a logo's own margin is told apart from its drawing).

    Raises ``ImageError`` for anything that is not a readable image, has more than ``max_pixels``, or
    would cost more to decode than a real picture does.
    """
    decoded = DecodedImage(data, max_pixels)._decode(side, keep_alpha)
    return _fitted(decoded, side, resample, kept=False)


class DecodedImage:
    """Untrusted image bytes, checked once and decoded once, to be drawn at every size a caller needs.

    The checks run on construction (``ImageError`` if refused), and ``format`` and ``size`` (the
    header's) are known from then; pixels are decoded on the first ``picture``. The last decode and
    the pictures drawn from it are kept: one decoded image at most, within the pixel cap.
    """

    def __init__(self, data: bytes, max_pixels: int) -> None:
        self.format = _format(data)
        _check_structure(self.format, data, max_pixels)
        self._data = data
        with _reading():
            self._opened: Image.Image | None = _open(self.format, data)
            width, height = self.size = self._opened.size
        if width * height > max_pixels:
            raise ImageError(f"image has {width}x{height} pixels, more than {max_pixels}")
        self._decoded: tuple[tuple[tuple[int, int], bool], Image.Image] | None = None
        self._pictures: dict[tuple[int, bool, Image.Resampling], Image.Image] = {}
        self._failed: ImageError | None = None

    def picture(
        self, side: int, *, keep_alpha: bool = False, resample: Image.Resampling = Image.Resampling.BOX
    ) -> Image.Image:
        """The picture ``open_picture(data, max_pixels, side, ...)`` gives, decoding only if the last
        decode cannot give it. Do not modify it: it is kept for the next caller."""
        key = (side, keep_alpha, resample)
        if key not in self._pictures:
            self._pictures[key] = _fitted(self._decode(side, keep_alpha), side, resample, kept=True)
        return self._pictures[key]

    def _decode(self, side: int, keep_alpha: bool) -> Image.Image:
        """The whole image as the decoder gives it for ``side``, upright, in RGB (or RGBA)."""
        if self._failed is not None:
            raise self._failed  # a file that failed once fails again: not decoded twice
        try:
            with _reading():
                image = self._opened if self._opened is not None else _open(self.format, self._data)
                self._opened = None  # an opened image decodes once: another scale opens it again
                image.draft("RGB", (side, side))  # a JPEG scales by 1/2, 1/4 or 1/8 while decoding
                key = (image.size, keep_alpha)  # the same scale gives the same pixels
                if self._decoded is None or self._decoded[0] != key:
                    self._decoded = (key, _upright(image, keep_alpha))
                return self._decoded[1]
        except ImageError as exc:
            self._failed = exc
            raise


def _fitted(image: Image.Image, side: int, resample: Image.Resampling, *, kept: bool) -> Image.Image:
    """At most ``side`` pixels on the longest side; a decode ``kept`` for other sides is left as it is."""
    if max(image.size) > side:
        image = image.copy() if kept else image
        image.thumbnail((side, side), resample, reducing_gap=None)
    return image


def _upright(image: Image.Image, keep_alpha: bool) -> Image.Image:
    """Decode (the first frame only), turn as the EXIF says, and make it RGB on white (or RGBA)."""
    image.load()  # a PNG's EXIF may follow its pixels
    exif = len(image.info.get("exif", b"")) or len(image.info.get("Raw profile type exif", "")) // 2
    if exif > MAX_EXIF_BYTES:
        raise ImageError(f"image has {exif:,} bytes of EXIF data, more than {MAX_EXIF_BYTES:,}")
    # The orientation only (Pillow's getexif also reads it from XMP): its other folders are never
    # parsed, nor the EXIF written again, as ImageOps.exif_transpose would, for pixels alike.
    turn = _UPRIGHT.get(image.getexif().get(ExifTags.Base.Orientation, 1))
    if turn is not None:
        image = image.transpose(turn)
    if keep_alpha:
        return image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("RGB")


def _open(kind: str, data: bytes) -> Image.Image:
    """Pillow's reading of the header, with that format's plugin and no other."""
    return Image.open(io.BytesIO(data), formats=[kind])


@contextmanager
def _reading() -> Iterator[None]:
    """Pillow's failures on a malformed file as ``ImageError``; its notes on one (corrupt EXIF) kept quiet."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("not a readable image") from None
    except _MALFORMED as exc:
        raise ImageError(f"not a readable image ({exc})") from None


def _format(data: bytes) -> str:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    for kind, signatures in _FORMATS.items():
        if data.startswith(signatures):
            return kind
    raise ImageError("not a readable image (not a JPEG, PNG, GIF or WebP file)")


def _check_structure(kind: str, data: bytes, max_pixels: int) -> None:
    """Refuse what would cost more to read than any real picture does (see the limits above)."""
    if kind == "JPEG":
        scans, segments, cut = _jpeg_structure(data)
        over = "over " if cut else ""
        if scans > MAX_SCANS:
            raise ImageError(f"image has {over}{scans:,} scans, more than {MAX_SCANS}")
        if segments > MAX_JPEG_SEGMENTS:
            raise ImageError(f"image has {over}{segments:,} JPEG segments, more than {MAX_JPEG_SEGMENTS:,}")
    elif kind == "PNG":
        chunks, icc = _png_structure(data)
        if chunks > MAX_PNG_CHUNKS:
            raise ImageError(f"image has over {MAX_PNG_CHUNKS:,} PNG chunks")
        if icc > MAX_ICC_PROFILES:
            raise ImageError(f"image has {icc:,} ICC profiles, more than {MAX_ICC_PROFILES}")
    elif kind == "GIF":
        if _gif_blocks(data) > MAX_GIF_BLOCKS:
            raise ImageError(f"image has over {MAX_GIF_BLOCKS:,} GIF blocks before its picture")
    else:
        width, height = _webp_size(data)
        if width * height > max_pixels:  # Pillow allocates the canvas as it opens the file
            raise ImageError(f"image has {width}x{height} pixels, more than {max_pixels}")


def _jpeg_structure(data: bytes) -> tuple[int, int, bool]:
    """Scans and marker segments up to the end of the image, found as libjpeg finds them (segments
    skipped by their length, entropy-coded data by its markers), and whether the count stopped at
    its own limit. Exact: inside entropy-coded data 0xFF is always followed by 0x00 or a restart marker."""
    scans = segments = 0
    at = 2
    while segments < _WALK_LIMIT and (found := _JPEG_MARKER.search(data, at)) is not None:
        marker, at = found[1][0], found.end()
        if marker == _END_OF_IMAGE:
            break
        if marker in _STANDALONE:
            continue
        segments += 1
        scans += marker == _START_OF_SCAN
        at += int.from_bytes(data[at : at + 2], "big")  # the length counts its own two bytes
    return scans, segments, segments >= _WALK_LIMIT


def _png_structure(data: bytes) -> tuple[int, int]:
    """Chunks up to IEND (stopping past the limit), and how many are ICC profiles."""
    chunks = icc = 0
    at = 8
    while at + 8 <= len(data) and chunks <= MAX_PNG_CHUNKS:
        kind = data[at + 4 : at + 8]
        chunks += 1
        icc += kind == b"iCCP"
        if kind == b"IEND":
            break
        at += 12 + int.from_bytes(data[at : at + 4], "big")  # length, type, data, CRC
    return chunks, icc


def _gif_blocks(data: bytes) -> int:
    """What Pillow reads one at a time before the first picture: extension sub-blocks and stray bytes
    (stopping past the limit). After the first picture nothing is read: its frames are never walked."""
    flags = data[10] if len(data) > 10 else 0
    at = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)  # the global colour table
    blocks = 0
    while blocks <= MAX_GIF_BLOCKS and (found := _GIF_BLOCK.search(data, at)) is not None:
        blocks += found.start() - at  # stray bytes
        if found[0] != b"!":
            break  # the first picture, or the end
        at = found.end() + 1  # the extension's label
        while at < len(data) and blocks <= MAX_GIF_BLOCKS:
            size = data[at]
            at += 1 + size
            blocks += 1
            if size == 0:
                break
    return blocks


def _webp_size(data: bytes) -> tuple[int, int]:
    """The canvas a WebP declares (VP8X), or its one frame's size (VP8, VP8L); (0, 0) when unknown:
    libwebp then judges the file."""
    kind, body = data[12:16], data[20:30]
    if kind == b"VP8X" and len(body) >= 10:
        return 1 + int.from_bytes(body[4:7], "little"), 1 + int.from_bytes(body[7:10], "little")
    if kind == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        return int.from_bytes(body[6:8], "little") & 0x3FFF, int.from_bytes(body[8:10], "little") & 0x3FFF
    if kind == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return 0, 0
