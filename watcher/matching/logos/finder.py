"""Finding a known logo inside a picture: whole, recoloured, grey, small, or placed anywhere on something else.

Whole-picture hashes only see a logo that *is* the picture, and confuse logos on one template. A fan
page or an impostor often puts the district's logo in a corner of a photo, on a banner, or recoloured.
Here a logo is found the classic way: ORB keypoints of the picture (``keypoint_matching.picture_keypoints``:
the picture as it is, and enlarged for logos placed small) are matched (Hamming distance, ratio test)
with the logo's keypoints, RANSAC fits one similarity transform (scale, turn, shift), and the region
it points at is compared with the logo itself (``compare``). For a logo used as the whole avatar,
the picture without its uniform borders is also taken as the logo ("whole"), for logos with few
keypoints. This module is the only way logos are looked for; ``enrol`` enrols them.

Everything is deterministic: OpenCV's RANSAC seeds its own generator on every call, and no thread
count is changed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from watcher.matching.images import DecodedImage
from watcher.matching.logos.compare import logo_box, size_band, used_whole, verify
from watcher.matching.logos.edge_templates import Ladder, proposals
from watcher.matching.logos.edges import thumb_edges
from watcher.matching.logos.keypoint_matching import Keypoints, match_keypoints, picture_keypoints
from watcher.matching.logos.model import LogoModel
from watcher.matching.logos.overlays import valid_mask

QUERY_SIDE = 512  # a picture is analysed at about QUERY_SIDE² pixels: a logo at 15% of the width keeps ~75 px
REPROJECTION = 3.0  # query pixels within which a keypoint agrees with the transform
MIN_INLIERS = 7
MAX_TURN = 25.0  # degrees: copies are turned by up to 10°
WHOLE_GLANCE = 0.5  # a copy's thumbnail correlates ≥ 0.7 with the logo's; portraits and photos mostly < 0.4
WHOLE_TURNS = (-4.0, 4.0, -8.0, 8.0)  # a logo used as the whole avatar may be turned by up to 10°
MIN_LOGO_SIDE = 18  # query pixels: a logo smaller than this cannot be verified
# Thresholds on the verification score, by method and by the logo's size in the analysed picture (below
# SMALL_SIDE² pixels its lettering is a blur and other institutions' logos on the same template look alike):
# from bench/calibrate_logos.py, fitted on calibration designs (seeds 0–999) only: the highest score of
# any other logo, distractor or logo-free picture (another institution's plain seal on the same template,
# placed on a photo: 0.565; a shield on the same template with other words, shown small: 0.54), + 0.05.
# Edge-template places ("edges") are held to the keypoint thresholds.
THRESHOLDS = {"keypoints:small": 0.59, "keypoints:large": 0.615, "whole:small": 0.522, "whole:large": 0.572}


@dataclass(frozen=True)
class LogoHit:
    """Where a logo was found: ``box`` (x0, y0, x1, y1) in fractions of the picture; ``how``: "keypoints",
    "edges" or "whole"."""

    score: float
    inliers: int
    box: tuple[float, float, float, float]
    how: str


@dataclass(frozen=True)
class PictureFeatures:
    """One picture, analysed once and searched for any number of logos."""

    features: Keypoints
    rgb: np.ndarray  # h×w×3 uint8: the analysed picture, for the aligned comparison
    content: tuple[int, int, int, int] | None  # the picture without uniform borders (x0, y0, x1, y1), pixels

    @cached_property
    def valid(self) -> np.ndarray:
        """h×w uint8: 255 where the picture shows what it copies, 0 on a caption bar or outside a round mask.

        Only a picture with a candidate needs it, so it is made on first use."""
        return valid_mask(self.rgb)

    @cached_property
    def ladder(self) -> Ladder:
        """The picture's colour edges for the template search, made on first use, shared by logos."""
        return Ladder(self.rgb)

    @cached_property
    def content_edges(self) -> np.ndarray | None:
        """A tiny edge map of the picture without its borders: a cheap first look before the whole-picture check."""
        if self.content is None:
            return None
        x0, y0, x1, y1 = self.content
        return thumb_edges(self.rgb[y0:y1, x0:x1])


def picture_features(data: bytes | DecodedImage, max_pixels: int) -> PictureFeatures:
    """Decode a picture once (about QUERY_SIDE² pixels) and find its keypoints, to search it for several logos.
    An image decoded already (``DecodedImage``, checked against its own pixel cap) is drawn from its decode."""
    image = data if isinstance(data, DecodedImage) else DecodedImage(data, max_pixels)
    return _analyse(np.asarray(image.picture(_analysed_side(image.size))))


