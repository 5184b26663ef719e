"""An enrolled logo (``LogoModel``): its keypoints, a small copy of it, and how it is kept.

A model is made by ``enrol.enrol_logo`` from the district's own file: ORB keypoints of the logo drawn
in its own frame (~192×192, with a small margin), trained on edited copies of it. The small copy and
the logo's own area in the frame (its silhouette: not the transparent or paper-coloured surroundings)
are kept for the aligned comparison (``compare``); the logo is the district's artwork, not personal
data.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from watcher.errors import InputError
from watcher.matching.logos.edges import colour_edges, edge_map, thumb_edges

TEMPLATE_AREA = 44 * 44  # pixels of the logo's frame as an edge template: a wordmark at 3:1 is 76×25
TEMPLATE_SMOOTH = 1.0  # template pixels: tolerance for a size or place a little off

_FORMAT = b"LGM2"  # LGM1: before the small-size drawings, the second look and the logo's silhouette


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
        filled = ~border_connected(solid == 0)
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


def border_connected(paper: np.ndarray) -> np.ndarray:
    """The paper-coloured pixels connected to the picture's border: around the drawing, not holes in it."""
    count, labels = cv2.connectedComponents(paper.astype(np.uint8), connectivity=4)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return np.isin(labels, edge[edge > 0]) if count > 1 else np.zeros(paper.shape, bool)


def _disc(side: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
