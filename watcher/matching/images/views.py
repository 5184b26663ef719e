"""Views of a picture: the gallery of an enrolled photo or logo, and the clean-up views of an avatar.

A reference (an enrolled photo or logo) is stored as a gallery of *views*: the picture and its
mirror, each whole, round-masked, turned by up to ±12°, with a caption band painted over, and
cropped to 90% (at 9 positions), 80% and 70% (at 25; the mirror image at 80% only). An avatar is
hashed as a few clean-up views: as it is, round-masked, without uniform borders, with a caption bar
painted over or cut off, and without its colour when that is a filter's (sepia, duotone). A match
is the closest pair of views (``HashIndex``), judged on ``view_distance``. Each view is rendered at
RENDER×RENDER and hashed (``hashing``); where it was cut from is known too (``view_geometry``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps

from watcher.matching.images.decode import DecodedImage, open_picture
from watcher.matching.images.hashing import hash_stack, one_hue
from watcher.models import ImageHashes

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
BORDER_TOLERANCE = 24  # a border or caption bar: pixels within this of one colour (JPEG blurs edges)
CAPTION_COVER = 0.22  # a caption bar up to this share of the height is painted over in both pictures
FRAMED = (0.8, 0.88)  # an avatar frame's ring leaves the photo this share of the width (avatar makers: 78–88%)


@dataclass(frozen=True)
class _Frame:
    """Where a view is cut from the working picture: a box in fractions, a turn, a round mask."""

    name: str
    box: tuple[float, float, float, float]
    angle: float = 0.0
    circle: bool = False
    mirror: bool = False
    cover_bottom: float = 0.0  # share of the height painted over (where a caption bar would be)


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
    phash, dhash, color = hash_stack(_render(image, frames))
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


_yy, _xx = np.mgrid[0:RENDER, 0:RENDER]
_CIRCLE = (_xx - (RENDER - 1) / 2) ** 2 + (_yy - (RENDER - 1) / 2) ** 2 <= (RENDER / 2) ** 2
_CIRCLE_MEAN = _CIRCLE.ravel() / _CIRCLE.sum()  # the mean colour inside the circle, as one product
del _yy, _xx
