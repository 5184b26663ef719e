"""Is this avatar a copy of that enrolled photo? The verification behind a photo-only finding.

A hash index finds the few enrolled photos an avatar resembles; most are portraits posed alike, so
resemblance is not enough evidence on its own once the roster is large. Verification asks two
questions a look-alike fails:

1. **Geometry.** Do tens of ORB keypoints of the enrolled photo land on keypoints of the avatar
   under one similarity transform (``keypoints.align``), directly or mirrored?
2. **Layout.** Brought into the enrolled photo's frame by that transform, does the avatar have the
   same light-and-dark and colour layout? Each photo keeps only the *signs* of the steps between
   neighbouring cells of a 24×24 grid, in brightness and in the two chroma channels, where the step
   is clear. A copy repeats nearly all of them (tone, tint, grey and JPEG keep the order of
   brightness; a tint keeps the order of colours), a different person with the same pose or a
   shared background far fewer. A grey (or sepia) copy is judged on brightness alone.
3. **Spread.** A copy's keypoints agree all over the photo; a look-alike's only where the two share
   a detail (drawn eyes, a backdrop, a logo on a shirt).

What is kept of an enrolled photo (``PhotoPrint``) is derived: keypoint positions with binary
descriptors, and step signs. The photo itself is never kept.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

import cv2
import numpy as np

from watcher.matching.decode import open_picture
from watcher.matching.keypoints import MIN_SIDE, Alignment, Features, align, extract

MAX_TURN = 30.0  # degrees: copies are turned by up to 15°; a portrait upside down is a chance alignment
SIDE = 320  # pictures are analysed at most this size: enough corners, a few ms each
MAX_POINTS = 400
GRID = 24
STEP = (6.0, 4.0, 4.0)  # brightness, Cb, Cr: a step between cells smaller than this has no reliable sign
FLAT = 1.5  # a step this small in the avatar is a flat fill (a round mask's corners): nothing to compare
FILL_TOLERANCE = 4  # grey levels: a fill around the picture (mask corners, border, ring) is this uniform
MIN_VALID = 0.8  # share of a cell the warped avatar must cover for the cell to count
SPREAD_GRID = 6  # cells across: a look-alike sharing only a face or a backdrop agrees in a few of them
GREY_CHROMA = 3.0  # chroma (0–255 scale) not explained by the brightness: below it a picture is one-hued
_STEPS = 2 * GRID * (GRID - 1)
_FORMAT = b"PP2"

# Verified, from bench/calibrate_images.py (calibration part): see the README's matching section.
MIN_INLIERS = 12
MIN_INLIERS_PLAIN = 6  # a plain photo (few corners: a wall, a blurry face) needs 40% of its keypoints, at least this
MIN_COMPARED = 40  # clear brightness steps the avatar covers
LUMA_AGREEMENT = 0.86
ONE_HUE_AGREEMENT = 0.95  # a grey or sepia copy has no colour to check: its brightness layout must be near perfect
CHROMA_AGREEMENT = 0.85
MIN_CHROMA_COMPARED = 40
MIN_SPREAD = 0.6  # look-alikes drawn on one template agree only where they share a detail (eyes, a backdrop)


@dataclass(frozen=True)
class PhotoPrint:
    """What verification needs of an enrolled photo: its keypoints, and its step signs per channel."""

    features: Features
    signs: np.ndarray  # bool 3×_STEPS: brightness, Cb, Cr steps, across then down: brighter (more) to the right/below
    clear: np.ndarray  # bool 3×_STEPS: the step is clear enough to compare

    def to_bytes(self) -> bytes:
        layout = np.packbits(np.concatenate([self.signs.ravel(), self.clear.ravel()])).tobytes()
        return _FORMAT + struct.pack("<I", len(layout)) + layout + self.features.to_bytes()

    @classmethod
    def from_bytes(cls, blob: bytes) -> PhotoPrint:
        if blob[:3] != _FORMAT:
            raise ValueError("not a photo print")
        (size,) = struct.unpack("<I", blob[3:7])
        bits = np.unpackbits(np.frombuffer(blob[7 : 7 + size], dtype=np.uint8)).astype(bool)
        n = 3 * _STEPS
        signs, clear = bits[:n].reshape(3, _STEPS), bits[n : 2 * n].reshape(3, _STEPS)
        return cls(Features.from_bytes(blob[7 + size :]), signs, clear)


@dataclass(frozen=True)
class Picture:
    """An avatar prepared for verification: its channels at SIDE, and its keypoints as is and mirrored."""

    channels: np.ndarray  # float32 h×w×3: brightness, Cb, Cr
    content: np.ndarray  # float32 h×w: 1 where the avatar shows a picture, 0 on a fill around it (mask, border)
    grey: bool
    features: Features
    mirrored: Features


@dataclass(frozen=True)
class Verification:
    inliers: int  # keypoints agreeing with one transform
    reference_points: int  # keypoints of the enrolled photo: a plain photo has few, and needs fewer to agree
    agreement: float  # share of the enrolled photo's clear brightness steps the aligned avatar repeats (0–1)
    compared: int  # how many could be compared (the avatar covers only part of a cropped photo)
    chroma_agreement: float | None  # the same for colour; None when either picture is grey
    spread: float  # share of the photo's textured places (that the avatar covers) where keypoints agree
    mirrored: bool
    scale: float
    angle: float

    @property
    def needed(self) -> int:
        """Inliers a copy of this photo must show: MIN_INLIERS, or 40% of a plain photo's few keypoints."""
        return min(MIN_INLIERS, max(MIN_INLIERS_PLAIN, math.ceil(0.4 * self.reference_points)))

    @property
    def verified(self) -> bool:
        """A copy of the enrolled photo: enough keypoints agree, and the layout agrees in brightness and colour."""
        if self.chroma_agreement is None:
            colour_ok, luma = True, ONE_HUE_AGREEMENT
        else:
            colour_ok, luma = self.chroma_agreement >= CHROMA_AGREEMENT, LUMA_AGREEMENT
        return (
            self.inliers >= self.needed
            and self.compared >= MIN_COMPARED
            and self.agreement >= luma
            and self.spread >= MIN_SPREAD
            and colour_ok
        )


