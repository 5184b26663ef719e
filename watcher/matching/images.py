"""Perceptual hashes of images, decoded the same way for references and avatars.

A reference (an enrolled photo or logo) is stored as a gallery of *views*: the picture and its
mirror, each whole, round-masked, turned by up to ±12°, with a caption band painted over, and
cropped to 90% (at 9 positions), 80% and 70% (at 25; the mirror image at 80% only). An avatar is
hashed as a few clean-up views: as it is, round-masked, without uniform borders, with a caption bar
painted over or cut off, and without its colour when that is a filter's (sepia, duotone). A match
is the closest pair of views (``HashIndex``), judged on ``view_distance``.

Each view has three 64-bit hashes, computed on the view rendered at 64×64 and turned grey at 32×32
(Pillow's ``convert("L")`` and a box filter): ``phash`` and ``dhash`` exactly as imagehash defines
them (``imagehash.phash`` and ``imagehash.dhash`` of that 32×32 grey view: the signs of the 8×8
low DCT block against its median, and of horizontal steps on a 9×8 Lanczos resize), but computed
for all views at once with numpy — a test checks them bit for bit against imagehash — and ``color``
(where the colour is, whatever the hues: the chroma along its main axis and its strength, 32 bits
each; 0 when the picture is grey). Portraits posed alike are close in luminance; their colours are
what sets them apart, so colour bits count twice, and a grey picture pays a fixed charge instead.

Hashes only nominate candidates. A photo on its own becomes a finding only once ``photo_check``
has verified it with local features; logos inside pictures are found by ``logo_finder``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps

from watcher.matching.decode import DecodedImage, open_picture
from watcher.models import ImageHashes, ViewTable

HASH_SIZE = 8  # 64-bit hashes
HASH_BITS = 2 * HASH_SIZE * HASH_SIZE  # the luminance distance counts phash and dhash bits: 0..128
COLOR_BITS = 48  # the colour distance: 0..16 for the chroma layout (its sign is arbitrary), 0..32 for its strength
WORK_SIZE = 192  # longest side of the picture the views are cut from
RENDER = 64  # a view is resampled to RENDER×RENDER, then hashed at 32×32 (phash, colour) and 9×8 (dhash)
TURNS = (-12.0, -8.0, -4.0, 4.0, 8.0, 12.0)  # degrees: a copy turned by up to 15° is within 3° of one of these
# Crops of the photo as (kept share, window positions): a copy cropped off-centre is within half a
# step of one of them. A window moved by a quarter of the margin matters more the larger the margin:
# 5×5 positions at 80% and 70% (crops of up to 30% off centre), 3×3 at 90%, where a step is small.
# On the calibration part of bench/calibrate_images.py (views within 50 of their own photo), moving
# 16 views from 90% to 70% lifted crops of 26–30% from 0.78 to 0.91 and lost nothing elsewhere; 5×5
# at 80% for the mirror image lifted mirrored crops of 10–20% from 0.93 to 1.00 (110 views in all).
_GRID5 = (0.0, 0.25, 0.5, 0.75, 1.0)
_GRID3 = (0.0, 0.5, 1.0)
CROPS = ((0.9, _GRID3), (0.8, _GRID5), (0.7, _GRID5))
MIRROR_CROPS = ((0.9, (0.5,)), (0.8, _GRID5), (0.7, (0.5,)))
_SIDE = {0.0: "l", 0.25: "q", 0.5: "c", 0.75: "t", 1.0: "r"}
COLOR_WEIGHT = 2
GREY_CHARGE = 28  # what an unknown colour costs: about the colour bits of the worst true pairs
MAX_DISTANCE = HASH_BITS + COLOR_WEIGHT * COLOR_BITS
BORDER_TOLERANCE = 24  # a border or caption bar: pixels within this of one colour (JPEG blurs edges)
CAPTION_COVER = 0.22  # a caption bar up to this share of the height is painted over in both pictures
FRAMED = (0.8, 0.88)  # an avatar frame's ring leaves the photo this share of the width (avatar makers: 78–88%)
PLACEHOLDER_FLAT = 0.88  # share of pixels in flat areas: drawn placeholders ≥ 0.9, a photo of a page or coins ≤ 0.85
PLACEHOLDER_TWO_COLOURS = 0.95  # share of the pixels in the two main colours or blends of them
PLACEHOLDER_EDGES = 0.25  # share of neighbouring pixel pairs that differ by more than 24 grey levels
PLACEHOLDER_LEVELS = 4  # at most this many grey levels (of 32) cover 2% of the picture each; grey photos: 6+
GREY_CHROMA = 4.0  # below this spread of chroma (0–255 scale) a picture is grey: its colour hash is 0
ONE_HUE = 3.0  # chroma (0–255 scale) not explained by the brightness: below it a picture is one-hued

# Thresholds, from bench/calibrate_images.py on the calibration part of its corpus (see its output).
# A view_distance (0..MAX_DISTANCE): luminance bits + 2 × colour bits, or + GREY_CHARGE when either is grey.
PHOTO_CANDIDATE = 50  # a photo worth verifying with local features (photo_check); see the README for why 50
PHOTO_LOOSE = 46  # with a matching name as second evidence, no verification needed


@dataclass(frozen=True)
class _Frame:
    """Where a view is cut from the working picture: a box in fractions, a turn, a round mask."""

    name: str
    box: tuple[float, float, float, float]
    angle: float = 0.0
    circle: bool = False
    mirror: bool = False
    cover_bottom: float = 0.0  # share of the height painted over (where a caption bar would be)


@dataclass(frozen=True)
class ViewMatch:
    """The closest pair of views between an avatar and one owner's references."""

    owner: int
    distance: int  # view_distance: luminance bits + twice the colour bits (or GREY_CHARGE), 0..MAX_DISTANCE
    reference_view: str
    query_view: str
    color_distance: int | None  # None when either picture is grey


