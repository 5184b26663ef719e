"""What verification compares: an enrolled photo's print (``PhotoPrint``) and an avatar prepared (``Picture``).

What was laid around or over the photo is left out of the comparisons: a uniform fill around it
(a round mask, a border, an avatar frame's ring), a frame's ribbon, a caption bar.

What is kept of an enrolled photo (``PhotoPrint``) is derived: keypoint positions, orientations and
binary descriptors, step signs, and the mean colour of each cell of an 8×8 grid (a colour layout
far too coarse to show a face). The photo itself is never kept.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from watcher.errors import InputError
from watcher.matching.images.decode import DecodedImage
from watcher.matching.images.hashing import one_hue_ycc, ycc
from watcher.matching.images.keypoints import MIN_SIDE, Features, extract
from watcher.matching.images.views import query_geometry

SIDE = 320  # pictures are analysed at most this size: enough corners, a few ms each
MAX_POINTS = 400
FAST_THRESHOLDS = (12, 6, 3)  # grey levels around a corner, tried in turn until ENOUGH_POINTS are found
ENOUGH_POINTS = 200  # a blurry face or a low-contrast texture has few corners at the first threshold
GRID = 24
STEP = (6.0, 4.0, 4.0)  # brightness, Cb, Cr: a step between cells smaller than this has no reliable sign
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
CHROMA_OFFSET = np.float32([0, 128, 128])  # cells are stored as bytes: Cb and Cr moved to 0–255
_FLOOD = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
_FORMAT = b"PP4"
_NO_CELLS = b"PP3"  # before cell colours were kept: still verified, without the colour check
# PP2 (before keypoint orientations were kept) is refused: the photo must be enrolled again
COLOUR_GRID = 8  # cells a side of the colour layout kept (as MPEG-7's colour layout descriptor): no face shows


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
    views: Mapping[str, np.ndarray]  # where each of its hash views is cut from it (``views.query_geometry``)
    quarter: tuple[np.ndarray, np.ndarray]  # the as-is side at a quarter of the size (``Side.quartered``)

    @property
    def content(self) -> np.ndarray:
        """float32 h×w: 1 where the avatar shows a picture, 0 where something was laid on it."""
        return self.sides[0].content


def photo_print(data: bytes | DecodedImage, max_pixels: int) -> PhotoPrint:
    """The derived record of an enrolled photo (``ImageError`` if unreadable; an image decoded already
    is drawn from its decode)."""
    channels = _channels(data if isinstance(data, DecodedImage) else DecodedImage(data, max_pixels))
    full = np.ones(channels.shape[:2], dtype=np.float32)
    means, ok = cell_means(channels, full, GRID)
    signs, clear = [], []
    for c in range(3):
        s, k, _ = step_layout(means[..., c], ok, STEP[c])
        signs.append(s)
        clear.append(k)
    colours, _ = cell_means(channels, full, COLOUR_GRID)
    cells = np.clip(np.rint(colours + CHROMA_OFFSET), 0, 255).astype(np.uint8)
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
    colour = np.clip(channels + CHROMA_OFFSET, 0, 255).astype(np.uint8)
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


def cell_means(
    weighted: np.ndarray, valid: np.ndarray, grid: int, cover: float = MIN_VALID
) -> tuple[np.ndarray, np.ndarray]:
    """The mean of each channel over each cell of a grid×grid grid, where ``valid``; and which cells
    it covers (``cover`` of them, at least). ``weighted``: the channels already times ``valid``."""
    cells = cv2.resize(weighted, (grid, grid), interpolation=cv2.INTER_AREA)
    covered = cv2.resize(valid, (grid, grid), interpolation=cv2.INTER_AREA)
    return cells / np.maximum(covered, 1e-6)[..., None], covered >= cover


def step_layout(means: np.ndarray, ok: np.ndarray, clear_step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signs of the steps between neighbouring cells, which are at least ``clear_step``, and which are covered."""
    across, down = np.diff(means, axis=1), np.diff(means, axis=0)
    signs = np.concatenate([(across > 0).ravel(), (down > 0).ravel()])
    clear = np.concatenate([(np.abs(across) >= clear_step).ravel(), (np.abs(down) >= clear_step).ravel()])
    both = np.concatenate([(ok[:, 1:] & ok[:, :-1]).ravel(), (ok[1:] & ok[:-1]).ravel()])
    return signs, clear & both, both
