"""Hostile images: files small in bytes that would cost minutes to decode are refused from their
structure before any pixel is decoded, and a new avatar is decoded once for every look at it.

Every crafted file here is one Pillow reads without complaint (each test shows it): before these
checks the product decoded it. What each costs is measured by bench/hostile_images.py.
"""

from __future__ import annotations

import io
import re
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from sources.client import HttpClient
from storage import open_database
from watcher.config import Config, NetworkConfig
from watcher.demo.portraits import district_logo, jpeg, png, portrait
from watcher.errors import ImageError
from watcher.matching.images import DecodedImage, hash_image, open_picture, query_views
from watcher.matching.images.decode import MAX_GIF_BLOCKS, MAX_JPEG_SEGMENTS, MAX_PNG_CHUNKS
from watcher.matching.images.photo_prints import SIDE
from watcher.matching.images.views import WORK_SIZE
from watcher.matching.logos import enrol_logo
from watcher.matching.logos.finder import QUERY_SIDE
from watcher.models import Logo, Profile
from watcher.pictures import LogoSearch, ProfilePictures

PIXELS = 16_000_000


def pillow_reads(data: bytes) -> tuple[int, int]:
    """What Pillow alone makes of the file (as the product's decode did before): it decodes it."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.size


def refused(data: bytes) -> str:
    with pytest.raises(ImageError) as caught:
        open_picture(data, PIXELS, WORK_SIZE)
    return str(caught.value)


def encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_a_progressive_jpeg_with_thousands_of_scans_is_refused_before_decoding():
    """Attack: a progressive JPEG whose last scan (with its Huffman table) is repeated 2,000 times.
    Each scan makes the decoder visit every block: at the pixel cap 1,000 such scans cost seconds
    of CPU in a few KB. The count is exact: a comment full of 0xFFDA bytes is no scan."""
    data = encoded(portrait(5).resize((64, 64)), "JPEG", progressive=True, quality=90)
    table = data.rindex(b"\xff\xc4")  # the Huffman table of the last scan, then the scan itself
    last_scan = data[table:-2]
    assert b"\xff\xda" in last_scan and data.endswith(b"\xff\xd9")
    crafted = data[:-2] + last_scan * 2000 + data[-2:]
    assert pillow_reads(crafted) == (64, 64)

    assert refused(crafted) == "image has 2,010 scans, more than 100"  # Pillow's 10 scans, and 2,000 more
    commented = data[:2] + segment(0xFE, b"\xff\xda" * 500) + data[2:]
    assert hash_image(commented, PIXELS) == hash_image(data, PIXELS)


def test_a_jpeg_flooded_with_marker_segments_is_refused():
    """Attack: thousands of empty comment segments before the picture, each read by Pillow in
    Python (1.25 million in 5 MB cost 1.5 s of CPU)."""
    data = jpeg(portrait(5).resize((64, 64)))
    crafted = data[:2] + b"\xff\xfe\x00\x02" * (MAX_JPEG_SEGMENTS + 500) + data[2:]
    assert pillow_reads(crafted) == (64, 64)
    own = 9  # JFIF, two quantisation tables, the frame, four Huffman tables, the scan
    assert refused(crafted) == f"image has {MAX_JPEG_SEGMENTS + 500 + own:,} JPEG segments, more than 1,000"


def png_with(before: bytes = b"", after: bytes = b"") -> bytes:
    data = png(portrait(5).resize((64, 64)))
    pixels, end = data.index(b"IDAT") - 4, data.index(b"IEND") - 4
    return data[:pixels] + before + data[pixels:end] + after + data[end:]


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        # each inflated by Pillow to 1 MB: 5,000 of them (5 MB) cost 5.5 s of CPU
        (
            chunk(b"iCCP", b"p\0\0" + zlib.compress(b"\0" * 1_000_000, 9)) * 3,
            b"",
            "image has 3 ICC profiles, more than 1",
        ),
        # each read by Pillow in Python: 416,000 of them (5 MB) cost 2.4 s of CPU
        (b"", chunk(b"IDAT", b"") * MAX_PNG_CHUNKS, "image has over 10,000 PNG chunks"),
    ],
    ids=["icc-profiles", "empty-chunks"],
)
def test_a_png_with_more_chunks_than_any_encoder_writes_is_refused(before, after, reason):
    """Attack: ICC profiles that each inflate to 1 MB, and a flood of empty chunks after the pixels."""
    crafted = png_with(before, after)
    assert pillow_reads(crafted) == (64, 64)
    assert refused(crafted) == reason


GIF_HEAD = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0, 0, 0)  # 1×1, no global colour table
GIF_PICTURE = b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1) + b"\x80" + b"\0\0\0\xff\xff\xff" + b"\x02\x02\x44\x01\x00"


@pytest.mark.parametrize(
    "before_picture",
    [b"\x21\xfe" + b"\x01a" * (MAX_GIF_BLOCKS + 1) + b"\0", b"\0" * (MAX_GIF_BLOCKS + 1)],
    ids=["comment-pieces", "stray-bytes"],
)
def test_a_gif_with_thousands_of_blocks_before_its_picture_is_refused(before_picture):
    """Attack: a comment in one-byte pieces, or stray bytes, before the first picture: Pillow reads
    each in Python (2.5 million in 5 MB cost 1 s of CPU). An animation of many frames is still read,
    at its first frame, its frames never walked."""
    crafted = GIF_HEAD + before_picture + GIF_PICTURE + b";"
    assert pillow_reads(crafted) == (1, 1)
    assert refused(crafted) == "image has over 4,096 GIF blocks before its picture"

    frames = [Image.new("RGB", (32, 32), (i, 255 - i, i * 7 % 256)) for i in range(199)]
    animated = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(animated)).n_frames == 199
    assert (
        np.asarray(open_picture(animated, PIXELS, WORK_SIZE)).tolist()
        == np.asarray(open_picture(encoded(frames[0], "GIF"), PIXELS, WORK_SIZE)).tolist()
    )


def exif(entries: int) -> bytes:
    """A little-endian EXIF block: orientation 6 (turned, as a phone photo is) and ``entries`` more."""
    tags = [(0x0112, 3, 1, 6)] + [(0x1000 + i, 1, 4, 0x01010101) for i in range(entries)]
    folder = b"".join(struct.pack("<HHLL", *t) for t in tags)
    return b"II*\x00\x08\x00\x00\x00" + struct.pack("<H", len(tags)) + folder + b"\0\0\0\0"  # no next folder


@pytest.mark.parametrize("kind", ["WEBP", "PNG"])
def test_exif_larger_than_a_jpeg_can_hold_is_refused_before_it_is_parsed(kind):
    """Attack: 96 KB of EXIF entries in a WebP or PNG, every one parsed in Python to find the
    orientation (720 KB cost 2.8 s of CPU). A JPEG's EXIF holds 64 KB at most; the same EXIF
    within that is still read, and turns the picture."""
    picture = portrait(5).resize((60, 40))
    crafted = encoded(picture, kind, exif=exif(8000))
    assert pillow_reads(crafted) == (60, 40)
    assert re.fullmatch(r"image has 96,0\d\d bytes of EXIF data, more than 65,535", refused(crafted))
    assert open_picture(encoded(picture, kind, exif=exif(5000)), PIXELS, WORK_SIZE).size == (40, 60)


@pytest.mark.parametrize(("kind", "options"), [("BMP", {}), ("TIFF", {"compression": "tiff_lzw"}), ("PPM", {})])
def test_formats_avatars_do_not_come_in_never_reach_a_decoder(kind, options):
    """Attack: a file in a format Pillow can read but no platform serves avatars in (BMP, TIFF and
    its codecs, PPM; EPS would start Ghostscript): any decoder reached is attack surface."""
    crafted = encoded(portrait(5).resize((64, 64)), kind, **options)
    assert pillow_reads(crafted) == (64, 64)
    assert refused(crafted) == "not a readable image (not a JPEG, PNG, GIF or WebP file)"


@pytest.fixture
def decodes(monkeypatch):
    """Every pixel decode Pillow makes, counted at Pillow's own door: a load with data still to read."""
    counted: list[str | None] = []
    load = ImageFile.ImageFile.load

    def counting_load(image):
        if image.tile:
            counted.append(image.format)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    return counted