def load_image(data: bytes | DecodedImage, max_pixels: int) -> Image.Image:
    """Decode untrusted image bytes into a small RGB image, refusing pixel bombs; an image decoded
    already (checked against its own pixel cap) is drawn from its decode, to the same pixels."""
    if isinstance(data, DecodedImage):
        return data.picture(WORK_SIZE)
    return open_picture(data, max_pixels, WORK_SIZE)


def hash_view(image: Image.Image) -> ImageHashes:
    """Hashes of a whole picture, as it is."""
    return _hash_frames(image, [_Frame("original", (0, 0, 1, 1))])[0][1]


def hash_image(data: bytes | DecodedImage, max_pixels: int) -> ImageHashes:
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


def view_distance(a: ImageHashes, b: ImageHashes) -> int:
    """The distance a match is judged on: luminance bits, plus the colour bits twice when both have colour.

    Colour is what tells apart people posed alike, so it weighs double; when either picture is grey it
    cannot be checked, and costs GREY_CHARGE instead, so a grey copy must be closer in luminance.
    """
    colour = color_distance(a, b)
    return luminance_distance(a, b) + (GREY_CHARGE if colour is None else COLOR_WEIGHT * colour)


def reference_views(data: bytes | DecodedImage, max_pixels: int) -> list[tuple[str, ImageHashes]]:
    """A gallery of an enrolled photo or logo: the edits impostors make, made in advance."""
    image = load_image(data, max_pixels)
    return _hash_frames(image, _reference_frames())


def query_views(data: bytes | DecodedImage, max_pixels: int) -> list[tuple[str, ImageHashes]]:
    """An avatar as it is, and cleaned up the ways a copy is usually dressed: borders, caption, circle.

    A one-hue avatar (sepia, duotone) has colour, but a filter's, not the photo's: each view is also
    given without it, so that its colour costs at most what an unknown colour costs (GREY_CHARGE).
    """
    image = load_image(data, max_pixels)
    views = _hash_frames(image, _query_frames(image))
    pixels = np.asarray(image, dtype=np.int16)
    top, bottom, left, right = _trim(pixels, 0.95)  # a border's colour is not the photo's
    if one_hue(pixels[top:bottom, left:right]):
        views += [(f"{name}-as-grey", ImageHashes(h.phash, h.dhash, 0)) for name, h in views if h.color]
    return views


