"""Synthetic avatars for the offline demo and the tests: portraits, a logo, and the edits impostors make.

Everything is drawn from a seed, so the same demo gives the same pictures on every machine.
The portraits are deliberately alike (centred head and shoulders, like real avatars),
so that photo matching is tested against the hard case, not against noise.
"""

from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

SIZE = 400
SKIN = [(241, 194, 167), (224, 172, 105), (198, 134, 66), (141, 85, 36), (255, 219, 172), (170, 110, 70)]
HAIR = [(30, 20, 15), (70, 45, 25), (140, 90, 40), (200, 170, 90), (90, 90, 90), (20, 20, 20)]


def portrait(seed: int) -> Image.Image:
    rnd = random.Random(seed)
    top = tuple(rnd.randint(40, 230) for _ in range(3))
    bottom = tuple(rnd.randint(40, 230) for _ in range(3))
    image = Image.new("RGB", (SIZE, SIZE))
    draw = ImageDraw.Draw(image)
    for y in range(SIZE):
        t = y / (SIZE - 1)
        draw.line([(0, y), (SIZE, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    for _ in range(rnd.randint(2, 5)):  # background shapes: a room, a shelf, a window
        x, y = rnd.randint(-80, SIZE), rnd.randint(-80, SIZE // 2)
        w, h = rnd.randint(60, 220), rnd.randint(60, 220)
        shape = draw.rectangle if rnd.random() < 0.6 else draw.ellipse
        shape([x, y, x + w, y + h], fill=tuple(rnd.randint(20, 250) for _ in range(3)))
    cx = SIZE // 2 + rnd.randint(-30, 30)
    head_w, head_h = rnd.randint(110, 150), rnd.randint(140, 180)
    head_top = rnd.randint(70, 110)
    skin, hair = rnd.choice(SKIN), rnd.choice(HAIR)
    shirt = tuple(rnd.randint(10, 240) for _ in range(3))
    if rnd.random() < 0.5:  # long hair behind the head
        draw.rectangle([cx - head_w // 2 - 18, head_top + 20, cx + head_w // 2 + 18, head_top + head_h + 50], fill=hair)
    draw.ellipse([cx - 150 - rnd.randint(0, 40), 300, cx + 150 + rnd.randint(0, 40), 560], fill=shirt)
    draw.rectangle([cx - 28, head_top + head_h - 20, cx + 28, 320], fill=skin)
    draw.ellipse([cx - head_w // 2, head_top, cx + head_w // 2, head_top + head_h], fill=skin)
    hair_drop = rnd.randint(25, 70)
    draw.chord(
        [cx - head_w // 2 - 8, head_top - 15, cx + head_w // 2 + 8, head_top + hair_drop * 2], 180, 360, fill=hair
    )
    eye_y = head_top + head_h * 0.45
    gap = head_w * rnd.uniform(0.18, 0.26)
    for side in (-1, 1):
        ex = cx + side * gap
        draw.ellipse([ex - 9, eye_y - 6, ex + 9, eye_y + 6], fill=(250, 250, 250))
        draw.ellipse([ex - 4, eye_y - 4, ex + 4, eye_y + 4], fill=(40, 30, 20))
        draw.line([ex - 12, eye_y - 16, ex + 12, eye_y - 18 + rnd.randint(-3, 3)], fill=hair, width=4)
    mouth_y = head_top + head_h * 0.75
    draw.arc([cx - 25, mouth_y - 12, cx + 25, mouth_y + 12], 20, 160, fill=(150, 60, 60), width=4)
    if rnd.random() < 0.3:  # glasses
        for side in (-1, 1):
            ex = cx + side * gap
            draw.ellipse([ex - 18, eye_y - 14, ex + 18, eye_y + 14], outline=(20, 20, 20), width=3)
    return image.filter(ImageFilter.GaussianBlur(1.2))


def district_logo(ring=(20, 45, 110), star=(235, 180, 30), seed: int = 7) -> Image.Image:
    """A seal: a ring, a star, an open book: the kind of logo a district uses."""
    image = Image.new("RGB", (SIZE, SIZE), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse([20, 20, SIZE - 20, SIZE - 20], fill=ring)
    draw.ellipse([60, 60, SIZE - 60, SIZE - 60], fill=(255, 255, 255))
    rnd = random.Random(seed)
    for i in range(24):  # ring lettering, drawn as blocks
        if rnd.random() < 0.8:
            import math

            angle = 2 * math.pi * i / 24
            x, y = SIZE / 2 + 160 * math.cos(angle), SIZE / 2 + 160 * math.sin(angle)
            draw.rectangle([x - 6, y - 6, x + 6, y + 6], fill=(255, 255, 255))
    points = []
    import math

    for i in range(10):
        radius = 110 if i % 2 == 0 else 45
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((SIZE / 2 + radius * math.cos(angle), SIZE / 2 - 20 + radius * math.sin(angle)))
    draw.polygon(points, fill=star)
    draw.polygon([(120, 270), (200, 250), (280, 270), (280, 310), (200, 290), (120, 310)], fill=ring)
    return image


# The edits an impostor makes when copying a picture.
def recompressed(image: Image.Image, size: int = 256, quality: int = 60) -> Image.Image:
    return reencode(image.resize((size, size), Image.Resampling.LANCZOS), quality)


def mirrored(image: Image.Image) -> Image.Image:
    return reencode(ImageOps.mirror(image), 80)


def cropped(image: Image.Image, fraction: float = 0.06) -> Image.Image:
    w, h = image.size
    dx, dy = int(w * fraction), int(h * fraction)
    return reencode(image.crop((dx, dy, w - dx, h - dy)).resize((300, 300), Image.Resampling.LANCZOS), 75)


def tinted(image: Image.Image, factor: float = 1.25) -> Image.Image:
    return reencode(ImageEnhance.Color(ImageEnhance.Brightness(image).enhance(factor)).enhance(0.8), 80)


def reencode(image: Image.Image, quality: int) -> Image.Image:
    return Image.open(io.BytesIO(jpeg(image, quality))).convert("RGB")


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# More of the edits impostors make, and the default avatars platforms show; used by the tests and the calibration bench.
def cropped_at(image: Image.Image, fraction: float, anchor: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """Keep ``1 - fraction`` of each side; ``anchor`` (0..1 per axis) places the kept window, (0.5, 0.5) centred."""
    w, h = image.size
    cw, ch = round(w * (1 - fraction)), round(h * (1 - fraction))
    x, y = round((w - cw) * anchor[0]), round((h - ch) * anchor[1])
    return image.crop((x, y, x + cw, y + ch)).resize((300, 300), Image.Resampling.LANCZOS)


def circle_masked(image: Image.Image, fill: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """The round avatar look: the picture inside its inscribed circle, ``fill`` outside."""
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, image.size[0] - 1, image.size[1] - 1), fill=255)
    out = Image.new("RGB", image.size, fill)
    out.paste(image, (0, 0), mask)
    return out


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