def photo_print(data: bytes, max_pixels: int) -> PhotoPrint:
    """The derived record of an enrolled photo (``ImageError`` if unreadable)."""
    channels = _channels(data, max_pixels)
    signs, clear = [], []
    full = np.ones(channels.shape[:2], dtype=np.float32)
    for c in range(3):
        s, k, _ = _layout(channels[..., c], full, STEP[c])
        signs.append(s)
        clear.append(k)
    return PhotoPrint(_features(channels), np.stack(signs), np.stack(clear))


def picture(data: bytes, max_pixels: int) -> Picture:
    """An avatar's channels and keypoints, both ways round (``ImageError`` if unreadable)."""
    channels = _channels(data, max_pixels)
    grey = _one_hue(channels)
    mirrored = np.ascontiguousarray(channels[:, ::-1])
    return Picture(channels, _content(channels[..., 0]), grey, _features(channels), _features(mirrored))


def verify(reference: PhotoPrint, query: Picture) -> Verification | None:
    """The best agreement of the avatar (as is or mirrored) with an enrolled photo, or None."""
    best: Verification | None = None
    for mirrored, features in ((False, query.features), (True, query.mirrored)):
        found = align(reference.features, features, min_scale=0.2, max_scale=6.0, max_turn=MAX_TURN)
        if found is None:
            continue
        result = _compare(reference, query, mirrored, found)
        if best is None or (result.verified, result.agreement, result.inliers) > (
            best.verified,
            best.agreement,
            best.inliers,
        ):
            best = result
    return best


def _channels(data: bytes, max_pixels: int) -> np.ndarray:
    """Brightness (0–255), Cb and Cr of a picture at SIDE, a small one enlarged to MIN_SIDE."""
    rgb = np.asarray(open_picture(data, max_pixels, SIDE), dtype=np.float32)
    height, width = rgb.shape[:2]
    if min(width, height) < MIN_SIDE:
        scale = MIN_SIDE / min(width, height)
        rgb = cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_CUBIC)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b
    return np.stack([luma, cb, cr], axis=-1).astype(np.float32)


def _one_hue(channels: np.ndarray) -> bool:
    """Grey, sepia or duotone: the colour follows the brightness, so it says nothing of its own.

    The chroma is predicted from the brightness alone (its mean in each of 32 brightness levels);
    what that leaves is the picture's own colour. A tint keeps most of it (a blend scales it), sepia
    and grey keep none.
    """
    levels = np.clip(channels[..., 0].ravel()[::3] / 8, 0, 31).astype(np.int64)
    counts = np.maximum(np.bincount(levels, minlength=32), 1)
    left = 0.0
    for c in (1, 2):
        chroma = channels[..., c].ravel()[::3].astype(np.float64)
        expected = np.bincount(levels, weights=chroma, minlength=32) / counts
        left += float(np.abs(chroma - expected[levels]).mean())
    return left < GREY_CHROMA