@pytest.mark.parametrize(("kind", "decodes_in_all"), [("PNG", 1), ("JPEG", 2)])
def test_a_new_avatar_is_decoded_once_for_its_views_logos_and_verification(
    tmp_path, httpserver, decodes, kind, decodes_in_all
):
    """Attack: an avatar that is costly to decode was decoded twice for its hash views (placeholder
    test, then views) and three times more for the logo search and verification. Now once: a JPEG
    only again where it is scaled otherwise while decoding (here 1/2 for the views, whole for the
    rest), and every look gets the pixels a decode of its own gives."""
    avatar = encoded(portrait(7), kind)
    httpserver.expect_request("/avatar").respond_with_data(avatar, content_type=f"image/{kind.lower()}")
    config = Config(network=NetworkConfig(allow_private_addresses=True))
    profile = Profile("bluesky", "did:plc:someone", "someone.bsky.social", avatar_url=httpserver.url_for("/avatar"))
    logos = LogoSearch([Logo(1, "seal", enrol_logo(png(district_logo()), PIXELS).to_bytes())])
    decodes.clear()

    pictures = ProfilePictures(open_database(tmp_path / "watcher.db"), HttpClient(config.network), config, profile)
    assert decodes == [kind]
    pictures.logo_sightings(logos, banner=False)
    assert pictures.picture() is not None
    assert decodes == [kind] * decodes_in_all
    assert len(httpserver.log) == 1

    assert pictures.avatar.views == tuple(query_views(avatar, PIXELS))
    shared = DecodedImage(avatar, PIXELS)
    for side in (SIDE, WORK_SIZE, QUERY_SIDE, WORK_SIZE):
        assert np.array_equal(np.asarray(shared.picture(side)), np.asarray(open_picture(avatar, PIXELS, side)))