def ycc(rgb: np.ndarray) -> np.ndarray:
    """Brightness (0–255), Cb and Cr (centred on 0) of RGB pixels (…×3, float): JPEG's YCbCr, in rgb's dtype."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b
    return np.stack([luma, cb, cr], axis=-1)


def one_hue(rgb: np.ndarray) -> bool:
    """Grey, sepia or duotone: the colour follows the brightness, so it says nothing of its own."""
    return one_hue_ycc(ycc(np.asarray(rgb, dtype=np.float64).reshape(-1, 3)[::3]))


def one_hue_ycc(pixels: np.ndarray) -> bool:
    """``one_hue`` for n×3 brightness, Cb, Cr (centred) pixels.

    The chroma is predicted from the brightness alone (its mean in each of 32 brightness levels);
    what that leaves is the picture's own colour. A tint keeps most of it (a blend scales it), sepia
    and grey keep none.
    """
    pixels = np.asarray(pixels, dtype=np.float64)
    levels = np.clip(pixels[:, 0] / 8, 0, 31).astype(np.int64)
    counts = np.maximum(np.bincount(levels, minlength=32), 1)
    left = 0.0
    for c in (1, 2):
        chroma = pixels[:, c]
        expected = np.bincount(levels, weights=chroma, minlength=32) / counts
        left += float(np.abs(chroma - expected[levels]).mean())
    return left < ONE_HUE


def is_placeholder(data: bytes | DecodedImage, max_pixels: int) -> bool:
    """A platform's default avatar (silhouette, egg, initial, identicon, one colour): "no photo".

    Such pictures are two flat colours with a few edges (measured: silhouettes, eggs, initials ≤ 0.07
    of pixel pairs across an edge, identicons ≤ 0.2); a photo has many colours, a seal has three or
    more flat colours and many edges (~0.38, its lettering). A photo of a two-toned thing (a printed
    page, coins on a table) has two colours too, but its paper and metal are never flat: drawn
    placeholders are flat at 90% of their pixels or more, such photos at 85% or less. A simple
    two-colour logo may look like a placeholder too: logos are searched in every picture, placeholder
    or not.
    """
    work = load_image(data, max_pixels)
    if _flat_share(np.asarray(work.convert("L"), dtype=np.int16)) < PLACEHOLDER_FLAT:
        return False
    image = work.resize((64, 64), Image.Resampling.BOX)
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


def _flat_share(grey: np.ndarray) -> float:
    """Share of the pixels whose 3×3 neighbourhood spans at most 2 grey levels: drawn flat."""
    padded = np.pad(grey, 1, mode="edge")
    shifted = [padded[dy : dy + grey.shape[0], dx : dx + grey.shape[1]] for dy in range(3) for dx in range(3)]
    return float(((np.max(shifted, axis=0) - np.min(shifted, axis=0)) <= 2).mean())


class HashIndex:
    """Reference views of many owners: which are within a distance of an avatar's views.

    A view pair is a candidate when its ``view_distance`` is within the limit *and* the two phashes
    or the two dhashes agree, within one bit, on one of their four 16-bit quarters. The gallery
    makes many near pairs, so a true copy nearly always has one: on the test part of
    bench/calibrate_images.py photo-alone recall stays 0.946 and recall with a name goes from 0.984
    to 0.983 (phash quarters alone lost crops of 30% and a sepia crop in a border), while a
    stranger's view meets about 1% of an index's rows that way.
    So a large index is not scanned: each quarter of every reference hash is bucketed, and an avatar
    view reads the 17 buckets of each of its eight quarters (its value and its 16 one-bit neighbours:
    multi-index hashing). At 75,000 staff (8 million views) that is about a hundred thousand rows
    per avatar view instead of 8 million. A small index is scanned with the same rule, so both give
    the same answer.
    """

    def __init__(self, table: ViewTable) -> None:
        self._owners = table.owners
        self._codes = table.codes
        self._names = table.names
        self._luminance = np.ascontiguousarray(table.hashes[:, :2])  # phash, dhash: read together, 16 bytes a row
        self._colour = np.ascontiguousarray(table.hashes[:, 2])
        self._buckets = None
        if len(self._owners) >= SCAN_BELOW:
            self._buckets = [_Buckets(q) for c in (0, 1) for q in _quarters(self._luminance[:, c])]

    @classmethod
    def of(cls, entries: Iterable[tuple[int, str, ImageHashes]]) -> HashIndex:
        """From (owner, view name, hashes) entries."""
        return cls(ViewTable.of(entries))

    def __len__(self) -> int:
        return len(self._owners)

    def nearest(self, queries: Sequence[tuple[str, ImageHashes]], max_distance: int) -> list[ViewMatch]:
        """The closest view pair per owner within ``max_distance`` (see ``view_distance``), closest first."""
        if not len(self._owners) or not queries:
            return []
        rows, numbers, dists = self._pairs([q for _, q in queries], max_distance)
        if not len(rows):
            return []
        owners = self._owners[rows]
        order = np.lexsort((numbers, rows, dists, owners))  # per owner: the closest pair, ties to the first view
        matches = []
        for i in order[np.unique(owners[order], return_index=True)[1]].tolist():
            row, (query_name, query) = int(rows[i]), queries[int(numbers[i])]
            colour = color_distance(self._hashes(row), query)
            name = self._names[self._codes[row]]
            matches.append(ViewMatch(int(owners[i]), int(dists[i]), name, query_name, colour))
        return sorted(matches, key=lambda m: (m.distance, m.owner))

    def _hashes(self, row: int) -> ImageHashes:
        phash, dhash = self._luminance[row].tolist()
        return ImageHashes(phash, dhash, int(self._colour[row]))

    def _pairs(self, queries: list[ImageHashes], max_distance: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(index row, query number, distance) of every pair within ``max_distance`` that the quarter rule admits.

        At district scale an avatar view meets a hundred thousand rows in its buckets, scattered over
        the table, and reading them is most of the cost: a row's two luminance hashes are read at once
        (they bound the distance from below), the colour only of the rows they leave."""
        mine = np.array([(q.phash, q.dhash) for q in queries], dtype=np.uint64)
        colours = np.array([q.color for q in queries], dtype=np.uint64)
        quarters = np.concatenate([_quarters(mine[:, 0]), _quarters(mine[:, 1])]).T  # views × 8
        found = []
        for k in range(len(queries)):
            if self._buckets is None:
                rows, differ = np.arange(len(self._owners)), self._luminance ^ mine[k]
            else:  # a row in two buckets is met twice: cheaper than sorting the rows to drop it
                rows = np.concatenate(
                    [b.rows(q ^ _NEIGHBOURS) for b, q in zip(self._buckets, quarters[k], strict=True)]
                )
                differ = self._luminance[rows] ^ mine[k]
            bits = np.bitwise_count(differ)  # numpy sums a 2-wide axis slowly: added as columns
            lum = bits[:, 0].astype(np.int16) + bits[:, 1]
            near = np.flatnonzero(lum <= max_distance)
            rows, lum = rows[near], lum[near]
            theirs = self._colour[rows]
            diff = theirs ^ colours[k]
            axis = np.bitwise_count(diff >> np.uint64(32)).astype(np.int16)
            colour = COLOR_WEIGHT * (np.minimum(axis, 32 - axis) + np.bitwise_count(diff & np.uint64(0xFFFFFFFF)))
            dist = lum + np.where((theirs == 0) | (colours[k] == 0), GREY_CHARGE, colour).astype(np.int16)
            keep = dist <= max_distance
            if self._buckets is None:  # scanned: the rule the buckets apply by construction
                close = differ[near[keep]]
                agree = np.bitwise_count(np.concatenate([_quarters(close[:, 0]), _quarters(close[:, 1])]))
                keep[keep] = agree.min(axis=0, initial=64) <= QUARTER_SLACK
            found.append((rows[keep], np.full(int(keep.sum()), k), dist[keep]))
        at, number, dist = (np.concatenate(parts) for parts in zip(*found, strict=True))
        return at, number, dist


