"""The three 64-bit hashes of a rendered view, and the distances a match is judged on.

Each view has three 64-bit hashes, computed on the view rendered at 64×64 and turned grey at 32×32
(Pillow's ``convert("L")`` and a box filter): ``phash`` and ``dhash`` exactly as imagehash defines
them (``imagehash.phash`` and ``imagehash.dhash`` of that 32×32 grey view: the signs of the 8×8
low DCT block against its median, and of horizontal steps on a 9×8 Lanczos resize), but computed
for all views at once with numpy — a test checks them bit for bit against imagehash — and ``color``
(where the colour is, whatever the hues: the chroma along its main axis and its strength, 32 bits
each; 0 when the picture is grey). Portraits posed alike are close in luminance; their colours are
what sets them apart, so colour bits count twice, and a grey picture pays a fixed charge instead.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from watcher.models import ImageHashes

HASH_SIZE = 8  # 64-bit hashes
HASH_BITS = 2 * HASH_SIZE * HASH_SIZE  # the luminance distance counts phash and dhash bits: 0..128
COLOR_BITS = 48  # the colour distance: 0..16 for the chroma layout (its sign is arbitrary), 0..32 for its strength
COLOR_WEIGHT = 2
GREY_CHARGE = 28  # what an unknown colour costs: about the colour bits of the worst true pairs
MAX_DISTANCE = HASH_BITS + COLOR_WEIGHT * COLOR_BITS
GREY_CHROMA = 4.0  # below this spread of chroma (0–255 scale) a picture is grey: its colour hash is 0
ONE_HUE = 3.0  # chroma (0–255 scale) not explained by the brightness: below it a picture is one-hued


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def luminance_distance(a: ImageHashes, b: ImageHashes) -> int:
    return distance(a.phash, b.phash) + distance(a.dhash, b.dhash)


def color_distance(a: ImageHashes, b: ImageHashes) -> int | None:
    """Colour bits apart (0..48), or None when either picture is grey."""
    if not a.color or not b.color:
        return None
    diff = a.color ^ b.color
    axis = (diff >> 32).bit_count()
    return min(axis, 32 - axis) + (diff & 0xFFFFFFFF).bit_count()


def view_distance(a: ImageHashes, b: ImageHashes) -> int:
    """The distance a match is judged on: luminance bits, plus the colour bits twice when both have colour.

    Colour is what tells apart people posed alike, so it weighs double; when either picture is grey it
    cannot be checked, and costs GREY_CHARGE instead, so a grey copy must be closer in luminance.
    """
    colour = color_distance(a, b)
    return luminance_distance(a, b) + (GREY_CHARGE if colour is None else COLOR_WEIGHT * colour)


def ycc(rgb: np.ndarray) -> np.ndarray:
    """Brightness (0–255), Cb and Cr (centred on 0) of RGB pixels (…×3, float): JPEG's YCbCr, in rgb's dtype."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b
    return np.stack([luma, cb, cr], axis=-1)


def one_hue(rgb: np.ndarray) -> bool:
    """Grey, sepia or duotone: the colour follows the brightness, so it says nothing of its own."""
    return one_hue_ycc(ycc(np.asarray(rgb, dtype=np.float64).reshape(-1, 3)[::3]))


def one_hue_ycc(pixels: np.ndarray) -> bool:
    """``one_hue`` for n×3 brightness, Cb, Cr (centred) pixels.

    The chroma is predicted from the brightness alone (its mean in each of 32 brightness levels);
    what that leaves is the picture's own colour. A tint keeps most of it (a blend scales it), sepia
    and grey keep none.
    """
    pixels = np.asarray(pixels, dtype=np.float64)
    levels = np.clip(pixels[:, 0] / 8, 0, 31).astype(np.int64)
    counts = np.maximum(np.bincount(levels, minlength=32), 1)
    left = 0.0
    for c in (1, 2):
        chroma = pixels[:, c]
        expected = np.bincount(levels, weights=chroma, minlength=32) / counts
        left += float(np.abs(chroma - expected[levels]).mean())
    return left < ONE_HUE


def grey_view(view: np.ndarray) -> Image.Image:
    """The 32×32 grey picture a rendered view's phash and dhash are defined on (Pillow's own conversion)."""
    return Image.fromarray(view).convert("L").resize((32, 32), Image.Resampling.BOX)


def _grey32(stack: np.ndarray) -> np.ndarray:
    """``grey_view`` of every view at once, to the bit: Pillow's fixed-point RGB→L (its sums are whole
    numbers below 2²⁴, exact in float32), then its 2×2 box (each halving rounds half up, across first,
    then down)."""
    grey = np.floor((stack.astype(np.float32) @ _PILLOW_L + 32768.0) * (1 / 65536)).astype(np.uint16)
    across = (grey[:, :, 0::2] + grey[:, :, 1::2] + 1) >> 1
    return ((across[:, 0::2] + across[:, 1::2] + 1) >> 1).astype(np.uint8)