def _content(luma: np.ndarray) -> np.ndarray:
    """Where the avatar shows a picture: everything but a uniform fill around it (a round mask, a border,
    an avatar frame's ring), which shows the same colour in all four corners. What a fill hides cannot be
    compared; a photo's own corners differ, and are all kept."""
    grey = np.clip(luma, 0, 255).astype(np.uint8)
    height, width = grey.shape
    corners = ((0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1))
    values = [int(grey[y, x]) for x, y in corners]
    if max(values) - min(values) > FILL_TOLERANCE:
        return np.ones(grey.shape, np.float32)
    filled = np.zeros((height + 2, width + 2), np.uint8)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
    for x, y in corners:
        if not filled[y + 1, x + 1]:
            cv2.floodFill(grey, filled, (x, y), 0, FILL_TOLERANCE, FILL_TOLERANCE, flags)
    return (filled[1:-1, 1:-1] == 0).astype(np.float32)


def _features(channels: np.ndarray) -> Features:
    return extract(np.clip(channels[..., 0], 0, 255).astype(np.uint8), MAX_POINTS)


def _compare(reference: PhotoPrint, query: Picture, mirrored: bool, found: Alignment) -> Verification:
    """Warp the avatar into the enrolled photo's frame and compare the signs of the clear steps."""
    channels = np.ascontiguousarray(query.channels[:, ::-1]) if mirrored else query.channels
    content = np.ascontiguousarray(query.content[:, ::-1]) if mirrored else query.content
    features = query.mirrored if mirrored else query.features
    width, height = reference.features.size
    back = cv2.invertAffineTransform(found.transform)
    warped = cv2.warpAffine(channels, back, (width, height), flags=cv2.INTER_AREA)
    valid = cv2.warpAffine(content, back, (width, height), flags=cv2.INTER_NEAREST)
    agreements = []
    for c in range(3):
        signs, steps, covered = _layout(warped[..., c], valid, FLAT)
        compare = reference.clear[c] & covered & steps
        n = int(compare.sum())
        agreements.append((float((signs[compare] == reference.signs[c][compare]).mean()) if n else 0.0, n))
    (luma, compared), chroma = agreements[0], agreements[1:]
    chroma_n = sum(n for _, n in chroma)
    chroma_agreement = None
    if not query.grey and chroma_n >= MIN_CHROMA_COMPARED:
        chroma_agreement = sum(a * n for a, n in chroma) / chroma_n
    spread = _spread(reference.features, features, found, back)
    return Verification(
        found.inliers,
        len(reference.features),
        luma,
        compared,
        chroma_agreement,
        spread,
        mirrored,
        found.scale,
        found.angle,
    )


def _spread(reference: Features, query: Features, found: Alignment, back: np.ndarray) -> float:
    """Of the SPREAD_GRID² cells of the photo where both pictures have keypoints, the share holding an
    agreeing one. A copy agrees all over; a look-alike only where the two share a detail. (Where the
    avatar has no keypoints, under a round mask's fill or outside a crop, there is nothing to agree.)"""
    width, height = reference.size
    query_points = query.points @ back[:, :2].T + back[:, 2] if len(query) else query.points
    marks = []
    for points in (reference.points, query_points, found.inlier_points):
        cells = np.zeros((SPREAD_GRID, SPREAD_GRID), dtype=bool)
        inside = (points[:, 0] >= 0) & (points[:, 0] < width) & (points[:, 1] >= 0) & (points[:, 1] < height)
        points = points[inside]
        cells[(points[:, 1] / height * SPREAD_GRID).astype(int), (points[:, 0] / width * SPREAD_GRID).astype(int)] = (
            True
        )
        marks.append(cells)
    both = marks[0] & marks[1]
    return float((marks[2] & both).sum() / both.sum()) if both.any() else 0.0


def _layout(channel: np.ndarray, valid: np.ndarray, clear_step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signs of the steps between neighbouring cells, which are at least ``clear_step``, and which are covered."""
    cells = cv2.resize(channel * valid, (GRID, GRID), interpolation=cv2.INTER_AREA)
    covered = cv2.resize(valid, (GRID, GRID), interpolation=cv2.INTER_AREA)
    means = cells / np.maximum(covered, 1e-6)
    ok = covered >= MIN_VALID
    across, down = np.diff(means, axis=1), np.diff(means, axis=0)
    signs = np.concatenate([(across > 0).ravel(), (down > 0).ravel()])
    clear = np.concatenate([(np.abs(across) >= clear_step).ravel(), (np.abs(down) >= clear_step).ravel()])
    both = np.concatenate([(ok[:, 1:] & ok[:, :-1]).ravel(), (ok[1:] & ok[:-1]).ravel()])
    return signs, clear & both, both