SCAN_BELOW = 20_000  # index rows: a smaller index is scanned, a larger one read by buckets (same answer)
QUARTER_SLACK = 1  # bits: a candidate pair's phashes or dhashes agree this closely on one 16-bit quarter
_NEIGHBOURS = np.array([0] + [1 << bit for bit in range(16)], dtype=np.uint16)  # a quarter and its 1-bit neighbours


def _quarters(codes: np.ndarray | np.uint64) -> np.ndarray:
    """The four 16-bit quarters of 64-bit codes (4 × n, uint16)."""
    return np.stack([(codes >> np.uint64(16 * k)) & np.uint64(0xFFFF) for k in range(4)]).astype(np.uint16)


class _Buckets:
    """Rows by the value of one 16-bit quarter: the rows holding a value are one slice."""

    def __init__(self, keys: np.ndarray) -> None:
        self._order = np.argsort(keys, kind="stable").astype(np.int32)
        self._starts = np.searchsorted(keys[self._order], np.arange((1 << 16) + 1))

    def rows(self, values: np.ndarray) -> np.ndarray:
        """The rows holding any of these values."""
        starts, order = self._starts, self._order
        return np.concatenate([order[starts[v] : starts[v + 1]] for v in values.tolist()])


# Views -------------------------------------------------------------------------------------------


