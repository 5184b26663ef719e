"""The edits a profile author makes to a copied photo, one named function each, for per-edit recall.

Why: an impostor does not upload the picture they took; avatar makers and phone apps crop it
off-centre, turn it, mirror it, filter it, round it, frame it, caption it, put a sticker on it
and recompress it. Each edit is ``(image, rnd) -> image`` with its parameters drawn from ``rnd``
inside the range named; ``PHOTO_EDITS`` maps names to edits. The downscales return a small
picture that is served at that size (``SERVED_AS_IS``); every other edit keeps the input size.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

from watcher.demo.portraits import circle_masked

Edit = Callable[[Image.Image, random.Random], Image.Image]
CAPTIONS = ["Back to school!", "Go Eagles!", "#TeacherLife", "Class of 2026", "Feliz Dia del Maestro", "Proud educator",
            "Summer vibes", "Vote for kindness"]  # fmt: skip


def _colour(rnd: random.Random) -> tuple[int, int, int]:
    hue = rnd.random()
    return tuple(int(128 + 110 * math.sin(2 * math.pi * (hue + k / 3))) for k in range(3))  # type: ignore[return-value]


def _signed(rnd: random.Random, low: float, high: float) -> float:
    return rnd.uniform(low, high) * rnd.choice([-1, 1])


def _away(rnd: random.Random, low: float, high: float) -> float:
    """A factor below or above 1 by ``low``..``high`` (e.g. 0.7-0.85 or 1.15-1.3)."""
    return 1 + _signed(rnd, low, high)


# --- geometry ---------------------------------------------------------------------------------------


def _offcentre_crop(image: Image.Image, fraction: float, rnd: random.Random) -> Image.Image:
    """Cut ``fraction`` of each side away, the kept window pushed towards a random edge or corner."""
    w, h = image.size
    cw, ch = round(w * (1 - fraction)), round(h * (1 - fraction))
    ax, ay = rnd.random(), rnd.random()
    if max(abs(ax - 0.5), abs(ay - 0.5)) < 0.3:  # off-centre: at least one axis near an edge
        if rnd.random() < 0.5:
            ax = rnd.choice([rnd.uniform(0, 0.2), rnd.uniform(0.8, 1)])
        else:
            ay = rnd.choice([rnd.uniform(0, 0.2), rnd.uniform(0.8, 1)])
    x, y = round((w - cw) * ax), round((h - ch) * ay)
    return image.crop((x, y, x + cw, y + ch)).resize((w, h), Image.Resampling.LANCZOS)


def crop10(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _offcentre_crop(image, rnd.uniform(0.10, 0.14), rnd)


def crop20(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _offcentre_crop(image, rnd.uniform(0.17, 0.23), rnd)


def crop30(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _offcentre_crop(image, rnd.uniform(0.26, 0.30), rnd)


def _rotate(image: Image.Image, degrees: float, fill: tuple[int, int, int] | None) -> Image.Image:
    """Turned; ``fill`` paints the corners, or ``None`` zooms in until no corner shows."""
    turned = image.convert("RGB").rotate(degrees, Image.Resampling.BICUBIC, fillcolor=fill or (0, 0, 0))
    if fill is not None:
        return turned
    w, h = image.size
    angle = math.radians(abs(degrees))
    keep = 1 / (math.cos(angle) + math.sin(angle))
    cw, ch = round(w * keep), round(h * keep)
    x, y = (w - cw) // 2, (h - ch) // 2
    return turned.crop((x, y, x + cw, y + ch)).resize((w, h), Image.Resampling.LANCZOS)


def rotate3_white(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _rotate(image, _signed(rnd, 2.5, 3.5), (255, 255, 255))


def rotate6_colour(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _rotate(image, _signed(rnd, 5, 7), _colour(rnd))


def rotate10_cropped(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _rotate(image, _signed(rnd, 9, 11), None)


def rotate15_white(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _rotate(image, _signed(rnd, 13, 15), (255, 255, 255))


def rotate15_cropped(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _rotate(image, _signed(rnd, 13, 15), None)


def mirror(image: Image.Image, rnd: random.Random) -> Image.Image:
    return ImageOps.mirror(image)


def mirror_crop(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _offcentre_crop(ImageOps.mirror(image), rnd.uniform(0.10, 0.20), rnd)


# --- colour and tone --------------------------------------------------------------------------------


def grey(image: Image.Image, rnd: random.Random) -> Image.Image:
    return ImageOps.grayscale(image).convert("RGB")


def tint(image: Image.Image, rnd: random.Random) -> Image.Image:
    return Image.blend(image.convert("RGB"), Image.new("RGB", image.size, _colour(rnd)), rnd.uniform(0.15, 0.35))


def gamma(image: Image.Image, rnd: random.Random) -> Image.Image:
    g = rnd.choice([rnd.uniform(0.6, 0.8), rnd.uniform(1.25, 1.6)])
    table = [round(255 * (i / 255) ** g) for i in range(256)]
    return image.convert("RGB").point(table * 3)


def brightness_contrast(image: Image.Image, rnd: random.Random) -> Image.Image:
    out = ImageEnhance.Brightness(image.convert("RGB")).enhance(_away(rnd, 0.15, 0.30))
    return ImageEnhance.Contrast(out).enhance(_away(rnd, 0.15, 0.30))


def saturation(image: Image.Image, rnd: random.Random) -> Image.Image:
    return ImageEnhance.Color(image.convert("RGB")).enhance(rnd.choice([rnd.uniform(0.3, 0.6), rnd.uniform(1.4, 1.8)]))


def sepia(image: Image.Image, rnd: random.Random) -> Image.Image:
    return ImageOps.colorize(image.convert("L"), (40, 26, 13), (255, 240, 200), mid=(160, 120, 80))


def _channels(image: Image.Image, factors: tuple[float, float, float]) -> Image.Image:
    bands = [
        b.point(lambda x, f=f: min(255, round(x * f)))
        for b, f in zip(image.convert("RGB").split(), factors, strict=True)
    ]
    return Image.merge("RGB", bands)


def warm(image: Image.Image, rnd: random.Random) -> Image.Image:
    s = rnd.uniform(0.08, 0.18)
    return _channels(image, (1 + s, 1 + s / 3, 1 - s))


def cool(image: Image.Image, rnd: random.Random) -> Image.Image:
    s = rnd.uniform(0.08, 0.18)
    return _channels(image, (1 - s, 1 + s / 4, 1 + s))


# --- encoding and size ------------------------------------------------------------------------------


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def jpeg_low(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _jpeg(image, rnd.randint(30, 40))


def jpeg_mid(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _jpeg(image, rnd.randint(45, 60))


def _down(side: int) -> Edit:
    def edit(image: Image.Image, rnd: random.Random) -> Image.Image:
        return _jpeg(image.convert("RGB").resize((side, side), Image.Resampling.LANCZOS), rnd.randint(70, 90))

    edit.__name__ = f"down{side}"
    return edit


down48, down64, down96 = _down(48), _down(64), _down(96)


# --- masks, borders, captions, stickers -------------------------------------------------------------


def circle_white(image: Image.Image, rnd: random.Random) -> Image.Image:
    return circle_masked(image.convert("RGB"), (255, 255, 255))


def circle_black(image: Image.Image, rnd: random.Random) -> Image.Image:
    return circle_masked(image.convert("RGB"), (0, 0, 0))


def circle_colour(image: Image.Image, rnd: random.Random) -> Image.Image:
    return circle_masked(image.convert("RGB"), _colour(rnd))


def _framed(image: Image.Image, margins: tuple[float, float, float, float], fill: tuple[int, int, int]) -> Image.Image:
    """The picture shrunk inside margins (left, top, right, bottom, as shares of the side) on ``fill``."""
    w, h = image.size
    left, top, right, bottom = (round(m * w) for m in margins)
    inner = image.convert("RGB").resize((w - left - right, h - top - bottom), Image.Resampling.LANCZOS)
    out = Image.new("RGB", (w, h), fill)
    out.paste(inner, (left, top))
    return out


def _fill(rnd: random.Random) -> tuple[int, int, int]:
    return rnd.choice([(255, 255, 255), (0, 0, 0), _colour(rnd)])


def border_solid(image: Image.Image, rnd: random.Random) -> Image.Image:
    m = rnd.uniform(0.05, 0.20) / 2
    return _framed(image, (m, m, m, m), _fill(rnd))


def border_uneven(image: Image.Image, rnd: random.Random) -> Image.Image:
    total = rnd.uniform(0.10, 0.20)
    a, b = rnd.uniform(0.1, 0.9), rnd.uniform(0.1, 0.9)
    return _framed(image, (total * a, total * b, total * (1 - a), total * (1 - b)), _fill(rnd))


def _caption(image: Image.Image, rnd: random.Random, top: bool) -> Image.Image:
    out = image.convert("RGB").copy()
    w, h = out.size
    bar = round(h * rnd.uniform(0.12, 0.20))
    y0 = 0 if top else h - bar
    fill = rnd.choice([(0, 0, 0), (255, 255, 255), _colour(rnd)])
    ink = (255, 255, 255) if sum(fill) < 384 else (0, 0, 0)
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, y0, w, y0 + bar), fill=fill)
    font = ImageFont.load_default(size=max(8, round(bar * 0.55)))
    draw.text((w / 2, y0 + bar / 2), rnd.choice(CAPTIONS), fill=ink, font=font, anchor="mm")
    return out


def caption_top(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _caption(image, rnd, top=True)


def caption_bottom(image: Image.Image, rnd: random.Random) -> Image.Image:
    return _caption(image, rnd, top=False)


def _sticker(kind: str, side: int, rnd: random.Random) -> Image.Image:
    """A drawn heart, star, smiley or flower with a white outline, as sticker packs do (RGBA)."""
    big = side * 4
    layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    c, r = big / 2, big / 2 * 0.92
    if kind == "heart":
        colour = rnd.choice([(230, 30, 60), (255, 105, 180), (200, 0, 0)])
        for outline, grow in (((255, 255, 255), 1.0), (colour, 0.86)):
            rr = r * grow
            draw.ellipse((c - rr, c - rr * 0.7, c, c + rr * 0.3 - rr * 0.2), fill=outline)
            draw.ellipse((c, c - rr * 0.7, c + rr, c + rr * 0.3 - rr * 0.2), fill=outline)
            draw.polygon([(c - rr * 0.98, c - rr * 0.1), (c + rr * 0.98, c - rr * 0.1), (c, c + rr)], fill=outline)
    elif kind == "star":
        colour = rnd.choice([(255, 200, 0), (255, 230, 60), (120, 200, 255)])
        for outline, grow in (((255, 255, 255), 1.0), (colour, 0.82)):
            points = []
            for i in range(10):
                radius = r * grow * (1 if i % 2 == 0 else 0.45)
                angle = -math.pi / 2 + i * math.pi / 5
                points.append((c + radius * math.cos(angle), c + radius * math.sin(angle)))
            draw.polygon(points, fill=outline)
    elif kind == "smiley":
        draw.ellipse((c - r, c - r, c + r, c + r), fill=(255, 255, 255))
        draw.ellipse((c - r * 0.9, c - r * 0.9, c + r * 0.9, c + r * 0.9), fill=(255, 204, 0))
        for dx in (-0.33, 0.33):
            draw.ellipse((c + r * dx - r * 0.1, c - r * 0.35, c + r * dx + r * 0.1, c - r * 0.05), fill=(60, 40, 0))
        draw.arc((c - r * 0.55, c - r * 0.4, c + r * 0.55, c + r * 0.6), 20, 160, fill=(60, 40, 0), width=big // 22)
    else:  # flower
        petal = rnd.choice([(255, 120, 200), (255, 255, 255), (180, 120, 255)])
        for i in range(6):
            angle = i * math.pi / 3
            px, py = c + r * 0.5 * math.cos(angle), c + r * 0.5 * math.sin(angle)
            draw.ellipse((px - r * 0.45, py - r * 0.45, px + r * 0.45, py + r * 0.45), fill=petal)
        draw.ellipse((c - r * 0.35, c - r * 0.35, c + r * 0.35, c + r * 0.35), fill=(255, 200, 0))
    return layer.resize((side, side), Image.Resampling.LANCZOS)


def _stick(image: Image.Image, rnd: random.Random, where: tuple[float, float]) -> Image.Image:
    out = image.convert("RGB").copy()
    w, h = out.size
    side = round(w * rnd.uniform(0.10, 0.25))
    sticker = _sticker(rnd.choice(["heart", "star", "smiley", "flower"]), side, rnd)
    x = min(max(0, round(where[0] * w - side / 2)), w - side)
    y = min(max(0, round(where[1] * h - side / 2)), h - side)
    out.paste(sticker, (x, y), sticker)
    return out


def sticker_corner(image: Image.Image, rnd: random.Random) -> Image.Image:
    corner = (rnd.choice([0.0, 1.0]), rnd.choice([0.0, 1.0]))
    return _stick(image, rnd, corner)


def sticker_face(image: Image.Image, rnd: random.Random) -> Image.Image:
    """Over the edge of the face, where a head-and-shoulders avatar has it."""
    return _stick(image, rnd, (rnd.choice([0.32, 0.68]) + rnd.uniform(-0.05, 0.05), rnd.uniform(0.25, 0.5)))


def stickers_many(image: Image.Image, rnd: random.Random) -> Image.Image:
    """Two or three small emoji scattered over the picture."""
    for _ in range(rnd.randint(2, 3)):
        image = _stick(image, rnd, (rnd.uniform(0.05, 0.95), rnd.uniform(0.05, 0.95)))
    return image


def frame(image: Image.Image, rnd: random.Random) -> Image.Image:
    """An avatar maker's frame: the picture round, inside a coloured ring, a ribbon of text across the bottom."""
    w, h = image.size
    ring = _colour(rnd)
    inner = round(w * rnd.uniform(0.78, 0.88))
    out = Image.new("RGB", (w, h), rnd.choice([(255, 255, 255), ring]))
    draw = ImageDraw.Draw(out)
    draw.ellipse((w * 0.02, h * 0.02, w * 0.98, h * 0.98), fill=ring)
    picture = circle_masked(image.convert("RGB").resize((inner, inner), Image.Resampling.LANCZOS))
    mask = Image.new("L", (inner, inner), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, inner - 1, inner - 1), fill=255)
    out.paste(picture, ((w - inner) // 2, (h - inner) // 2), mask)
    band = round(h * 0.14)
    y0 = round(h * 0.78)
    draw.rounded_rectangle((w * 0.08, y0, w * 0.92, y0 + band), radius=band // 3, fill=(255, 255, 255))
    font = ImageFont.load_default(size=max(8, round(band * 0.5)))
    draw.text((w / 2, y0 + band / 2), rnd.choice(CAPTIONS), fill=ring, font=font, anchor="mm")
    return out


# --- combinations -----------------------------------------------------------------------------------


def crop_tint_jpeg(image: Image.Image, rnd: random.Random) -> Image.Image:
    return jpeg_mid(tint(crop10(image, rnd), rnd), rnd)


def rotate_grey(image: Image.Image, rnd: random.Random) -> Image.Image:
    return grey(_rotate(image, _signed(rnd, 4, 8), (255, 255, 255)), rnd)


def mirror_caption_jpeg(image: Image.Image, rnd: random.Random) -> Image.Image:
    return jpeg_low(caption_bottom(mirror(image, rnd), rnd), rnd)


def circle_sticker_tone(image: Image.Image, rnd: random.Random) -> Image.Image:
    return sticker_corner(circle_white(warm(image, rnd), rnd), rnd)


def border_crop_sepia(image: Image.Image, rnd: random.Random) -> Image.Image:
    return border_solid(sepia(crop20(image, rnd), rnd), rnd)


PHOTO_EDITS: dict[str, Edit] = {
    edit.__name__: edit
    for edit in (
        crop10, crop20, crop30, rotate3_white, rotate6_colour, rotate10_cropped, rotate15_white, rotate15_cropped,
        mirror, mirror_crop, grey, tint, gamma, brightness_contrast, saturation, sepia, warm, cool, jpeg_low,
        jpeg_mid, down48, down64, down96, circle_white, circle_black, circle_colour, border_solid, border_uneven,
        caption_top, caption_bottom, sticker_corner, sticker_face, stickers_many, frame, crop_tint_jpeg,
        rotate_grey, mirror_caption_jpeg, circle_sticker_tone, border_crop_sepia,
    )
}  # fmt: skip
SERVED_AS_IS = frozenset({"down48", "down64", "down96"})  # a small picture stays small on the platform


def apply(name: str, image: Image.Image, rnd: random.Random) -> Image.Image:
    """The named edit; raises ``KeyError`` naming the unknown edit."""
    try:
        edit = PHOTO_EDITS[name]
    except KeyError:
        raise KeyError(f"unknown photo edit {name!r}") from None
    return edit(image.convert("RGB"), rnd)
