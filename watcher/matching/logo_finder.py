"""Finding a known logo inside a picture: whole, recoloured, grey, small, or placed anywhere on something else.

Whole-picture hashes only see a logo that *is* the picture, and confuse logos on one template. A fan
page or an impostor often puts the district's logo in a corner of a photo, on a banner, or recoloured. Here a
logo is found the classic way: ORB keypoints of the picture are matched (Hamming distance, ratio
test) with the logo's keypoints, RANSAC fits one similarity transform (scale, turn, shift), and the
region it points at is warped back onto the logo's own frame (the alignment refined there on the
edges with ECC) and *compared with the logo*: edge directions (where colours change, whatever the
colours) must agree in every one of 8×8 cells. Keypoints alone cannot tell a district's seal from
another institution's on the same template (the same ring and star, other lettering), nor from a
flag with the same stars; the aligned comparison can. A caption bar or a round crop may hide a
little of the logo (never more than a quarter of its edges), a sticker one corner of an avatar.

A logo is enrolled (``enrol_logo``) as a ``LogoModel``: keypoints found on the logo drawn at two
sizes and in colour variants (channel orders, grey, inverted), kept only when they survive the
edits a copy goes through (a training pass on edited copies made at enrolment), and a small copy
of the logo (~192×192) with its own area: the logo is the district's artwork, not personal data.

The whole-avatar case is handled here too: by keypoints, and for logos with few keypoints by
taking the picture without its uniform borders as the logo ("whole"). This module is the only way
logos are looked for.

Everything is deterministic: OpenCV's RANSAC seeds its own generator on every call, and no thread
count is changed here.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from watcher.matching.decode import open_picture
from watcher.matching.keypoints import Features, extract

QUERY_SIDE = 512  # a picture is analysed at about QUERY_SIDE² pixels: a logo at 15% of the width keeps ~75 px
QUERY_POINTS = 1000  # ORB keypoints per picture (7–8 ms at 400–512 px on this machine)
CANON_AREA = 192 * 192  # the logo's own frame: about this many pixels, whatever its shape
CANON_MAX = 256  # longest side of that frame (a 3:1 wordmark is 256×85)
PAPER = 225  # a margin lighter than this in every channel is paper, not part of the design
FRAME_MARGIN = 0.04  # the frame has this much of the logo's surroundings around it: its outline is an edge too
REFERENCE_SIDES = (384, 128)  # the logo is drawn at these longest sides for its keypoints (ORB adds 8 levels each)
REFERENCE_POINTS = 300  # keypoints per drawing and colour variant, before training
MODEL_POINTS = 300  # keypoints kept after training: the ones that survived the most edited copies
RATIO = 0.8  # Lowe's ratio test
MAX_HAMMING = 80  # of 256 bits: a best match farther than this is noise whatever the ratio
REPROJECTION = 3.0  # query pixels within which a keypoint agrees with the transform
MIN_INLIERS = 7
MAX_TURN = 25.0  # degrees: copies are turned by up to 10°
THUMB = 24  # the whole-picture check first compares 24×24 edge maps (microseconds) and goes on only when alike
WHOLE_GLANCE = 0.5  # a copy's thumbnail correlates ≥ 0.7 with the logo's; portraits and photos mostly < 0.4
MIN_LOGO_SIDE = 18  # query pixels: a logo smaller than this cannot be verified
EDGE_SATURATION = 48.0  # gradient (0–255 scale) at which an edge counts fully: contrast changes matter less
EDGE_BLUR = 1.0  # canonical pixels: tolerance for the alignment's error
GRID = 8  # the logo's frame is compared in GRID×GRID cells
CORNER = 2  # cells: a block this size (a quarter of each side) at one corner may disagree (a sticker)
MAX_HIDDEN = 0.25  # share of the logo's edges a caption bar or round crop may hide (seals: 10–20%)
STICKER_REACH = 0.15  # ... when that corner of the logo is this close (share of the side) to a corner of the picture
CELL_DENSITY = 0.05  # 0..1: a cell with fewer edges than this is trusted in proportion (lettering: 0.13–0.3)
CAPTION_MIN, CAPTION_MAX = 0.06, 0.3  # a caption bar's share of the picture's height
# Thresholds on the verification score, by method and by the logo's size in the analysed picture
# (below SMALL_SIDE² pixels its lettering is a blur, other institutions' logos on the same template
# look alike, and a small copy must also keep the logo's colours): from bench/calibrate_logos.py,
# fitted on calibration designs (seeds 0–999) only.
SMALL_SIDE = 100
REFINED_ENOUGH = 0.92  # a candidate scoring this much is not refined further
ECC_STEPS = 40  # iterations of the edge alignment (2–5 ms on a 192×192 frame; candidates only)
COLOUR_TOLERANCE = 48  # a pixel keeps the logo's colour within this (0–255, any channel): JPEG and blur
# Measured (bench/calibrate_logos.py, 45 calibration logos): highest distractor 0.762 small / 0.730 large
# (other star emblems on the same template, other initials), 0.758 / 0.727 whole; + 0.05.
THRESHOLDS = {"keypoints:small": 0.81, "keypoints:large": 0.78, "whole:small": 0.81, "whole:large": 0.78}

_FORMAT = b"LGM1"


@dataclass(frozen=True)
class LogoHit:
    """Where a logo was found: ``box`` (x0, y0, x1, y1) in fractions of the picture; ``how``: "keypoints" or "whole"."""

    score: float
    inliers: int
    box: tuple[float, float, float, float]
    how: str


@dataclass(frozen=True)
class LogoModel:
    """An enrolled logo: keypoints in its own frame (``size`` = width, height), and a small copy of it and its
    own area there, for the aligned comparison. ``to_bytes``/``from_bytes`` store it (~20–40 kB)."""

    size: tuple[int, int]
    inner: tuple[int, int, int, int]  # the logo's own box in its frame (the frame has a margin around it)
    points: np.ndarray  # n×2 float32, in the logo's frame
    descriptors: np.ndarray  # n×32 uint8
    image: np.ndarray  # h×w×3 uint8: the logo in its frame (on white where it is transparent)
    mask: np.ndarray  # h×w bool: the logo's own pixels (not its transparent surroundings)

    @cached_property
    def thumb(self) -> np.ndarray:
        """The logo's own box as a tiny edge map, for the whole-picture check's first look."""
        x0, y0, x1, y1 = self.inner
        return _thumb_edges(self.image[y0:y1, x0:x1])

    @cached_property
    def edges(self) -> np.ndarray:
        """The logo's edge vectors in its frame, at full resolution (see ``_edge_map``)."""
        return _edge_map(self.image)

    def to_bytes(self) -> bytes:
        w, h = self.size
        n = len(self.points)
        header = _FORMAT + struct.pack("<HHHHHHI", w, h, *self.inner, n)
        body = (
            np.ascontiguousarray(self.points, dtype="<f4").tobytes()
            + np.ascontiguousarray(self.descriptors, dtype=np.uint8).tobytes()
            + np.ascontiguousarray(self.image, dtype=np.uint8).tobytes()
            + np.packbits(self.mask.astype(bool)).tobytes()
        )
        return header + zlib.compress(body, 6)

    @classmethod
    def from_bytes(cls, blob: bytes) -> LogoModel:
        if blob[:4] != _FORMAT or len(blob) < 20:
            raise ValueError("not a logo model")
        w, h, x0, y0, x1, y1, n = struct.unpack("<HHHHHHI", blob[4:20])
        try:
            body = zlib.decompress(blob[20:])
        except zlib.error:
            raise ValueError("truncated logo model") from None
        sizes = [8 * n, 32 * n, 3 * w * h, (w * h + 7) // 8]
        if len(body) != sum(sizes):
            raise ValueError("truncated logo model")
        parts, at = [], 0
        for size in sizes:
            parts.append(body[at : at + size])
            at += size
        points = np.frombuffer(parts[0], dtype="<f4").reshape(n, 2).astype(np.float32)
        descriptors = np.frombuffer(parts[1], dtype=np.uint8).reshape(n, 32).copy()
        image = np.frombuffer(parts[2], dtype=np.uint8).reshape(h, w, 3).copy()
        mask = np.unpackbits(np.frombuffer(parts[3], dtype=np.uint8))[: w * h].reshape(h, w).astype(bool)
        return cls((w, h), (x0, y0, x1, y1), points, descriptors, image, mask)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LogoModel):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())