def hash_stack(stack: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """phash, dhash and colour hash of N rendered views (uint8 n×64×64×3), as uint64 arrays.

    phash and dhash are imagehash's of ``grey_view``: the DCT is a matrix product here (scaled
    unlike scipy's, which does not move any coefficient across the median; where two coefficients
    tie at the median, as in a perfect ramp, float noise decides in either), and the 9×8 picture of
    the dhash is Pillow's Lanczos resize, as imagehash makes it, to the bit (``_lanczos_9x8``).
    """
    n = len(stack)
    greys = _grey32(stack)
    # n×8×8, rounded so that a flat picture's zeros tie as scipy's do
    low = np.round(_DCT8 @ greys.astype(np.float64) @ _DCT8.T, 6)
    flat = low.reshape(n, 64)
    phash = _pack(flat > np.median(flat, axis=1, keepdims=True))
    small = _lanczos_9x8(greys).astype(np.int16)
    dhash = _pack((small[:, :, 1:] > small[:, :, :-1]).reshape(n, 64))
    rows = stack[:, 0::2].astype(np.uint16) + stack[:, 1::2]  # 2×2 boxes: whole sums, then their means
    rgb = (rows[:, :, 0::2] + rows[:, :, 1::2]).astype(np.float32) * np.float32(0.25)
    return phash, dhash, _color_hash(rgb)


def _color_hash(rgb: np.ndarray) -> np.ndarray:
    """Where the colour is, the same whatever the hues: chroma along its main axis, and chroma strength."""
    chroma = ycc(rgb)
    cb, cr = chroma[..., 1], chroma[..., 2]
    cb_c = cb - cb.mean(axis=(1, 2), keepdims=True)
    cr_c = cr - cr.mean(axis=(1, 2), keepdims=True)
    sxx, syy, sxy = (cb_c**2).mean(axis=(1, 2)), (cr_c**2).mean(axis=(1, 2)), (cb_c * cr_c).mean(axis=(1, 2))
    spread = np.sqrt(sxx + syy)
    theta = 0.5 * np.arctan2(2 * sxy, sxx - syy)  # the main axis of the chroma scatter
    axis = np.cos(theta)[:, None, None] * cb_c + np.sin(theta)[:, None, None] * cr_c
    strength = np.hypot(cb, cr)
    axis_bits = _zigzag_bits(axis)
    strength_bits = _zigzag_bits(strength)
    out = (_pack32(axis_bits).astype(np.uint64) << np.uint64(32)) | _pack32(strength_bits).astype(np.uint64)
    out[spread < GREY_CHROMA] = 0
    return out


def _zigzag_bits(channel: np.ndarray) -> np.ndarray:
    coeffs = (_DCT8 @ channel @ _DCT8.T).reshape(len(channel), 64)[:, _ZIGZAG32]
    return coeffs > np.median(coeffs, axis=1, keepdims=True)


def _pack(bits: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.packbits(bits, axis=1)).view(">u8").ravel().astype(np.uint64)


def _pack32(bits: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.packbits(bits, axis=1)).view(">u4").ravel().astype(np.uint32)


def _lanczos_9x8(greys: np.ndarray) -> np.ndarray:
    """Pillow's Lanczos resize of n 32×32 grey pictures to 9×8, to the bit, as two matrix products
    (a Python call per view cost a third of an enrolment). Pillow resizes across, then down, each
    pass in fixed point: weights scaled by 2²² and rounded, sums rounded half up, clipped to 0–255.
    In float64 every such sum is an exact integer (below 2⁵³), so flooring gives Pillow's bytes."""
    half, one = float(1 << (_PRECISION_BITS - 1)), float(1 << _PRECISION_BITS)
    across = np.clip(np.floor((greys.astype(np.float64) @ _LANCZOS_ACROSS.T + half) / one), 0, 255)
    return np.clip(np.floor((_LANCZOS_DOWN @ across + half) / one), 0, 255).astype(np.uint8)


def _lanczos_weights(size: int, out: int) -> np.ndarray:
    """Pillow's fixed-point Lanczos weights (out × size) for resizing ``size`` pixels to ``out``: each
    output pixel's window spans three input pixels per side, widened by the scale; weights are
    normalised to sum to one, then scaled by 2²² and rounded half away from zero."""
    scale = size / out
    support = 3.0 * max(scale, 1.0)
    weights = np.zeros((out, size))
    for i in range(out):
        centre = (i + 0.5) * scale
        first = max(int(centre - support + 0.5), 0)
        last = min(int(centre + support + 0.5), size)
        taps = np.array([_lanczos((x - centre + 0.5) / max(scale, 1.0)) for x in range(first, last)])
        taps /= taps.sum()
        weights[i, first:last] = np.trunc(taps * (1 << _PRECISION_BITS) + np.where(taps < 0, -0.5, 0.5))
    return weights


def _lanczos(x: float) -> float:
    """The Lanczos window of three lobes: sinc(x)·sinc(x/3) inside ±3."""
    if not -3.0 <= x < 3.0:
        return 0.0
    return float(np.sinc(x) * np.sinc(x / 3.0))


def _dct_rows(n: int, size: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    x = np.arange(size)[None, :]
    return np.cos(np.pi * k * (2 * x + 1) / (2 * size))


_DCT8 = _dct_rows(HASH_SIZE, 32)
_PILLOW_L = np.array([19595, 38470, 7471], dtype=np.float32)  # Pillow's RGB→L weights, in 65536ths
_PRECISION_BITS = 22  # Pillow's fixed point for 8-bit resampling: 32 bits less 8 for the pixel and 2 spare
_LANCZOS_ACROSS = _lanczos_weights(32, HASH_SIZE + 1)
_LANCZOS_DOWN = _lanczos_weights(32, HASH_SIZE)
_ZIGZAG32 = sorted(range(1, 64), key=lambda i: (i // 8 + i % 8, i // 8 if (i // 8 + i % 8) % 2 else i % 8))[:32]
