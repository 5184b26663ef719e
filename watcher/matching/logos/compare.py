"""The aligned comparison: is what a keypoint alignment points at the enrolled logo, or another one like it?

Keypoints alone cannot tell a district's seal from another institution's on the same template (the
same ring and star, other lettering), nor from a flag with the same stars. Here the region the
alignment points at is warped back onto the logo's own frame (the alignment refined there on the
edges with ECC) and its edge directions (where colours change, whatever the colours) are compared
with the logo's in windows slid over the frame: every window must agree. A window is about
WINDOW_COPY pixels of the picture (a letter or two; never less than WINDOW_MIN pixels of the frame),
so a copy shown small is judged on what its pixels can show, and the logo is first brought to the
resolution, and the pixel grid, at which the picture shows it. Another institution's lettering or
emblem makes the windows over it disagree.

What a copy is placed on is not held against it: around a transparent logo (its rim) the copy's edges
count only up to the logo's own, and along the outer outline of its solid shapes (a disc, a shield:
not its lettering), which vanishes on a background of the logo's colour, only the direction of the
edges both have is compared, and windows leave it out. What was laid over a copy is left out too: a
caption bar (also a white one on a white avatar, found by its text) and the outside of a round crop
(found in the picture, ``overlays.valid_mask``), never more than MAX_HIDDEN of the logo's edges; and for a
logo used as the whole avatar, a sticker over one corner of the picture. A copy too small to read
(below SMALL_SIDE²) must also keep the logo's colours: other institutions' logos on the same
template differ there, in colour. Everything here is deterministic (ECC is).
"""

from __future__ import annotations

import cv2
import numpy as np

from watcher.matching.logos.edges import EDGE_BLUR, edge_map
from watcher.matching.logos.model import LogoModel

SMALL_SIDE = 100  # a logo covering less than SMALL_SIDE² pixels of the analysed picture is "small"
WINDOW_COPY = 10.0  # picture pixels: the side of a compared window
WINDOW_MIN = 16  # frame pixels: the smallest window, for a logo shown larger than its frame
EDGE_BLUR_COPY = 0.6  # picture pixels of tolerance for the alignment's error (and at least EDGE_BLUR frame pixels)
EDGE_DENSITY = 0.05  # 0..1: a window with fewer edges than this is trusted in proportion (lettering: 0.13–0.3)
MAX_HIDDEN = 0.5  # share of the logo's edges a caption bar or a round crop may hide (a square badge cut round: 0.5)
WHOLE_SHARE = 0.5  # a logo spanning this share of the picture both ways is the avatar itself ...
STICKER_REACH = 0.3  # ... and a sticker may hide what lies this close (share of the side) to one corner of it,
STICKER_MAX = 0.3  # ... up to this share of the logo's edges
REFINED_ENOUGH = 0.92  # a candidate scoring this much is not refined further, ...
WORTH_REFINING = 0.4  # ... nor one whose edges agree this little overall (copies: > 0.4 before refinement)
CHROMA_BLUR = 1.5  # picture pixels: JPEG's colour resolution (4:2:0 halves it both ways)
COLOUR_TOLERANCE = 48  # a pixel keeps the logo's colour within this (0–255, any channel): JPEG and blur
SMALL_COLOUR = 0.8  # share of a small copy's plain pixels (away from edges) that must keep the logo's colour
ECC_STEPS = 40  # iterations of the edge alignment (5–15 ms on a 192×192 frame; promising candidates only)


