"""Local features: ORB keypoints with binary descriptors, and the geometric check that pairs them.

A perceptual hash says two whole pictures look alike; it cannot say that *part* of a picture is a
copy of another picture that was cropped, turned, masked, captioned or placed small on something
else, and it cannot tell two portraits posed alike apart. Local features do both: keypoints of the
copy agree with keypoints of the original under one similarity transform (scale, turn, shift),
which RANSAC finds; pictures that only look alike give a handful of chance agreements, not tens.

Once aligned, a copy can be checked patch by patch: ``describe_at`` describes another picture,
brought into this one's frame, at this one's keypoints (same place, orientation and pyramid level);
a copy gives nearly the same descriptors back at almost every keypoint, a look-alike only at those
it shares.

OpenCV does the work (``cv2.ORB``, ``cv2.BFMatcher``, ``cv2.estimateAffinePartial2D``); its
RANSAC seeds its own generator on every call, so the same inputs always give the same answer.
Stored features are derived data: positions, orientations, pyramid levels and 256-bit descriptors
of corners, not the picture.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cv2
import numpy as np

MIN_SIDE = 160  # smaller pictures (a 48×48 avatar) are enlarged first: ORB needs a 31-pixel patch per corner
RATIO = 0.8  # Lowe's ratio test: a descriptor's best match must beat its second best clearly
REPROJECTION = 4.0  # pixels (in the query picture) within which an inlier agrees with the transform
MIN_GOOD = 6  # fewer ratio-test matches than this cannot be told from chance
SCALE_FACTOR, LEVELS, PATCH = 1.2, 8, 19  # ORB's pyramid and patch: one setting for detecting and describing
_FORMAT = b"KP2"
_POINT_SCALE = 16  # positions are stored as uint16 sixteenths of a pixel (pictures up to 4,095 px)
_ANGLE_STEPS = 256  # orientations are stored as one byte (1.4° steps; ORB's own bins are 12°)


@dataclass(frozen=True)
class Features:
    """Keypoints of one picture: positions (n×2, pixels of the analysed picture), ORB descriptors (n×32),
    and each keypoint's orientation (degrees) and pyramid level, so that the same patch can be described
    again in another picture brought into this one's frame (``describe_at``)."""

    points: np.ndarray
    descriptors: np.ndarray
    size: tuple[int, int]  # (width, height) of the analysed picture
    angles: np.ndarray  # n float32, degrees
    octaves: np.ndarray  # n uint8

    def __len__(self) -> int:
        return len(self.points)

    def to_bytes(self) -> bytes:
        n = len(self.points)
        header = _FORMAT + struct.pack("<IHH", n, *self.size)
        fixed = np.clip(np.rint(self.points * _POINT_SCALE), 0, 65535).astype("<u2")
        turns = np.rint(self.angles / 360 * _ANGLE_STEPS).astype(np.int64) % _ANGLE_STEPS
        return (
            header
            + fixed.tobytes()
            + np.ascontiguousarray(self.descriptors, dtype=np.uint8).tobytes()
            + turns.astype(np.uint8).tobytes()
            + np.ascontiguousarray(self.octaves, dtype=np.uint8).tobytes()
        )

    @classmethod
    def from_bytes(cls, blob: bytes) -> Features:
        if blob[:3] != _FORMAT or len(blob) < 11:
            raise ValueError("not a features record")
        n, width, height = struct.unpack("<IHH", blob[3:11])
        points_end = 11 + 4 * n
        descriptors_end = points_end + 32 * n
        if len(blob) != descriptors_end + 2 * n:
            raise ValueError("truncated features record")
        points = np.frombuffer(blob[11:points_end], dtype="<u2").reshape(n, 2).astype(np.float32) / _POINT_SCALE
        descriptors = np.frombuffer(blob[points_end:descriptors_end], dtype=np.uint8).reshape(n, 32)
        turns = np.frombuffer(blob[descriptors_end : descriptors_end + n], dtype=np.uint8)
        octaves = np.frombuffer(blob[descriptors_end + n :], dtype=np.uint8)
        angles = turns.astype(np.float32) * np.float32(360 / _ANGLE_STEPS)
        return cls(points, descriptors, (width, height), angles, octaves)


@dataclass(frozen=True)
class Alignment:
    """How a reference sits in a query picture: a similarity transform and the keypoints that agree with it."""

    inliers: int
    matches: int  # ratio-test matches RANSAC chose from
    transform: np.ndarray  # 2×3, reference pixels → query pixels
    inlier_points: np.ndarray  # the agreeing reference points (k×2), e.g. to see how much of it they cover

    @property
    def scale(self) -> float:
        return float(np.hypot(self.transform[0, 0], self.transform[1, 0]))

    @property
    def angle(self) -> float:
        """Degrees, anticlockwise in picture coordinates."""
        return float(np.degrees(np.arctan2(self.transform[1, 0], self.transform[0, 0])))


