"""Many distinct school-district logo designs, look-alike distractors, and the edits impostors make to a logo.

One district seal (``watcher.demo.portraits.district_logo``) cannot tell a finder that generalises
from one that learnt that seal. Here every (kind, seed) draws a different design: other words
(district and school names from seeded word lists, their initials), colours, proportions and
details, on a transparent or solid background, square, wide (3:1) or tall. Seeds 0–999 are meant
for calibration and 1000+ for testing (``bench/calibrate_logos.py``).

What must *not* be reported is drawn on the same templates: ``template_twin`` keeps a design's
layout (ring, star, chevron, icon) and changes its lettering, colours and emblem, like another
institution using the same clip-art; ``distractors`` adds flags, generic stars, shields, rings,
sports balls and plain text badges.

Text uses Pillow's built-in scalable font (``ImageFont.load_default(size=N)``, Pillow ≥ 10.1),
so the same seed draws the same picture on every machine. Pictures are drawn at twice their size
and reduced, for smooth edges.
"""

from __future__ import annotations

import colorsys
import io
import math
import random
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

LOGO_KINDS: tuple[str, ...] = (
    "seal_lettered",
    "seal_plain",
    "shield",
    "wordmark",
    "wordmark_icon",
    "square_badge",
    "wide_banner",
    "mascot",
    "monogram",
    "gradient",
    "outline",
    "star_emblem",
    "book_apple",
    "pennant",
    "hexagon",
)

LOGO_EDITS: tuple[str, ...] = (
    "whole",  # the logo as the whole avatar: padded to a square, JPEG 85
    "round",  # the square avatar cut to a circle
    "recolour_swap",  # colour channels permuted
    "recolour_hue",  # every hue turned by 60–300°
    "grey",
    "inverted",  # dark-mode copy: RGB inverted
    "jpeg30-70",
    "small48-72",  # the avatar reduced to 48–72 px
    "small72-128",
    "rotated",  # turned by 3–10° either way
    "caption",  # a caption bar over the bottom
    "sticker",  # a sticker over one corner
    "placed15-30",  # on another picture at 15–30% of its width, anywhere
    "placed30-60",
    "placed60-100",
    "banner",  # on a 3:1 banner, 45–90% of its height
)

SS = 2  # drawn at twice the size, then reduced: smooth edges like exported artwork

FIRST_WORDS = ["Sierra", "Oak", "Pine", "Cedar", "Maple", "Willow", "Mesa", "Canyon", "River", "Lake", "Granite",
               "Silver", "Golden", "Eagle", "Bear", "Fox", "Red", "Blue", "Green", "North", "South", "East", "West",
               "Clear", "Stone", "Spring", "Rose", "Elm", "Aspen", "Harbor", "Prairie", "Summit", "Sun", "Falcon",
               "Iron", "Copper", "Crystal", "Liberty", "Monte", "Rio", "Santa", "Palo", "Alta", "Loma", "Vista",
               "Hawk", "Deer", "Mill", "Bridge", "Fair"]  # fmt: skip
SECOND_WORDS = ["Vista", "Ridge", "Valley", "Creek", "Park", "Hills", "Grove", "Point", "Springs", "Falls", "Brook",
                "Field", "Wood", "Haven", "Crest", "Dale", "Rock", "View", "Meadow", "Lake", "Mountain", "Bend",
                "Heights", "Mesa", "Verde", "Linda", "Alto", "Port", "Ford", "Land"]  # fmt: skip
SUFFIXES = ["Unified School District", "School District", "Public Schools", "Independent School District",
            "Union High School District", "Elementary School District", "High School", "Academy", "Middle School",
            "Elementary", "Charter School", "Community Schools", "County Schools", "Preparatory"]  # fmt: skip
MOTTOES = ["Excellence for All", "Learning Today, Leading Tomorrow", "Every Student, Every Day", "Knowledge Is Power",
           "Strive to Thrive", "Pride Tradition Excellence", "Inspire Achieve Succeed", "Together We Learn",
           "Building Futures", "Honor Courage Wisdom", "Where Learning Lives", "Dream Believe Achieve"]  # fmt: skip
ICONS = ("star", "book", "torch", "tree", "mountains", "apple", "cap", "sun", "bell", "lamp")
MASCOTS = ("hawk", "bear", "tiger", "wolf", "owl", "ram")
DISTRACTOR_KINDS = ("flag", "star", "shield", "ring", "ball", "text_badge")

Colour = tuple[int, int, int]
Box = tuple[float, float, float, float]


# ---------------------------------------------------------------- identity: words and colours


class _Identity:
    """What tells one institution from another on the same template: its words and its colours."""

    def __init__(self, rnd: random.Random) -> None:
        first = rnd.choice(FIRST_WORDS)
        second = rnd.choice([w for w in SECOND_WORDS if w != first])
        self.place = f"{first} {second}"
        self.suffix = rnd.choice(SUFFIXES)
        self.name = f"{self.place} {self.suffix}"
        words = [w for w in self.name.split() if w[0].isupper()]
        self.initials = "".join(w[0] for w in words)[:5]
        self.short = (first[0] + second[0]).upper()
        self.motto = rnd.choice(MOTTOES)
        self.year = f"EST. {rnd.randint(1850, 1999)}"
        self.icon = rnd.choice(ICONS)
        self.mascot = rnd.choice(MASCOTS)
        hue = rnd.random()
        self.primary = _hsv(hue, rnd.uniform(0.55, 1.0), rnd.uniform(0.25, 0.6))
        self.secondary = _hsv((hue + rnd.choice([0.08, 0.15, 0.33, 0.5, 0.6])) % 1, rnd.uniform(0.5, 1), 0.9)
        self.light = _hsv(hue, rnd.uniform(0.0, 0.12), rnd.uniform(0.93, 1.0))
        self.ink = rnd.choice([(255, 255, 255), self.light, (250, 245, 230)])
        self.background = rnd.choice(["transparent", "transparent", "white", "white", "light", "primary"])

    def canvas(self, size: tuple[int, int]) -> tuple[Image.Image, ImageDraw.ImageDraw]:
        fill = {"transparent": (0, 0, 0, 0), "white": (255, 255, 255, 255), "light": (*self.light, 255)}
        colour = fill.get(self.background, (*self.light, 255))
        image = Image.new("RGBA", (size[0] * SS, size[1] * SS), colour)
        return image, ImageDraw.Draw(image)


def _hsv(h: float, s: float, v: float) -> Colour:
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return (round(r * 255), round(g * 255), round(b * 255))


def _font(size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(6, round(size)))


def _fit_text(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, width: float, size: float, fill, anchor="mm", bold=0
) -> None:
    """Text centred on ``xy``, shrunk until it fits ``width``."""
    font = _font(size)
    length = draw.textlength(text, font=font)
    if length > width:
        font = _font(size * width / length)
    draw.text(xy, text, fill=fill, font=font, anchor=anchor, stroke_width=bold, stroke_fill=fill)


