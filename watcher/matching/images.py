"""Perceptual hashes of images, decoded the same way for references and avatars.

A reference (an enrolled photo or logo) is stored as a gallery of *views*: the picture and its
mirror, each whole, round-masked, turned ±4°, with a caption band painted over, and cropped to
90/80% (at nine positions) and 70%. An avatar is hashed as a few clean-up views: as it is,
round-masked, without uniform borders, with a caption bar painted over or cut off. A match is
the closest pair of views (``HashIndex``), judged on ``view_distance``.

Each view has three 64-bit hashes: ``phash`` (DCT signs of the 32×32 luminance), ``dhash``
(horizontal gradient signs on 9×8) and ``color`` (where the colour is, whatever the hues: the
chroma along its main axis and its strength, 32 bits each; 0 when the picture is grey). Portraits
posed alike are close in luminance; their colours are what sets them apart, so colour bits count
twice, and a grey picture pays a fixed charge instead.

A round seal (flat colours, two concentric rings) is enrolled as its *ring views* only: frames on
its two rings found by a circle vote, so that a seal placed large on another picture is framed the
same way. Their ``dhash`` slot holds the seal's lettering signature instead (``_seal_signature``):
seals on the same template share their layout, never their lettering.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from watcher.errors import ImageError
from watcher.models import ImageHashes

HASH_SIZE = 8  # 64-bit hashes
HASH_BITS = 2 * HASH_SIZE * HASH_SIZE  # the luminance distance counts phash and dhash bits: 0..128
COLOR_BITS = 48  # the colour distance: 0..16 for the chroma layout (its sign is arbitrary), 0..32 for its strength
DECODE_SIZE = (128, 128)  # JPEG draft target: decode at 1/2..1/8 scale, far faster
WORK_SIZE = 192  # longest side of the picture the views are cut from
RENDER = 64  # a view is resampled to RENDER×RENDER, then hashed at 32×32 and 9×8
ROUND_GRID = 96  # the circle finder works on a 96×96 luminance picture
ROUND_RADII = (0.18, 0.5)  # circles from 36% to 100% of the picture's width across
ROUND_SCORE = 0.8  # share of a circumference that voted (3×3 cells): seal rings score 1.2–1.9, portraits < 0.9
ROUND_COUNT = 5
SEAL_LETTERS_WEIGHT = 6  # ring views: (phash + 6 × lettering bits) / 2, i.e. the lettering counts 3×, the layout ½×
SEAL_GREY_CHARGE = 10  # a grey copy of a seal still shows its lettering
SEAL_MIN_RADIUS = 0.3  # an enrolled seal fills its picture (a portrait's head and hair can look like two rings)
TURNS = (-4.0, 4.0)  # degrees: a copy turned by up to 6° is within 2° of one of these
# Crops of the photo as (kept share, window positions): a copy cropped off-centre is within half a
# step of one of them. The 5×5 grid lifted photo-alone recall on crops of 20–25% off-centre from
# 0.60–0.77 to 0.93–0.97 with no new false match at PHOTO_STRONG (bench/calibrate_images.py).
_GRID5 = (0.0, 0.25, 0.5, 0.75, 1.0)
_GRID3 = (0.0, 0.5, 1.0)
CROPS = ((0.9, _GRID5), (0.8, _GRID5), (0.7, (0.5,)))
MIRROR_CROPS = ((0.9, _GRID3), (0.8, _GRID3), (0.7, (0.5,)))  # a mirrored copy is rarely cropped much too
_SIDE = {0.0: "l", 0.25: "q", 0.5: "c", 0.75: "t", 1.0: "r"}
COLOR_WEIGHT = 2
GREY_CHARGE = 28  # what an unknown colour costs: about the colour bits of the worst true pairs
MAX_DISTANCE = HASH_BITS + COLOR_WEIGHT * COLOR_BITS
BORDER_TOLERANCE = 24  # a border or caption bar: pixels within this of one colour (JPEG blurs edges)
CAPTION_COVER = 0.22  # a caption bar up to this share of the height is painted over in both pictures
PLACEHOLDER_TWO_COLOURS = 0.95  # share of the pixels in the two main colours or blends of them
PLACEHOLDER_EDGES = 0.25  # share of neighbouring pixel pairs that differ by more than 24 grey levels
PLACEHOLDER_LEVELS = 4  # at most this many grey levels (of 32) cover 2% of the picture each; grey photos: 6+
GREY_CHROMA = 4.0  # below this spread of chroma (0–255 scale) a picture is grey: its colour hash is 0

# Thresholds, from bench/calibrate_images.py on its development corpus (see its output for the numbers).
# A view_distance (0..MAX_DISTANCE): luminance bits + 2 × colour bits, or + GREY_CHARGE when either is grey.
PHOTO_STRONG = 38  # photo alone: 7e-5 false matches per different-people pair, recall 0.985 over all edits
PHOTO_LOOSE = 46  # with a matching name as second evidence: recall 0.999, 8e-4 false per pair (names cut that down)
# Seals are matched on their ring views: (phash + 6 × lettering bits) / 2 + 2 × colour bits, or + 10 when grey.
LOGO_MATCH = 44  # the closest other seal on the same template came at 45; whole, recoloured, grey copies ≤ 39
LOGO_COLOR_MAX = 14  # colour bits: copies of the seal (any hue) came within 14; it only vetoes clear misfits


@dataclass(frozen=True)
class _Frame:
    """Where a view is cut from the working picture: a box in fractions, a turn, a round mask."""

    name: str
    box: tuple[float, float, float, float]
    angle: float = 0.0
    circle: bool = False
    mirror: bool = False
    cover_bottom: float = 0.0  # share of the height painted over (where a caption bar would be)
    seal: tuple[float, float, float, float] | None = None  # a seal's rings (cx, cy, outer, inner), in fractions


@dataclass(frozen=True)
class ViewMatch:
    """The closest pair of views between an avatar and one owner's references."""

    owner: int
    distance: int  # view_distance: luminance bits + twice the colour bits (or GREY_CHARGE), 0..MAX_DISTANCE
    reference_view: str
    query_view: str
    color_distance: int | None  # None when either picture is grey


