"""Keypoints of pictures, and how they are matched with a logo's.

Pictures are described as logos are (``picture_keypoints``): ORB on the whole picture, and a second
look at twice its size at the finest levels only, where a logo placed at 15% of the width, or a
48-pixel avatar, still has corners. Both are matched with ``match_keypoints``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from watcher.matching.logos.model import LogoModel

QUERY_POINTS = 1000  # ORB keypoints of a whole picture
MIN_SIDE = 160  # a smaller picture (a 48-pixel avatar) is enlarged to this first: ORB needs a 31-pixel patch
FINE_ZOOM, FINE_LEVELS, FINE_POINTS = 2.0, 3, 500  # the second look: twice the size, finest levels only
RATIO = 0.8  # Lowe's ratio test
MAX_HAMMING = 80  # of 256 bits: a best match farther than this is noise whatever the ratio


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