def _arc_text(image: Image.Image, text: str, centre, radius: float, size: float, fill, top: bool = True) -> None:
    """Lettering along a circle, centred at the top (reading clockwise) or at the bottom (anticlockwise)."""
    font = _font(size)
    total = font.getlength(text)
    if total / radius > math.radians(150):  # leave the sides of the ring free: shrink the lettering
        size *= math.radians(150) / (total / radius)
        font = _font(size)
    widths = [font.getlength(ch) for ch in text]
    span = sum(widths) / radius
    cx, cy = centre
    angle = -math.pi / 2 - span / 2 if top else math.pi / 2 + span / 2
    for ch, w in zip(text, widths, strict=True):
        step = w / radius
        mid = angle + (step / 2 if top else -step / 2)
        angle += step if top else -step
        if ch == " ":
            continue
        tile = Image.new("RGBA", (round(size * 2), round(size * 2)), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((size, size), ch, fill=fill, font=font, anchor="mm")
        turn = -math.degrees(mid) - 90 if top else -math.degrees(mid) + 90
        tile = tile.rotate(turn, resample=Image.Resampling.BICUBIC)
        x, y = cx + radius * math.cos(mid), cy + radius * math.sin(mid)
        image.alpha_composite(tile, (round(x - size), round(y - size)))


def _star_points(cx: float, cy: float, outer: float, inner: float, points: int = 5, turn: float = 0.0) -> list:
    return [
        (
            cx + (outer if i % 2 == 0 else inner) * math.cos(-math.pi / 2 + turn + i * math.pi / points),
            cy + (outer if i % 2 == 0 else inner) * math.sin(-math.pi / 2 + turn + i * math.pi / points),
        )
        for i in range(2 * points)
    ]


# ---------------------------------------------------------------- icons and mascots


def _icon(draw: ImageDraw.ImageDraw, name: str, box: Box, fg, accent, rnd: random.Random) -> None:
    """A school emblem drawn in ``box``: star, book, torch, tree, mountains, apple, cap, sun, bell or lamp."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    r = min(w, h) / 2
    if name == "star":
        draw.polygon(_star_points(cx, cy, r, r * rnd.uniform(0.35, 0.5), rnd.choice([5, 5, 6, 8])), fill=accent)
    elif name == "book":
        t = r * rnd.uniform(0.15, 0.3)
        draw.polygon([(cx - r, cy - r * 0.5), (cx, cy - r * 0.5 + t), (cx, cy + r * 0.6), (cx - r, cy + r * 0.6 - t)],
                     fill=fg)  # fmt: skip
        draw.polygon([(cx + r, cy - r * 0.5), (cx, cy - r * 0.5 + t), (cx, cy + r * 0.6), (cx + r, cy + r * 0.6 - t)],
                     fill=accent)  # fmt: skip
        for k in range(rnd.randint(2, 4)):
            yy = cy - r * 0.2 + k * r * 0.2
            draw.line([(cx - r * 0.8, yy), (cx - r * 0.15, yy + t * 0.7)], fill=accent, width=max(2, round(r / 18)))
    elif name == "torch":
        draw.polygon([(cx - r * 0.3, cy - r * 0.1), (cx + r * 0.3, cy - r * 0.1), (cx + r * 0.1, cy + r),
                      (cx - r * 0.1, cy + r)], fill=fg)  # fmt: skip
        draw.rectangle([cx - r * 0.38, cy - r * 0.22, cx + r * 0.38, cy - r * 0.08], fill=fg)
        draw.polygon([(cx, cy - r), (cx + r * 0.35, cy - r * 0.45), (cx + r * 0.2, cy - r * 0.22),
                      (cx - r * 0.2, cy - r * 0.22), (cx - r * 0.35, cy - r * 0.45)], fill=accent)  # fmt: skip
    elif name == "tree":
        draw.rectangle([cx - r * 0.12, cy + r * 0.3, cx + r * 0.12, cy + r], fill=fg)
        tiers = rnd.randint(2, 4)
        for k in range(tiers):
            top = cy - r + k * (r * 1.3 / tiers)
            half = r * (0.45 + 0.5 * (k + 1) / tiers)
            draw.polygon([(cx, top), (cx + half, top + r * 1.3 / tiers + r * 0.3), (cx - half, top + r * 1.3 / tiers
                          + r * 0.3)], fill=accent)  # fmt: skip
    elif name == "mountains":
        draw.ellipse([cx + r * 0.2, cy - r * 0.9, cx + r * 0.7, cy - r * 0.4], fill=accent)
        peaks = rnd.randint(2, 3)
        for k in range(peaks):
            px = x0 + w * (k + 0.5) / peaks + rnd.uniform(-0.1, 0.1) * w
            draw.polygon([(px, cy - r * rnd.uniform(0.3, 0.7)), (px + r * 0.8, cy + r * 0.7), (px - r * 0.8, cy
                          + r * 0.7)], fill=fg)  # fmt: skip
        draw.rectangle([x0, cy + r * 0.7, x1, cy + r * 0.85], fill=accent)
    elif name == "apple":
        draw.ellipse([cx - r * 0.85, cy - r * 0.5, cx + r * 0.05, cy + r * 0.9], fill=accent)
        draw.ellipse([cx - r * 0.05, cy - r * 0.5, cx + r * 0.85, cy + r * 0.9], fill=accent)
        draw.rectangle([cx - r * 0.06, cy - r * 0.85, cx + r * 0.06, cy - r * 0.4], fill=fg)
        draw.ellipse([cx + r * 0.05, cy - r * 0.95, cx + r * 0.6, cy - r * 0.6], fill=fg)
    elif name == "cap":
        draw.polygon([(cx, cy - r * 0.7), (cx + r, cy - r * 0.2), (cx, cy + r * 0.3), (cx - r, cy - r * 0.2)], fill=fg)
        draw.rectangle([cx - r * 0.55, cy, cx + r * 0.55, cy + r * 0.55], fill=fg)
        draw.line([(cx, cy - r * 0.2), (cx + r * 0.8, cy + r * 0.1), (cx + r * 0.8, cy + r * 0.7)], fill=accent,
                  width=max(2, round(r / 12)))  # fmt: skip
    elif name == "sun":
        rays = rnd.randint(8, 16)
        for k in range(rays):
            a = 2 * math.pi * k / rays
            tip = (cx + r * math.cos(a), cy + r * math.sin(a))
            left = (cx + r * 0.55 * math.cos(a + 0.2), cy + r * 0.55 * math.sin(a + 0.2))
            right = (cx + r * 0.55 * math.cos(a - 0.2), cy + r * 0.55 * math.sin(a - 0.2))
            draw.polygon([tip, left, right], fill=accent)
        draw.ellipse([cx - r * 0.5, cy - r * 0.5, cx + r * 0.5, cy + r * 0.5], fill=fg)
    elif name == "bell":
        draw.chord([cx - r * 0.7, cy - r * 0.9, cx + r * 0.7, cy + r * 0.5], 180, 360, fill=fg)
        draw.polygon([(cx - r * 0.7, cy - r * 0.2), (cx + r * 0.7, cy - r * 0.2), (cx + r * 0.9, cy + r * 0.6),
                      (cx - r * 0.9, cy + r * 0.6)], fill=fg)  # fmt: skip
        draw.ellipse([cx - r * 0.2, cy + r * 0.55, cx + r * 0.2, cy + r * 0.95], fill=accent)
    else:  # lamp of learning
        draw.ellipse([cx - r * 0.9, cy, cx + r * 0.6, cy + r * 0.6], fill=fg)
        draw.polygon([(cx + r * 0.4, cy + r * 0.1), (cx + r, cy - r * 0.1), (cx + r * 0.5, cy + r * 0.4)], fill=fg)
        draw.polygon([(cx - r * 0.2, cy - r), (cx + r * 0.1, cy - r * 0.3), (cx - r * 0.5, cy - r * 0.3)], fill=accent)
        draw.rectangle([cx - r * 0.5, cy + r * 0.6, cx + r * 0.2, cy + r * 0.8], fill=fg)


def _mascot(draw: ImageDraw.ImageDraw, name: str, box: Box, fg, accent, eye, rnd: random.Random) -> None:
    """An animal head from simple shapes, as school mascots are drawn."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    r = min(x1 - x0, y1 - y0) / 2
    k = rnd.uniform(0.9, 1.1)
    if name == "hawk":
        draw.polygon([(cx - r * 0.9, cy - r * 0.3), (cx - r * 0.2, cy - r * 0.9), (cx + r * 0.5, cy - r * 0.7),
                      (cx + r * 0.6, cy + r * 0.2), (cx - r * 0.1, cy + r * 0.9), (cx - r * 0.6, cy + r * 0.5)],
                     fill=fg)  # fmt: skip
        draw.polygon([(cx + r * 0.4, cy - r * 0.5), (cx + r * 0.95 * k, cy - r * 0.1), (cx + r * 0.55, cy + r * 0.3),
                      (cx + r * 0.5, cy)], fill=accent)  # fmt: skip
        draw.polygon([(cx - r * 0.1, cy - r * 0.45), (cx + r * 0.4, cy - r * 0.45), (cx + r * 0.1, cy - r * 0.2)],
                     fill=eye)  # fmt: skip
        for i in range(3):
            draw.line([(cx - r * 0.8 + i * 0.15 * r, cy + r * 0.1 * i), (cx - r * 0.3, cy + r * 0.3 + i * 0.15 * r)],
                      fill=accent, width=max(2, round(r / 15)))  # fmt: skip
    elif name in ("bear", "tiger"):
        for side in (-1, 1):
            ex = cx + side * r * 0.62 * k
            if name == "bear":
                draw.ellipse([ex - r * 0.3, cy - r * 0.95, ex + r * 0.3, cy - r * 0.35], fill=fg)
            else:
                draw.polygon([(ex - r * 0.3, cy - r * 0.5), (ex + side * r * 0.15, cy - r * 1.0),
                              (ex + r * 0.3, cy - r * 0.5)], fill=fg)  # fmt: skip
        draw.ellipse([cx - r * 0.85, cy - r * 0.75, cx + r * 0.85, cy + r * 0.85], fill=fg)
        draw.ellipse([cx - r * 0.4, cy + r * 0.05, cx + r * 0.4, cy + r * 0.65], fill=accent)
        draw.polygon([(cx - r * 0.15, cy + r * 0.15), (cx + r * 0.15, cy + r * 0.15), (cx, cy + r * 0.32)], fill=eye)
        for side in (-1, 1):
            draw.ellipse([cx + side * r * 0.35 - r * 0.1, cy - r * 0.3, cx + side * r * 0.35 + r * 0.1, cy - r * 0.1],
                         fill=eye)  # fmt: skip
            if name == "tiger":
                for i in range(3):
                    y = cy - r * 0.2 + i * r * 0.22
                    draw.polygon([(cx + side * r * 0.85, y), (cx + side * r * 0.5, y + r * 0.06),
                                  (cx + side * r * 0.85, y + r * 0.12)], fill=eye)  # fmt: skip
        if name == "tiger":
            draw.polygon([(cx - r * 0.2, cy - r * 0.75), (cx, cy - r * 0.4), (cx + r * 0.2, cy - r * 0.75)], fill=eye)
    elif name == "wolf":
        for side in (-1, 1):
            draw.polygon([(cx + side * r * 0.2, cy - r * 0.5), (cx + side * r * 0.7, cy - r * 1.0),
                          (cx + side * r * 0.8, cy - r * 0.2)], fill=fg)  # fmt: skip
        draw.polygon([(cx - r * 0.8, cy - r * 0.4), (cx + r * 0.8, cy - r * 0.4), (cx + r * 0.6, cy + r * 0.3),
                      (cx, cy + r * 0.95 * k), (cx - r * 0.6, cy + r * 0.3)], fill=fg)  # fmt: skip
        draw.polygon([(cx - r * 0.3, cy + r * 0.1), (cx + r * 0.3, cy + r * 0.1), (cx, cy + r * 0.9 * k)], fill=accent)
        draw.ellipse([cx - r * 0.12, cy + r * 0.6, cx + r * 0.12, cy + r * 0.8], fill=eye)
        for side in (-1, 1):
            draw.polygon([(cx + side * r * 0.15, cy - r * 0.15), (cx + side * r * 0.5, cy - r * 0.25),
                          (cx + side * r * 0.4, cy - r * 0.05)], fill=eye)  # fmt: skip
    elif name == "owl":
        draw.ellipse([cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.95], fill=fg)
        for side in (-1, 1):
            draw.polygon([(cx + side * r * 0.3, cy - r * 0.7), (cx + side * r * 0.75, cy - r * 1.0),
                          (cx + side * r * 0.7, cy - r * 0.45)], fill=fg)  # fmt: skip
            ex = cx + side * r * 0.35
            draw.ellipse([ex - r * 0.3 * k, cy - r * 0.5, ex + r * 0.3 * k, cy + r * 0.1], fill=accent)
            draw.ellipse([ex - r * 0.12, cy - r * 0.32, ex + r * 0.12, cy - r * 0.08], fill=eye)
        draw.polygon([(cx - r * 0.1, cy + r * 0.05), (cx + r * 0.1, cy + r * 0.05), (cx, cy + r * 0.35)], fill=accent)
    else:  # ram
        draw.ellipse([cx - r * 0.5, cy - r * 0.7, cx + r * 0.5, cy + r * 0.9], fill=fg)
        for side in (-1, 1):
            hx = cx + side * r * 0.6
            draw.ellipse([hx - r * 0.4, cy - r * 0.8, hx + r * 0.4, cy], fill=accent)
            draw.ellipse([hx - r * 0.2, cy - r * 0.6, hx + r * 0.2, cy - r * 0.2], fill=fg)
            ex = cx + side * r * 0.25
            draw.ellipse([ex - r * 0.08, cy - r * 0.2, ex + r * 0.08, cy - r * 0.04], fill=eye)
        draw.ellipse([cx - r * 0.3, cy + r * 0.45, cx + r * 0.3, cy + r * 0.85], fill=accent)


# ---------------------------------------------------------------- the kinds


def _seal_lettered(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    size = lay.choice([360, 400, 480, 512])
    image, draw = who.canvas((size, size))
    s = size * SS
    c = s / 2
    outer = s * lay.uniform(0.46, 0.49)
    band = s * lay.uniform(0.11, 0.15)
    draw.ellipse([c - outer, c - outer, c + outer, c + outer], fill=who.primary)
    if lay.random() < 0.6:
        w = max(2, round(s / 150))
        draw.ellipse([c - outer + w * 2, c - outer + w * 2, c + outer - w * 2, c + outer - w * 2], outline=who.ink,
                     width=w)  # fmt: skip
    inner = outer - band
    draw.ellipse([c - inner, c - inner, c + inner, c + inner], fill=who.light)
    dots = lay.choice([0, 2, 2])
    for k in range(dots):
        a = math.pi * (0.0 if dots == 2 else 0.25) + 2 * math.pi * k / max(dots, 1)
        if dots == 2:
            a = math.pi * k
        dx, dy = c + (outer - band / 2) * math.cos(a), c + (outer - band / 2) * math.sin(a)
        draw.polygon(_star_points(dx, dy, band * 0.3, band * 0.13), fill=who.ink)
    letter = band * 0.55
    _arc_text(image, who.place.upper(), (c, c), outer - band / 2, letter, who.ink, top=True)
    _arc_text(image, who.suffix.upper(), (c, c), outer - band / 2, letter * 0.85, who.ink, top=False)
    icon_r = inner * lay.uniform(0.5, 0.65)
    _icon(draw, who.icon, (c - icon_r, c - icon_r * 1.15, c + icon_r, c + icon_r * 0.85), who.primary, who.secondary,
          idr)  # fmt: skip
    if lay.random() < 0.6:
        _fit_text(draw, (c, c + inner * 0.62), who.year, inner * 1.0, inner * 0.16, who.primary)
    return image


def _seal_plain(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    size = lay.choice([320, 400, 480])
    image, draw = who.canvas((size, size))
    s = size * SS
    c = s / 2
    rings = lay.randint(2, 4)
    radius = s * 0.48
    colour = who.primary
    for k in range(rings):
        colour = who.primary if k % 2 == 0 else (who.secondary if lay.random() < 0.5 else who.light)
        draw.ellipse([c - radius, c - radius, c + radius, c + radius], fill=colour)
        radius *= lay.uniform(0.75, 0.9)
    if colour == who.primary:  # the emblem needs a field it shows on
        draw.ellipse([c - radius, c - radius, c + radius, c + radius], fill=who.light)
    ticks = idr.choice([0, 8, 12, 16, 24])
    for k in range(ticks):
        a = 2 * math.pi * k / ticks
        rr = s * 0.43
        draw.ellipse([c + rr * math.cos(a) - s * 0.012, c + rr * math.sin(a) - s * 0.012,
                      c + rr * math.cos(a) + s * 0.012, c + rr * math.sin(a) + s * 0.012], fill=who.ink)  # fmt: skip
    _icon(draw, who.icon, (c - radius * 0.8, c - radius * 0.8, c + radius * 0.8, c + radius * 0.8), who.primary,
          who.secondary, idr)  # fmt: skip
    # a detail of its own: a laurel of leaves (count and side from the institution)
    leaves = idr.randint(3, 7)
    for side in (-1, 1) if idr.random() < 0.6 else (idr.choice([-1, 1]),):
        for k in range(leaves):
            a = math.pi / 2 + side * (0.3 + k * 0.18)
            lx, ly = c + radius * 1.0 * math.cos(a), c + radius * 1.0 * math.sin(a)
            draw.ellipse([lx - s * 0.018, ly - s * 0.01, lx + s * 0.018, ly + s * 0.01], fill=who.secondary)
    return image


def _shield_polygon(x0: float, y0: float, x1: float, y1: float, point: float) -> list:
    w = x1 - x0
    pts = [(x0, y0), (x1, y0), (x1, y0 + (y1 - y0) * 0.55)]
    for k in range(1, 10):
        t = k / 10
        pts.append((x1 - w / 2 * t, y0 + (y1 - y0) * (0.55 + (point - 0.55) * math.sin(t * math.pi / 2) + 0.45 * t)))
    pts += [(x0 + w / 2, y1)]
    for k in range(9, 0, -1):
        t = k / 10
        pts.append((x0 + w / 2 * t, y0 + (y1 - y0) * (0.55 + (point - 0.55) * math.sin(t * math.pi / 2) + 0.45 * t)))
    pts.append((x0, y0 + (y1 - y0) * 0.55))
    return pts


def _shield(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    w = lay.choice([320, 360, 400])
    h = round(w * lay.uniform(1.15, 1.35))
    image, draw = who.canvas((w, h))
    cw, ch = w * SS, h * SS
    m = cw * 0.04
    draw.polygon(_shield_polygon(m, m, cw - m, ch - m, 0.55), fill=who.primary)
    i = cw * lay.uniform(0.04, 0.07)
    draw.polygon(_shield_polygon(m + i, m + i, cw - m - i, ch - m - i * 1.5, 0.55), fill=who.light)
    top = ch * lay.uniform(0.2, 0.28)
    draw.rectangle([m + i, m + i, cw - m - i, top], fill=who.primary)
    _fit_text(draw, (cw / 2, (m + i + top) / 2), who.initials, cw * 0.7, (top - m - i) * 0.7, who.ink, bold=SS)
    if lay.random() < 0.6:  # chevron
        cy = ch * lay.uniform(0.45, 0.55)
        t = ch * 0.06
        draw.polygon([(m + i, cy + ch * 0.12), (cw / 2, cy - ch * 0.05), (cw - m - i, cy + ch * 0.12),
                      (cw - m - i, cy + ch * 0.12 + t), (cw / 2, cy - ch * 0.05 + t), (m + i, cy + ch * 0.12 + t)],
                     fill=who.secondary)  # fmt: skip
        _icon(draw, who.icon, (cw * 0.35, top + ch * 0.03, cw * 0.65, cy - ch * 0.02), who.primary, who.secondary, idr)
        _icon(
            draw, idr.choice(ICONS), (cw * 0.38, cy + ch * 0.16, cw * 0.62, ch * 0.8), who.primary, who.secondary, idr
        )
    else:  # quarters with book and torch
        draw.line([(cw / 2, top), (cw / 2, ch * 0.85)], fill=who.primary, width=round(cw * 0.02))
        draw.line([(m + i, ch * 0.52), (cw - m - i, ch * 0.52)], fill=who.primary, width=round(cw * 0.02))
        _icon(draw, who.icon, (cw * 0.15, top + ch * 0.04, cw * 0.45, ch * 0.48), who.primary, who.secondary, idr)
        _icon(draw, "torch", (cw * 0.55, top + ch * 0.04, cw * 0.85, ch * 0.48), who.primary, who.secondary, idr)
        _icon(draw, idr.choice(ICONS), (cw * 0.2, ch * 0.56, cw * 0.45, ch * 0.75), who.primary, who.secondary, idr)
        _fit_text(draw, (cw * 0.68, ch * 0.62), who.year[-4:], cw * 0.25, ch * 0.07, who.primary)
    return image


def _wordmark(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    w = lay.choice([600, 750, 900])
    h = round(w / lay.uniform(2.8, 4.0))
    image, draw = who.canvas((w, h))
    cw, ch = w * SS, h * SS
    big = who.place.upper() if lay.random() < 0.7 else who.place
    _fit_text(draw, (cw / 2, ch * 0.4), big, cw * 0.92, ch * 0.45, who.primary, bold=SS * lay.choice([0, 1, 2]))
    y = ch * 0.66
    if lay.random() < 0.6:
        draw.rectangle([cw * 0.1, y, cw * 0.9, y + ch * 0.025], fill=who.secondary)
    _fit_text(draw, (cw / 2, ch * 0.82), who.suffix.upper(), cw * 0.8, ch * 0.16, who.secondary if lay.random() < 0.5
              else who.primary)  # fmt: skip
    return image


def _wordmark_icon(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    w = lay.choice([600, 750, 900])
    h = round(w / lay.uniform(2.6, 3.4))
    image, draw = who.canvas((w, h))
    cw, ch = w * SS, h * SS
    box = (ch * 0.08, ch * 0.08, ch * 0.92, ch * 0.92)
    if lay.random() < 0.5:
        draw.ellipse(box, fill=who.primary)
        _icon(draw, who.icon, (ch * 0.25, ch * 0.25, ch * 0.75, ch * 0.75), who.light, who.secondary, idr)
    else:
        _icon(draw, who.icon, box, who.primary, who.secondary, idr)
    left = ch * 1.05
    _fit_text(draw, (left, ch * 0.38), who.place, cw - left - ch * 0.1, ch * 0.38, who.primary, anchor="lm", bold=SS)
    _fit_text(draw, (left, ch * 0.72), who.suffix, cw - left - ch * 0.1, ch * 0.2, who.secondary, anchor="lm")
    return image


def _square_badge(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    size = lay.choice([300, 400, 500])
    image, draw = who.canvas((size, size))
    s = size * SS
    m = s * lay.uniform(0.03, 0.08)
    draw.rounded_rectangle([m, m, s - m, s - m], radius=s * lay.uniform(0.0, 0.18), fill=who.primary)
    if lay.random() < 0.5:
        draw.rounded_rectangle([m * 2, m * 2, s - m * 2, s - m * 2], radius=s * 0.1, outline=who.secondary,
                               width=round(s * 0.015))  # fmt: skip
    _fit_text(draw, (s / 2, s * 0.45), who.initials, s * 0.75, s * 0.38, who.ink, bold=SS * 2)
    _fit_text(draw, (s / 2, s * 0.75), who.place.upper(), s * 0.7, s * 0.08, who.ink)
    _fit_text(draw, (s / 2, s * 0.84), who.suffix.upper(), s * 0.7, s * 0.055, who.secondary)
    return image


def _wide_banner(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    w = lay.choice([750, 900, 1200])
    h = w // 3
    image, draw = who.canvas((w, h))
    cw, ch = w * SS, h * SS
    draw.rectangle([0, 0, cw, ch], fill=who.primary)
    stripes = lay.randint(1, 3)
    for k in range(stripes):
        y = ch * (0.8 + 0.06 * k)
        draw.rectangle([0, y, cw, y + ch * 0.03], fill=who.secondary)
    slant = lay.uniform(0.1, 0.25) * cw
    draw.polygon([(0, 0), (slant + ch * 0.3, 0), (slant, ch), (0, ch)], fill=who.secondary)
    _icon(draw, who.icon, (ch * 0.1, ch * 0.15, ch * 0.75, ch * 0.7), who.primary, who.light, idr)
    left = slant + ch * 0.4
    _fit_text(draw, (left, ch * 0.35), who.name.upper(), cw - left - ch * 0.2, ch * 0.22, who.ink, anchor="lm", bold=SS)
    _fit_text(draw, (left, ch * 0.62), who.motto, cw - left - ch * 0.2, ch * 0.14, who.light, anchor="lm")
    return image


def _mascot_logo(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    w = lay.choice([320, 400, 480])
    h = round(w * lay.choice([1.0, 1.0, 1.25]))
    image, draw = who.canvas((w, h))
    cw, ch = w * SS, h * SS
    if lay.random() < 0.5:
        draw.ellipse([cw * 0.05, cw * 0.05, cw * 0.95, cw * 0.95], fill=who.light, outline=who.primary,
                     width=round(cw * 0.03))  # fmt: skip
    _mascot(
        draw, who.mascot, (cw * 0.18, cw * 0.18, cw * 0.82, cw * 0.82), who.primary, who.secondary, (20, 20, 20), idr
    )
    if ch > cw:
        _fit_text(
            draw, (cw / 2, cw + (ch - cw) * 0.35), who.place.upper(), cw * 0.9, (ch - cw) * 0.45, who.primary, bold=SS
        )
        _fit_text(
            draw, (cw / 2, cw + (ch - cw) * 0.78), f"{who.mascot.upper()}S", cw * 0.5, (ch - cw) * 0.3, who.secondary
        )
    else:
        draw.rectangle([cw * 0.1, ch * 0.8, cw * 0.9, ch * 0.95], fill=who.primary)
        _fit_text(draw, (cw / 2, ch * 0.875), f"{who.short} {who.mascot.upper()}S", cw * 0.75, ch * 0.1, who.ink)
    return image


def _monogram(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    size = lay.choice([300, 400, 500])
    image, draw = who.canvas((size, size))
    s = size * SS
    if lay.random() < 0.6:
        draw.ellipse([s * 0.04, s * 0.04, s * 0.96, s * 0.96], fill=who.light, outline=who.primary,
                     width=round(s * 0.025))  # fmt: skip
    letters = who.short
    font = _font(s * lay.uniform(0.5, 0.62))
    offset = s * lay.uniform(0.12, 0.18)
    draw.text((s / 2 - offset, s / 2 + s * 0.02), letters[0], font=font, anchor="mm", fill=who.primary,
              stroke_width=round(s * 0.012), stroke_fill=who.primary)  # fmt: skip
    draw.text((s / 2 + offset, s / 2 - s * 0.02), letters[1], font=font, anchor="mm", fill=who.secondary,
              stroke_width=round(s * 0.012), stroke_fill=who.primary)  # fmt: skip
    if lay.random() < 0.5:
        _fit_text(draw, (s / 2, s * 0.85), who.year, s * 0.4, s * 0.06, who.primary)
    return image


def _gradient(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    size = lay.choice([320, 400, 480])
    s = size * SS
    ramp = Image.linear_gradient("L").resize((s, s)).rotate(lay.choice([0, 45, 90, 135]))
    top = Image.new("RGBA", (s, s), (*who.primary, 255))
    bottom = Image.new("RGBA", (s, s), (*who.secondary, 255))
    fill = Image.composite(top, bottom, ramp)
    image, draw = who.canvas((size, size))
    mask = Image.new("L", (s, s), 0)
    shape = lay.choice(["circle", "rounded", "shield"])
    mdraw = ImageDraw.Draw(mask)
    if shape == "circle":
        mdraw.ellipse([s * 0.04, s * 0.04, s * 0.96, s * 0.96], fill=255)
    elif shape == "rounded":
        mdraw.rounded_rectangle([s * 0.05, s * 0.05, s * 0.95, s * 0.95], radius=s * 0.2, fill=255)
    else:
        mdraw.polygon(_shield_polygon(s * 0.1, s * 0.04, s * 0.9, s * 0.96, 0.55), fill=255)
    image.paste(fill, (0, 0), mask)
    _icon(draw, who.icon, (s * 0.32, s * 0.14, s * 0.68, s * 0.45), (255, 255, 255), who.light, idr)
    _fit_text(draw, (s / 2, s * 0.6), who.initials, s * 0.6, s * 0.2, (255, 255, 255), bold=SS)
    _fit_text(draw, (s / 2, s * 0.75), who.place.upper(), s * 0.55, s * 0.06, (255, 255, 255))
    return image


def _outline(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    size = lay.choice([320, 400, 480])
    image, draw = who.canvas((size, size))
    s = size * SS
    ink = who.primary
    width = round(s * lay.uniform(0.01, 0.02))
    draw.ellipse([s * 0.05, s * 0.05, s * 0.95, s * 0.95], outline=ink, width=width)
    if lay.random() < 0.5:
        draw.ellipse([s * 0.1, s * 0.1, s * 0.9, s * 0.9], outline=ink, width=max(2, width // 2))
    # line-art icon: the emblem drawn, then hollowed out
    tile = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    tdraw = ImageDraw.Draw(tile)
    _icon(tdraw, who.icon, (s * 0.3, s * 0.16, s * 0.7, s * 0.52), (*ink, 255), (*ink, 255), idr)
    edges = tile.getchannel("A").point(lambda a: 255 if a > 128 else 0)
    hollow = edges.filter(ImageFilter.MinFilter(max(3, (width // 2) * 2 + 1)))
    ring = ImageChops.subtract(edges, hollow)
    image.paste(Image.new("RGBA", (s, s), (*ink, 255)), (0, 0), ring)
    _fit_text(draw, (s / 2, s * 0.64), who.place.upper(), s * 0.7, s * 0.09, ink)
    _fit_text(draw, (s / 2, s * 0.76), who.initials, s * 0.4, s * 0.07, ink)
    return image


def _star_emblem(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    size = lay.choice([320, 400, 480])
    image, draw = who.canvas((size, size))
    s = size * SS
    c = s / 2
    if lay.random() < 0.6:
        draw.ellipse([s * 0.03, s * 0.03, s * 0.97, s * 0.97], fill=who.primary)
    points = lay.choice([5, 5, 6, 7, 8])
    inner = lay.uniform(0.38, 0.5)
    draw.polygon(_star_points(c, c + s * 0.02, s * 0.44, s * 0.44 * inner, points), fill=who.secondary)
    draw.polygon(_star_points(c, c + s * 0.02, s * 0.36, s * 0.36 * inner, points), fill=who.light)
    _fit_text(draw, (c, c + s * 0.04), who.short, s * 0.28, s * 0.16, who.primary, bold=SS)
    if idr.random() < 0.7:
        _fit_text(draw, (c, s * 0.9), who.place.upper(), s * 0.5, s * 0.05, who.ink)
    return image


def _book_apple(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    w = lay.choice([320, 400, 480])
    h = round(w * lay.uniform(1.0, 1.3))
    image, draw = who.canvas((w, h))
    cw, ch = w * SS, h * SS
    _icon(draw, "book", (cw * 0.12, ch * 0.32, cw * 0.88, ch * 0.72), who.primary, who.secondary, lay)
    _icon(draw, "apple", (cw * 0.32, ch * 0.04, cw * 0.68, ch * 0.36), (40, 110, 40), who.secondary, lay)
    _fit_text(draw, (cw / 2, ch * 0.8), who.place.upper(), cw * 0.9, ch * 0.09, who.primary, bold=SS)
    _fit_text(draw, (cw / 2, ch * 0.91), who.suffix, cw * 0.9, ch * 0.06, who.secondary)
    return image


def _pennant(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    wide = lay.random() < 0.6
    w, h = (720, 300) if wide else (300, 560)
    image, draw = who.canvas((w, h))
    cw, ch = w * SS, h * SS
    if wide:
        draw.polygon([(0, ch * 0.05), (cw * 0.98, ch / 2), (0, ch * 0.95)], fill=who.primary)
        draw.rectangle([0, ch * 0.05, cw * 0.06, ch * 0.95], fill=who.secondary)
        font = _font(ch * 0.2)
        length = draw.textlength(who.place.upper(), font=font)
        if length > cw * 0.5:
            font = _font(ch * 0.2 * cw * 0.5 / length)
        draw.text((cw * 0.45, ch / 2), who.place.upper(), font=font, fill=who.ink, anchor="mm")
        _icon(draw, who.icon, (cw * 0.08, ch * 0.35, cw * 0.16, ch * 0.65), who.ink, who.secondary, idr)
    else:
        draw.polygon([(cw * 0.05, 0), (cw * 0.95, 0), (cw / 2, ch * 0.98)], fill=who.primary)
        draw.rectangle([cw * 0.05, 0, cw * 0.95, ch * 0.06], fill=who.secondary)
        tile = Image.new("RGBA", (round(ch * 0.6), round(cw * 0.3)), (0, 0, 0, 0))
        tdraw = ImageDraw.Draw(tile)
        _fit_text(tdraw, (tile.width / 2, tile.height / 2), who.place.upper(), tile.width * 0.95, tile.height * 0.6,
                  who.ink)  # fmt: skip
        tile = tile.rotate(-90, expand=True)
        image.alpha_composite(tile, (round(cw / 2 - tile.width / 2), round(ch * 0.1)))
    return image


def _hexagon(lay: random.Random, who: _Identity, idr: random.Random) -> Image.Image:
    size = lay.choice([320, 400, 480])
    image, draw = who.canvas((size, size))
    s = size * SS
    c = s / 2
    turn = lay.choice([0.0, math.pi / 6])
    for radius, colour in ((0.48, who.primary), (0.42, who.light), (0.38, who.secondary)):
        draw.polygon([(c + s * radius * math.cos(turn + k * math.pi / 3), c + s * radius * math.sin(turn + k * math.pi
                      / 3)) for k in range(6)], fill=colour)  # fmt: skip
    _fit_text(draw, (c, c - s * 0.05), who.initials, s * 0.55, s * 0.2, who.primary, bold=SS)
    _fit_text(draw, (c, c + s * 0.14), who.motto.upper(), s * 0.5, s * 0.045, who.primary)
    return image


_KIND_DRAW: dict[str, Callable[[random.Random, _Identity, random.Random], Image.Image]] = {
    "seal_lettered": _seal_lettered,
    "seal_plain": _seal_plain,
    "shield": _shield,
    "wordmark": _wordmark,
    "wordmark_icon": _wordmark_icon,
    "square_badge": _square_badge,
    "wide_banner": _wide_banner,
    "mascot": _mascot_logo,
    "monogram": _monogram,
    "gradient": _gradient,
    "outline": _outline,
    "star_emblem": _star_emblem,
    "book_apple": _book_apple,
    "pennant": _pennant,
    "hexagon": _hexagon,
}


def _draw(kind: str, layout_seed: int, identity_seed: int) -> Image.Image:
    if kind not in _KIND_DRAW:
        raise ValueError(f"unknown logo kind {kind!r}")
    lay = random.Random(f"layout:{kind}:{layout_seed}")
    idr = random.Random(f"identity:{kind}:{identity_seed}")
    who = _Identity(idr)
    if identity_seed != layout_seed:  # a twin: never the same words, emblem or mascot as the template's owner
        owner = _Identity(random.Random(f"identity:{kind}:{layout_seed}"))
        while who.place == owner.place or who.short == owner.short or who.initials == owner.initials:
            who = _Identity(idr)
        who.icon = idr.choice([icon for icon in ICONS if icon != owner.icon])
        who.mascot = idr.choice([mascot for mascot in MASCOTS if mascot != owner.mascot])
    big = _KIND_DRAW[kind](lay, who, idr)
    return big.resize((big.width // SS, big.height // SS), Image.Resampling.LANCZOS)


def design(kind: str, seed: int) -> Image.Image:
    """A logo design of ``kind``: RGBA (transparent or solid background); one distinct design per seed."""
    return _draw(kind, seed, seed)


def template_twin(kind: str, seed: int, other: int) -> Image.Image:
    """Another institution's logo on the template of ``design(kind, seed)``: the same layout, other words,
    colours and emblem — the hardest thing a finder must not report."""
    if other == seed:
        raise ValueError("a twin needs another institution's seed")
    return _draw(kind, seed, other)


# ---------------------------------------------------------------- distractors


def _generic(kind: str, rnd: random.Random) -> Image.Image:
    """Flags, stars, shields, rings, sports balls and text badges: shapes logos are made of, on their own."""
    c1 = _hsv(rnd.random(), rnd.uniform(0.5, 1), rnd.uniform(0.3, 0.95))
    c2 = _hsv(rnd.random(), rnd.uniform(0.0, 1), rnd.uniform(0.5, 1.0))
    white = (255, 255, 255)
    if kind == "flag":
        w, h = 600, rnd.choice([300, 316, 400])
        image = Image.new("RGB", (w, h), white)
        draw = ImageDraw.Draw(image)
        style = rnd.choice(["stripes", "bands", "cross", "disc", "canton", "triangle", "state"])
        if style in ("stripes", "canton"):
            n = rnd.choice([3, 5, 7, 9, 13])
            for k in range(n):
                draw.rectangle([0, h * k / n, w, h * (k + 1) / n], fill=c1 if k % 2 == 0 else white)
            if style == "canton":
                draw.rectangle([0, 0, w * 0.4, h * 0.54], fill=c2)
                for i in range(rnd.randint(3, 6)):
                    for j in range(rnd.randint(2, 4)):
                        x, y = w * 0.4 * (i + 0.5) / 6 + w * 0.02, h * 0.54 * (j + 0.5) / 4
                        draw.polygon(_star_points(x, y, h * 0.035, h * 0.014), fill=white)
        elif style == "bands":
            colours = [c1, white, c2] if rnd.random() < 0.5 else [c1, c2, _hsv(rnd.random(), 1, 0.8)]
            vertical = rnd.random() < 0.5
            for k, col in enumerate(colours):
                box = [w * k / 3, 0, w * (k + 1) / 3, h] if vertical else [0, h * k / 3, w, h * (k + 1) / 3]
                draw.rectangle(box, fill=col)
        elif style == "cross":
            draw.rectangle([0, 0, w, h], fill=c1)
            draw.rectangle([w * 0.28, 0, w * 0.4, h], fill=c2)
            draw.rectangle([0, h * 0.42, w, h * 0.58], fill=c2)
        elif style == "disc":
            draw.rectangle([0, 0, w, h], fill=c2)
            draw.ellipse([w / 2 - h * 0.3, h * 0.2, w / 2 + h * 0.3, h * 0.8], fill=c1)
        elif style == "triangle":
            for k in range(2):
                draw.rectangle([0, h * k / 2, w, h * (k + 1) / 2], fill=c1 if k else c2)
            draw.polygon([(0, 0), (w * 0.4, h / 2), (0, h)], fill=white)
            draw.polygon(_star_points(w * 0.12, h / 2, h * 0.12, h * 0.05), fill=c1)
        else:  # a state flag: a seal on a plain field
            draw.rectangle([0, 0, w, h], fill=c1)
            seal = _draw(rnd.choice(["seal_lettered", "seal_plain", "star_emblem"]), 90_000 + rnd.randint(0, 9999),
                         90_000 + rnd.randint(0, 9999))  # fmt: skip
            seal = seal.resize((round(h * 0.7), round(h * 0.7)), Image.Resampling.LANCZOS)
            image.paste(seal, (round(w / 2 - seal.width / 2), round(h * 0.15)), seal)
        return image
    size = 400
    image = Image.new("RGB", (size, size), rnd.choice([white, c2, (240, 240, 240)]))
    draw = ImageDraw.Draw(image)
    if kind == "star":
        if rnd.random() < 0.4:
            draw.ellipse([20, 20, 380, 380], fill=c1)
        points = rnd.choice([5, 5, 5, 6, 8])
        draw.polygon(_star_points(200, 205, rnd.uniform(120, 180), rnd.uniform(50, 80), points), fill=c2 if rnd.random()
                     < 0.5 else (235, 180, 30))  # fmt: skip
    elif kind == "shield":
        draw.polygon(_shield_polygon(60, 30, 340, 370, 0.55), fill=c1)
        if rnd.random() < 0.6:
            draw.polygon([(70, 250), (200, 150), (330, 250), (330, 280), (200, 180), (70, 280)], fill=white)
        if rnd.random() < 0.5:
            _icon(draw, rnd.choice(ICONS), (140, 60, 260, 150), white, c2, rnd)
    elif kind == "ring":
        rings = rnd.randint(1, 5)
        radius = 180
        for k in range(rings):
            draw.ellipse([200 - radius, 200 - radius, 200 + radius, 200 + radius], fill=c1 if k % 2 == 0 else white)
            radius *= rnd.uniform(0.6, 0.85)
        if rnd.random() < 0.5:
            for k in range(24):
                a = 2 * math.pi * k / 24
                draw.rectangle([200 + 160 * math.cos(a) - 6, 200 + 160 * math.sin(a) - 6, 200 + 160 * math.cos(a) + 6,
                                200 + 160 * math.sin(a) + 6], fill=white)  # fmt: skip
    elif kind == "ball":
        ball = rnd.choice(["soccer", "basketball", "baseball", "football", "tennis"])
        if ball == "football":
            draw.ellipse([40, 110, 360, 290], fill=(140, 70, 30))
            draw.line([(120, 200), (280, 200)], fill=white, width=6)
            for x in range(140, 280, 20):
                draw.line([(x, 185), (x, 215)], fill=white, width=5)
        else:
            fill = {"soccer": white, "basketball": (230, 120, 30), "baseball": white, "tennis": (210, 230, 60)}[ball]
            draw.ellipse([40, 40, 360, 360], fill=fill, outline=(30, 30, 30), width=4)
            if ball == "soccer":
                draw.polygon(_star_points(200, 200, 60, 60, 5)[::2], fill=(20, 20, 20))
                for k in range(5):
                    a = -math.pi / 2 + 2 * math.pi * k / 5
                    x, y = 200 + 135 * math.cos(a), 200 + 135 * math.sin(a)
                    draw.polygon(_star_points(x, y, 35, 35, 5)[::2], fill=(20, 20, 20))
            elif ball == "basketball":
                draw.line([(40, 200), (360, 200)], fill=(30, 30, 30), width=5)
                draw.line([(200, 40), (200, 360)], fill=(30, 30, 30), width=5)
                draw.arc([-60, 80, 160, 320], -60, 60, fill=(30, 30, 30), width=5)
                draw.arc([240, 80, 460, 320], 120, 240, fill=(30, 30, 30), width=5)
            else:
                colour = (200, 30, 30) if ball == "baseball" else white
                draw.arc([-80, 60, 160, 340], -50, 50, fill=colour, width=6)
                draw.arc([240, 60, 480, 340], 130, 230, fill=colour, width=6)
    else:  # text badge: words from the same lists logos use, in the same font
        draw.rounded_rectangle([20, 120, 380, 280], radius=rnd.choice([0, 20, 60]), fill=c1)
        words = rnd.choice([f"{rnd.choice(FIRST_WORDS)} {rnd.choice(SECOND_WORDS)}", rnd.choice(MOTTOES),
                            rnd.choice(["OPEN", "NEWS", "GO TEAM", "CLASS OF 2026", "SALE", "WELCOME"]),
                            rnd.choice(SUFFIXES)])  # fmt: skip
        _fit_text(draw, (200, 200), words.upper(), 320, 60, white, bold=rnd.choice([0, 1, 2]))
    return image


def distractors(seed: int, count: int) -> list[tuple[str, Image.Image]]:
    """Pictures that must not be reported as any district's logo, labelled by kind.

    Half are other institutions' logos of every kind (labelled ``other:<kind>``, seeds 5,000,000+ so
    they never coincide with a calibration or test design); half are flags, generic stars, shields,
    rings, sports balls and plain text badges.
    """
    rnd = random.Random(f"distractors:{seed}")
    out: list[tuple[str, Image.Image]] = []
    for i in range(count):
        if i % 2 == 0:
            kind = LOGO_KINDS[(i // 2 + seed) % len(LOGO_KINDS)]
            other = 5_000_000 + rnd.randint(0, 4_999_999)
            out.append((f"other:{kind}", design(kind, other)))
        else:
            kind = DISTRACTOR_KINDS[(i // 2 + seed) % len(DISTRACTOR_KINDS)]
            out.append((kind, _generic(kind, rnd)))
    return out


# ---------------------------------------------------------------- the edits


def _flatten(logo: Image.Image, fill: Colour = (255, 255, 255)) -> Image.Image:
    if logo.mode == "RGBA":
        base = Image.new("RGBA", logo.size, (*fill, 255))
        return Image.alpha_composite(base, logo).convert("RGB")
    return logo.convert("RGB")


def _avatar(logo: Image.Image, rnd: random.Random, size: int = 400) -> Image.Image:
    """The logo whole, padded to a square (white, or a plain colour) with a small margin, ``size`` pixels."""
    fill = rnd.choice([(255, 255, 255), (255, 255, 255), (245, 245, 245), _hsv(rnd.random(), 0.3, 0.95)])
    margin = rnd.uniform(0.0, 0.1)
    w, h = logo.size
    side = round(max(w, h) * (1 + 2 * margin))
    square = Image.new("RGBA", (side, side), (*fill, 255))
    square.alpha_composite(logo.convert("RGBA"), ((side - w) // 2, (side - h) // 2))
    return square.convert("RGB").resize((size, size), Image.Resampling.LANCZOS)


def _reencode(image: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def _fit_width(background: Image.Image, width: int = 400) -> Image.Image:
    w, h = background.size
    return background.convert("RGB").resize((width, max(1, round(h * width / w))), Image.Resampling.LANCZOS)


def _paste(canvas: Image.Image, logo: Image.Image, scale: float, xy: tuple[int, int]) -> Image.Image:
    small = logo.convert("RGBA").resize(
        (max(1, round(logo.width * scale)), max(1, round(logo.height * scale))), Image.Resampling.LANCZOS
    )
    out = canvas.convert("RGBA")
    out.alpha_composite(small, xy)
    return out.convert("RGB")


def _plate(logo: Image.Image, rnd: random.Random) -> Image.Image:
    """A transparent logo pasted as it is, or (as often) on a white plate with a small margin."""
    if logo.mode != "RGBA" or rnd.random() < 0.5:
        return logo.convert("RGBA")
    pad = round(max(logo.size) * rnd.uniform(0.03, 0.1))
    out = Image.new("RGBA", (logo.width + 2 * pad, logo.height + 2 * pad), (255, 255, 255, 255))
    out.alpha_composite(logo, (pad, pad))
    return out


def apply_logo_edit(logo: Image.Image, edit: str, rnd: random.Random, background: Image.Image) -> Image.Image:
    """The logo as an impostor or a fan page would use it (RGB); ``background`` is a portrait or a photo.

    ``placed…`` pastes the logo at that share of the background's width (capped by its height), at a
    random position including the corners; the result is about 400 px wide. The caller encodes it.
    """
    if edit == "whole":
        return _avatar(logo, rnd)
    if edit == "round":
        avatar = _avatar(logo, rnd)
        mask = Image.new("L", avatar.size, 0)
        ImageDraw.Draw(mask).ellipse((0, 0, avatar.width - 1, avatar.height - 1), fill=255)
        out = Image.new("RGB", avatar.size, rnd.choice([(255, 255, 255), (0, 0, 0), (20, 24, 30)]))
        out.paste(avatar, (0, 0), mask)
        return out
    if edit == "recolour_swap":
        avatar = _avatar(logo, rnd)
        order = rnd.choice([(1, 0, 2), (2, 1, 0), (0, 2, 1), (1, 2, 0), (2, 0, 1)])
        bands = avatar.split()
        return Image.merge("RGB", [bands[i] for i in order])
    if edit == "recolour_hue":
        h, s, v = _avatar(logo, rnd).convert("HSV").split()
        turn = rnd.randint(43, 213)
        return Image.merge("HSV", (h.point(lambda x: (x + turn) % 256), s, v)).convert("RGB")
    if edit == "grey":
        return ImageOps.grayscale(_avatar(logo, rnd)).convert("RGB")
    if edit == "inverted":
        return ImageOps.invert(_avatar(logo, rnd))
    if edit == "jpeg30-70":
        return _reencode(_avatar(logo, rnd, rnd.choice([200, 300, 400])), rnd.randint(30, 70))
    if edit in ("small48-72", "small72-128"):
        low, high = (48, 72) if edit == "small48-72" else (72, 128)
        return _reencode(_avatar(logo, rnd, rnd.randint(low, high)), rnd.randint(75, 92))
    if edit == "rotated":
        angle = rnd.choice([-1, 1]) * rnd.uniform(3, 10)
        return _avatar(logo, rnd).rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    if edit == "caption":
        avatar = _avatar(logo, rnd)
        draw = ImageDraw.Draw(avatar)
        height = rnd.uniform(0.12, 0.2) * avatar.height
        top = avatar.height - height
        draw.rectangle(
            (0, top, avatar.width, avatar.height), fill=rnd.choice([(0, 0, 0), (200, 20, 20), (255, 255, 255)])
        )
        ink = (255, 255, 0) if rnd.random() < 0.5 else (128, 128, 128)
        text = rnd.choice(["Back to school!", "GO TEAM", "Parents group", "Fan page", "Official updates"])
        _fit_text(draw, (avatar.width / 2, top + height / 2), text, avatar.width * 0.9, height * 0.6, ink)
        return avatar
    if edit == "sticker":
        avatar = _avatar(logo, rnd)
        draw = ImageDraw.Draw(avatar)
        r = avatar.width * rnd.uniform(0.1, 0.14)
        cx = rnd.choice([r * 1.1, avatar.width - r * 1.1])
        cy = rnd.choice([r * 1.1, avatar.height - r * 1.1])
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_hsv(rnd.random(), 0.8, 0.95), outline=(255, 255, 255),
                     width=4)  # fmt: skip
        draw.polygon(_star_points(cx, cy, r * 0.7, r * 0.3), fill=(255, 255, 255))
        return avatar
    if edit.startswith("placed"):
        low, high = (int(x) / 100 for x in edit.removeprefix("placed").split("-"))
        canvas = _fit_width(background)
        piece = _plate(logo, rnd)
        share = rnd.uniform(low, high)
        scale = min(share * canvas.width / piece.width, canvas.height / piece.height)
        w, h = round(piece.width * scale), round(piece.height * scale)
        xy = (rnd.randint(0, max(0, canvas.width - w)), rnd.randint(0, max(0, canvas.height - h)))
        return _paste(canvas, piece, scale, xy)
    if edit == "banner":
        width = rnd.choice([900, 1200, 1500])
        height = width // 3
        back = background.convert("RGB")
        crop_h = round(back.width / 3)
        if crop_h <= back.height:
            top = rnd.randint(0, back.height - crop_h)
            canvas = back.crop((0, top, back.width, top + crop_h)).resize((width, height), Image.Resampling.LANCZOS)
        else:
            canvas = Image.new("RGB", (width, height), _hsv(rnd.random(), 0.6, 0.6))
        piece = _plate(logo, rnd)
        scale = rnd.uniform(0.45, 0.9) * height / piece.height
        scale = min(scale, 0.6 * width / piece.width)
        w, h = round(piece.width * scale), round(piece.height * scale)
        x = rnd.choice([round(0.04 * width), (width - w) // 2, width - w - round(0.04 * width)])
        return _paste(canvas, piece, scale, (max(0, x), (height - h) // 2))
    raise ValueError(f"unknown logo edit {edit!r}")