@functools.cache
def _reference_frames() -> tuple[_Frame, ...]:
    """The gallery: what an impostor's edit would leave, for the photo and its mirror image."""
    frames: list[_Frame] = []
    for mirror in (False, True):
        tag = "mirror-" if mirror else ""
        whole = (0.0, 0.0, 1.0, 1.0)
        frames.append(_Frame(f"{tag}original", whole, mirror=mirror))
        frames.append(_Frame(f"{tag}circle", whole, circle=True, mirror=mirror))
        frames.append(_Frame(f"{tag}caption", whole, cover_bottom=CAPTION_COVER, mirror=mirror))
        frames.append(_Frame(f"{tag}circle-caption", whole, circle=True, cover_bottom=CAPTION_COVER, mirror=mirror))
        for angle in TURNS:
            frames.append(_Frame(f"{tag}turn{angle:+.0f}", whole, angle=angle, circle=True, mirror=mirror))
            if abs(angle) >= 8 and not mirror:  # turned and cropped square again, as editors do
                inner = (0.1, 0.1, 0.9, 0.9)
                frames.append(_Frame(f"turn{angle:+.0f}-crop", inner, angle=angle))
        for keep, anchors in MIRROR_CROPS if mirror else CROPS:
            for ay in anchors:
                for ax in anchors:
                    x0, y0 = (1 - keep) * ax, (1 - keep) * ay
                    where = "" if ax == ay == 0.5 else f"@{_SIDE[ax]}{_SIDE[ay]}"
                    frames.append(
                        _Frame(f"{tag}crop{round(keep * 100)}{where}", (x0, y0, x0 + keep, y0 + keep), mirror=mirror)
                    )
    return tuple(frames)


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
    # An avatar maker's frame: the photo shrunk into a ring, a ribbon of text across its bottom.
    for keep in FRAMED:
        x0, y0, x1, y1 = box
        cut = (1 - keep) / 2
        inner = (x0 + cut * (x1 - x0), y0 + cut * (y1 - y0), x1 - cut * (x1 - x0), y1 - cut * (y1 - y0))
        frames.append(_Frame(f"framed{round(keep * 100)}", inner, circle=True, cover_bottom=CAPTION_COVER))
    return frames


def query_geometry(data: bytes | DecodedImage, max_pixels: int) -> dict[str, np.ndarray]:
    """Where each of an avatar's query views is cut from it (``view_geometry``), by view name."""
    image = load_image(data, max_pixels)
    frames = {frame.name: view_geometry(frame) for frame in _query_frames(image)}
    return frames | {f"{name}-as-grey": matrix for name, matrix in frames.items()}  # same place, colour left out


@functools.cache
def _reference_geometry() -> dict[str, np.ndarray]:
    return {frame.name: view_geometry(frame) for frame in _reference_frames()}