@dataclass(frozen=True)
class PictureFeatures:
    """One picture, analysed once and searched for any number of logos."""

    features: Features
    rgb: np.ndarray  # h×w×3 uint8: the analysed picture, for the aligned comparison
    columns: np.ndarray  # 4×n uint64: the descriptors laid out for a fast Hamming scan
    content: tuple[int, int, int, int] | None  # the picture without uniform borders (x0, y0, x1, y1), pixels

    @cached_property
    def valid(self) -> np.ndarray:
        """h×w uint8: 255 where the picture shows what it copies, 0 on a caption bar or outside a round mask.

        Only a picture with a candidate needs it, so it is made on first use."""
        return _valid_mask(self.rgb)

    @cached_property
    def content_edges(self) -> np.ndarray | None:
        """A tiny edge map of the picture without its borders: a cheap first look before the whole-picture check."""
        if self.content is None:
            return None
        x0, y0, x1, y1 = self.content
        return _thumb_edges(self.rgb[y0:y1, x0:x1])


# ---------------------------------------------------------------- enrolment


def enrol_logo(data: bytes, max_pixels: int) -> LogoModel:
    """A logo file to a ``LogoModel``: trimmed to its own pixels, keypoints trained on edited copies of it."""
    # Transparency kept: a logo's own margin is told apart from its drawing.
    rgba, fill = _trim(open_picture(data, max_pixels, 1024, keep_alpha=True, resample=Image.Resampling.LANCZOS))
    w, h = rgba.size
    pad = max(2, round(FRAME_MARGIN * max(w, h)))
    flat = Image.new("RGB", (w + 2 * pad, h + 2 * pad), fill)
    flat.paste(_flatten(rgba, fill), (pad, pad))
    own = Image.new("L", flat.size, 0)
    own.paste(rgba.getchannel("A"), (pad, pad))
    fw, fh = flat.size
    scale = min(np.sqrt(CANON_AREA / (fw * fh)), CANON_MAX / max(fw, fh))
    size = (max(8, round(fw * scale)), max(8, round(fh * scale)))
    canon = np.asarray(flat.resize(size, Image.Resampling.LANCZOS))
    alpha = np.asarray(own.resize(size, Image.Resampling.BILINEAR))
    mask = cv2.dilate((alpha > 32).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    inner = (round(pad * scale), round(pad * scale), round((pad + w) * scale), round((pad + h) * scale))
    points, descriptors = _reference_keypoints(flat, size)
    model = LogoModel(size, inner, points, descriptors, np.ascontiguousarray(canon), mask)
    return _trained(model, flat)


def _trim(rgba: Image.Image) -> tuple[Image.Image, tuple[int, int, int]]:
    """The logo without its transparent or white margins (a copy is found by its drawing, not its margin),
    and the colour around it (white when it was transparent)."""
    arr = np.asarray(rgba)
    alpha = arr[..., 3]
    fill = (255, 255, 255)
    if (alpha < 250).mean() > 0.01:
        keep = alpha > 16
    else:
        rgb = arr[..., :3].astype(np.int16)
        border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
        colour = np.median(border, axis=0)
        if colour.min() < PAPER or (np.abs(border - colour).max(axis=1) > 24).mean() > 0.05:
            return rgba, fill  # a coloured or busy background is part of the design: keep it all
        keep = np.abs(rgb - colour).max(axis=2) > 24
        fill = (int(colour[0]), int(colour[1]), int(colour[2]))
    ys, xs = np.nonzero(keep)
    if len(xs) < 16:
        return rgba, fill
    return rgba.crop((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)), fill


def _flatten(rgba: Image.Image, fill: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    base = Image.new("RGBA", rgba.size, (*fill, 255))
    return Image.alpha_composite(base, rgba).convert("RGB")


def _variants(rgb: np.ndarray) -> list[np.ndarray]:
    """Grey pictures of the logo as a copy may show it: luminance, inverted, and luminance of other channel orders."""
    out = []
    for order in ((0, 1, 2), (2, 1, 0), (1, 0, 2), (0, 2, 1), (1, 2, 0), (2, 0, 1)):
        out.append(cv2.cvtColor(np.ascontiguousarray(rgb[..., list(order)]), cv2.COLOR_RGB2GRAY))
    out.insert(1, 255 - out[0])
    return out


def _reference_keypoints(flat: Image.Image, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Keypoints of the logo drawn at each reference size and colour variant, in the logo's frame."""
    points, descriptors = [], []
    w, h = flat.size
    for side in REFERENCE_SIDES:
        scale = side / max(w, h)
        drawn = np.asarray(flat.resize((max(8, round(w * scale)), max(8, round(h * scale))), Image.Resampling.LANCZOS))
        to_canon = size[0] / drawn.shape[1]
        for grey in _variants(drawn):
            found = extract(grey, REFERENCE_POINTS)
            if len(found):
                points.append(found.points * to_canon)
                descriptors.append(found.descriptors)
    if not points:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    return np.concatenate(points).astype(np.float32), np.concatenate(descriptors)


def _trained(model: LogoModel, flat: Image.Image) -> LogoModel:
    """Keep the keypoints that edited copies of the logo actually matched, most useful first.

    The copies are made here, from the logo alone: smaller, grey, recoloured, inverted, turned,
    JPEG-compressed, on a textured background. A keypoint that none of them matched at its right
    place only adds chances of a false match and costs time.
    """
    counts = np.zeros(len(model.points), np.int32)
    for picture, transform in _training_copies(flat, model.size):
        query = _analyse(picture)
        found = _matches(model, query)
        if found is None:
            continue
        ref_idx, query_idx = found
        projected = model.points[ref_idx] @ transform[:, :2].T + transform[:, 2]
        good = np.hypot(*(projected - query.features.points[query_idx]).T) <= REPROJECTION
        np.add.at(counts, ref_idx[good], 1)
    order = np.argsort(-counts, kind="stable")
    keep = order[counts[order] > 0][:MODEL_POINTS]
    keep.sort()
    return LogoModel(model.size, model.inner, model.points[keep], model.descriptors[keep], model.image, model.mask)


def _training_copies(flat: Image.Image, size: tuple[int, int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Edited copies of the logo on a textured 400×400 picture, each with its true transform (frame → picture)."""
    rng = np.random.default_rng(12345)
    base = rng.integers(90, 170, (50, 50, 3), dtype=np.uint8)
    background = cv2.resize(base, (400, 400), interpolation=cv2.INTER_LINEAR)
    rgb = np.asarray(flat)
    copies = []
    plans = [  # (logo width share, turn in degrees, colour edit, JPEG quality)
        (0.9, 0.0, "none", 90),
        (0.5, 6.0, "grey", 70),
        (0.3, -4.0, "swap", 60),
        (0.2, 0.0, "none", 80),
        (0.6, -8.0, "invert", 80),
        (0.15, 3.0, "hue", 85),
        (0.4, 0.0, "swap2", 40),
    ]
    for share, turn, colour, quality in plans:
        edited = _recoloured(rgb, colour)
        scale = share * 400 / max(edited.shape[:2])
        edited = cv2.resize(edited, (max(8, round(edited.shape[1] * scale)), max(8, round(edited.shape[0] * scale))),
                            interpolation=cv2.INTER_AREA)  # fmt: skip
        h, w = edited.shape[:2]
        centre = (200.0, 200.0) if share > 0.6 else (110.0 + 180 * (share < 0.25), 130.0)
        rot = cv2.getRotationMatrix2D((w / 2, h / 2), turn, 1.0)
        rot[:, 2] += np.array(centre) - np.array([w / 2, h / 2])
        warped = cv2.warpAffine(edited, rot, (400, 400), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        inside = cv2.warpAffine(np.full((h, w), 255, np.uint8), rot, (400, 400), flags=cv2.INTER_LINEAR)
        picture = np.where(inside[..., None] > 128, warped, background)
        _, jpeg = cv2.imencode(".jpg", np.ascontiguousarray(picture[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality])
        picture = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[..., ::-1]
        to_frame = np.array([[w / size[0], 0, 0], [0, h / size[1], 0], [0, 0, 1]])
        transform = (np.vstack([rot, [0, 0, 1]]) @ to_frame)[:2]
        copies.append((np.ascontiguousarray(picture), transform))
    return copies


def _recoloured(rgb: np.ndarray, how: str) -> np.ndarray:
    if how == "grey":
        return np.repeat(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    if how == "swap":
        return np.ascontiguousarray(rgb[..., [2, 0, 1]])
    if how == "swap2":
        return np.ascontiguousarray(rgb[..., [1, 2, 0]])
    if how == "invert":
        return 255 - rgb
    if how == "hue":
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        hsv[..., 0] = (hsv[..., 0].astype(np.int16) + 60) % 180
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return rgb


# ---------------------------------------------------------------- search


def picture_features(data: bytes, max_pixels: int) -> PictureFeatures:
    """Decode a picture once (about QUERY_SIDE² pixels) and find its keypoints, to search it for several logos."""
    return _analyse(np.asarray(open_picture(data, max_pixels, _analysed_side(data))))


def _analysed_side(data: bytes) -> int:
    """The longest side to decode at: QUERY_SIDE, or more for a wide banner (a 3:1 banner at 887×296 px keeps
    its logo as many pixels as a square avatar at 512 px would), never more than twice QUERY_SIDE."""
    try:
        width, height = Image.open(io.BytesIO(data)).size  # the header only; open_picture checks the rest
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return QUERY_SIDE
    aspect = max(width, height) / max(1, min(width, height))
    return min(2 * QUERY_SIDE, round(QUERY_SIDE * np.sqrt(aspect)))


def find_logo(model: LogoModel, picture: bytes | np.ndarray, max_pixels: int) -> LogoHit | None:
    """The logo in a picture (image bytes, or an RGB/grey uint8 array), or None."""
    if isinstance(picture, np.ndarray):
        rgb = picture if picture.ndim == 3 else np.repeat(picture[..., None], 3, axis=2)
        return find_logo_in(model, _analyse(_fit(rgb[..., :3])))
    return find_logo_in(model, picture_features(picture, max_pixels))


def find_logo_in(model: LogoModel, picture: PictureFeatures) -> LogoHit | None:
    """The logo in an analysed picture, or None: keypoints aligned and verified, else the whole picture compared."""
    height, width = picture.rgb.shape[:2]
    for hit in _candidates(model, picture):
        if hit.score >= threshold(hit, (width, height)):
            return hit
    return None


def threshold(hit: LogoHit, size: tuple[int, int]) -> float:
    """The score a candidate needs: by method, and higher for a logo shown small (its lettering is a blur)."""
    return THRESHOLDS[f"{hit.how}:{size_band(hit.box, size)}"]


def candidates(model: LogoModel, picture: PictureFeatures) -> list[LogoHit]:
    """Every verified place for the logo, whatever the score: for calibration (``find_logo_in`` applies thresholds)."""
    return list(_candidates(model, picture))


def _candidates(model: LogoModel, picture: PictureFeatures) -> Iterator[LogoHit]:
    found = _matches(model, picture)
    if found is not None:
        hit = _aligned_hit(model, picture, *found)
        if hit is not None:
            yield hit
    whole = _whole_hit(model, picture)
    if whole is not None:
        yield whole


def _fit(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    side = min(2 * QUERY_SIDE, round(QUERY_SIDE * np.sqrt(max(h, w) / max(1, min(h, w)))))
    if max(h, w) <= side:
        return np.ascontiguousarray(rgb, dtype=np.uint8)
    scale = side / max(h, w)
    return cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def _analyse(rgb: np.ndarray) -> PictureFeatures:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    features = extract(grey, QUERY_POINTS)
    columns = (
        np.ascontiguousarray(features.descriptors.view(np.uint64).T) if len(features) else np.zeros((4, 0), np.uint64)
    )
    return PictureFeatures(features, rgb, columns, _content_box(rgb))


def _matches(model: LogoModel, picture: PictureFeatures) -> tuple[np.ndarray, np.ndarray] | None:
    """Ratio-test matches (logo keypoint indices, picture keypoint indices), one per picture keypoint.

    A full Hamming scan in uint8 (numpy's popcount, ~6 ns a pair here; OpenCV's matcher in this
    build does not use the CPU's popcount and takes ~16 ns).
    """
    n, m = len(model.points), len(picture.features)
    if n < MIN_INLIERS or m < MIN_INLIERS:
        return None
    ref = model.descriptors.view(np.uint64)
    cols = picture.columns
    dist = np.bitwise_count(ref[:, 0:1] ^ cols[0])
    dist += np.bitwise_count(ref[:, 1:2] ^ cols[1])
    dist += np.bitwise_count(ref[:, 2:3] ^ cols[2])
    np.minimum(dist, 191, out=dist)  # ≤ 191 + 64: no uint8 overflow; distances that large are never matches
    dist += np.bitwise_count(ref[:, 3:4] ^ cols[3])
    rows = np.arange(n)
    nearest = dist.argmin(axis=1)
    best = dist[rows, nearest].astype(np.int32)
    dist[rows, nearest] = 255
    second = dist.min(axis=1).astype(np.int32)
    ok = (best < RATIO * second) & (best <= MAX_HAMMING)
    ref_idx, query_idx, best = rows[ok], nearest[ok], best[ok]
    # one logo keypoint per picture keypoint: the closest (colour variants of one corner all match it)
    order = np.lexsort((ref_idx, best, query_idx))
    keep = np.ones(len(order), bool)
    keep[1:] = query_idx[order][1:] != query_idx[order][:-1]
    keep = order[keep]
    if len(keep) < MIN_INLIERS:
        return None
    return ref_idx[keep], query_idx[keep]


def _aligned_hit(model: LogoModel, picture: PictureFeatures, ref_idx: np.ndarray, query_idx: np.ndarray):
    source = model.points[ref_idx]
    target = picture.features.points[query_idx]
    transform, mask = cv2.estimateAffinePartial2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=REPROJECTION, maxIters=2000, confidence=0.995,
        refineIters=10,
    )  # fmt: skip
    if transform is None or mask is None:
        return None
    inliers = int(mask.sum())
    if inliers < MIN_INLIERS:
        return None
    scale = float(np.hypot(transform[0, 0], transform[1, 0]))
    turn = float(np.degrees(np.arctan2(transform[1, 0], transform[0, 0])))
    w, h = model.size
    height, width = picture.rgb.shape[:2]
    if abs(turn) > MAX_TURN or max(w, h) * scale < MIN_LOGO_SIDE or max(w, h) * scale > 1.6 * max(width, height):
        return None
    score, transform = _verify(model, picture, transform)
    return LogoHit(score, inliers, _box(transform, model.inner, (width, height)), "keypoints")


def _whole_hit(model: LogoModel, picture: PictureFeatures) -> LogoHit | None:
    """The picture (without uniform borders) taken as the logo itself: for logos with too few keypoints."""
    if picture.content is None:
        return None
    x0, y0, x1, y1 = picture.content
    ix0, iy0, ix1, iy1 = model.inner
    w, h = ix1 - ix0, iy1 - iy0
    bw, bh = x1 - x0, y1 - y0
    if bw < MIN_LOGO_SIDE or bh < MIN_LOGO_SIDE or abs(np.log((bw / bh) / (w / h))) > 0.12:
        return None
    if _thumb_ncc(model.thumb, picture.content_edges) < WHOLE_GLANCE:
        return None
    sx, sy = bw / w, bh / h
    transform = np.array([[sx, 0, x0 - ix0 * sx], [0, sy, y0 - iy0 * sy]], dtype=np.float64)
    score, transform = _verify(model, picture, transform)
    height, width = picture.rgb.shape[:2]
    return LogoHit(score, 0, _box(transform, model.inner, (width, height)), "whole")


def _box(transform: np.ndarray, inner: tuple[int, int, int, int], picture: tuple[int, int]) -> tuple[float, ...]:
    x0, y0, x1, y1 = inner
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64) @ transform[:, :2].T + transform[:, 2]
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    pw, ph = picture
    return (
        float(np.clip(x0 / pw, 0, 1)),
        float(np.clip(y0 / ph, 0, 1)),
        float(np.clip(x1 / pw, 0, 1)),
        float(np.clip(y1 / ph, 0, 1)),
    )


def _content_box(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """The picture without uniform borders (padding, a plain background around a logo)."""
    arr = rgb.astype(np.int16)
    border = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    colour = np.median(border, axis=0)
    if np.abs(border - colour).max(axis=1).mean() > 0.5 * 24:
        h, w = rgb.shape[:2]
        return (0, 0, w, h)
    keep = np.abs(arr - colour).max(axis=2) > 32
    ys, xs = np.nonzero(keep)
    if len(xs) < 16:
        return None
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


# ---------------------------------------------------------------- the aligned comparison


def _edge_map(rgb: np.ndarray) -> np.ndarray:
    """Edges as doubled-angle vectors (h×w×2, float32): where colours change and in which direction, whatever
    the colours are (the strongest channel's gradient; its sign, i.e. which side is lighter, is dropped)."""
    img = cv2.GaussianBlur(rgb.astype(np.float32), (0, 0), 0.6)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    if img.ndim == 3:
        strongest = (gx * gx + gy * gy).argmax(axis=2)[..., None]
        gx = np.take_along_axis(gx, strongest, axis=2)[..., 0]
        gy = np.take_along_axis(gy, strongest, axis=2)[..., 0]
    mag = np.sqrt(gx * gx + gy * gy) + 1e-6
    strength = np.minimum(mag / (4.0 * EDGE_SATURATION), 1.0)
    vectors = np.stack([(gx * gx - gy * gy) / (mag * mag), 2 * gx * gy / (mag * mag)], axis=2) * strength[..., None]
    return cv2.GaussianBlur(vectors, (0, 0), EDGE_BLUR)


def _verify(model: LogoModel, picture: PictureFeatures, transform: np.ndarray) -> tuple[float, np.ndarray]:
    """Score 0..1 (the picture, warped back onto the logo's frame, has the logo's edges in the logo's cells),
    and the transform it was reached with: the keypoints' one, or that one refined on the edges.

    Keypoints of a small copy pin it down to a pixel or two, which is several pixels of the logo's
    frame; ECC (``cv2.findTransformECC``, deterministic) then aligns the edge maps themselves.
    """
    score = float(verify_scores(model, picture, transform)["score"])
    if score >= REFINED_ENOUGH:
        return score, transform
    w, h = model.size
    warped = cv2.warpAffine(
        picture.rgb, transform, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    reference = np.linalg.norm(model.edges, axis=2).astype(np.float32)
    query = np.linalg.norm(_edge_map(warped), axis=2).astype(np.float32)
    step = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, ECC_STEPS, 1e-4)
    try:
        _, step = cv2.findTransformECC(
            reference, query, step, cv2.MOTION_AFFINE, criteria, model.mask.astype(np.uint8), 5
        )
    except cv2.error:
        return score, transform
    refined = (np.vstack([transform, [0, 0, 1]]) @ np.vstack([step.astype(np.float64), [0, 0, 1]]))[:2]
    if not _plausible_step(step):
        return score, transform
    again = float(verify_scores(model, picture, refined)["score"])
    return (again, refined) if again > score else (score, transform)


def _plausible_step(step: np.ndarray) -> bool:
    """A refinement nudges (a few pixels, a few per cent): anything larger is ECC wandering off."""
    linear = step[:, :2] - np.eye(2)
    return bool(np.abs(linear).max() <= 0.08 and np.abs(step[:, 2]).max() <= 8)


def verify_scores(model: LogoModel, picture: PictureFeatures, transform: np.ndarray) -> dict:
    """The parts of the verification score, for calibration: global agreement, cells, the score.

    The logo is first brought to the resolution at which the picture shows it (a 60-pixel copy
    cannot show what a 144-pixel frame shows, and must not be blamed for it). Cells are compared
    as edge-direction correlations; one corner block of cells may disagree (a sticker, a
    platform badge), the rest must agree: another institution's lettering or emblem on the same
    template makes a cell disagree wherever it differs.
    """
    w, h = model.size
    scale = float(np.hypot(transform[0, 0], transform[1, 0]))
    warped = cv2.warpAffine(
        picture.rgb, transform, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    valid = cv2.warpAffine(
        picture.valid, transform, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP, borderValue=0
    )
    ref, reference = model.edges, model.image
    if scale < 0.9:  # the picture shows the logo smaller than its frame: see the logo as small
        small = (max(4, round(w * scale)), max(4, round(h * scale)))
        reference = cv2.resize(cv2.resize(model.image, small, interpolation=cv2.INTER_AREA), (w, h),
                               interpolation=cv2.INTER_LINEAR)  # fmt: skip
        ref = _edge_map(reference)
    query = _edge_map(warped)
    mask = (model.mask & (valid > 0)).astype(np.float32)
    dot = (ref * query).sum(axis=2) * mask
    rr = (ref * ref).sum(axis=2) * mask
    qq = (query * query).sum(axis=2) * mask
    cells_rr, cells_qq = _cell_sums(rr), _cell_sums(qq)
    corr = _cell_sums(dot) / np.sqrt(cells_rr * cells_qq + 1e-9)
    weight = cells_rr + cells_qq
    area = _cell_sums(np.ones((h, w), np.float32))
    covered = _cell_sums(mask) / np.maximum(area, 1)
    density = weight / np.maximum(2 * area, 1)  # 0..1: how much of the cell is edges, in either picture
    total = float(dot.sum() / np.sqrt(rr.sum() * qq.sum() + 1e-9))
    # a cell with few edges says little: its disagreement counts in proportion to its edges
    trust = np.where(covered >= 0.4, np.minimum(density / CELL_DENSITY, 1.0), 0.0)
    height, width = picture.rgb.shape[:2]
    effective = 1.0 - (1.0 - corr) * trust
    floor = _cell_floor(effective, _corners_at_picture_corners(model, transform, (width, height)))
    score = max(0.0, min(total, floor))
    everything = float(((ref * ref).sum(axis=2) * model.mask).sum())
    hidden = 1.0 - float(rr.sum()) / max(everything, 1e-9)
    if hidden > MAX_HIDDEN:  # a caption bar or a round crop hides too much of the logo to vouch for the rest
        score = 0.0
    own = mask > 0
    close = np.abs(reference[own].astype(np.int16) - warped[own]).max(axis=1) <= COLOUR_TOLERANCE
    colour = float(close.mean()) if len(close) else 0.0
    if size_band(_box(transform, model.inner, (width, height)), (width, height)) == "small":
        score = min(score, colour)  # too small to read: it must have the logo's own colours too
    return {
        "global": total, "floor": floor, "colour": colour, "hidden": hidden, "cells": effective, "trust": trust,
        "score": score,
    }  # fmt: skip


def size_band(box: tuple[float, ...], size: tuple[int, int]) -> str:
    """ "small" when the found logo covers less than SMALL_SIDE² pixels of the analysed picture, else "large"."""
    x0, y0, x1, y1 = box
    return "small" if np.sqrt(max(0.0, (x1 - x0) * size[0] * (y1 - y0) * size[1])) < SMALL_SIDE else "large"


def _cell_floor(corr: np.ndarray, corners: list[int]) -> float:
    """The worst cell once the kindest of ``corners`` (0–3: top-left, top-right, bottom-left, bottom-right),
    a block of CORNER×CORNER cells, is forgiven: a sticker on an avatar covers one of its corners."""
    n = corr.shape[0]
    best = float(corr.min())
    for corner in corners:
        y0, x0 = (0 if corner < 2 else n - CORNER), (0 if corner % 2 == 0 else n - CORNER)
        rest = corr.copy()
        rest[y0 : y0 + CORNER, x0 : x0 + CORNER] = 1.0
        best = max(best, float(rest.min()))
    return best


def _corners_at_picture_corners(model: LogoModel, transform: np.ndarray, size: tuple[int, int]) -> list[int]:
    """The logo's corners that lie at the picture's own corners (a logo used as the whole avatar): only there
    can a sticker hide part of a copy. A logo placed inside a picture is compared whole."""
    x0, y0, x1, y1 = model.inner
    width, height = size
    out = []
    for number, (x, y) in enumerate(((x0, y0), (x1, y0), (x0, y1), (x1, y1))):
        px, py = transform[:, :2] @ (x, y) + transform[:, 2]
        cx, cy = (0 if number % 2 == 0 else width), (0 if number < 2 else height)
        if abs(px - cx) <= STICKER_REACH * width and abs(py - cy) <= STICKER_REACH * height:
            out.append(number)
    return out


def _cell_sums(values: np.ndarray) -> np.ndarray:
    h, w = values.shape
    ys = np.linspace(0, h, GRID + 1).round().astype(int)
    xs = np.linspace(0, w, GRID + 1).round().astype(int)
    return np.add.reduceat(np.add.reduceat(values, ys[:-1], axis=0), xs[:-1], axis=1)


def _valid_mask(rgb: np.ndarray) -> np.ndarray:
    """255 where the picture may show a copy, 0 on a caption bar and outside a round avatar's circle.

    Both are painted over the copy by the one who posts it; what they hide cannot be compared.
    """
    h, w = rgb.shape[:2]
    valid = np.full((h, w), 255, np.uint8)
    band = _caption_band(rgb)
    if band is not None:  # and a few rows beyond: the bar's own edge is not the logo's
        reach = round(0.03 * h)
        valid[max(0, band[0] - reach) : min(h, band[1] + reach)] = 0
    if abs(w - h) <= 0.05 * max(w, h):
        small = cv2.resize(rgb, (_ROUND_GRID, _ROUND_GRID), interpolation=cv2.INTER_AREA).astype(np.int16)
        corners = small[_OUTSIDE]
        if _share(corners, np.median(corners, axis=0)) >= 0.95:
            circle = np.zeros((h, w), np.uint8)  # and a rim inside it: the circle's own edge is not the logo's
            rim = round(0.03 * w)
            cv2.ellipse(circle, (w // 2, h // 2), (w // 2 - rim, h // 2 - rim), 0, 0, 360, 255, -1)
            valid &= circle
    return valid


def _caption_band(rgb: np.ndarray) -> tuple[int, int] | None:
    """Rows of a caption bar over the bottom: a full-width band of one colour with its text.

    It ends where the picture goes on in other colours, and is told from a plain background by
    its sides (the bar's colour does not go on up the picture's sides) or, for a bar of the
    background's own colour, by the straight cut it makes across what it covers.
    """
    h = rgb.shape[0]
    small = rgb[:, :: max(1, rgb.shape[1] // 64)].astype(np.int16)
    for top in (False,):  # tops of pictures (sky, wall) look like bars far too often; captions sit at the bottom
        rows = small if top else small[::-1]
        colour = np.median(rows[0], axis=0)
        if _share(rows[0], colour) < 0.8:  # the outer row is not (mostly) one colour
            continue
        deepest = round(CAPTION_MAX * h)
        cover = (np.abs(rows[: deepest + 3] - colour).max(axis=2) <= 24).mean(axis=1)
        depth = int(np.argmax(cover < 0.25)) if (cover < 0.25).any() else len(cover)
        sides = np.concatenate([rows[depth : depth + max(2, h // 10), 0], rows[depth : depth + max(2, h // 10), -1]])
        padding = len(sides) and _share(sides, colour) > 0.5
        lettered = int((cover[:depth] < 0.97).sum()) >= 3  # a caption has its text on it; a plain band hides nothing
        if CAPTION_MIN * h <= depth <= deepest and lettered and not padding and _edge_to_edge(rows[:depth], colour):
            return (0, depth) if top else (h - depth, h)
        for d in range(round(CAPTION_MIN * h), min(depth, deepest) + 1):
            cut = cover[d - 3 : d].mean() >= 0.9 and cover[d + 1 : d + 3].mean() <= 0.6
            cut = cut and int((cover[:d] < 0.97).sum()) >= 3  # with its text on it: not a plain background
            if cut and _edge_to_edge(rows[:d], colour):
                return (0, d) if top else (h - d, h)
    return None


def _edge_to_edge(band: np.ndarray, colour: np.ndarray) -> bool:
    """A bar reaches both sides of the picture on (nearly) every row; a shirt or a table is rounder."""
    return _share(band[:, :2], colour) >= 0.9 and _share(band[:, -2:], colour) >= 0.9


def _share(rows: np.ndarray, colour: np.ndarray) -> float:
    """Share of the pixels of ``rows`` within 24 levels of ``colour``."""
    return float((np.abs(rows - colour).max(axis=-1) <= 24).mean())


def _thumb_edges(rgb: np.ndarray) -> np.ndarray:
    """Edge strength on a THUMB×THUMB grid, zero-mean and unit-norm (so that a dot product is a correlation)."""
    small = cv2.resize(rgb, (THUMB * 2, THUMB * 2), interpolation=cv2.INTER_AREA).astype(np.float32)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt((gx * gx + gy * gy).max(axis=2) if small.ndim == 3 else gx * gx + gy * gy)
    mag = cv2.resize(np.minimum(mag, 255.0), (THUMB, THUMB), interpolation=cv2.INTER_AREA).ravel()
    mag -= mag.mean()
    return mag / max(float(np.linalg.norm(mag)), 1e-6)


def _thumb_ncc(a: np.ndarray, b: np.ndarray | None) -> float:
    return -1.0 if b is None else float(a @ b)


_ROUND_GRID = 64
_yy, _xx = np.mgrid[0:_ROUND_GRID, 0:_ROUND_GRID]
_OUTSIDE = ((_xx + 0.5 - _ROUND_GRID / 2) ** 2 + (_yy + 0.5 - _ROUND_GRID / 2) ** 2) > (0.52 * _ROUND_GRID) ** 2
del _yy, _xx
