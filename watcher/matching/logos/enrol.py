"""Enrolment: a district's logo file made into a ``LogoModel``.

A logo is enrolled (``enrol_logo``) from the district's own file: trimmed to its drawing, drawn in
its own frame (~192×192, with a small margin), and described by ORB keypoints of that drawing at
three sizes and in colour variants (channel orders, grey, inverted). Only the keypoints that edited
copies of the logo actually matched are kept (a training pass at enrolment: smaller, turned, grey,
recoloured, inverted, JPEG-compressed copies on a textured picture, and tiny avatars of it), so
every keypoint kept has earned its matching time.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from watcher.matching.images import open_picture
from watcher.matching.logos.keypoint_matching import (
    FINE_ZOOM,
    MIN_SIDE,
    match_keypoints,
    orb_keypoints,
    picture_keypoints,
    zoomed,
)
from watcher.matching.logos.model import LogoModel, border_connected

CANON_AREA = 192 * 192  # the logo's own frame: about this many pixels, whatever its shape
CANON_MAX = 256  # longest side of that frame (a 3:1 wordmark is 256×85)
PAPER = 225  # a margin lighter than this in every channel is paper, not part of the design
FRAME_MARGIN = 0.04  # the frame has this much of the logo's surroundings around it: its outline is an edge too
# The logo is drawn at these longest sides, each enlarged as a picture that small would be (to MIN_SIDE; the
# smallest also FINE_ZOOM times, as the second look sees a logo placed small); ORB adds 8 levels to each.
REFERENCE_SIDES = (384, 128, 64)
REFERENCE_POINTS = 300  # keypoints per drawing and colour variant, before training
MODEL_POINTS = 300  # keypoints kept after training: every training copy's best, then the most matched
REPROJECTION = 3.0  # pixels within which a training copy's keypoint is at its right place


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
    alpha = np.asarray(own.resize(size, Image.Resampling.BOX))  # a thin stroke keeps some of its alpha
    mask = alpha > 8
    if (np.asarray(rgba.getchannel("A")) > 250).all():  # an opaque rectangle: its outline is the surroundings'
        mask = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    inner = (round(pad * scale), round(pad * scale), round((pad + w) * scale), round((pad + h) * scale))
    points, descriptors = _reference_keypoints(flat, size)
    model = LogoModel(size, inner, points, descriptors, np.ascontiguousarray(canon), mask)
    return _trained(model, flat)


def _trim(rgba: Image.Image) -> tuple[Image.Image, tuple[int, int, int]]:
    """The logo without its transparent or paper-coloured margins (a copy is found by its drawing, not its
    margin), and the colour around it (white when it was transparent). Paper around the drawing becomes
    transparent: a copy may show anything there (an avatar's own fill, a photo), and only the logo's
    silhouette, holes in it included, is compared."""
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
        rgba = Image.fromarray(
            np.dstack([arr[..., :3], np.where(border_connected(~keep), 0, 255).astype(np.uint8)]), "RGBA"
        )
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
        zoom = max(1.0, MIN_SIDE / min(drawn.shape[:2]))
        if side == REFERENCE_SIDES[-1]:
            zoom = max(FINE_ZOOM, zoom * FINE_ZOOM / 2)
        for grey in _variants(drawn):
            found = orb_keypoints(zoomed(grey, zoom), REFERENCE_POINTS, 8)
            if len(found):
                points.append(found.points / zoom * to_canon)
                descriptors.append(found.descriptors)
    if not points:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    return np.concatenate(points).astype(np.float32), np.concatenate(descriptors)


def _trained(model: LogoModel, flat: Image.Image) -> LogoModel:
    """Keep the keypoints that edited copies of the logo actually matched: each copy's most matched ones
    first (so that the rare edits, inverted or tiny, keep keypoints of their own), then the most matched.

    The copies are made here, from the logo alone. A keypoint that none of them matched at its right
    place only adds chances of a false match and costs time.
    """
    copies = _training_copies(flat, model.size)
    matched = np.zeros((len(copies), len(model.points)), bool)
    for number, (picture, transform) in enumerate(copies):
        query = picture_keypoints(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY))
        found = match_keypoints(model, query, 1)
        if found is None:
            continue
        ref_idx, query_idx = found
        projected = model.points[ref_idx] @ transform[:, :2].T + transform[:, 2]
        good = np.hypot(*(projected - query.points[query_idx]).T) <= REPROJECTION
        matched[number, ref_idx[good]] = True
    counts = matched.sum(axis=0)
    order = np.argsort(-counts, kind="stable")
    chosen: list[int] = []
    taken = np.zeros(len(counts), bool)
    share = MODEL_POINTS // (2 * len(copies))
    for row in matched:
        mine = order[row[order] & ~taken[order]][:share]
        taken[mine] = True
        chosen.extend(mine.tolist())
    rest = order[(counts[order] > 0) & ~taken[order]][: max(0, MODEL_POINTS - len(chosen))]
    keep = np.sort(np.concatenate([np.array(chosen, dtype=np.int64), rest]))
    return LogoModel(model.size, model.inner, model.points[keep], model.descriptors[keep], model.image, model.mask)


def _training_copies(flat: Image.Image, size: tuple[int, int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Edited copies of the logo on a textured picture, each with its true transform (frame → picture): placed
    on a 400×400 picture at several sizes, and used whole as small avatars (96 and 56 pixels)."""
    rng = np.random.default_rng(12345)
    texture = rng.integers(90, 170, (50, 50, 3), dtype=np.uint8)
    rgb = np.asarray(flat)
    copies = []
    plans = [  # (picture side, logo width share, turn in degrees, colour edit, JPEG quality)
        (400, 0.9, 0.0, "none", 90),
        (400, 0.5, 6.0, "grey", 70),
        (400, 0.3, -4.0, "swap", 60),
        (400, 0.2, 0.0, "none", 80),
        (400, 0.6, -8.0, "invert", 80),
        (400, 0.15, 3.0, "hue", 85),
        (400, 0.4, 0.0, "swap2", 40),
        (400, 0.12, 0.0, "none", 85),
        (96, 0.9, 0.0, "none", 80),
        (56, 0.92, 0.0, "none", 85),
    ]
    for side, share, turn, colour, quality in plans:
        background = cv2.resize(texture, (side, side), interpolation=cv2.INTER_LINEAR)
        edited = _recoloured(rgb, colour)
        scale = share * side / max(edited.shape[:2])
        edited = cv2.resize(edited, (max(4, round(edited.shape[1] * scale)), max(4, round(edited.shape[0] * scale))),
                            interpolation=cv2.INTER_AREA)  # fmt: skip
        h, w = edited.shape[:2]
        if side < 400:
            centre = (side / 2, side / 2)
        else:
            centre = (200.0, 200.0) if share > 0.6 else (110.0 + 180 * (share < 0.25), 130.0 + 150 * (share < 0.13))
        rot = cv2.getRotationMatrix2D((w / 2, h / 2), turn, 1.0)
        rot[:, 2] += np.array(centre) - np.array([w / 2, h / 2])
        warped = cv2.warpAffine(edited, rot, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        inside = cv2.warpAffine(np.full((h, w), 255, np.uint8), rot, (side, side), flags=cv2.INTER_LINEAR)
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
