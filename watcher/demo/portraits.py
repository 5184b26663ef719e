"""Synthetic avatars for the offline demo and the tests: portraits, a logo, and the edits impostors make.

Everything is drawn from a seed, so the same demo gives the same pictures on every machine.
The portraits are deliberately alike (centred head and shoulders, like real avatars),
so that photo matching is tested against the hard case, not against noise.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

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


# Used by the tests and the calibration bench (bench/photo_edits.py); test-only edits: tests/image_edits.py.
def circle_masked(image: Image.Image, fill: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """The round avatar look: the picture inside its inscribed circle, ``fill`` outside."""
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, image.size[0] - 1, image.size[1] - 1), fill=255)
    out = Image.new("RGB", image.size, fill)
    out.paste(image, (0, 0), mask)
    return out
