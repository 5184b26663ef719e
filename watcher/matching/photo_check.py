"""Is this avatar a copy of that enrolled photo? The verification behind a photo-only finding.

A hash index finds the few enrolled photos an avatar resembles; most are portraits posed alike, so
resemblance is not enough evidence on its own once the roster is large. Verification asks five
questions a look-alike fails (the cheap ones first: at district scale an avatar has dozens of
candidates, nearly all strangers):

0. **Place.** The hash views that matched already say how the avatar was cut from the photo (a
   crop, a turn, a mirror, a border trimmed): placed there, at a quarter of the size, are its coarse
   layout and colours the photo's (``place``)? Loose, because that place is only roughly right, and
   cheap: most strangers' candidates stop here, before any keypoint is matched.
1. **Geometry.** Do ORB keypoints of the enrolled photo land on keypoints of the avatar under one
   similarity transform (``keypoints.align``), directly or mirrored?
2. **Patches.** Brought into the enrolled photo's frame by that transform, does the avatar show the
   same patch around each of the photo's keypoints (``keypoints.describe_at``: the stored descriptor
   again, within a few bits), not only around the few that RANSAC paired? A chance alignment of two
   textures, or of two pictures sharing one detail, repeats a few patches; a copy nearly all.
3. **Layout.** Does the aligned avatar have the same light-and-dark and colour layout? Each photo
   keeps only the *signs* of the steps between neighbouring cells of a 24×24 grid, in brightness
   and in the two chroma channels, where the step is clear. A copy repeats nearly all of its clear
   brightness steps with a step of its own (tone, tint, grey and JPEG keep the order of brightness);
   a different person posed alike in front of another wall leaves some of them flat or turned
   round: the backdrop's edges, the shirt, the hair line. Colour steps only have to keep their sign
   where the avatar has any (a small or recompressed copy keeps little colour detail). A grey (or
   sepia) copy has no colour of its own, and is judged on brightness alone, more strictly.
4. **Colours.** Do the colours of the photo's cells become the aligned avatar's under one colour
   map (a tint, a filter, brightness, contrast, grey and sepia all are one)? Two people posed alike
   keep most step signs (a face is lighter than the hair above it), but their skin, hair, shirt and
   wall are of independent colours: no single map takes one picture's colours to the other's.
   The map is fitted to the 8×8 cells' mean colours; a cell it misses by more than COLOUR_RESIDUAL
   is unexplained (a sticker, or another person's shirt).

What was laid around or over the photo is left out of the comparisons: a uniform fill around it
(a round mask, a border, an avatar frame's ring), a frame's ribbon, a caption bar.

What is kept of an enrolled photo (``PhotoPrint``) is derived: keypoint positions, orientations and
binary descriptors, step signs, and the mean colour of each cell of an 8×8 grid (a colour layout
far too coarse to show a face). The photo itself is never kept.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from watcher.errors import InputError
from watcher.matching.decode import DecodedImage
from watcher.matching.images import one_hue_ycc, query_geometry, view_transform, ycc
from watcher.matching.keypoints import MIN_SIDE, Alignment, Features, align, describe_at, extract

MAX_TURN = 30.0  # degrees: copies are turned by up to 15°; a portrait upside down is a chance alignment
SIDE = 320  # pictures are analysed at most this size: enough corners, a few ms each
MAX_POINTS = 400
FAST_THRESHOLDS = (12, 6, 3)  # grey levels around a corner, tried in turn until ENOUGH_POINTS are found
ENOUGH_POINTS = 200  # a blurry face or a low-contrast texture has few corners at the first threshold
GRID = 24
STEP = (6.0, 4.0, 4.0)  # brightness, Cb, Cr: a step between cells smaller than this has no reliable sign
FLAT = 1.5  # a step this small in the avatar is no step: where the photo has a clear one, it is not repeated
PATCH_DISTANCE = 64  # bits of 256: a keypoint's patch is the same in the avatar within this distance
PATCH_MARGIN = 8  # pixels: a patch this close to what the avatar does not show is not compared
FILL_TOLERANCE = 4  # levels: a fill around the picture (mask corners, border, ring) is this uniform
FILL_MAX = 0.6  # share of the picture a fill around it covers, at most (a frame's ground and ring: ~0.45)
RING_EDGE = 0.8  # share of the fill's inner edge a frame's ring runs along, at least
RING_MAX = 0.35  # share of the picture a ring covers, at most
RIBBON_FLAT = 3  # grey levels a ribbon's brightness varies between neighbouring pixels, at most (JPEG)
RIBBON_WIDTH = 0.5  # of the picture's width, at least
RIBBON_HEIGHT = 0.2  # of the picture's height, at most: a band, not a shirt
RIBBON_SOLID = 0.6  # share of its box a ribbon's colour fills (the rest is its text), at least
BAR_MIN, BAR_MAX = 0.05, 0.3  # a caption bar's share of the height
BAR_SHARE = 0.35  # of a bar's rows in its colour (the rest is its text), at least
BAR_TOLERANCE = 6  # grey levels
BAR_EDGE = 0.25  # share of the bar's colour in the rows just past it, at most: it ends in a straight line
MIN_VALID = 0.8  # share of a cell the warped avatar must cover for the cell to count
_STEPS = 2 * GRID * (GRID - 1)
_INSIDE = np.ones((5, 5), np.uint8)  # at half size
_CHROMA_OFFSET = np.float32([0, 128, 128])  # cells are stored as bytes: Cb and Cr moved to 0–255
_FLOOD = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
_TO_QUARTER = np.array([[4.0, 0.0, 1.5], [0.0, 4.0, 1.5], [0.0, 0.0, 1.0]])  # a quarter-size pixel's full-size place
_FROM_QUARTER = np.linalg.inv(_TO_QUARTER)
_FORMAT = b"PP4"
_NO_CELLS = b"PP3"  # before cell colours were kept: still verified, without the colour check
# PP2 (before keypoint orientations were kept) is refused: the photo must be enrolled again

# Verified, from bench/calibrate_images.py (calibration part): see the README's matching section.
MIN_INLIERS = 10
MIN_INLIERS_PLAIN = 6  # a plain photo (few corners: a wall, a blurry face) needs 40% of its keypoints, at least this
PATCH_AGREEMENT = 0.7  # share of the photo's keypoints (that the avatar shows) whose patch is the same
MIN_COMPARED = 40  # clear brightness steps the avatar covers
# Checks stop at the first that fails: at district scale an avatar has dozens of candidates, nearly
# all of them strangers. Calibration sets this to measure every check of every candidate.
COMPARE_ALL = False
LUMA_AGREEMENT = 0.86  # share of them the avatar repeats
ONE_HUE_AGREEMENT = 0.93  # a grey or sepia copy has no colour to check: its brightness layout must agree more
CHROMA_AGREEMENT = 0.88  # share of the clear colour steps whose sign the avatar keeps
MIN_CHROMA_COMPARED = 40
COLOUR_GRID = 8  # cells a side of the colour layout kept (as MPEG-7's colour layout descriptor): no face shows
COLOUR_FIT = 0.65  # share of the covered cells whose colour one colour map explains, at least
COLOUR_RESIDUAL = 8.0  # levels (0–255) of YCbCr: a cell's colour within this of the map's is explained
COLOUR_TRIM = 0.8  # the map is fitted again to this share of the cells it explains best (a sticker is no part)
COLOUR_COVER = 0.95  # share of a cell the avatar must show for its colour to count (mean over a part ≈ the whole)
MIN_CELLS = 11  # covered cells, at least (a sixth of them), for the colours to be compared
# Before keypoints: where the matched views place the avatar (``place``). Loose, since that place is
# only within about half a gallery step: on the calibration part of bench/calibrate_images.py (its
# PLAUSIBLE sweep) photo-alone recall goes from 0.967 to 0.966 while half of the strangers' candidates
# are turned away, and four in five of the synthetic portraits posed alike of bench_scale.py.
PLAUSIBLE_AGREEMENT = 0.3  # share of the photo's clear brightness steps repeated there, at least
PLAUSIBLE_FIT = 0.3  # share of the covered cells one colour map explains there, at least


@dataclass(frozen=True)
class PhotoPrint:
    """What verification needs of an enrolled photo: its keypoints, and its step signs per channel."""

    features: Features
    signs: np.ndarray  # bool 3×_STEPS: brightness, Cb, Cr steps, across then down: brighter (more) to the right/below
    clear: np.ndarray  # bool 3×_STEPS: the step is clear enough to compare
    cells: np.ndarray | None = None  # uint8 COLOUR_GRID²×3: each cell's mean Y, Cb+128, Cr+128; None from PP3

    def to_bytes(self) -> bytes:
        layout = np.packbits(np.concatenate([self.signs.ravel(), self.clear.ravel()])).tobytes()
        version, cells = (_NO_CELLS, b"") if self.cells is None else (_FORMAT, self.cells.tobytes())
        return version + struct.pack("<I", len(layout)) + layout + cells + self.features.to_bytes()

    @classmethod
    def from_bytes(cls, blob: bytes) -> PhotoPrint:
        """The stored print; ``InputError`` for bytes of another version (the photo must be enrolled again)
        or none."""
        version = blob[:3]
        if version[:2] == _FORMAT[:2] and version not in (_FORMAT, _NO_CELLS):
            name = version.decode("ascii", "replace")
            raise InputError(f"a photo print of another version ({name}): import the staff photos again")
        if version not in (_FORMAT, _NO_CELLS) or len(blob) < 7:
            raise InputError("not a photo print")
        (size,) = struct.unpack("<I", blob[3:7])
        if size != (2 * 3 * _STEPS + 7) // 8:
            raise InputError("truncated photo print")
        bits = np.unpackbits(np.frombuffer(blob[7 : 7 + size], dtype=np.uint8)).astype(bool)
        n = 3 * _STEPS
        signs, clear = bits[:n].reshape(3, _STEPS), bits[n : 2 * n].reshape(3, _STEPS)
        start, cells = 7 + size, None
        if version == _FORMAT:
            start += COLOUR_GRID * COLOUR_GRID * 3
            if len(blob) < start:
                raise InputError("truncated photo print")
            cells = np.frombuffer(blob[7 + size : start], dtype=np.uint8).reshape(COLOUR_GRID, COLOUR_GRID, 3)
        try:
            features = Features.from_bytes(blob[start:])
        except ValueError:
            raise InputError("truncated photo print") from None
        return cls(features, signs, clear, cells)


@dataclass(frozen=True)
class Side:
    """The avatar one way round (as is, or mirrored), as verification warps it into a photo's frame.

    The layout and colours are compared at half size (cell means barely change, and warping a quarter of
    the pixels is what makes rejecting a stranger cheap); the patches, for the few that get that far, at
    full size."""

    luma: np.ndarray  # float32 h×w: brightness
    content: np.ndarray  # float32 h×w: 1 where the avatar shows a picture, 0 where something was laid on it
    small: np.ndarray  # float32 ⌈h/2⌉×⌈w/2⌉×3: brightness, Cb and Cr times content, at half size
    small_content: np.ndarray  # float32: content at half size (fractional along its edges)

    @classmethod
    def of(cls, channels: np.ndarray, content: np.ndarray) -> Side:
        height, width = content.shape
        half = ((width + 1) // 2, (height + 1) // 2)
        small = cv2.resize(channels * content[..., None], half, interpolation=cv2.INTER_AREA)
        small_content = cv2.resize(content, half, interpolation=cv2.INTER_AREA)
        return cls(np.ascontiguousarray(channels[..., 0]), content, small, small_content)

    def quartered(self) -> tuple[np.ndarray, np.ndarray]:
        """``small`` and ``small_content`` halved again: what ``place`` compares."""
        height, width = self.small_content.shape
        size = ((width + 1) // 2, (height + 1) // 2)
        return (
            cv2.resize(self.small, size, interpolation=cv2.INTER_AREA),
            cv2.resize(self.small_content, size, interpolation=cv2.INTER_AREA),
        )


@dataclass(frozen=True)
class Picture:
    """An avatar prepared for verification: its keypoints and what is warped, as is and mirrored."""

    grey: bool
    features: Features
    mirrored: Features
    sides: tuple[Side, Side]  # as is, mirrored: made once rather than per enrolled photo compared
    views: Mapping[str, np.ndarray]  # where each of its hash views is cut from it (``images.query_geometry``)
    quarter: tuple[np.ndarray, np.ndarray]  # the as-is side at a quarter of the size (``Side.quartered``)

    @property
    def content(self) -> np.ndarray:
        """float32 h×w: 1 where the avatar shows a picture, 0 where something was laid on it."""
        return self.sides[0].content


@dataclass(frozen=True)
class Verification:
    inliers: int  # keypoints agreeing with one transform
    reference_points: int  # keypoints of the enrolled photo: a plain photo has few, and needs fewer to agree
    patches: float  # share of the photo's keypoints (that the aligned avatar shows) whose patch is the same (0–1)
    agreement: float  # share of the enrolled photo's clear brightness steps the aligned avatar repeats (0–1)
    compared: int  # how many could be compared (the avatar covers only part of a cropped photo)
    chroma_agreement: float | None  # share of its clear colour steps keeping their sign; None when one-hued
    colour_fit: float | None  # share of the covered cells whose colour one colour map explains; None: a PP3 print
    mirrored: bool
    scale: float
    angle: float
    placed: Placed | None = None  # the avatar where the matched views place it (``place``); None: not asked

    @property
    def needed(self) -> int:
        return _needed(self.reference_points)

    @property
    def verified(self) -> bool:
        """A copy of the enrolled photo: enough keypoints agree, their patches too, and the layout in
        brightness and colour."""
        if self.chroma_agreement is None:
            colour_ok, luma = True, ONE_HUE_AGREEMENT
        else:
            colour_ok, luma = self.chroma_agreement >= CHROMA_AGREEMENT, LUMA_AGREEMENT
        return (
            (self.placed is None or self.placed.plausible)
            and self.inliers >= self.needed
            and self.patches >= PATCH_AGREEMENT
            and self.compared >= MIN_COMPARED
            and self.agreement >= luma
            and colour_ok
            and (self.colour_fit is None or self.colour_fit >= COLOUR_FIT)
        )


def photo_print(data: bytes | DecodedImage, max_pixels: int) -> PhotoPrint:
    """The derived record of an enrolled photo (``ImageError`` if unreadable; an image decoded already
    is drawn from its decode)."""
    channels = _channels(data if isinstance(data, DecodedImage) else DecodedImage(data, max_pixels))
    full = np.ones(channels.shape[:2], dtype=np.float32)
    means, ok = _cells(channels, full, GRID)
    signs, clear = [], []
    for c in range(3):
        s, k, _ = _layout(means[..., c], ok, STEP[c])
        signs.append(s)
        clear.append(k)
    colours, _ = _cells(channels, full, COLOUR_GRID)
    cells = np.clip(np.rint(colours + _CHROMA_OFFSET), 0, 255).astype(np.uint8)
    return PhotoPrint(_features(channels), np.stack(signs), np.stack(clear), cells)


def picture(data: bytes | DecodedImage, max_pixels: int) -> Picture:
    """An avatar's channels and keypoints, both ways round (``ImageError`` if unreadable). An image
    decoded already (``DecodedImage``, checked against its own pixel cap) is drawn from its decode."""
    image = data if isinstance(data, DecodedImage) else DecodedImage(data, max_pixels)
    channels = _channels(image)
    content = _content(channels)
    inner = cv2.erode(content, np.ones((11, 11), np.uint8)) > 0  # past the blend of the picture into a fill
    shown = channels[inner] if inner.any() else channels.reshape(-1, 3)
    mirrored = np.ascontiguousarray(channels[:, ::-1])
    sides = (Side.of(channels, content), Side.of(mirrored, np.ascontiguousarray(content[:, ::-1])))
    views = query_geometry(image, max_pixels)
    features = (_features(channels), _features(mirrored))
    return Picture(one_hue_ycc(shown[::3]), *features, sides, views, sides[0].quartered())


def verify(reference: PhotoPrint, query: Picture, views: tuple[str, str] | None = None) -> Verification | None:
    """The best agreement of the avatar (as is or mirrored) with an enrolled photo, or None.

    ``views``: the names of the enrolled photo's view and the avatar's view that matched in the hash
    index. Where they place the avatar, it must first be plausible (``place``): matching keypoints is what
    costs, and at district scale nearly all candidates are strangers posed alike."""
    placed = None if views is None else place(reference, query, *views)
    if placed is not None and not placed.plausible and not COMPARE_ALL:
        return None
    best: Verification | None = None
    for mirrored, features in ((False, query.features), (True, query.mirrored)):
        found = align(reference.features, features, min_scale=0.2, max_scale=6.0, max_turn=MAX_TURN)
        if found is None:
            continue
        if found.inliers < _needed(len(reference.features)) and not COMPARE_ALL:
            # Too few keypoints agree for a copy, whatever the layout says: the layout is not compared.
            result = _unverified(reference, mirrored, found, 0.0, 0)
        else:
            result = _compare(reference, query, mirrored, found)
        if best is None or _rank(result) > _rank(best):
            best = result
    return best if best is None or placed is None else dataclasses.replace(best, placed=placed)


@dataclass(frozen=True)
class Placed:
    """The avatar where the two matched views place it, against the photo: its coarse brightness
    layout and its colours, at a quarter of the size (a fraction of a millisecond; matching keypoints
    costs several). True copies nearly all are plausible there; strangers posed alike mostly are not,
    their skin, hair, shirt and wall being of other colours."""

    agreement: float | None  # share of the photo's clear brightness steps repeated; None: too few shown there
    colour_fit: float | None  # share of the cells one colour map explains; None: too few shown, or a PP3 print

    @property
    def plausible(self) -> bool:
        return (self.agreement is None or self.agreement >= PLAUSIBLE_AGREEMENT) and (
            self.colour_fit is None or self.colour_fit >= PLAUSIBLE_FIT
        )


def place(reference: PhotoPrint, query: Picture, reference_view: str, query_view: str) -> Placed | None:
    """The avatar placed where the views that matched in the hash index say (``Placed``); None when
    their places are not known."""
    unit = view_transform(reference_view, query_view, query.views)
    if unit is None:
        return None
    width, height = reference.features.size
    avatar_height, avatar_width = (
        query.content.shape
    )  # the as-is avatar: a mirrored view's place includes the mirroring
    pixels = np.diag([avatar_width, avatar_height, 1.0]) @ unit @ np.diag([1 / width, 1 / height, 1.0])
    to_avatar = (_FROM_QUARTER @ pixels @ _TO_QUARTER)[:2]  # the same between the quarter-size pictures
    size = ((width + 3) // 4, (height + 3) // 4)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP  # each photo pixel reads where it falls in the avatar
    tiny, tiny_content = query.quarter
    warped = cv2.warpAffine(tiny, to_avatar, size, flags=flags)
    valid = cv2.warpAffine(tiny_content, to_avatar, size, flags=flags)
    means, ok = _cells(warped, valid, GRID)
    repeated, compared = _steps(means[..., 0], ok, reference, 0, strict=True)
    agreement = repeated / compared if compared >= MIN_COMPARED else None
    if agreement is not None and agreement < PLAUSIBLE_AGREEMENT and not COMPARE_ALL:
        return Placed(agreement, None)  # the colours cannot save it
    colours, shown = _cells(warped, valid, COLOUR_GRID, COLOUR_COVER)
    if reference.cells is None or shown.sum() < MIN_CELLS:
        return Placed(agreement, None)  # too little shown there to judge: the keypoints decide
    return Placed(agreement, _colour_fit(reference.cells, colours, shown))


def _needed(reference_points: int) -> int:
    """Inliers a copy of a photo must show: MIN_INLIERS, or 40% of a plain photo's few keypoints."""
    return min(MIN_INLIERS, max(MIN_INLIERS_PLAIN, math.ceil(0.4 * reference_points)))


