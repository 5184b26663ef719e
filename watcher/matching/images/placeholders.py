"""A platform's default avatar (silhouette, egg, initial, identicon, one colour): "no photo"."""

from __future__ import annotations

import numpy as np
from PIL import Image

from watcher.matching.images.decode import DecodedImage
from watcher.matching.images.views import load_image

PLACEHOLDER_FLAT = 0.88  # share of pixels in flat areas: drawn placeholders ≥ 0.9, a photo of a page or coins ≤ 0.85
PLACEHOLDER_TWO_COLOURS = 0.95  # share of the pixels in the two main colours or blends of them
PLACEHOLDER_EDGES = 0.25  # share of neighbouring pixel pairs that differ by more than 24 grey levels
PLACEHOLDER_LEVELS = 4  # at most this many grey levels (of 32) cover 2% of the picture each; grey photos: 6+


def is_placeholder(data: bytes | DecodedImage, max_pixels: int) -> bool:
    """A platform's default avatar (silhouette, egg, initial, identicon, one colour): "no photo".

    Such pictures are two flat colours with a few edges (measured: silhouettes, eggs, initials ≤ 0.07
    of pixel pairs across an edge, identicons ≤ 0.2); a photo has many colours, a seal has three or
    more flat colours and many edges (~0.38, its lettering). A photo of a two-toned thing (a printed
    page, coins on a table) has two colours too, but its paper and metal are never flat: drawn
    placeholders are flat at 90% of their pixels or more, such photos at 85% or less. A simple
    two-colour logo may look like a placeholder too: logos are searched in every picture, placeholder
    or not.
    """
    work = load_image(data, max_pixels)
    if _flat_share(np.asarray(work.convert("L"), dtype=np.int16)) < PLACEHOLDER_FLAT:
        return False
    image = work.resize((64, 64), Image.Resampling.BOX)
    pixels = np.asarray(image, dtype=np.float32).reshape(-1, 3)
    first, second = _main_colours(pixels)
    along = np.clip((pixels - first) @ (second - first) / max(float((second - first) @ (second - first)), 1.0), 0, 1)
    off = np.linalg.norm(pixels - (first + along[:, None] * (second - first)), axis=1)
    two_colours = float((off <= 40).mean())  # the two colours and the blends along their edges
    grey = np.asarray(image.convert("L"), dtype=np.int16)
    # A grey photo is all "blends" of black and white, but with many grey levels; a placeholder has few.
    levels = int((np.bincount((grey // 8).ravel(), minlength=32) > 0.02 * grey.size).sum())
    edges = (np.abs(np.diff(grey, axis=0)) > 24).mean() + (np.abs(np.diff(grey, axis=1)) > 24).mean()
    return bool(two_colours >= PLACEHOLDER_TWO_COLOURS and levels <= PLACEHOLDER_LEVELS and edges <= PLACEHOLDER_EDGES)


def _flat_share(grey: np.ndarray) -> float:
    """Share of the pixels whose 3×3 neighbourhood spans at most 2 grey levels: drawn flat."""
    padded = np.pad(grey, 1, mode="edge")
    shifted = [padded[dy : dy + grey.shape[0], dx : dx + grey.shape[1]] for dy in range(3) for dx in range(3)]
    return float(((np.max(shifted, axis=0) - np.min(shifted, axis=0)) <= 2).mean())


def _main_colours(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The most common colour, and the most common one far from it (the first again if there is none)."""
    codes = (pixels // 16).astype(np.int64) @ np.array([256, 16, 1])
    first = _colour_near(pixels, codes, np.ones(len(pixels), dtype=bool))
    far = np.abs(pixels - first).max(axis=1) > 40
    return first, (_colour_near(pixels, codes, far) if far.any() else first)


def _colour_near(pixels: np.ndarray, codes: np.ndarray, among: np.ndarray) -> np.ndarray:
    """The mean colour of the pixels near the most common 16-level colour cell among ``among``."""
    top = np.bincount(codes[among]).argmax()
    centre = np.array([top // 256, (top // 16) % 16, top % 16], dtype=np.float32) * 16 + 8
    return pixels[among & (np.abs(pixels - centre).max(axis=1) <= 24)].mean(axis=0)