def _analysed_side(size: tuple[int, int]) -> int:
    """The longest side to decode at: QUERY_SIDE, or more for a wide banner (a 3:1 banner at 887×296 px keeps
    its logo as many pixels as a square avatar at 512 px would), never more than twice QUERY_SIDE."""
    width, height = size
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
    """The score a candidate needs: by method, and by the logo's size in the picture."""
    return THRESHOLDS[threshold_key(hit, size)]


def threshold_key(hit: LogoHit, size: tuple[int, int]) -> str:
    """Which threshold a candidate is held to: edge-template places are verified as keypoint alignments are."""
    how = "keypoints" if hit.how == "edges" else hit.how
    return f"{how}:{size_band(hit.box, size)}"


def candidates(model: LogoModel, picture: PictureFeatures) -> list[LogoHit]:
    """Every verified place for the logo, whatever the score: for calibration (``find_logo_in`` applies thresholds)."""
    return list(_candidates(model, picture))


def _candidates(model: LogoModel, picture: PictureFeatures) -> Iterator[LogoHit]:
    height, width = picture.rgb.shape[:2]
    for how, transform, inliers in _proposals(model, picture):
        score, transform = verify(model, picture.rgb, picture.valid, transform)
        yield LogoHit(score, inliers, logo_box(transform, model.inner, (width, height)), how)


def _proposals(model: LogoModel, picture: PictureFeatures) -> Iterator[tuple[str, np.ndarray, int]]:
    """Where the logo may be, before verification: (how, transform frame → picture, agreeing keypoints)."""
    found = match_keypoints(model, picture.features, MIN_INLIERS)
    if found is not None:
        aligned = _aligned_transform(model, picture, *found)
        if aligned is not None:
            yield ("keypoints", *aligned)
    size = (picture.rgb.shape[1], picture.rgb.shape[0])
    for transform in proposals(model, picture.ladder):
        if used_whole(transform, model.size, size):  # an avatar that is the logo may be turned
            yield from _with_turns("edges", transform, model.size)
        else:
            yield "edges", transform, 0
    whole = _whole_transform(model, picture)
    if whole is not None:
        yield from _with_turns("whole", whole, model.size)


def _with_turns(how: str, transform: np.ndarray, size: tuple[int, int]) -> Iterator[tuple[str, np.ndarray, int]]:
    """``transform``, then turned by each of WHOLE_TURNS: ECC refines a turn of a degree or two, not of ten."""
    yield how, transform, 0
    for turn in WHOLE_TURNS:
        yield how, _turned(transform, size, turn), 0


def _fit(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    side = min(2 * QUERY_SIDE, round(QUERY_SIDE * np.sqrt(max(h, w) / max(1, min(h, w)))))
    if max(h, w) <= side:
        return np.ascontiguousarray(rgb, dtype=np.uint8)
    scale = side / max(h, w)
    return cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def _analyse(rgb: np.ndarray) -> PictureFeatures:
    return PictureFeatures(picture_keypoints(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)), rgb, _content_box(rgb))


def _aligned_transform(
    model: LogoModel, picture: PictureFeatures, ref_idx: np.ndarray, query_idx: np.ndarray
) -> tuple[np.ndarray, int] | None:
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
    return transform, inliers


def _whole_transform(model: LogoModel, picture: PictureFeatures) -> np.ndarray | None:
    """The picture (without uniform borders) taken as the logo itself: for logos with too few keypoints."""
    if picture.content is None:
        return None
    x0, y0, x1, y1 = picture.content
    ix0, iy0, ix1, iy1 = model.inner
    w, h = ix1 - ix0, iy1 - iy0
    bw, bh = x1 - x0, y1 - y0
    if bw < MIN_LOGO_SIDE or bh < MIN_LOGO_SIDE or abs(np.log((bw / bh) / (w / h))) > 0.12:
        return None
    if picture.content_edges is None or float(model.thumb @ picture.content_edges) < WHOLE_GLANCE:
        return None
    sx, sy = bw / w, bh / h
    return np.array([[sx, 0, x0 - ix0 * sx], [0, sy, y0 - iy0 * sy]], dtype=np.float64)


def _turned(transform: np.ndarray, size: tuple[int, int], degrees: float) -> np.ndarray:
    """``transform`` turned by ``degrees`` about where it puts the logo's centre."""
    centre = transform[:, :2] @ np.array([size[0] / 2, size[1] / 2]) + transform[:, 2]
    turn = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), degrees, 1.0)
    return (np.vstack([turn, [0, 0, 1]]) @ np.vstack([transform, [0, 0, 1]]))[:2]


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