def _rank(check: Verification) -> tuple[bool, float, float, int]:
    return check.verified, check.agreement, check.patches, check.inliers


def _channels(image: DecodedImage) -> np.ndarray:
    """Brightness (0–255), Cb and Cr of a picture at SIDE, a small one enlarged to MIN_SIDE."""
    rgb = np.asarray(image.picture(SIDE), dtype=np.float32)
    height, width = rgb.shape[:2]
    if min(width, height) < MIN_SIDE:
        scale = MIN_SIDE / min(width, height)
        rgb = cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_CUBIC)
    return ycc(rgb).astype(np.float32)


def _content(channels: np.ndarray) -> np.ndarray:
    """Where the avatar shows a picture: everything but what was laid around or over it. A uniform fill
    around it (a round mask, a border, an avatar frame's ring) shows one colour in all four corners; a
    frame's ribbon is a flat box where the fill meets the picture; a caption bar runs across the top or
    the bottom (over a fill too: the corners are then those of the rest). What they hide cannot be
    compared; a photo's own corners differ, and are all kept."""
    colour = np.clip(channels + _CHROMA_OFFSET, 0, 255).astype(np.uint8)
    height = colour.shape[0]
    content = _around(colour)
    if content is not None:
        return content
    content = np.ones(colour.shape[:2], np.float32)
    top, bottom = _bar(colour[..., 0]), _bar(colour[::-1, :, 0])
    if top or bottom:
        inside = _around(np.ascontiguousarray(colour[top : height - bottom]))
        if inside is not None:
            content[top : height - bottom] = inside
    content[:top] = 0
    content[height - bottom :] = 0
    return content