def verify(model: LogoModel, rgb: np.ndarray, valid: np.ndarray, transform: np.ndarray) -> tuple[float, np.ndarray]:
    """Score 0..1 (see ``verify_scores``) and the transform it was reached with: the keypoints' one, or that one
    refined on the edges.

    Keypoints of a small copy pin it down to a pixel or two, which is several pixels of the logo's
    frame; ECC (``cv2.findTransformECC``, deterministic) then aligns the edge maps themselves.
    """
    first = verify_scores(model, rgb, valid, transform)
    score = float(first["score"])
    if score >= REFINED_ENOUGH or first["global"] < WORTH_REFINING:
        return score, transform
    w, h = model.size
    warped = cv2.warpAffine(
        rgb, transform, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    reference = np.linalg.norm(model.edges, axis=2).astype(np.float32)
    query = np.linalg.norm(edge_map(warped), axis=2).astype(np.float32)
    step = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, ECC_STEPS, 1e-4)
    try:
        _, step = cv2.findTransformECC(
            reference, query, step, cv2.MOTION_AFFINE, criteria, (model.mask | model.rim).astype(np.uint8), 5
        )
    except cv2.error:
        return score, transform
    if not _plausible_step(step):
        return score, transform
    refined = (np.vstack([transform, [0, 0, 1]]) @ np.vstack([step.astype(np.float64), [0, 0, 1]]))[:2]
    again = float(verify_scores(model, rgb, valid, refined)["score"])
    return (again, refined) if again > score else (score, transform)


def _plausible_step(step: np.ndarray) -> bool:
    """A refinement nudges (a few pixels, a few per cent): anything larger is ECC wandering off."""
    linear = step[:, :2] - np.eye(2)
    return bool(np.abs(linear).max() <= 0.08 and np.abs(step[:, 2]).max() <= 8)