def load_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decode untrusted image bytes into a small RGB image, refusing pixel bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(f"image has {width}x{height} pixels, more than {max_pixels}")
            image.draft("RGB", DECODE_SIZE)
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "P", "PA"):
                image = image.convert("RGBA")
                background = Image.new("RGBA", image.size, (255, 255, 255, 255))
                image = Image.alpha_composite(background, image)
            image = image.convert("RGB")
            if max(image.size) > WORK_SIZE:
                image.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BOX, reducing_gap=None)
            return image
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("not a readable image") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"not a readable image ({exc})") from None


def hash_view(image: Image.Image) -> ImageHashes:
    """Hashes of a whole picture, as it is."""
    return _hash_frames(image, [_Frame("original", (0, 0, 1, 1))])[0][1]


def hash_image(data: bytes, max_pixels: int) -> ImageHashes:
    """Hashes of an image as it is."""
    return hash_view(load_image(data, max_pixels))


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def luminance_distance(a: ImageHashes, b: ImageHashes) -> int:
    return distance(a.phash, b.phash) + distance(a.dhash, b.dhash)


def color_distance(a: ImageHashes, b: ImageHashes) -> int | None:
    """Colour bits apart (0..48), or None when either picture is grey."""
    if not a.color or not b.color:
        return None
    diff = a.color ^ b.color
    axis = (diff >> 32).bit_count()
    return min(axis, 32 - axis) + (diff & 0xFFFFFFFF).bit_count()


def view_distance(a: ImageHashes, b: ImageHashes, round_views: bool = False) -> int:
    """The distance a match is judged on: luminance bits, plus the colour bits twice when both have colour.

    Colour is what tells apart people posed alike, so it weighs double; when either picture is grey it
    cannot be checked, and costs GREY_CHARGE instead, so a grey copy must be closer in luminance.
    Views framed on circles (``round_views``) carry a seal's lettering signature in place of the dhash,
    and weigh it more: (phash + SEAL_LETTERS_WEIGHT × lettering) / 2, and a grey copy costs less.
    """
    colour = color_distance(a, b)
    if round_views:
        shape = (distance(a.phash, b.phash) + SEAL_LETTERS_WEIGHT * distance(a.dhash, b.dhash)) // 2
        return shape + (SEAL_GREY_CHARGE if colour is None else COLOR_WEIGHT * colour)
    return luminance_distance(a, b) + (GREY_CHARGE if colour is None else COLOR_WEIGHT * colour)


def reference_views(data: bytes, max_pixels: int) -> list[tuple[str, ImageHashes]]:
    """A gallery of an enrolled photo or logo: the edits impostors make, made in advance."""
    image = load_image(data, max_pixels)
    return _hash_frames(image, _reference_frames(image))


def query_views(data: bytes, max_pixels: int) -> list[tuple[str, ImageHashes]]:
    """An avatar as it is, and cleaned up the ways a copy is usually dressed: borders, caption, circle."""
    image = load_image(data, max_pixels)
    return _hash_frames(image, _query_frames(image))


