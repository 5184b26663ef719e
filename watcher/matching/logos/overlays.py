"""What was laid over a copy: a caption bar, or the outside of a round crop (``valid_mask``).

Both hide part of a copied logo; the aligned comparison (``compare``) leaves them out.
"""

from __future__ import annotations

import cv2
import numpy as np

CAPTION_MIN, CAPTION_MAX = 0.06, 0.3  # a caption bar's share of the picture's height


def valid_mask(rgb: np.ndarray) -> np.ndarray:
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
        text = _text_rows(cover[:deepest], h)
        if text is not None:
            return (0, text) if top else (h - text, h)
    return None


def _text_rows(cover: np.ndarray, h: int) -> int | None:
    """A caption on a bar of the picture's own colour (white on a white avatar) shows only as its text: the
    lowest block of lettered rows, near the bottom, on that colour. Rows from the bottom, to the bar's top
    (the text and half its height above it), or None."""
    lettered = cover < 0.97
    if not lettered.any():
        return None
    start = int(np.argmax(lettered))
    plain = np.flatnonzero(~lettered[start:-1] & ~lettered[start + 1 :])
    if start > 0.1 * h or not len(plain):
        return None
    end = start + int(plain[0])
    if not 0.02 * h <= end - start <= 0.15 * h or cover[start:end].min() < 0.5:
        return None
    depth = round(end + (end - start) / 2)
    return depth if depth <= len(cover) else None


def _edge_to_edge(band: np.ndarray, colour: np.ndarray) -> bool:
    """A bar reaches both sides of the picture on (nearly) every row; a shirt or a table is rounder."""
    return _share(band[:, :2], colour) >= 0.9 and _share(band[:, -2:], colour) >= 0.9


def _share(rows: np.ndarray, colour: np.ndarray) -> float:
    """Share of the pixels of ``rows`` within 24 levels of ``colour``."""
    return float((np.abs(rows - colour).max(axis=-1) <= 24).mean())


_ROUND_GRID = 64
_yy, _xx = np.mgrid[0:_ROUND_GRID, 0:_ROUND_GRID]
_OUTSIDE = ((_xx + 0.5 - _ROUND_GRID / 2) ** 2 + (_yy + 0.5 - _ROUND_GRID / 2) ** 2) > (0.52 * _ROUND_GRID) ** 2
del _yy, _xx
