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

What is kept of an enrolled photo, and how an avatar is prepared for this, is in ``photo_prints``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import cv2
import numpy as np

from watcher.matching.images.keypoints import Alignment, Features, align, describe_at
from watcher.matching.images.photo_prints import (
    CHROMA_OFFSET,
    COLOUR_GRID,
    GRID,
    PhotoPrint,
    Picture,
    cell_means,
    step_layout,
)
from watcher.matching.images.views import view_transform

MAX_TURN = 30.0  # degrees: copies are turned by up to 15°; a portrait upside down is a chance alignment
FLAT = 1.5  # a step this small in the avatar is no step: where the photo has a clear one, it is not repeated
PATCH_DISTANCE = 64  # bits of 256: a keypoint's patch is the same in the avatar within this distance
PATCH_MARGIN = 8  # pixels: a patch this close to what the avatar does not show is not compared
_INSIDE = np.ones((5, 5), np.uint8)  # at half size
_TO_QUARTER = np.array([[4.0, 0.0, 1.5], [0.0, 4.0, 1.5], [0.0, 0.0, 1.0]])  # a quarter-size pixel's full-size place
_FROM_QUARTER = np.linalg.inv(_TO_QUARTER)

# Verified, from bench/calibrate_images.py (calibration part): see docs/engineering.md, how matching decides.
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
    means, ok = cell_means(warped, valid, GRID)
    repeated, compared = _steps(means[..., 0], ok, reference, 0, strict=True)
    agreement = repeated / compared if compared >= MIN_COMPARED else None
    if agreement is not None and agreement < PLAUSIBLE_AGREEMENT and not COMPARE_ALL:
        return Placed(agreement, None)  # the colours cannot save it
    colours, shown = cell_means(warped, valid, COLOUR_GRID, COLOUR_COVER)
    if reference.cells is None or shown.sum() < MIN_CELLS:
        return Placed(agreement, None)  # too little shown there to judge: the keypoints decide
    return Placed(agreement, _colour_fit(reference.cells, colours, shown))


def _needed(reference_points: int) -> int:
    """Inliers a copy of a photo must show: MIN_INLIERS, or 40% of a plain photo's few keypoints."""
    return min(MIN_INLIERS, max(MIN_INLIERS_PLAIN, math.ceil(0.4 * reference_points)))


def _rank(check: Verification) -> tuple[bool, float, float, int]:
    return check.verified, check.agreement, check.patches, check.inliers


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
    means, ok = cell_means(warped, valid, GRID)
    repeated, compared = _steps(means[..., 0], ok, reference, 0, strict=True)
    agreement = repeated / compared if compared else 0.0
    if not COMPARE_ALL and (agreement < min(LUMA_AGREEMENT, ONE_HUE_AGREEMENT) or compared < MIN_COMPARED):
        return _unverified(reference, mirrored, found, agreement, compared)  # the costlier checks cannot save it
    inside = (cv2.erode(valid, _INSIDE) > 0.99).astype(np.float32)  # past the blend into what was laid on it
    fit = _colour_fit(reference.cells, *cell_means(warped * inside[..., None], inside, COLOUR_GRID, COLOUR_COVER))
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
    signs, steps, covered = step_layout(means, ok, FLAT)
    same = signs == reference.signs[c]
    compare = reference.clear[c] & covered
    if not strict:
        compare &= steps
    return int((same & steps & compare).sum()), int(compare.sum())


def _colour_fit(reference: np.ndarray | None, means: np.ndarray, ok: np.ndarray) -> float | None:
    """Of the cells the avatar covers, the share whose colour one affine colour map (fitted to the
    cells it explains best, so that a sticker or a caption does not bend it) takes from the photo's to
    the avatar's within COLOUR_RESIDUAL. None for a print without cell colours."""
    if reference is None:
        return None
    shown = ok.ravel()
    if shown.sum() < MIN_CELLS:
        return 0.0
    source = reference.reshape(-1, 3)[shown].astype(np.float64) - CHROMA_OFFSET
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