def banner_views(data: bytes, max_pixels: int) -> list[tuple[str, ImageHashes]]:
    """A wide (or tall) banner as square windows at its start, middle and end, each cleaned up
    like an avatar: a logo on a banner fills its height, not its width."""
    image = load_image(data, max_pixels)
    width, height = image.size
    side = min(width, height)
    if max(width, height) < 1.3 * side:
        return _hash_frames(image, _query_frames(image))
    views = []
    for label, share in (("start", 0.0), ("middle", 0.5), ("end", 1.0)):
        offset = round((max(width, height) - side) * share)
        box = (offset, 0, offset + side, side) if width > height else (0, offset, side, offset + side)
        square = image.crop(box)
        views += [(f"{label}-{name}", hashes) for name, hashes in _hash_frames(square, _query_frames(square))]
    return views


LOGO_WINDOW_SCALES = (0.75, 0.9)  # a logo placed large covers half the picture or more
LOGO_WINDOW_PLACES = (0.0, 0.25, 0.5, 0.75, 1.0)


def logo_windows(data: bytes, max_pixels: int) -> list[tuple[str, ImageHashes]]:
    """Square windows over a picture (two sizes, 5×5 places each), cleaned up like an avatar.

    A logo placed large on another picture is found only when a window frames it. Measured on
    24 seals placed at 55–85% of the width on portraits and plain colours: 24/24 found (10/20
    without windows), and none of 24 other institutions' seals placed the same way matched.
    It costs about one second per picture, so it is kept for profiles that name the district,
    and done once per image (cached by content).
    """
    image = load_image(data, max_pixels)
    width, height = image.size
    views = []
    for scale in LOGO_WINDOW_SCALES:
        side = int(min(width, height) * scale)
        for fx in LOGO_WINDOW_PLACES:
            for fy in LOGO_WINDOW_PLACES:
                x, y = round((width - side) * fx), round((height - side) * fy)
                square = image.crop((x, y, x + side, y + side))
                label = f"window{int(scale * 100)}-{_SIDE[fx]}{_SIDE[fy]}"
                views += [(f"{label}-{name}", h) for name, h in _hash_frames(square, _query_frames(square))]
    return views