def extract(grey: np.ndarray, max_points: int = 500, fast_threshold: int = 12) -> Features:
    """ORB keypoints of a grey picture; a small picture is enlarged first so that it has corners at all."""
    height, width = grey.shape[:2]
    grey, scale = _enlarged(grey)
    orb = _orb(max_points, fast_threshold)
    keypoints, descriptors = orb.detectAndCompute(grey, None)
    if descriptors is None or not keypoints:
        none = np.zeros(0, np.float32)
        return Features(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), (width, height), none, none)
    points = np.array([kp.pt for kp in keypoints], dtype=np.float32) / scale
    angles = np.array([kp.angle for kp in keypoints], dtype=np.float32)
    octaves = np.array([kp.octave for kp in keypoints], dtype=np.uint8)
    return Features(points, descriptors, (width, height), angles, octaves)


def describe_at(grey: np.ndarray, features: Features) -> tuple[np.ndarray, np.ndarray]:
    """ORB descriptors of another picture at this one's keypoints, each with its orientation and level.

    ``grey`` must already be in the features' frame (``features.size``), e.g. a copy brought into it
    by an alignment. Where the copy shows the same patch, its descriptor is nearly the stored one,
    whether or not the copy's own detector found a corner there. Returns the descriptors (n×32) and
    which keypoints could be described (those too near the edge cannot).
    """
    n = len(features)
    described = np.zeros((n, 32), np.uint8)
    ok = np.zeros(n, bool)
    if not n:
        return described, ok
    grey, scale = _enlarged(grey)
    keypoints = [
        cv2.KeyPoint(float(x * scale), float(y * scale), PATCH * SCALE_FACTOR**octave, float(angle), 0, octave, i)
        for i, ((x, y), angle, octave) in enumerate(
            zip(features.points.tolist(), features.angles.tolist(), features.octaves.tolist(), strict=True)
        )
    ]
    kept, descriptors = _orb(n, 20).compute(grey, keypoints)
    if descriptors is not None and kept:
        index = np.array([kp.class_id for kp in kept])
        described[index] = descriptors
        ok[index] = True
    return described, ok


def _enlarged(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """A small picture enlarged to MIN_SIDE (ORB needs a 31-pixel patch per corner), and by how much."""
    height, width = grey.shape[:2]
    if min(width, height) >= MIN_SIDE:
        return np.ascontiguousarray(grey), 1.0
    scale = MIN_SIDE / min(width, height)
    size = (round(width * scale), round(height * scale))
    return cv2.resize(grey, size, interpolation=cv2.INTER_CUBIC), scale


def _orb(max_points: int, fast_threshold: int) -> cv2.ORB:
    return cv2.ORB_create(
        nfeatures=max_points,
        scaleFactor=SCALE_FACTOR,
        nlevels=LEVELS,
        edgeThreshold=PATCH,
        patchSize=PATCH,
        fastThreshold=fast_threshold,
    )


def align(
    reference: Features,
    query: Features,
    *,
    ratio: float = RATIO,
    reprojection: float = REPROJECTION,
    min_scale: float = 0.05,
    max_scale: float = 8.0,
    max_turn: float = 180.0,
) -> Alignment | None:
    """The similarity transform that maps most of the reference's keypoints onto the query's, if any.

    ``reprojection`` is in query pixels. Transforms that shrink or enlarge the reference beyond
    ``min_scale``..``max_scale`` are refused (a copy is not a speck, nor the reference blown up
    from a single corner), and so are turns beyond ``max_turn`` degrees (nobody posts a portrait
    upside down; a chance alignment often is).
    """
    if len(reference) < MIN_GOOD or len(query) < MIN_GOOD:
        return None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(reference.descriptors, query.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    if len(good) < MIN_GOOD:
        return None
    source = reference.points[[m.queryIdx for m in good]]
    target = query.points[[m.trainIdx for m in good]]
    transform, mask = cv2.estimateAffinePartial2D(
        source,
        target,
        method=cv2.RANSAC,
        ransacReprojThreshold=reprojection,
        maxIters=2000,
        confidence=0.995,
        refineIters=10,
    )
    if transform is None or mask is None:
        return None
    keep = mask.ravel().astype(bool)
    found = Alignment(int(keep.sum()), len(good), transform, source[keep])
    if not min_scale <= found.scale <= max_scale or abs(found.angle) > max_turn:
        return None
    return found
