"""Edge templates: where a logo may be when its keypoints cannot say.

ORB looks at grey corners. Lettering that differs from its ground only in colour (olive on magenta)
has none, and a logo made of many alike corners (a hexagon's, a row of stars) gives matches the
ratio test throws away. Both still have edges in colour. Here the logo's colour-edge strength at
about TEMPLATE_AREA pixels (``LogoModel.template``, zero outside the logo) is slid over the picture's
at a ladder of sizes (``cv2.matchTemplate``, normalised correlation), and the best places become
candidates for the aligned comparison (``compare.verify``), which judges them as it judges
keypoint alignments. A logo is always drawn at its template size and the picture is resized
instead, so each rung is made once per picture and shared by every logo; a logo is looked for from
MIN_SHARE of the picture's width to all of it (a little more: OVERHANG).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from watcher.matching.logos.edges import colour_edges
from watcher.matching.logos.model import TEMPLATE_AREA, TEMPLATE_SMOOTH, LogoModel

LADDER_TOP = 1.3  # the picture enlarged this much at most (a small avatar)
LADDER_STEP = 1.15  # between rungs: a copy's size is then within ±7%, which the edge alignment refines
MIN_SHARE = 0.12  # of the picture's width: a logo placed smaller is not looked for (the corpus places from 15%)
OVERHANG = 0.15  # of a template's side: how far a logo may run off the picture (a round crop, a tight cut)
PAD = round(OVERHANG * math.sqrt(TEMPLATE_AREA))  # pixels of zero border around every rung, for OVERHANG
MIN_SIDE = 18  # picture pixels: nor is a logo narrower than this (it could not be verified)
PEAKS_PER_RUNG = 2  # best places kept from each size
PROPOSALS = 2  # candidates passed on to verification, best first, not overlapping
FLAT = 0.25  # a window whose edges vary less than this share of the template's is not a place for it
MIN_CORRELATION = 0.4  # a place correlating less is not worth verifying (copies: 0.5–0.9)


@dataclass(frozen=True)
class Rung:
    """The picture's colour-edge strength resized by ``factor``."""

    factor: float
    edges: np.ndarray  # float32, with a zero border of PAD pixels
    sums: np.ndarray  # the integral image of ``edges`` and of its square (``cv2.integral2``), for windows' spread
    squares: np.ndarray


class Ladder:
    """A picture's colour edges, resized to the rungs the logos ask for, each made once and shared by logos."""

    def __init__(self, rgb: np.ndarray) -> None:
        self.edges = colour_edges(rgb)
        self._rungs: dict[int, Rung] = {}

    def rungs(self, width: int, height: int) -> Iterator[Rung]:
        """The rungs on which a width×height template is a logo between MIN_SHARE and all of the picture's width."""
        rows, cols = self.edges.shape
        least = max(MIN_SHARE * cols, MIN_SIDE)
        step = max(0, math.ceil(math.log(LADDER_TOP * least / width) / math.log(LADDER_STEP)))
        while True:
            factor = LADDER_TOP / LADDER_STEP**step
            if cols * factor + 2 * PAD < width or rows * factor + 2 * PAD < height:
                return
            yield self._rung(step, factor)
            step += 1

    def _rung(self, step: int, factor: float) -> Rung:
        if step not in self._rungs:
            rows, cols = self.edges.shape
            size = (max(1, round(cols * factor)), max(1, round(rows * factor)))
            how = cv2.INTER_LINEAR if factor > 1 else cv2.INTER_AREA
            resized = cv2.GaussianBlur(cv2.resize(self.edges, size, interpolation=how), (0, 0), TEMPLATE_SMOOTH)
            edges = cv2.copyMakeBorder(resized, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT)
            self._rungs[step] = Rung(factor, edges, *cv2.integral2(edges))
        return self._rungs[step]


def proposals(model: LogoModel, ladder: Ladder) -> Iterator[np.ndarray]:
    """Transforms (logo frame → picture) of the best-correlating places, best first, at most PROPOSALS."""
    shape = model.template
    th, tw = shape.edges.shape
    found: list[tuple[float, np.ndarray]] = []
    for rung in ladder.rungs(tw, th):
        scores = cv2.matchTemplate(rung.edges, shape.edges, cv2.TM_CCOEFF_NORMED)
        # a window with (almost) no edges correlates with anything: rounding makes its correlation up to 1
        scores[_spread(rung, tw, th) < FLAT * shape.spread] = -1.0
        scores = np.nan_to_num(scores, nan=-1.0, posinf=-1.0, neginf=-1.0)
        for _ in range(PEAKS_PER_RUNG):
            _, best, _, (x, y) = cv2.minMaxLoc(scores)
            if best < MIN_CORRELATION:
                break
            scale = shape.scale / rung.factor
            left, top = (x - PAD) / rung.factor, (y - PAD) / rung.factor
            found.append((best, np.array([[scale, 0, left], [0, scale, top]], np.float64)))
            scores[max(0, y - th // 2) : y + th // 2 + 1, max(0, x - tw // 2) : x + tw // 2 + 1] = -1.0
    found.sort(key=lambda item: -item[0])
    kept: list[np.ndarray] = []
    for _, transform in found:
        if all(_overlap(transform, other, model.size) < 0.5 for other in kept):
            kept.append(transform)
            yield transform
            if len(kept) == PROPOSALS:
                return


def _spread(rung: Rung, width: int, height: int) -> np.ndarray:
    """The standard deviation of the rung's edges in every width×height window (indexed as matchTemplate's
    result: by the window's top left corner)."""

    def window(table: np.ndarray) -> np.ndarray:
        return table[height:, width:] - table[:-height, width:] - table[height:, :-width] + table[:-height, :-width]

    area = width * height
    mean = window(rung.sums) / area
    return np.sqrt(np.maximum(window(rung.squares) / area - mean * mean, 0.0)).astype(np.float32)


def _overlap(a: np.ndarray, b: np.ndarray, size: tuple[int, int]) -> float:
    """Intersection over union of where two transforms put the logo's frame (no turn: boxes)."""
    w, h = size
    ax0, ay0, ax1, ay1 = a[0, 2], a[1, 2], a[0, 2] + a[0, 0] * w, a[1, 2] + a[1, 1] * h
    bx0, by0, bx1, by1 = b[0, 2], b[1, 2], b[0, 2] + b[0, 0] * w, b[1, 2] + b[1, 1] * h
    ix = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    iy = max(0.0, min(ay1, by1) - max(ay0, by0))
    inter = ix * iy
    return inter / ((ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter)