def is_placeholder(data: bytes, max_pixels: int) -> bool:
    """A platform's default avatar (silhouette, egg, initial, identicon, one colour): "no photo".

    Such pictures are two flat colours with a few edges (measured: silhouettes, eggs, initials ≤ 0.07
    of pixel pairs across an edge, identicons ≤ 0.2); a photo has many colours, a seal has three or
    more flat colours and many edges (~0.38, its lettering).
    """
    image = load_image(data, max_pixels).resize((64, 64), Image.Resampling.BOX)
    pixels = np.asarray(image, dtype=np.float32).reshape(-1, 3)
    first, second = _main_colours(pixels)
    along = np.clip((pixels - first) @ (second - first) / max(float((second - first) @ (second - first)), 1.0), 0, 1)
    off = np.linalg.norm(pixels - (first + along[:, None] * (second - first)), axis=1)
    two_colours = float((off <= 40).mean())  # the two colours and the blends along their edges
    grey = np.asarray(image.convert("L"), dtype=np.int16)
    # A grey photo is all "blends" of black and white, but with many grey levels; a placeholder has few.
    levels = int((np.bincount((grey // 8).ravel(), minlength=32) > 0.02 * grey.size).sum())
    edges = (np.abs(np.diff(grey, axis=0)) > 24).mean() + (np.abs(np.diff(grey, axis=1)) > 24).mean()
    return bool(two_colours >= PLACEHOLDER_TWO_COLOURS and levels <= PLACEHOLDER_LEVELS and edges <= PLACEHOLDER_EDGES)


class HashIndex:
    """Reference views of many owners, searched with numpy XOR + popcount, one pass per avatar view.

    Views framed on a circle ("ring…") are compared only with each other: they exist for round
    logos placed on other pictures, and would only add chances of a false match elsewhere.
    """

    def __init__(self, entries: Sequence[tuple[int, str, ImageHashes]]) -> None:
        self._owners = np.array([owner for owner, _, _ in entries], dtype=np.int64)
        self._names = [name for _, name, _ in entries]
        round_rows = np.array([_is_round(name) for name in self._names], dtype=bool)
        self._parts = {framed: _Rows(entries, np.flatnonzero(round_rows == framed), framed) for framed in (False, True)}

    def __len__(self) -> int:
        return len(self._names)

    def nearest(self, queries: Sequence[tuple[str, ImageHashes]], max_distance: int) -> list[ViewMatch]:
        """The closest view pair per owner within ``max_distance`` (see ``view_distance``), closest first."""
        found = [
            (rows, dists, np.full(len(rows), number, dtype=np.int32))
            for number, (name, query) in enumerate(queries)
            for rows, dists in [self._parts[_is_round(name)].within(query, max_distance)]
            if len(rows)
        ]
        if not found:
            return []
        rows, dists, numbers = (np.concatenate(parts) for parts in zip(*found, strict=True))
        owners = self._owners[rows]
        order = np.lexsort((numbers, rows, dists, owners))  # per owner: the closest pair, ties to the first view
        matches = []
        for i in order[np.unique(owners[order], return_index=True)[1]].tolist():
            row, (query_name, query) = int(rows[i]), queries[int(numbers[i])]
            colour = color_distance(self._hashes(row), query)
            matches.append(ViewMatch(int(owners[i]), int(dists[i]), self._names[row], query_name, colour))
        return sorted(matches, key=lambda m: (m.distance, m.owner))

    def _hashes(self, row: int) -> ImageHashes:
        for part in self._parts.values():
            at = np.searchsorted(part.rows, row)
            if at < len(part.rows) and part.rows[at] == row:
                return part.hashes(int(at))
        raise IndexError(row)


class _Rows:
    """Some rows of an index as flat uint64/uint32 arrays, so one query costs a few numpy passes."""

    def __init__(self, entries: Sequence[tuple[int, str, ImageHashes]], rows: np.ndarray, seal: bool) -> None:
        self.rows = rows
        self.seal = seal
        picked = [entries[i][2] for i in rows.tolist()]
        self.phash = np.array([h.phash for h in picked], dtype=np.uint64)
        self.dhash = np.array([h.dhash for h in picked], dtype=np.uint64)
        colours = np.array([h.color for h in picked], dtype=np.uint64)
        self.axis = (colours >> np.uint64(32)).astype(np.uint32)
        self.strength = (colours & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        self.grey = colours == 0

    def hashes(self, at: int) -> ImageHashes:
        colour = (int(self.axis[at]) << 32) | int(self.strength[at])
        return ImageHashes(int(self.phash[at]), int(self.dhash[at]), colour)

    def within(self, query: ImageHashes, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
        """Index rows within ``max_distance`` of the query, and their distances."""
        if not len(self.rows):
            return self.rows, np.zeros(0, dtype=np.int16)
        # Luminance first: it bounds the distance from below and leaves few rows for the colour.
        phash = np.bitwise_count(self.phash ^ np.uint64(query.phash))
        second = np.bitwise_count(self.dhash ^ np.uint64(query.dhash))
        if self.seal:  # the lettering tells seals apart; their layouts are alike by design
            lum = (phash.astype(np.int16) + SEAL_LETTERS_WEIGHT * second.astype(np.int16)) // 2
            grey_charge = SEAL_GREY_CHARGE
        else:
            lum = (phash + second).astype(np.int16)
            grey_charge = GREY_CHARGE
        at = np.flatnonzero(lum <= max_distance)
        dist = lum[at]
        if query.color:
            axis = np.bitwise_count(self.axis[at] ^ np.uint32(query.color >> 32)).astype(np.int16)
            strength = np.bitwise_count(self.strength[at] ^ np.uint32(query.color & 0xFFFFFFFF))
            colour = np.minimum(axis, 32 - axis) + strength
            dist = dist + np.where(self.grey[at], grey_charge, COLOR_WEIGHT * colour).astype(np.int16)
        else:
            dist = dist + grey_charge
        keep = dist <= max_distance
        return self.rows[at[keep]], dist[keep]


def _is_round(view: str) -> bool:
    return "ring" in view


# Views -------------------------------------------------------------------------------------------


def _reference_frames(image: Image.Image) -> list[_Frame]:
    """The gallery: what an impostor's edit would leave, for the photo and its mirror image.

    A round seal (flat colours, two concentric rings) is known by its rings alone: any copy that
    shows it whole, recoloured, grey or placed on another picture shows its rings too, and
    comparing ring views only keeps other seals on the same template from matching its layout.
    """
    rings = _round_frames(image)
    if any(frame.seal and frame.seal[2] >= SEAL_MIN_RADIUS for frame in rings) and _is_graphic(image):
        return rings + _round_frames(image, "mirror-", mirror=True)
    frames: list[_Frame] = []
    for mirror in (False, True):
        tag = "mirror-" if mirror else ""
        whole = (0.0, 0.0, 1.0, 1.0)
        frames.append(_Frame(f"{tag}original", whole, mirror=mirror))
        frames.append(_Frame(f"{tag}circle", whole, circle=True, mirror=mirror))
        frames.append(_Frame(f"{tag}caption", whole, cover_bottom=CAPTION_COVER, mirror=mirror))
        for angle in TURNS:
            frames.append(_Frame(f"{tag}turn{angle:+.0f}", whole, angle=angle, circle=True, mirror=mirror))
        for keep, anchors in MIRROR_CROPS if mirror else CROPS:
            for ay in anchors:
                for ax in anchors:
                    x0, y0 = (1 - keep) * ax, (1 - keep) * ay
                    where = "" if ax == ay == 0.5 else f"@{_SIDE[ax]}{_SIDE[ay]}"
                    frames.append(
                        _Frame(f"{tag}crop{round(keep * 100)}{where}", (x0, y0, x0 + keep, y0 + keep), mirror=mirror)
                    )
    return frames


def _query_frames(image: Image.Image) -> list[_Frame]:
    pixels = np.asarray(image, dtype=np.int16)
    h, w = pixels.shape[:2]
    # "circle": a round avatar, or a turned copy with painted corners, matches the gallery's circle views.
    frames = [_Frame("as-is", (0, 0, 1, 1)), _Frame("circle", (0, 0, 1, 1), circle=True)]
    top, bottom, left, right = _trim(pixels, 0.95)
    box = (left / w, top / h, right / w, bottom / h)
    if (right - left) * (bottom - top) < 0.97 * w * h:
        frames += [_Frame("trimmed", box), _Frame("trimmed-circle", box, circle=True)]
    bar = _caption_rows(pixels[top:bottom, left:right])
    if bar:
        inner_h = bottom - top
        if bar <= CAPTION_COVER * inner_h:
            frames.append(_Frame("caption-covered", box, cover_bottom=CAPTION_COVER))
        rest = inner_h - bar
        if abs(rest - (right - left)) <= 0.05 * (right - left):
            frames.append(_Frame("caption-removed", (box[0], box[1], box[2], (top + rest) / h)))
    return frames + _round_frames(image)


def _trim(pixels: np.ndarray, share: float) -> tuple[int, int, int, int]:
    """Rows and columns to keep once uniform borders (any colour, each side its own) are cut off."""
    h, w = pixels.shape[:2]
    rows = _uniform_lines(pixels, share)
    top = _run(rows, int(h * 0.45))
    bottom = h - _run(rows[::-1], int(h * 0.45))
    if bottom - top < 0.1 * h:
        return 0, h, 0, w
    columns = _uniform_lines(pixels[top:bottom].transpose(1, 0, 2), share)
    left = _run(columns, int(w * 0.45))
    right = w - _run(columns[::-1], int(w * 0.45))
    if right - left < 0.1 * w:
        return top, bottom, 0, w
    return top, bottom, left, right


def _uniform_lines(pixels: np.ndarray, share: float) -> np.ndarray:
    """For each row: are ``share`` of its pixels within BORDER_TOLERANCE of the row's median colour?"""
    mean = pixels.mean(axis=1, keepdims=True).astype(np.int16)  # a border row's mean is its colour
    return (_spread(pixels, mean) <= BORDER_TOLERANCE).mean(axis=1) >= share


def _spread(pixels: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """The largest channel difference of each pixel from a colour (numpy reduces a 3-wide axis slowly)."""
    diff = np.abs(pixels - colour)
    return np.maximum(np.maximum(diff[..., 0], diff[..., 1]), diff[..., 2])


def _run(flags: np.ndarray, limit: int) -> int:
    """How many leading flags are set, at most ``limit``."""
    unset = np.flatnonzero(~flags[:limit])
    return int(unset[0]) if unset.size else min(limit, len(flags))


def _caption_rows(pixels: np.ndarray) -> int:
    """Height of a bar of text over the bottom: rows mostly of one colour, 5–30% of the picture; 0 if none."""
    h = pixels.shape[0]
    colour = np.median(pixels[-1], axis=0)
    limit = int(0.3 * h)
    bottom = pixels[h - limit :][::-1]
    close = (_spread(bottom, colour.astype(np.int16)) <= BORDER_TOLERANCE).mean(axis=1) >= 0.6
    rows = _run(close, limit)
    return rows if 0.05 * h <= rows < limit else 0


def _round_frames(image: Image.Image, prefix: str = "", mirror: bool = False) -> list[_Frame]:
    """Frames on a seal's rings (two concentric strong circles), masked to the circle.

    Where a round seal sits on another picture is found from its own edges, so the same rings
    frame the enrolled logo and the copy, whatever the background and the logo's size. Both
    circles are framed, and carry the signature of the lettering in the band between them.
    """
    seals = _seal_rings(_circles(ImageOps.mirror(image) if mirror else image))
    frames: list[_Frame] = []
    for seal in seals:
        cx, cy = seal[0], seal[1]
        for r in seal[2:]:
            name = f"{prefix}ring{len(frames) + 1}"
            frames.append(_Frame(name, (cx - r, cy - r, cx + r, cy + r), circle=True, mirror=mirror, seal=seal))
    return frames


def _seal_rings(circles: list[tuple[float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Pairs of concentric circles, the outer at least 10% larger: the band between them holds a seal's lettering."""
    return [
        ((cx + x) / 2, (cy + y) / 2, outer, inner)
        for cx, cy, outer in circles
        for x, y, inner in circles
        if outer > 1.1 * inner and abs(cx - x) + abs(cy - y) < 0.03
    ]


def _seal_signature(image: Image.Image, seal: tuple[float, float, float, float]) -> int:
    """64 bits of what tells one seal from another on the same template: the lettering around its ring.

    The brightness is read around the band between the rings; the strengths of its first 16
    harmonics (the same whatever the turn, mirror or colours) are each placed among the five
    fifths of their spread: 4 thermometer bits per harmonic, so a near-tie costs one bit, not four.
    Measured: copies of a seal 4–12 bits apart, other seals on the same template 16 or more.
    """
    grey = np.asarray(image.convert("L"), dtype=np.float32)
    h, w = grey.shape
    cx, cy, outer, inner = seal[0] * w, seal[1] * h, seal[2] * w, seal[3] * w
    angles = np.arange(256) * (2 * np.pi / 256)
    radii = np.linspace(inner + 0.2 * (outer - inner), outer - 0.2 * (outer - inner), 7)
    profile = _sample(grey, cx + np.outer(radii, np.cos(angles)), cy + np.outer(radii, np.sin(angles))).mean(axis=0)
    harmonics = np.abs(np.fft.rfft(profile - profile.mean()))[1:17]
    bits = np.concatenate([harmonics > np.percentile(harmonics, q) for q in (20, 40, 60, 80)])
    return int(_pack(bits[None])[0])


def _sample(grey: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Bilinear samples of a grey picture at fractional pixel positions (clamped at the edges)."""
    h, w = grey.shape
    xs, ys = np.clip(xs - 0.5, 0, w - 1.001), np.clip(ys - 0.5, 0, h - 1.001)
    x0, y0 = xs.astype(np.int64), ys.astype(np.int64)
    fx, fy = xs - x0, ys - y0
    top = grey[y0, x0] * (1 - fx) + grey[y0, x0 + 1] * fx
    bottom = grey[y0 + 1, x0] * (1 - fx) + grey[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _circles(image: Image.Image) -> list[tuple[float, float, float]]:
    """Up to ROUND_COUNT strong circles (centre and radius in fractions of the side), by a gradient Hough vote."""
    n = ROUND_GRID
    g = np.asarray(image.convert("L").resize((n, n), Image.Resampling.BILINEAR), dtype=np.float32)
    gx, gy = np.zeros_like(g), np.zeros_like(g)
    gx[1:-1, 1:-1] = 2 * (g[1:-1, 2:] - g[1:-1, :-2]) + g[:-2, 2:] - g[:-2, :-2] + g[2:, 2:] - g[2:, :-2]
    gy[1:-1, 1:-1] = 2 * (g[2:, 1:-1] - g[:-2, 1:-1]) + g[2:, :-2] - g[:-2, :-2] + g[2:, 2:] - g[:-2, 2:]
    magnitude = np.hypot(gx, gy)
    ys, xs = np.nonzero(
        magnitude > max(40.0, float(np.partition(magnitude.ravel(), int(0.85 * n * n))[int(0.85 * n * n)]))
    )
    if not len(xs):
        return []
    ux = (gx[ys, xs] / magnitude[ys, xs]).astype(np.float32)
    uy = (gy[ys, xs] / magnitude[ys, xs]).astype(np.float32)
    radii = np.arange(round(ROUND_RADII[0] * n), round(ROUND_RADII[1] * n) + 1)
    level = (np.arange(len(radii)) * n * n)[:, None]
    steps = radii[:, None].astype(np.float32)
    where = []
    for sign in (1, -1):  # the centre lies along the gradient, inside or outside
        cx = np.rint(xs[None] + sign * steps * ux[None]).astype(np.int32)
        cy = np.rint(ys[None] + sign * steps * uy[None]).astype(np.int32)
        ok = (cx >= 0) & (cx < n) & (cy >= 0) & (cy < n)
        where.append((level + cy * n + cx)[ok])
    votes = np.bincount(np.concatenate(where), minlength=len(radii) * n * n).reshape(len(radii), n, n)
    votes = votes.astype(np.float32)
    near = votes.copy()  # votes of each 3×3 neighbourhood of centres: a centre a pixel off still counts
    near[:, :, 1:] += votes[:, :, :-1]
    near[:, :, :-1] += votes[:, :, 1:]
    rows = near.copy()
    near[:, 1:] += rows[:, :-1]
    near[:, :-1] += rows[:, 1:]
    score = near / (2 * np.pi * radii[:, None, None])  # 1.0: every pixel of the circumference voted
    found = []
    for _ in range(ROUND_COUNT):
        r, y, x = np.unravel_index(int(np.argmax(score)), score.shape)
        if score[r, y, x] < ROUND_SCORE:
            break
        radius = float(radii[r])
        if 0 < r < len(radii) - 1:  # a parabola through the neighbours: the radius to a fraction of a pixel
            a, b, c = score[r - 1, y, x], score[r, y, x], score[r + 1, y, x]
            radius += float(np.clip(0.5 * (a - c) / (a - 2 * b + c), -0.5, 0.5)) if a - 2 * b + c < 0 else 0.0
        found.append(((x + 0.5) / n, (y + 0.5) / n, radius / n))
        score[max(0, r - 3) : r + 4, max(0, y - 3) : y + 4, max(0, x - 3) : x + 4] = 0
    return found


def _hash_frames(image: Image.Image, frames: Sequence[_Frame]) -> list[tuple[str, ImageHashes]]:
    """Render every frame to RENDER×RENDER and hash them all at once."""
    mirrored = None
    stack = np.empty((len(frames), RENDER, RENDER, 3), dtype=np.float32)
    w, h = image.size
    for i, frame in enumerate(frames):
        source = image
        if frame.mirror:
            mirrored = mirrored or ImageOps.mirror(image)
            source = mirrored
        x0, y0, x1, y1 = frame.box[0] * w, frame.box[1] * h, frame.box[2] * w, frame.box[3] * h
        if frame.angle:
            source = source.rotate(
                frame.angle, resample=Image.Resampling.BILINEAR, center=((x0 + x1) / 2, (y0 + y1) / 2)
            )
        over = math.ceil(max(0.0, -x0, -y0, x1 - w, y1 - h))
        if over:  # a circle reaching past the edge: pad with the picture's mean colour (masked out anyway)
            fill = tuple(int(v) for v in np.asarray(source).reshape(-1, 3).mean(axis=0))
            source = ImageOps.expand(source, border=over, fill=fill)
            x0, y0, x1, y1 = x0 + over, y0 + over, x1 + over, y1 + over
        stack[i] = np.asarray(source.resize((RENDER, RENDER), Image.Resampling.BILINEAR, box=(x0, y0, x1, y1)))
        if frame.circle:
            stack[i][~_CIRCLE] = stack[i][_CIRCLE].mean(axis=0)
        if frame.cover_bottom:
            top = RENDER - round(RENDER * frame.cover_bottom)
            stack[i][top:] = stack[i][:top].reshape(-1, 3).mean(axis=0)
    phash, dhash, color = _hash_stack(stack)
    out = []
    for frame, p, d, c in zip(frames, phash.tolist(), dhash.tolist(), color.tolist(), strict=True):
        if frame.seal is not None:  # a seal's frames carry its signature where others carry the dhash
            d = _seal_signature(mirrored if frame.mirror else image, frame.seal)
        out.append((frame.name, ImageHashes(p, d, c)))
    return out


def _hash_stack(stack: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """phash, dhash and colour hash of N rendered views, as uint64 arrays."""
    n = len(stack)
    small = stack.reshape(n, 32, 2, 32, 2, 3).mean(axis=(2, 4))  # 32×32 by 2×2 boxes
    r, g, b = small[..., 0], small[..., 1], small[..., 2]
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    low = _DCT8 @ luma @ _DCT8.T  # n×8×8
    flat = low.reshape(n, 64)
    phash = _pack(flat > np.median(flat, axis=1, keepdims=True))
    full = stack[..., 0] * 0.299 + stack[..., 1] * 0.587 + stack[..., 2] * 0.114
    grid = _ROWS8 @ full @ _COLS9.T  # n×8×9
    dhash = _pack((grid[:, :, 1:] > grid[:, :, :-1]).reshape(n, 64))
    return phash, dhash, _color_hash(r, g, b)


def _color_hash(r: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Where the colour is, the same whatever the hues: chroma along its main axis, and chroma strength."""
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b
    cb_c = cb - cb.mean(axis=(1, 2), keepdims=True)
    cr_c = cr - cr.mean(axis=(1, 2), keepdims=True)
    sxx, syy, sxy = (cb_c**2).mean(axis=(1, 2)), (cr_c**2).mean(axis=(1, 2)), (cb_c * cr_c).mean(axis=(1, 2))
    spread = np.sqrt(sxx + syy)
    theta = 0.5 * np.arctan2(2 * sxy, sxx - syy)  # the main axis of the chroma scatter
    axis = np.cos(theta)[:, None, None] * cb_c + np.sin(theta)[:, None, None] * cr_c
    strength = np.hypot(cb, cr)
    axis_bits = _zigzag_bits(axis)
    strength_bits = _zigzag_bits(strength)
    out = (_pack32(axis_bits).astype(np.uint64) << np.uint64(32)) | _pack32(strength_bits).astype(np.uint64)
    out[spread < GREY_CHROMA] = 0
    return out


def _zigzag_bits(channel: np.ndarray) -> np.ndarray:
    coeffs = (_DCT8 @ channel @ _DCT8.T).reshape(len(channel), 64)[:, _ZIGZAG32]
    return coeffs > np.median(coeffs, axis=1, keepdims=True)


def _pack(bits: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.packbits(bits, axis=1)).view(">u8").ravel().astype(np.uint64)


def _pack32(bits: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.packbits(bits, axis=1)).view(">u4").ravel().astype(np.uint32)


def _is_graphic(image: Image.Image) -> bool:
    """Flat colours, as in a logo: four colours cover nearly all of it."""
    small = image.resize((64, 64), Image.Resampling.BOX)
    return sum(_colour_shares(np.asarray(small, dtype=np.int16).reshape(-1, 3), 4)) >= 0.85


def _main_colours(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The most common colour, and the most common one far from it (the first again if there is none)."""
    codes = (pixels // 16).astype(np.int64) @ np.array([256, 16, 1])
    first = _colour_near(pixels, codes, np.ones(len(pixels), dtype=bool))
    far = np.abs(pixels - first).max(axis=1) > 40
    return first, (_colour_near(pixels, codes, far) if far.any() else first)


def _colour_near(pixels: np.ndarray, codes: np.ndarray, among: np.ndarray) -> np.ndarray:
    """The mean colour of the pixels near the most common 16-level colour cell among ``among``."""
    top = np.bincount(codes[among]).argmax()
    centre = np.array([top // 256, (top // 16) % 16, top % 16], dtype=np.float32) * 16 + 8
    return pixels[among & (np.abs(pixels - centre).max(axis=1) <= 24)].mean(axis=0)


def _colour_shares(pixels: np.ndarray, k: int) -> list[float]:
    """Shares of the k most common colours, each taken with the pixels within 40 of it."""
    left = pixels
    shares = []
    for _ in range(k):
        if not len(left):
            shares.append(0.0)
            continue
        codes = (left[:, 0] // 16) * 256 + (left[:, 1] // 16) * 16 + left[:, 2] // 16
        top = np.bincount(codes).argmax()
        centre = np.array([top // 256, (top // 16) % 16, top % 16]) * 16 + 8
        near = np.abs(left - centre).max(axis=1) <= 40
        shares.append(float(near.sum()) / len(pixels))
        left = left[~near]
    return shares


def _dct_rows(n: int, size: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    x = np.arange(size)[None, :]
    return np.cos(np.pi * k * (2 * x + 1) / (2 * size))


def _box_rows(cells: int, size: int) -> np.ndarray:
    """A matrix averaging ``size`` samples into ``cells`` equal boxes (fractional edges shared)."""
    out = np.zeros((cells, size))
    edges = np.linspace(0, size, cells + 1)
    for c in range(cells):
        for x in range(size):
            out[c, x] = max(0.0, min(x + 1, edges[c + 1]) - max(x, edges[c]))
    return out / out.sum(axis=1, keepdims=True)


_DCT8 = _dct_rows(HASH_SIZE, 32)
_ROWS8 = _box_rows(8, RENDER)
_COLS9 = _box_rows(9, RENDER)
_ZIGZAG32 = sorted(range(1, 64), key=lambda i: (i // 8 + i % 8, i // 8 if (i // 8 + i % 8) % 2 else i % 8))[:32]
_yy, _xx = np.mgrid[0:RENDER, 0:RENDER]
_CIRCLE = (_xx - (RENDER - 1) / 2) ** 2 + (_yy - (RENDER - 1) / 2) ** 2 <= (RENDER / 2) ** 2
del _yy, _xx
