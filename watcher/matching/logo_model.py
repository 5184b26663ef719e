"""An enrolled logo (``LogoModel``): its keypoints, a small copy of it, and how both are made and kept.

A logo is enrolled (``enrol_logo``) from the district's own file: trimmed to its drawing, drawn in
its own frame (~192×192, with a small margin), and described by ORB keypoints of that drawing at
three sizes and in colour variants (channel orders, grey, inverted). Only the keypoints that edited
copies of the logo actually matched are kept (a training pass at enrolment: smaller, turned, grey,
recoloured, inverted, JPEG-compressed copies on a textured picture, and tiny avatars of it), so
every keypoint kept has earned its matching time. The small copy and the logo's own area in the
frame (its silhouette: not the transparent or paper-coloured surroundings) are kept for the aligned
comparison (``logo_compare``); the logo is the district's artwork, not personal data.

Pictures are described the same way (``picture_keypoints``): ORB on the whole picture, and a second
look at twice its size at the finest levels only, where a logo placed at 15% of the width, or a
48-pixel avatar, still has corners. Both are matched with ``match_keypoints``.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np
from PIL import Image

from watcher.errors import InputError
from watcher.matching.decode import open_picture

QUERY_POINTS = 1000  # ORB keypoints of a whole picture
MIN_SIDE = 160  # a smaller picture (a 48-pixel avatar) is enlarged to this first: ORB needs a 31-pixel patch
FINE_ZOOM, FINE_LEVELS, FINE_POINTS = 2.0, 3, 500  # the second look: twice the size, finest levels only
CANON_AREA = 192 * 192  # the logo's own frame: about this many pixels, whatever its shape
CANON_MAX = 256  # longest side of that frame (a 3:1 wordmark is 256×85)
PAPER = 225  # a margin lighter than this in every channel is paper, not part of the design
FRAME_MARGIN = 0.04  # the frame has this much of the logo's surroundings around it: its outline is an edge too
# The logo is drawn at these longest sides, each enlarged as a picture that small would be (to MIN_SIDE; the
# smallest also FINE_ZOOM times, as the second look sees a logo placed small); ORB adds 8 levels to each.
REFERENCE_SIDES = (384, 128, 64)
REFERENCE_POINTS = 300  # keypoints per drawing and colour variant, before training
MODEL_POINTS = 300  # keypoints kept after training: every training copy's best, then the most matched
RATIO = 0.8  # Lowe's ratio test
MAX_HAMMING = 80  # of 256 bits: a best match farther than this is noise whatever the ratio
REPROJECTION = 3.0  # pixels within which a training copy's keypoint is at its right place
EDGE_SATURATION = 48.0  # gradient (0–255 scale) at which an edge counts fully: contrast changes matter less
EDGE_BLUR = 1.0  # frame pixels: tolerance for the alignment's error
THUMB = 24  # the whole-picture check first compares THUMB×THUMB edge maps (microseconds)
TEMPLATE_AREA = 44 * 44  # pixels of the logo's frame as an edge template: a wordmark at 3:1 is 76×25
TEMPLATE_SMOOTH = 1.0  # template pixels: tolerance for a size or place a little off

_FORMAT = b"LGM2"  # LGM1: before the small-size drawings, the second look and the logo's silhouette


@dataclass(frozen=True)
class Keypoints:
    """ORB keypoints: positions (n×2, pixels of the picture described) and descriptors (n×32 uint8)."""

    points: np.ndarray
    descriptors: np.ndarray

    def __len__(self) -> int:
        return len(self.points)

    @cached_property
    def columns(self) -> np.ndarray:
        """4×n uint64: the descriptors laid out for a fast Hamming scan."""
        if not len(self):
            return np.zeros((4, 0), np.uint64)
        return np.ascontiguousarray(self.descriptors.view(np.uint64).T)


@dataclass(frozen=True)
class Template:
    """A logo's colour-edge strength at template size (``LogoModel.template``), zero-mean over the logo's own
    area and zero outside it, and template pixels per frame pixel."""

    edges: np.ndarray  # float32
    scale: float
    spread: float  # the standard deviation of the logo's edges over its own area


@dataclass(frozen=True)
class LogoModel:
    """An enrolled logo: keypoints in its own frame (``size`` = width, height), and a small copy of it and its
    own area there, for the aligned comparison. ``to_bytes``/``from_bytes`` store it (~20–40 kB)."""

    size: tuple[int, int]
    inner: tuple[int, int, int, int]  # the logo's own box in its frame (the frame has a margin around it)
    points: np.ndarray  # n×2 float32, in the logo's frame
    descriptors: np.ndarray  # n×32 uint8
    image: np.ndarray  # h×w×3 uint8: the logo in its frame (on white where it is transparent)
    mask: np.ndarray  # h×w bool: the logo's own pixels (not its transparent or paper-coloured surroundings)

    @cached_property
    def rim(self) -> np.ndarray:
        """h×w bool: a band two pixels wide around the logo's own pixels, where its outline meets whatever
        a copy is placed on."""
        return (cv2.dilate(self.mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0) & ~self.mask

    @cached_property
    def outline(self) -> np.ndarray:
        """h×w bool: pixels within three of the outer outline of the logo's solid shapes (a disc, a shield, a
        badge: not its lettering), where a copy's edge depends on what the copy is placed on."""
        if self.mask.all():
            return np.zeros(self.mask.shape, bool)
        solid = cv2.morphologyEx(
            self.mask.astype(np.uint8), cv2.MORPH_OPEN, _disc(9), borderType=cv2.BORDER_CONSTANT, borderValue=0
        )
        filled = ~_outside(solid == 0)
        near = np.ones((7, 7), np.uint8)
        band = (cv2.dilate(filled.astype(np.uint8), near) > 0) & ~(cv2.erode(filled.astype(np.uint8), near) > 0)
        return band

    @cached_property
    def thumb(self) -> np.ndarray:
        """The logo's own box as a tiny edge map, for the whole-picture check's first look."""
        x0, y0, x1, y1 = self.inner
        return thumb_edges(self.image[y0:y1, x0:x1])

    @cached_property
    def template(self) -> Template:
        """The logo's frame at about TEMPLATE_AREA pixels: its colour edges over its own area and its rim."""
        w, h = self.size
        scale = float(np.sqrt(TEMPLATE_AREA / (w * h)))
        size = (max(4, round(w * scale)), max(4, round(h * scale)))
        edges = cv2.GaussianBlur(cv2.resize(colour_edges(self.image), size, interpolation=cv2.INTER_AREA), (0, 0),
                                 TEMPLATE_SMOOTH)  # fmt: skip
        area = cv2.resize((self.mask | self.rim).astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.2
        # zero-mean inside the logo and zero around it: the picture around a placed logo neither helps nor harms
        # the correlation's numerator (a masked matchTemplate would be exact, and three times slower)
        return Template(np.where(area, edges - edges[area].mean(), 0.0).astype(np.float32), scale,
                        float(edges[area].std()))  # fmt: skip

    @cached_property
    def edges(self) -> np.ndarray:
        """The logo's edge vectors in its frame, at full resolution (see ``edge_map``)."""
        return edge_map(self.image)

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
        """The stored model; ``InputError`` for bytes of another version (the logo must be added again) or none."""
        if blob[:3] == _FORMAT[:3] and blob[:4] != _FORMAT:
            version = blob[:4].decode("ascii", "replace")
            raise InputError(f"a logo model of another version ({version}): add the logo again")
        if blob[:4] != _FORMAT or len(blob) < 20:
            raise InputError("not a logo model")
        w, h, x0, y0, x1, y1, n = struct.unpack("<HHHHHHI", blob[4:20])
        try:
            body = zlib.decompress(blob[20:])
        except zlib.error:
            raise InputError("truncated logo model") from None
        sizes = [8 * n, 32 * n, 3 * w * h, (w * h + 7) // 8]
        if len(body) != sum(sizes):
            raise InputError("truncated logo model")
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


# ---------------------------------------------------------------- keypoints and matching


def picture_keypoints(grey: np.ndarray) -> Keypoints:
    """ORB keypoints of a picture (enlarged to MIN_SIDE if smaller), and of it enlarged FINE_ZOOM times more at
    its FINE_LEVELS finest levels: a logo 60 pixels wide on a 400-pixel picture has its corners there."""
    height, width = grey.shape[:2]
    zoom = max(1.0, MIN_SIDE / min(width, height))
    coarse = orb_keypoints(zoomed(grey, zoom), QUERY_POINTS, 8)
    fine = orb_keypoints(zoomed(grey, zoom * FINE_ZOOM), FINE_POINTS, FINE_LEVELS)
    points = np.concatenate([coarse.points / zoom, fine.points / (zoom * FINE_ZOOM)]).astype(np.float32)
    return Keypoints(points, np.concatenate([coarse.descriptors, fine.descriptors]))


def orb_keypoints(grey: np.ndarray, max_points: int, levels: int) -> Keypoints:
    orb = cv2.ORB_create(
        nfeatures=max_points, scaleFactor=1.2, nlevels=levels, edgeThreshold=19, patchSize=19, fastThreshold=12
    )
    keypoints, descriptors = orb.detectAndCompute(grey, None)
    if descriptors is None or not keypoints:
        return Keypoints(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))
    return Keypoints(np.array([kp.pt for kp in keypoints], dtype=np.float32), descriptors)


def zoomed(grey: np.ndarray, zoom: float) -> np.ndarray:
    if zoom == 1.0:
        return np.ascontiguousarray(grey)
    height, width = grey.shape[:2]
    return cv2.resize(grey, (round(width * zoom), round(height * zoom)), interpolation=cv2.INTER_CUBIC)


def match_keypoints(model: LogoModel, picture: Keypoints, at_least: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Ratio-test matches (logo keypoint indices, picture keypoint indices), one per picture keypoint, or None
    when fewer than ``at_least``.

    A full Hamming scan in uint8 (numpy's popcount, ~6 ns a pair here; OpenCV's matcher in this
    build does not use the CPU's popcount and takes ~16 ns).
    """
    n, m = len(model.points), len(picture)
    if n < at_least or m < at_least:
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
    if len(keep) < at_least:
        return None
    return ref_idx[keep], query_idx[keep]


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
        rgba = Image.fromarray(np.dstack([arr[..., :3], np.where(_outside(~keep), 0, 255).astype(np.uint8)]), "RGBA")
    ys, xs = np.nonzero(keep)
    if len(xs) < 16:
        return rgba, fill
    return rgba.crop((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)), fill


def _outside(paper: np.ndarray) -> np.ndarray:
    """The paper-coloured pixels connected to the picture's border: around the drawing, not holes in it."""
    count, labels = cv2.connectedComponents(paper.astype(np.uint8), connectivity=4)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return np.isin(labels, edge[edge > 0]) if count > 1 else np.zeros(paper.shape, bool)


def _disc(side: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))


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


# ---------------------------------------------------------------- edge maps


def edge_map(rgb: np.ndarray, blur: float = EDGE_BLUR) -> np.ndarray:
    """Edges as doubled-angle vectors (h×w×2, float32): where colours change and in which direction, whatever
    the colours are (the strongest channel's gradient; its sign, i.e. which side is lighter, is dropped),
    blurred by ``blur`` pixels: the tolerance for the alignment's error."""
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
    return cv2.GaussianBlur(vectors, (0, 0), blur)


def colour_edges(rgb: np.ndarray) -> np.ndarray:
    """Edge strength 0..1 (float32): the strongest channel's gradient, so that a change of colour alone counts
    (lettering olive on magenta has no edge in grey)."""
    img = cv2.GaussianBlur(rgb.astype(np.float32), (0, 0), 0.6)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    power = gx * gx + gy * gy
    if power.ndim == 3:  # np.maximum over the channels: three times faster than .max(axis=2), and the same
        power = np.maximum(np.maximum(power[..., 0], power[..., 1]), power[..., 2])
    return np.minimum(np.sqrt(power) / (4.0 * EDGE_SATURATION), 1.0).astype(np.float32)


def thumb_edges(rgb: np.ndarray) -> np.ndarray:
    """Edge strength on a THUMB×THUMB grid, zero-mean and unit-norm (so that a dot product is a correlation)."""
    small = cv2.resize(rgb, (THUMB * 2, THUMB * 2), interpolation=cv2.INTER_AREA).astype(np.float32)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt((gx * gx + gy * gy).max(axis=2) if small.ndim == 3 else gx * gx + gy * gy)
    mag = cv2.resize(np.minimum(mag, 255.0), (THUMB, THUMB), interpolation=cv2.INTER_AREA).ravel()
    mag -= mag.mean()
    return mag / max(float(np.linalg.norm(mag)), 1e-6)