def view_transform(reference_view: str, query_view: str, queries: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """Where a point of the enrolled photo falls in the avatar, if the two views that matched show the
    same thing (3×3, unit square to unit square, mirroring included); None for a view not known here.

    The closest pair of views already says how a copy was cut: "crop80@lq" of the photo matched the
    avatar "trimmed" of its border. That places the avatar within about half a gallery step, enough to
    compare coarse layouts and colours before any keypoint is matched (``photo_check.place``)."""
    reference = _reference_geometry().get(reference_view.rpartition(":")[2])  # "photo1:crop80": photo 1's view
    query = queries.get(query_view)
    if reference is None or query is None:
        return None
    return query @ np.linalg.inv(reference)


def view_geometry(frame: _Frame) -> np.ndarray:
    """3×3: a point of the rendered view (unit square) → the same point of the picture (unit square,
    before any mirroring). As ``_render`` cuts it: a turned view is the window of the picture resampled
    square, turned about the window's centre."""
    x0, y0, x1, y1 = frame.box
    if frame.angle:
        side = RENDER / (x1 - x0)
        corner = (x0 * side, y0 * side)
        turn = cv2.getRotationMatrix2D((corner[0] + RENDER / 2 - 0.5, corner[1] + RENDER / 2 - 0.5), frame.angle, 1.0)
        turn[:, 2] -= corner
        back = np.vstack([cv2.invertAffineTransform(turn), (0.0, 0.0, 1.0)])
        matrix = np.diag([1 / side, 1 / side, 1.0]) @ back @ np.diag([RENDER, RENDER, 1.0])
    else:
        matrix = np.array([[x1 - x0, 0.0, x0], [0.0, y1 - y0, y0], [0.0, 0.0, 1.0]])
    if frame.mirror:
        matrix = np.array([[-1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]) @ matrix
    return matrix


def _trim(pixels: np.ndarray, share: float) -> tuple[int, int, int, int]:
    """Rows and columns to keep once uniform borders (any colour, each side its own) are cut off."""
    h, w = pixels.shape[:2]
    top = _border(pixels, share, int(h * 0.45))
    bottom = h - _border(pixels[::-1], share, int(h * 0.45))
    if bottom - top < 0.1 * h:
        return 0, h, 0, w
    columns = pixels[top:bottom].transpose(1, 0, 2)
    left = _border(columns, share, int(w * 0.45))
    right = w - _border(columns[::-1], share, int(w * 0.45))
    if right - left < 0.1 * w:
        return top, bottom, 0, w
    return top, bottom, left, right


def _border(lines: np.ndarray, share: float, limit: int) -> int:
    """How many of the first ``lines`` (rows of pixels) are a border: ``share`` of each within
    BORDER_TOLERANCE of the outermost line's colour. One colour throughout, not merely uniform lines:
    a low-contrast picture (sepia, a wall) has many nearly uniform rows of its own."""
    colour = np.median(lines[0], axis=0).astype(np.int16)

    def run(start: int, stop: int) -> int:
        close = (_spread(lines[start:stop], colour) <= BORDER_TOLERANCE).mean(axis=1) >= share
        return _run(close, stop - start)

    head = min(4, limit)  # most pictures have no border: a few lines tell, the rest is not looked at
    first = run(0, head)
    return first if first < head else head + run(head, limit)


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


def _hash_frames(image: Image.Image, frames: Sequence[_Frame]) -> list[tuple[str, ImageHashes]]:
    """Render every frame to RENDER×RENDER and hash them all at once."""
    phash, dhash, color = _hash_stack(_render(image, frames))
    return [
        (frame.name, ImageHashes(p, d, c))
        for frame, p, d, c in zip(frames, phash.tolist(), dhash.tolist(), color.tolist(), strict=True)
    ]


def _render(image: Image.Image, frames: Sequence[_Frame]) -> np.ndarray:
    """Every frame of the picture at RENDER×RENDER (uint8 n×RENDER×RENDER×3).

    Plain crops of one size (the gallery has 25 positions at 80% and at 70%) are windows of one
    resampled picture, their corners rounded to its pixels: one resize instead of 25. A mirror
    image's resample is the resample's mirror image (Pillow's weights are symmetric), not a resize
    of its own."""
    mirrored = None
    stack = np.empty((len(frames), RENDER, RENDER, 3), dtype=np.uint8)
    w, h = image.size
    scaled: dict[tuple[bool, float], np.ndarray] = {}
    for i, frame in enumerate(frames):
        keep = frame.box[2] - frame.box[0]
        view = stack[i]
        if _square_inside(frame, keep):
            if (False, keep) not in scaled:
                side = round(RENDER / keep)
                scaled[False, keep] = np.asarray(image.resize((side, side), Image.Resampling.BILINEAR))
            if frame.mirror and (True, keep) not in scaled:
                scaled[True, keep] = np.ascontiguousarray(scaled[False, keep][:, ::-1])
            whole = scaled[frame.mirror, keep]
            x, y = (min(round(c * len(whole)), len(whole) - RENDER) for c in frame.box[:2])
            if frame.angle:
                view[:] = _turned(whole, frame.angle, (x, y))
            else:
                view[:] = whole[y : y + RENDER, x : x + RENDER]
            _fill(view, frame)
            continue
        source = image
        if frame.mirror:
            mirrored = mirrored or ImageOps.mirror(image)
            source = mirrored
        x0, y0, x1, y1 = frame.box[0] * w, frame.box[1] * h, frame.box[2] * w, frame.box[3] * h
        if frame.angle:
            turned = _turned(np.asarray(source), frame.angle, (0, 0), ((x0 + x1) / 2, (y0 + y1) / 2), source.size)
            source = Image.fromarray(turned)
        over = math.ceil(max(0.0, -x0, -y0, x1 - w, y1 - h))
        if over:  # a circle reaching past the edge: pad with the picture's mean colour (masked out anyway)
            fill = tuple(int(v) for v in np.asarray(source).reshape(-1, 3).mean(axis=0))
            source = ImageOps.expand(source, border=over, fill=fill)
            x0, y0, x1, y1 = x0 + over, y0 + over, x1 + over, y1 + over
        view[:] = np.asarray(source.resize((RENDER, RENDER), Image.Resampling.BILINEAR, box=(x0, y0, x1, y1)))
        _fill(view, frame)
    return stack


def _fill(view: np.ndarray, frame: _Frame) -> None:
    """Paint what the frame hides (outside its circle, under its caption band) in the view's mean colour."""
    if frame.circle:
        view[~_CIRCLE] = np.rint(_CIRCLE_MEAN @ view.reshape(-1, 3))
    if frame.cover_bottom:
        top = RENDER - round(RENDER * frame.cover_bottom)
        view[top:] = np.rint(view[:top].reshape(-1, 3).sum(axis=0, dtype=np.int64) / (top * RENDER))


def _square_inside(frame: _Frame, keep: float) -> bool:
    """A square share of the picture, inside it (every view of the gallery): cut from the picture
    resampled once per share, so that 110 views cost a few resizes."""
    return math.isclose(frame.box[3] - frame.box[1], keep) and min(frame.box) >= 0 and max(frame.box) <= 1


def _turned(
    pixels: np.ndarray,
    angle: float,
    corner: tuple[float, float],
    centre: tuple[float, float] | None = None,
    size: tuple[int, int] = (RENDER, RENDER),
) -> np.ndarray:
    """The window of ``size`` at ``corner`` of the picture turned counter-clockwise by ``angle`` about
    ``centre`` (the window's own centre by default); bilinear, black outside, as Pillow's ``rotate``
    turns it, but with OpenCV (a gallery has 16 turns)."""
    if centre is None:
        centre = (corner[0] + size[0] / 2, corner[1] + size[1] / 2)
    matrix = cv2.getRotationMatrix2D((centre[0] - 0.5, centre[1] - 0.5), angle, 1.0)
    matrix[:, 2] -= corner
    return cv2.warpAffine(pixels, matrix, size, flags=cv2.INTER_LINEAR)


def grey_view(view: np.ndarray) -> Image.Image:
    """The 32×32 grey picture a rendered view's phash and dhash are defined on (Pillow's own conversion)."""
    return Image.fromarray(view).convert("L").resize((32, 32), Image.Resampling.BOX)


def _grey32(stack: np.ndarray) -> np.ndarray:
    """``grey_view`` of every view at once, to the bit: Pillow's fixed-point RGB→L (its sums are whole
    numbers below 2²⁴, exact in float32), then its 2×2 box (each halving rounds half up, across first,
    then down)."""
    grey = np.floor((stack.astype(np.float32) @ _PILLOW_L + 32768.0) * (1 / 65536)).astype(np.uint16)
    across = (grey[:, :, 0::2] + grey[:, :, 1::2] + 1) >> 1
    return ((across[:, 0::2] + across[:, 1::2] + 1) >> 1).astype(np.uint8)


def _hash_stack(stack: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """phash, dhash and colour hash of N rendered views (uint8 n×64×64×3), as uint64 arrays.

    phash and dhash are imagehash's of ``grey_view``: the DCT is a matrix product here (scaled
    unlike scipy's, which does not move any coefficient across the median; where two coefficients
    tie at the median, as in a perfect ramp, float noise decides in either), and the 9×8 picture of
    the dhash is Pillow's Lanczos resize, as imagehash makes it, to the bit (``_lanczos_9x8``).
    """
    n = len(stack)
    greys = _grey32(stack)
    # n×8×8, rounded so that a flat picture's zeros tie as scipy's do
    low = np.round(_DCT8 @ greys.astype(np.float64) @ _DCT8.T, 6)
    flat = low.reshape(n, 64)
    phash = _pack(flat > np.median(flat, axis=1, keepdims=True))
    small = _lanczos_9x8(greys).astype(np.int16)
    dhash = _pack((small[:, :, 1:] > small[:, :, :-1]).reshape(n, 64))
    rows = stack[:, 0::2].astype(np.uint16) + stack[:, 1::2]  # 2×2 boxes: whole sums, then their means
    rgb = (rows[:, :, 0::2] + rows[:, :, 1::2]).astype(np.float32) * np.float32(0.25)
    return phash, dhash, _color_hash(rgb)


def _color_hash(rgb: np.ndarray) -> np.ndarray:
    """Where the colour is, the same whatever the hues: chroma along its main axis, and chroma strength."""
    chroma = ycc(rgb)
    cb, cr = chroma[..., 1], chroma[..., 2]
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


def _lanczos_9x8(greys: np.ndarray) -> np.ndarray:
    """Pillow's Lanczos resize of n 32×32 grey pictures to 9×8, to the bit, as two matrix products
    (a Python call per view cost a third of an enrolment). Pillow resizes across, then down, each
    pass in fixed point: weights scaled by 2²² and rounded, sums rounded half up, clipped to 0–255.
    In float64 every such sum is an exact integer (below 2⁵³), so flooring gives Pillow's bytes."""
    half, one = float(1 << (_PRECISION_BITS - 1)), float(1 << _PRECISION_BITS)
    across = np.clip(np.floor((greys.astype(np.float64) @ _LANCZOS_ACROSS.T + half) / one), 0, 255)
    return np.clip(np.floor((_LANCZOS_DOWN @ across + half) / one), 0, 255).astype(np.uint8)


def _lanczos_weights(size: int, out: int) -> np.ndarray:
    """Pillow's fixed-point Lanczos weights (out × size) for resizing ``size`` pixels to ``out``: each
    output pixel's window spans three input pixels per side, widened by the scale; weights are
    normalised to sum to one, then scaled by 2²² and rounded half away from zero."""
    scale = size / out
    support = 3.0 * max(scale, 1.0)
    weights = np.zeros((out, size))
    for i in range(out):
        centre = (i + 0.5) * scale
        first = max(int(centre - support + 0.5), 0)
        last = min(int(centre + support + 0.5), size)
        taps = np.array([_lanczos((x - centre + 0.5) / max(scale, 1.0)) for x in range(first, last)])
        taps /= taps.sum()
        weights[i, first:last] = np.trunc(taps * (1 << _PRECISION_BITS) + np.where(taps < 0, -0.5, 0.5))
    return weights


def _lanczos(x: float) -> float:
    """The Lanczos window of three lobes: sinc(x)·sinc(x/3) inside ±3."""
    if not -3.0 <= x < 3.0:
        return 0.0
    return float(np.sinc(x) * np.sinc(x / 3.0))


def _dct_rows(n: int, size: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    x = np.arange(size)[None, :]
    return np.cos(np.pi * k * (2 * x + 1) / (2 * size))


_DCT8 = _dct_rows(HASH_SIZE, 32)
_PILLOW_L = np.array([19595, 38470, 7471], dtype=np.float32)  # Pillow's RGB→L weights, in 65536ths
_PRECISION_BITS = 22  # Pillow's fixed point for 8-bit resampling: 32 bits less 8 for the pixel and 2 spare
_LANCZOS_ACROSS = _lanczos_weights(32, HASH_SIZE + 1)
_LANCZOS_DOWN = _lanczos_weights(32, HASH_SIZE)
_ZIGZAG32 = sorted(range(1, 64), key=lambda i: (i // 8 + i % 8, i // 8 if (i // 8 + i % 8) % 2 else i % 8))[:32]
_yy, _xx = np.mgrid[0:RENDER, 0:RENDER]
_CIRCLE = (_xx - (RENDER - 1) / 2) ** 2 + (_yy - (RENDER - 1) / 2) ** 2 <= (RENDER / 2) ** 2
_CIRCLE_MEAN = _CIRCLE.ravel() / _CIRCLE.sum()  # the mean colour inside the circle, as one product
del _yy, _xx