def _around(colour: np.ndarray) -> np.ndarray | None:
    """Where a picture with a uniform fill around it shows the picture (the fill, a frame's ring and
    ribbon left out); None when its corners are not of one colour."""
    height, width = colour.shape[:2]
    corners = ((0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1))
    values = np.array([colour[y, x] for x, y in corners], dtype=np.int16)
    if (values.max(axis=0) - values.min(axis=0)).max() > FILL_TOLERANCE:
        return None
    filled = np.zeros((height + 2, width + 2), np.uint8)
    tolerance = (FILL_TOLERANCE,) * 3
    for x, y in corners:
        if not filled[y + 1, x + 1]:
            cv2.floodFill(colour, filled, (x, y), 0, tolerance, tolerance, _FLOOD)
    fill = filled[1:-1, 1:-1] > 0
    if fill.mean() > FILL_MAX:  # a plain backdrop and a shirt of one shade: a photo, not a fill around one
        return np.ones((height, width), np.float32)
    fill = _ring(colour, fill)
    return (~(fill | _ribbon(colour, fill))).astype(np.float32)


def _ring(colour: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """The fill and, inside it, a ring of another single colour (an avatar frame's ring on a white
    ground): when nearly all the picture along the fill's inner edge is one colour, that is filled too."""
    mask = fill.astype(np.uint8)
    edge = cv2.dilate(mask, np.ones((13, 13), np.uint8)).astype(bool)  # a band a few pixels in from the fill,
    edge &= ~cv2.dilate(mask, np.ones((7, 7), np.uint8)).astype(bool)  # past its blurred border
    if not edge.any():
        return fill
    shade = np.median(colour[edge], axis=0)
    near = edge & (np.abs(colour.astype(np.int16) - shade).max(axis=2) <= FILL_TOLERANCE)
    if near.sum() < RING_EDGE * edge.sum():
        return fill
    height, width = fill.shape
    flooded = np.zeros((height + 2, width + 2), np.uint8)
    tolerance = (FILL_TOLERANCE,) * 3
    ys, xs = np.nonzero(near)
    for y, x in zip(ys[::5].tolist(), xs[::5].tolist(), strict=True):
        if not flooded[y + 1, x + 1]:
            cv2.floodFill(colour, flooded, (x, y), 0, tolerance, tolerance, _FLOOD)
    ring = (flooded[1:-1, 1:-1] > 0) & ~fill
    return fill | ring if ring.sum() <= RING_MAX * fill.size else fill


def _ribbon(colour: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """An avatar frame's ribbon: a flat box (with its text) laid across the picture where it meets the fill,
    at least RIBBON_WIDTH of the picture wide. Flat boxes the photo has of its own may go too (a sign on a
    wall): nothing in them to compare anyway."""
    height, width = fill.shape
    luma = np.ascontiguousarray(colour[..., 0])
    spread = cv2.dilate(luma, np.ones((3, 3), np.uint8)) - cv2.erode(luma, np.ones((3, 3), np.uint8))
    flat = ((spread <= RIBBON_FLAT) & ~fill).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(flat, connectivity=4)
    near = cv2.dilate(fill.astype(np.uint8), np.ones((11, 11), np.uint8)).astype(bool)  # past its blurred border
    out = np.zeros(fill.shape, bool)
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        box = w * h
        if w < RIBBON_WIDTH * width or h > RIBBON_HEIGHT * height or box < 0.01 * fill.size:
            continue
        if area < RIBBON_SOLID * box or not near[labels == label].any():
            continue
        out[y : y + h, x : x + w] = True
    return out & ~fill


def _bar(grey: np.ndarray) -> int:
    """Height of a caption bar over the first rows (0 if none): 5–30% of the picture, of the first row's
    colour behind its text, ending in a straight line across the picture. A plain wall or sky gives way
    to a head a little at a time, and a shirt to the wall behind it along a curve: neither is a bar."""
    height = grey.shape[0]
    limit = int(BAR_MAX * height)
    colour = float(np.median(grey[0]))
    share = (np.abs(grey[: limit + 2].astype(np.float32) - colour) <= BAR_TOLERANCE).mean(axis=1)
    past = np.flatnonzero(share <= BAR_EDGE)
    end = int(past[0]) if past.size else 0
    if not BAR_MIN * height <= end <= limit:
        return 0
    behind_text = share[: end - 2].min() >= BAR_SHARE
    straight = share[end - 6 : end - 2].min() >= 0.9 and share[end : end + 2].max() <= BAR_EDGE
    return end if behind_text and straight else 0


def _features(channels: np.ndarray) -> Features:
    """ORB keypoints of the brightness; a plain picture (a blurry face, a low-contrast texture) is searched
    again with lower corner thresholds, so that it has corners to align at all."""
    grey = np.clip(channels[..., 0], 0, 255).astype(np.uint8)
    for threshold in FAST_THRESHOLDS:
        found = extract(grey, MAX_POINTS, threshold)
        if len(found) >= ENOUGH_POINTS:
            break
    return found


def _compare(reference: PhotoPrint, query: Picture, mirrored: bool, found: Alignment) -> Verification:
    """Warp the avatar into the enrolled photo's frame; compare the patches at the photo's keypoints and
    the steps of the layout."""
    side = query.sides[mirrored]
    width, height = reference.features.size
    back = cv2.invertAffineTransform(found.transform)
    # At half size both ways: x_small = (x - 0.5) / 2 in the photo's frame, x = 2 x_small + 0.5 in the avatar's.
    half = back.copy()
    half[:, 2] = (back[:, :2].sum(axis=1) * 0.5 + back[:, 2] - 0.5) / 2
    size = ((width + 1) // 2, (height + 1) // 2)
    warped = cv2.warpAffine(side.small, half, size, flags=cv2.INTER_LINEAR)
    valid = cv2.warpAffine(side.small_content, half, size, flags=cv2.INTER_LINEAR)
    means, ok = _cells(warped, valid, GRID)
    repeated, compared = _steps(means[..., 0], ok, reference, 0, strict=True)
    agreement = repeated / compared if compared else 0.0
    if not COMPARE_ALL and (agreement < min(LUMA_AGREEMENT, ONE_HUE_AGREEMENT) or compared < MIN_COMPARED):
        return _unverified(reference, mirrored, found, agreement, compared)  # the costlier checks cannot save it
    inside = (cv2.erode(valid, _INSIDE) > 0.99).astype(np.float32)  # past the blend into what was laid on it
    fit = _colour_fit(reference.cells, *_cells(warped * inside[..., None], inside, COLOUR_GRID, COLOUR_COVER))
    if not COMPARE_ALL and fit is not None and fit < COLOUR_FIT:
        return _unverified(reference, mirrored, found, agreement, compared, fit)
    luma = cv2.warpAffine(side.luma, back, (width, height), flags=cv2.INTER_LINEAR)
    shown = cv2.warpAffine(side.content, back, (width, height), flags=cv2.INTER_NEAREST)
    patches, _ = _patches(reference.features, luma, shown)
    chroma = [_steps(means[..., c], ok, reference, c, strict=False) for c in (1, 2)]
    chroma_n = sum(n for _, n in chroma)
    chroma_agreement = None
    if not query.grey and chroma_n >= MIN_CHROMA_COMPARED:
        chroma_agreement = sum(a for a, _ in chroma) / chroma_n
    return Verification(
        inliers=found.inliers,
        reference_points=len(reference.features),
        patches=patches,
        agreement=agreement,
        compared=compared,
        chroma_agreement=chroma_agreement,
        colour_fit=fit,
        mirrored=mirrored,
        scale=found.scale,
        angle=found.angle,
    )


def _unverified(
    reference: PhotoPrint,
    mirrored: bool,
    found: Alignment,
    agreement: float,
    compared: int,
    fit: float | None = None,
) -> Verification:
    """A candidate that failed a check before the others ran: what was measured, the rest zero."""
    features, scale, angle = len(reference.features), found.scale, found.angle
    return Verification(found.inliers, features, 0.0, agreement, compared, None, fit, mirrored, scale, angle)


def _patches(features: Features, luma: np.ndarray, valid: np.ndarray) -> tuple[float, int]:
    """Of the photo's keypoints the aligned avatar shows, the share whose patch it repeats (and how many)."""
    width, height = features.size
    described, ok = describe_at(np.clip(luma, 0, 255).astype(np.uint8), features)
    margin = np.ones((2 * PATCH_MARGIN + 1, 2 * PATCH_MARGIN + 1), np.uint8)
    shown = cv2.erode(valid, margin) > 0.5
    at = np.clip(np.rint(features.points).astype(np.int64), 0, [width - 1, height - 1])
    ok &= shown[at[:, 1], at[:, 0]]
    if not ok.any():
        return 0.0, 0
    bits = np.bitwise_count(described[ok] ^ features.descriptors[ok]).sum(axis=1)
    return float((bits <= PATCH_DISTANCE).mean()), int(ok.sum())


def _steps(means: np.ndarray, ok: np.ndarray, reference: PhotoPrint, c: int, *, strict: bool) -> tuple[int, int]:
    """How many of the photo's clear steps in channel ``c`` the aligned avatar repeats, of how many it covers.

    ``means``: the avatar's cells in that channel. ``strict``: a step must be repeated by a step of the
    avatar's own (at least FLAT) of the same sign; otherwise only the avatar's steps are compared, and
    the sign is all that counts.
    """
    signs, steps, covered = _layout(means, ok, FLAT)
    same = signs == reference.signs[c]
    compare = reference.clear[c] & covered
    if not strict:
        compare &= steps
    return int((same & steps & compare).sum()), int(compare.sum())


def _cells(
    weighted: np.ndarray, valid: np.ndarray, grid: int, cover: float = MIN_VALID
) -> tuple[np.ndarray, np.ndarray]:
    """The mean of each channel over each cell of a grid×grid grid, where ``valid``; and which cells
    it covers (``cover`` of them, at least). ``weighted``: the channels already times ``valid``."""
    cells = cv2.resize(weighted, (grid, grid), interpolation=cv2.INTER_AREA)
    covered = cv2.resize(valid, (grid, grid), interpolation=cv2.INTER_AREA)
    return cells / np.maximum(covered, 1e-6)[..., None], covered >= cover


def _colour_fit(reference: np.ndarray | None, means: np.ndarray, ok: np.ndarray) -> float | None:
    """Of the cells the avatar covers, the share whose colour one affine colour map (fitted to the
    cells it explains best, so that a sticker or a caption does not bend it) takes from the photo's to
    the avatar's within COLOUR_RESIDUAL. None for a print without cell colours."""
    if reference is None:
        return None
    shown = ok.ravel()
    if shown.sum() < MIN_CELLS:
        return 0.0
    source = reference.reshape(-1, 3)[shown].astype(np.float64) - _CHROMA_OFFSET
    target = means.reshape(-1, 3)[shown].astype(np.float64)
    source = np.hstack([source, np.ones((len(source), 1))])
    keep = np.ones(len(source), bool)
    kth = int(COLOUR_TRIM * (len(source) - 1))  # np.quantile's order statistic: the same cells kept
    for _ in range(3):
        colour_map = _least_squares(source[keep], target[keep])
        residual = np.linalg.norm(source @ colour_map - target, axis=1)
        keep = residual <= np.partition(residual, kth)[kth]
    return float((residual <= COLOUR_RESIDUAL).mean())


def _least_squares(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The affine colour map (4×3) fitting source to target: the normal equations, a 4×4 system (a
    general solver costs several times more, and a photo verifies dozens of candidates). A grey or
    one-hued photo makes them singular: a ridge of a billionth of their size keeps them solvable and
    moves no fitted colour by a visible amount."""
    gram = source.T @ source
    gram[np.diag_indices_from(gram)] += 1e-9 * np.trace(gram)
    return np.linalg.solve(gram, source.T @ target)


def _layout(means: np.ndarray, ok: np.ndarray, clear_step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signs of the steps between neighbouring cells, which are at least ``clear_step``, and which are covered."""
    across, down = np.diff(means, axis=1), np.diff(means, axis=0)
    signs = np.concatenate([(across > 0).ravel(), (down > 0).ravel()])
    clear = np.concatenate([(np.abs(across) >= clear_step).ravel(), (np.abs(down) >= clear_step).ravel()])
    both = np.concatenate([(ok[:, 1:] & ok[:, :-1]).ravel(), (ok[1:] & ok[:-1]).ravel()])
    return signs, clear & both, both