def verify_scores(model: LogoModel, rgb: np.ndarray, valid: np.ndarray, transform: np.ndarray) -> dict:
    """The parts of the verification score, for calibration: whole-logo agreement, the worst window, the share
    of the logo hidden, the window's side (frame pixels), the share of its plain pixels in the logo's colours,
    and the score (the lower agreement; 0 when too much is hidden, or when a copy too small to read has other
    colours).

    ``valid`` (h×w uint8 of the picture) is 0 where a caption bar or a round crop hides the picture.
    Windows are compared as edge-direction correlations; a window with few edges says little, so its
    disagreement counts in proportion to its edges.
    """
    w, h = model.size
    height, width = rgb.shape[:2]
    scale = float(np.hypot(transform[0, 0], transform[1, 0]))
    warped = cv2.warpAffine(
        rgb, transform, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    seen = cv2.warpAffine(valid, transform, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP, borderValue=0)
    blur = max(EDGE_BLUR, EDGE_BLUR_COPY / scale)
    reference = model.image
    if scale < 0.9:  # the picture shows the logo smaller than its frame: see the logo as the picture does
        reference = _as_seen(model.image, transform)
    chroma = CHROMA_BLUR / scale  # JPEG keeps colour at half resolution: compare both at the copy's colour detail
    ref = edge_map(_chroma_blurred(reference, chroma, model.mask), blur)
    query = edge_map(_chroma_blurred(warped, chroma, model.mask), blur)
    logo = model.mask | model.rim
    mask = (logo & (seen > 0)).astype(np.float32)
    own = (ref * ref).sum(axis=2) * logo
    dot = (ref * query).sum(axis=2) * mask
    # on the rim, an edge of what the copy is placed on running against the logo's outline is no disagreement
    dot = np.where(model.rim, np.maximum(dot, 0.0), dot)
    rr = own * mask
    qq = (query * query).sum(axis=2) * mask
    hidden = 1.0 - float(rr.sum()) / max(float(own.sum()), 1e-9)
    # on the rim only the logo's outline is expected: whatever the copy is placed on may add edges there, so
    # the copy's edges count there only up to the logo's own
    damp = np.where(model.rim, np.sqrt(np.minimum(1.0, rr / np.maximum(qq, 1e-9))), 1.0).astype(np.float32)
    # along the logo's outer outline a copy's edge may also be missing (placed on something of its colour):
    # there only the direction of the edges both have is compared
    weaker = np.minimum(rr, qq)
    fade = np.where(model.outline, np.sqrt(weaker / np.maximum(qq, 1e-9)), damp).astype(np.float32)
    dot *= np.where(model.outline, np.sqrt(weaker / np.maximum(rr, 1e-9)), 1.0).astype(np.float32) * fade
    qq *= fade * fade
    rr = np.where(model.outline, weaker, rr)
    total = float(dot.sum() / np.sqrt(rr.sum() * qq.sum() + 1e-9))
    side = round(min(max(WINDOW_MIN, WINDOW_COPY / scale), w, h))
    inner = np.where(model.outline, 0.0, 1.0).astype(np.float32)  # windows judge the drawing, not its outline
    agreement, centres = _windows(dot * inner, rr * inner, qq * inner, mask, side)
    floor = float(agreement.min()) if agreement.size else 0.0
    reach = side * scale / 2  # picture pixels: a window centred this far from a sticker still overlaps it
    for zone, near in zip(
        _sticker_zones(transform, (w, h), (width, height), 0.0),
        _sticker_zones(transform, (w, h), (width, height), reach),
        strict=True,
    ):
        if float((rr * zone).sum()) <= STICKER_MAX * max(float(rr.sum()), 1e-9):
            rest = agreement[~near[centres]]
            floor = max(floor, float(rest.min()) if rest.size else 0.0)
    score = max(0.0, min(total, floor))
    if hidden > MAX_HIDDEN:  # a caption bar or a round crop hides too much of the logo to vouch for the rest
        score = 0.0
    colour = _colour_kept(model, reference, warped, seen > 0, ref, transform, chroma)
    small = size_band(logo_box(transform, model.inner, (width, height)), (width, height)) == "small"
    if small and colour < SMALL_COLOUR:
        score = 0.0  # too small to read its lettering: it must keep the logo's own colours too
    return {"global": total, "floor": floor, "hidden": hidden, "window": side, "colour": colour, "score": score}


def _colour_kept(
    model: LogoModel,
    reference: np.ndarray,
    warped: np.ndarray,
    seen: np.ndarray,
    ref: np.ndarray,
    transform: np.ndarray,
    chroma: float,
) -> float:
    """Share of the logo's plain pixels (away from its edges; else its core; else all of it) whose colour the
    copy keeps. A small copy blurs into what it is placed on, so the logo is also tried as blended with the
    copy's own surroundings, and the better of the two counts."""
    inside = model.mask & seen
    flat = inside & ((ref * ref).sum(axis=2) < 0.05)  # away from edges, where blur mixes in the surroundings
    core = inside & (cv2.erode(model.mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    if flat.sum() >= 0.05 * max(1, inside.sum()):
        pixels = flat
    elif core.sum() >= 0.05 * max(1, inside.sum()):
        pixels = core
    else:
        pixels = inside
    if not pixels.any():
        return 0.0
    placed = np.where(model.mask[..., None], model.image, warped)
    if float(np.hypot(transform[0, 0], transform[1, 0])) < 0.9:
        placed = _as_seen(placed, transform)
    copy = _chroma_blurred(warped, chroma).astype(np.int16)
    best = 0.0
    for drawn in (reference, placed):
        close = np.abs(_chroma_blurred(drawn, chroma)[pixels].astype(np.int16) - copy[pixels]).max(axis=1)
        best = max(best, float((close <= COLOUR_TOLERANCE).mean()))
    return best


def _chroma_blurred(rgb: np.ndarray, sigma: float, inside: np.ndarray | None = None) -> np.ndarray:
    """``rgb`` with its colour (not its brightness) blurred by ``sigma`` pixels, as JPEG's 4:2:0 sampling
    blurs it; with ``inside`` (h×w bool), only within it and from it: what a copy is placed on is not
    blurred into the logo's edges."""
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    if inside is None:
        ycc[..., 1:] = cv2.GaussianBlur(ycc[..., 1:], (0, 0), sigma)
    else:  # a blur normalised by the share of the logo's own area under the kernel
        weight = inside.astype(np.float32)
        share = np.maximum(cv2.GaussianBlur(weight, (0, 0), sigma), 1e-6)[..., None]
        blurred = cv2.GaussianBlur(ycc[..., 1:] * weight[..., None], (0, 0), sigma) / share
        ycc[..., 1:] = np.where(inside[..., None], blurred, ycc[..., 1:])
    return cv2.cvtColor(np.clip(ycc + 0.5, 0, 255).astype(np.uint8), cv2.COLOR_YCrCb2RGB)


def _as_seen(image: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """The logo in its frame as a picture showing it through ``transform`` would: drawn into the picture's own
    pixels (on their grid, smoothed as a reduction smooths) and brought back."""
    h, w = image.shape[:2]
    scale = float(np.hypot(transform[0, 0], transform[1, 0]))
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], np.float64) @ transform[:, :2].T + transform[:, 2]
    x0, y0 = np.floor(corners.min(axis=0)).astype(int) - 1
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int) + 1
    shifted = transform.copy()
    shifted[:, 2] -= (x0, y0)
    smooth = cv2.GaussianBlur(image, (0, 0), 0.35 / scale)
    small = cv2.warpAffine(smooth, shifted, (int(x1 - x0), int(y1 - y0)), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
    return cv2.warpAffine(
        small, shifted, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )


def _windows(
    dot: np.ndarray, rr: np.ndarray, qq: np.ndarray, mask: np.ndarray, side: int
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The agreement of every side×side window (centres a third of a side apart, inside the frame), and the
    centres (row and column indices, for ``np.ix_``-style lookups)."""

    def sums(values: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(values, -1, (side, side), normalize=False, borderType=cv2.BORDER_CONSTANT)

    h, w = dot.shape
    step = max(1, side // 3)
    ys = np.arange(side // 2, h - (side - 1) // 2, step)
    xs = np.arange(side // 2, w - (side - 1) // 2, step)
    grid = np.ix_(ys, xs)
    d, r, q = sums(dot)[grid], np.maximum(sums(rr)[grid], 0), np.maximum(sums(qq)[grid], 0)
    covered = sums(mask)[grid] / (side * side)
    corr = d / np.sqrt(r * q + 1e-9)
    density = (r + q) / (2 * side * side)  # 0..1: how much of the window is edges, in either picture
    trust = np.where(covered >= 0.4, np.minimum(density / EDGE_DENSITY, 1.0), 0.0)
    return 1.0 - (1.0 - corr) * trust, grid


def _sticker_zones(
    transform: np.ndarray, size: tuple[int, int], picture: tuple[int, int], reach: float
) -> list[np.ndarray]:
    """For a logo used as the whole avatar, the frame's pixels near each corner of the picture (within
    STICKER_REACH of its side, and ``reach`` pixels more; h×w bool each): a sticker covers one of them.
    A logo placed inside a picture is compared whole."""
    w, h = size
    width, height = picture
    if not used_whole(transform, size, picture):
        return []
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    px = transform[0, 0] * xs + transform[0, 1] * ys + transform[0, 2]
    py = transform[1, 0] * xs + transform[1, 1] * ys + transform[1, 2]
    near_x = (px <= STICKER_REACH * width + reach, px >= (1 - STICKER_REACH) * width - reach)
    near_y = (py <= STICKER_REACH * height + reach, py >= (1 - STICKER_REACH) * height - reach)
    return [near_x[right] & near_y[bottom] for bottom in (0, 1) for right in (0, 1)]


def used_whole(transform: np.ndarray, size: tuple[int, int], picture: tuple[int, int]) -> bool:
    """Whether ``transform`` puts the logo's frame (``size``) over WHOLE_SHARE of the picture both ways: the
    logo is the avatar itself."""
    x0, y0, x1, y1 = logo_box(transform, (0, 0, *size), picture)
    return x1 - x0 >= WHOLE_SHARE and y1 - y0 >= WHOLE_SHARE


def size_band(box: tuple[float, ...], size: tuple[int, int]) -> str:
    """ "small" when the found logo covers less than SMALL_SIDE² pixels of the analysed picture, else "large"."""
    x0, y0, x1, y1 = box
    return "small" if np.sqrt(max(0.0, (x1 - x0) * size[0] * (y1 - y0) * size[1])) < SMALL_SIDE else "large"


def logo_box(transform: np.ndarray, inner: tuple[int, ...], picture: tuple[int, int]) -> tuple[float, ...]:
    """Where ``inner`` (a box of the logo's frame) lies in the picture: (x0, y0, x1, y1) in fractions of it."""
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
