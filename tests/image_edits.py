"""Edits impostors make to a picture, and the default avatars platforms show: for the tests only.

The demo's own edits (recompressed, mirrored, cropped, tinted) and the portraits themselves are in
watcher/demo/portraits.py.
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw, ImageFont, ImageOps

from watcher.demo.portraits import SIZE


def cropped_at(image: Image.Image, fraction: float, anchor: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """Keep ``1 - fraction`` of each side; ``anchor`` (0..1 per axis) places the kept window, (0.5, 0.5) centred."""
    w, h = image.size
    cw, ch = round(w * (1 - fraction)), round(h * (1 - fraction))
    x, y = round((w - cw) * anchor[0]), round((h - ch) * anchor[1])
    return image.crop((x, y, x + cw, y + ch)).resize((300, 300), Image.Resampling.LANCZOS)


def padded(
    image: Image.Image,
    fraction: float,
    fill: tuple[int, int, int] = (255, 255, 255),
    anchor: tuple[float, float] = (0.5, 0.5),
) -> Image.Image:
    """A border: the picture shrunk to ``1 - fraction`` of the side, placed at ``anchor`` on a ``fill`` square."""
    w, h = image.size
    small = image.resize((round(w * (1 - fraction)), round(h * (1 - fraction))), Image.Resampling.LANCZOS)
    out = Image.new("RGB", (w, h), fill)
    out.paste(small, (round((w - small.size[0]) * anchor[0]), round((h - small.size[1]) * anchor[1])))
    return out


def grayscale(image: Image.Image) -> Image.Image:
    return ImageOps.grayscale(image).convert("RGB")


def sepia(image: Image.Image) -> Image.Image:
    """Toned brown: the brightness kept, the colour a filter's."""
    return ImageOps.colorize(image.convert("L"), (40, 26, 13), (255, 240, 200), mid=(160, 120, 80))


def hue_shifted(image: Image.Image, degrees: float) -> Image.Image:
    """Recoloured: every hue turned by ``degrees``, saturation and value kept."""
    h, s, v = image.convert("HSV").split()
    turn = round(degrees / 360 * 256)
    h = h.point(lambda x: (x + turn) % 256)
    return Image.merge("HSV", (h, s, v)).convert("RGB")


def colour_cast(image: Image.Image, colour: tuple[int, int, int], strength: float = 0.25) -> Image.Image:
    """A tint filter: the picture blended with a flat colour."""
    return Image.blend(image.convert("RGB"), Image.new("RGB", image.size, colour), strength)


def captioned(
    image: Image.Image, text: str = "Back to school!", height: float = 0.18, fill=(0, 0, 0), ink=(255, 255, 255)
) -> Image.Image:
    """A caption bar of text over the bottom of the picture."""
    out = image.convert("RGB").copy()
    w, h = out.size
    top = round(h * (1 - height))
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, top, w, h), fill=fill)
    font = ImageFont.load_default(size=max(10, round(h * height * 0.5)))
    draw.text((round(w * 0.05), top + round(h * height * 0.2)), text, fill=ink, font=font)
    return out


def rotated(image: Image.Image, degrees: float, fill: tuple[int, int, int] | None = (255, 255, 255)) -> Image.Image:
    """Turned by ``degrees``; ``fill`` paints the corners, or ``None`` crops them away (zooming in a little)."""
    turned = image.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=fill or (0, 0, 0))
    if fill is not None:
        return turned
    w, h = image.size
    angle = math.radians(abs(degrees))
    keep = 1 / (math.cos(angle) + math.sin(angle))  # the largest centred square free of corners
    return cropped_at(turned, 1 - keep).resize((w, h), Image.Resampling.LANCZOS)


def placed(
    image: Image.Image,
    background: Image.Image,
    share: float,
    anchor: tuple[float, float] = (0.5, 0.5),
    round_mask: bool = False,
) -> Image.Image:
    """``image`` pasted at ``share`` of the background's width, at ``anchor``; ``round_mask`` cuts it to a circle."""
    out = background.convert("RGB").resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    side = round(SIZE * share)
    small = image.convert("RGB").resize((side, side), Image.Resampling.LANCZOS)
    mask = None
    if round_mask:
        mask = Image.new("L", (side, side), 0)
        ImageDraw.Draw(mask).ellipse((0, 0, side - 1, side - 1), fill=255)
    out.paste(small, (round((SIZE - side) * anchor[0]), round((SIZE - side) * anchor[1])), mask)
    return out


def default_avatar(kind: str, colour: tuple[int, int, int] = (0, 112, 255), seed: int = 0) -> Image.Image:
    """A platform's "no photo" picture: ``silhouette``, ``egg``, ``flat``, ``initial`` or ``identicon``."""
    image = Image.new("RGB", (SIZE, SIZE), colour)
    draw = ImageDraw.Draw(image)
    pale = (235, 238, 242)
    if kind == "silhouette":
        draw.ellipse((140, 80, 260, 200), fill=pale)
        draw.ellipse((70, 220, 330, 480), fill=pale)
    elif kind == "egg":
        draw.ellipse((130, 90, 270, 320), fill=pale)
    elif kind == "initial":
        font = ImageFont.load_default(size=220)
        draw.text((SIZE / 2, SIZE / 2), "JD"[seed % 2], fill=pale, font=font, anchor="mm")
    elif kind == "identicon":
        image.paste((240, 240, 240), (0, 0, SIZE, SIZE))
        rnd = random.Random(seed)
        cell = 64
        for row in range(5):
            for col in range(3):
                if rnd.random() < 0.5:
                    for c in {col, 4 - col}:
                        x, y = 40 + c * cell, 40 + row * cell
                        draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=colour)
    elif kind != "flat":
        raise ValueError(f"unknown default avatar {kind!r}")
    return image
