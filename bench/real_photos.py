"""Real photographs for the development corpus: scikit-image's sample pictures, cut into avatars.

Why: synthetic portraits are all drawn by one function, so matching tuned on them learns that
function. These are real photographs (and real faces), shipped with scikit-image, so offline.

Each part ("calibration", "test") draws on its own source photographs and its own half of the
LFW faces, so no test avatar is a near-copy of a calibration one. Within a part every large
photo is cut by a fixed tiling into squares of several sizes that never overlap; each square is
one avatar, so two "different people" never share a region (at most twelve per photo, so that
one texture does not fill a part). The other squares are kept aside as backdrops, used only for
composites (a face, real or synthetic, in front of them), the way a school's photo day puts many
people in front of the same wall.

Capacity (``capacity(part)``): calibration 124 distinct real avatars (74 crops of 10 photographs,
50 LFW faces) and 29 backdrops; test 120 (70 crops of 10 photographs, 50 faces) and 27 backdrops.
Past that, a pool hands out synthetic portraits composited on the backdrops, without limit.

    PYTHONPATH=. .venv/bin/python bench/real_photos.py [--sheet /tmp/sheet.png]   # capacity per part
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from watcher.demo.portraits import HAIR, SIZE, SKIN, portrait

PARTS = ("calibration", "test")
# Different photographs per part; the stereo pair's right image is left out (a near-copy of the left).
SOURCES: dict[str, tuple[str, ...]] = {
    "calibration": ("camera", "coffee", "rocket", "horse", "hubble_deep_field", "immunohistochemistry", "grass",
                    "coins", "clock", "page"),
    "test": ("astronaut", "chelsea", "motorcycle_left", "retina", "cell", "moon", "brick", "gravel", "text",
             "colorwheel"),
}  # fmt: skip
FACES: dict[str, range] = {"calibration": range(0, 50), "test": range(50, 100)}  # indices into lfw_subset's faces
PORTRAIT_BASE = {"calibration": 3_000_000_000, "test": 4_000_000_000}  # synthetic seeds used nowhere else
MIN_TILE = 80  # pixels: smaller squares are too blurry once served at 400-1000 px
MAX_TILE = 300  # so that the large photographs give more than four squares
BACKDROP_SHARE = 0.25  # of each photo's squares, at least
MAX_CROPS = 12  # per photo, so that one texture (gravel, a retina) does not fill a part
AVATAR = 400

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class RealAvatar:
    """One avatar and where it came from, for reporting recall per origin."""

    image: Image.Image
    origin: str  # real_crop, real_face, real_face_on_photo, synthetic_on_photo
    source: str  # e.g. "astronaut@0,0,256" or "lfw#57"


def real_avatars(part: str, count: int, seed: int) -> list[Image.Image]:
    """``count`` distinct avatars of ``part``, deterministic for (part, count, seed)."""
    return [a.image for a in real_avatar_entries(part, count, seed)]


def real_avatar_entries(part: str, count: int, seed: int, mixed_share: float = 0.25) -> list[RealAvatar]:
    """Distinct avatars with their origin: real crops and faces, about ``mixed_share`` composites."""
    pool = RealPhotoPool(part, seed, mixed_share)
    return [pool.any() for _ in range(count)]


class RealPhotoPool:
    """Hands out a part's avatars one at a time, never the same one twice.

    The real ones (crops and faces) are finite, in an order shuffled by ``seed``; ``real()`` takes
    the next one (None once they are all out). ``any()`` gives a composite (a synthetic person in
    front of a real backdrop, ``synthetic_on_photo``) about ``mixed_share`` of the time, and always
    once the real ones are out, so a pool never runs dry.
    """

    def __init__(self, part: str, seed: int, mixed_share: float = 0.25) -> None:
        _check(part)
        self.part, self.seed, self.mixed_share = part, seed, mixed_share
        self._rnd = random.Random(f"real:{part}:{seed}")
        self._finite: list[tuple[str, object]] = [("tile", t) for t in _crop_tiles(part)]
        self._finite += [("face", i) for i in FACES[part]]
        self._rnd.shuffle(self._finite)
        self._taken = 0
        self._composites = 0

    def real(self) -> RealAvatar | None:
        if self._taken >= len(self._finite):
            return None
        kind, ref = self._finite[self._taken]
        self._taken += 1
        return _render(self.part, kind, ref)

    def any(self) -> RealAvatar:
        if self._rnd.random() >= self.mixed_share:
            avatar = self.real()
            if avatar is not None:
                return avatar
        self._composites += 1
        return _synthetic_on_photo(self.part, self.seed, self._composites - 1, _backdrop_tiles(self.part), self._rnd)

    def used(self) -> dict[str, int]:
        """How many real avatars and composites were handed out."""
        return {"real": self._taken, "composites": self._composites}


def capacity(part: str) -> dict[str, int]:
    """How many distinct real avatars a part can give (crops, faces) and how many backdrops it keeps."""
    _check(part)
    return {
        "sources": len(SOURCES[part]),
        "crops": len(_crop_tiles(part)),
        "faces": len(FACES[part]),
        "backdrops": len(_backdrop_tiles(part)),
    }


# --- sources and tiling ---------------------------------------------------------------------------


@cache
def source_image(name: str) -> Image.Image:
    """One of scikit-image's sample photographs, as RGB (grey ones stay grey in RGB)."""
    from skimage import data

    if name == "motorcycle_left":
        array = data.stereo_motorcycle()[0]
    elif name == "horse":
        array = data.horse().astype(np.uint8) * 255
    else:
        array = getattr(data, name)()
    return Image.fromarray(array).convert("RGB")


@cache
def _lfw_faces() -> np.ndarray:
    from skimage import data

    return data.lfw_subset()[:100]  # the first 100 are faces, the rest are not


@cache
def _tiles(name: str) -> tuple[Box, ...]:
    """A fixed tiling of the photo into squares of mixed sizes; no two overlap; flat ones dropped."""
    image = source_image(name)
    w, h = image.size
    base = min(min(w, h) // 2, MAX_TILE)
    cols, rows = w // base, h // base
    x0, y0 = (w - cols * base) // 2, (h - rows * base) // 2
    rnd = random.Random(f"tiles:{name}")
    boxes: list[Box] = []

    def split(x: int, y: int, side: int, depth: int) -> None:
        if side // 2 >= MIN_TILE and rnd.random() < (0.65 if depth == 0 else 0.35):
            half = side // 2
            for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
                split(x + dx * half, y + dy * half, half, depth + 1)
        else:
            boxes.append((x, y, x + side, y + side))

    for r in range(rows):
        for c in range(cols):
            split(x0 + c * base, y0 + r * base, base, 0)
    grey = np.asarray(image.convert("L"), dtype=np.float32)
    return tuple(b for b in boxes if not _flat(grey[b[1] : b[3], b[0] : b[2]]))


def _flat(patch: np.ndarray) -> bool:
    """Nearly one tone: a platform would read it as a default avatar, and no one picks such a photo."""
    median = float(np.median(patch))
    return float(patch.std()) < 10 or float((np.abs(patch - median) < 10).mean()) > 0.92


@cache
def _part_tiles(part: str) -> tuple[tuple[tuple[str, Box], ...], tuple[tuple[str, Box], ...]]:
    """Each photo's squares split between crops (at most ``MAX_CROPS``) and backdrops."""
    crops: list[tuple[str, Box]] = []
    backs: list[tuple[str, Box]] = []
    for name in SOURCES[part]:
        tiles = list(_tiles(name))
        random.Random(f"backdrops:{name}").shuffle(tiles)
        keep = min(MAX_CROPS, len(tiles) - round(len(tiles) * BACKDROP_SHARE))
        crops += [(name, box) for box in tiles[:keep]]
        backs += [(name, box) for box in tiles[keep:]]
    return tuple(crops), tuple(backs)


def _crop_tiles(part: str) -> tuple[tuple[str, Box], ...]:
    return _part_tiles(part)[0]


def _backdrop_tiles(part: str) -> tuple[tuple[str, Box], ...]:
    return _part_tiles(part)[1]


def _check(part: str) -> None:
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}: one of {', '.join(PARTS)}")


# --- rendering ------------------------------------------------------------------------------------

DUOTONES = [((20, 30, 70), (250, 225, 190)), ((60, 20, 40), (240, 200, 170)), ((10, 50, 40), (220, 240, 210)),
            ((40, 25, 10), (255, 235, 200))]  # fmt: skip
SKIN_DUOTONES = [((45, 25, 15), (250, 215, 185)), ((30, 18, 10), (215, 165, 120)), ((20, 12, 8), (175, 120, 80))]


def _render(part: str, kind: str, ref: object) -> RealAvatar:
    if kind == "tile":
        name, box = ref  # type: ignore[misc]
        return RealAvatar(_tile_avatar(name, box), "real_crop", f"{name}@{box[0]},{box[1]},{box[2] - box[0]}")
    index = int(ref)  # type: ignore[call-overload]
    face = _face_image(index)
    if index % 3 == 2:
        backdrops = _backdrop_tiles(part)
        rnd = random.Random(f"face:{index}")
        back = _backdrop(backdrops[index % len(backdrops)], rnd)
        return RealAvatar(_head_and_shoulders(face, back, rnd), "real_face_on_photo", f"lfw#{index}")
    return RealAvatar(face, "real_face", f"lfw#{index}")


def _tile_avatar(name: str, box: Box) -> Image.Image:
    """The square, served large; half of the grey photographs get a duotone filter, as apps apply."""
    tile = source_image(name).crop(box).resize((AVATAR, AVATAR), Image.Resampling.LANCZOS)
    key = sum(box)
    if _is_grey(name) and key % 2:
        dark, light = DUOTONES[key % len(DUOTONES)]
        return ImageOps.colorize(tile.convert("L"), dark, light)
    return tile


@cache
def _is_grey(name: str) -> bool:
    r, g, b = (np.asarray(c, dtype=np.int16) for c in source_image(name).split())
    return bool(np.abs(r - g).max() < 3 and np.abs(g - b).max() < 3)


def _face_image(index: int) -> Image.Image:
    """A 25x25 LFW face crop blown up to an avatar: grey for some, warmed to skin tones for others."""
    grey = Image.fromarray((_lfw_faces()[index] * 255).astype(np.uint8))
    big = grey.resize((AVATAR, AVATAR), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(2))
    if index % 3 == 0:
        return big.convert("RGB")
    dark, light = SKIN_DUOTONES[index % len(SKIN_DUOTONES)]
    return ImageOps.colorize(big, dark, light)


def _backdrop(tile: tuple[str, Box], rnd: random.Random) -> Image.Image:
    """A window of a backdrop square (60-100 % of it, maybe mirrored): the wall behind someone."""
    name, (x0, y0, x1, _) = tile
    side = x1 - x0
    keep = round(side * rnd.uniform(0.6, 1.0))
    x, y = x0 + rnd.randint(0, side - keep), y0 + rnd.randint(0, side - keep)
    out = source_image(name).crop((x, y, x + keep, y + keep)).resize((AVATAR, AVATAR), Image.Resampling.LANCZOS)
    return ImageOps.mirror(out) if rnd.random() < 0.5 else out


def _head_and_shoulders(face: Image.Image, back: Image.Image, rnd: random.Random) -> Image.Image:
    """A real face on a real backdrop, with shoulders in a shirt colour: a real-photo portrait layout."""
    out = back.copy()
    draw = ImageDraw.Draw(out)
    cx = AVATAR // 2 + rnd.randint(-30, 30)
    draw.ellipse((cx - 170, 300, cx + 170, 560), fill=tuple(rnd.randint(10, 240) for _ in range(3)))
    side = rnd.randint(220, 280)
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).ellipse((side * 0.08, 0, side * 0.92, side), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(4))
    out.paste(face.resize((side, side), Image.Resampling.LANCZOS), (cx - side // 2, rnd.randint(40, 90)), mask)
    return out


def _synthetic_on_photo(
    part: str, seed: int, j: int, backdrops: tuple[tuple[str, Box], ...], rnd: random.Random
) -> RealAvatar:
    """A synthetic person cut out of its drawn background and put in front of a real photo."""
    number = PORTRAIT_BASE[part] + seed * 100_000 + j
    person = portrait(number)
    tile = backdrops[rnd.randrange(len(backdrops))]
    back = _backdrop(tile, rnd)
    back.paste(person, (0, 0), portrait_mask(number, person))
    return RealAvatar(back, "synthetic_on_photo", f"portrait#{number} on {tile[0]}")


def portrait_mask(seed: int, image: Image.Image | None = None) -> Image.Image:
    """The person's pixels in ``portrait(seed)``: its drawing replayed from the same random stream.

    If ``portraits.py`` changes and the replay no longer lands on the face, a generic
    head-and-shoulders silhouette is used instead.
    """
    rnd = random.Random(seed)
    for _ in range(6):
        rnd.randint(40, 230)
    for _ in range(rnd.randint(2, 5)):
        rnd.randint(-80, SIZE), rnd.randint(-80, SIZE // 2), rnd.randint(60, 220), rnd.randint(60, 220)
        rnd.random()
        for _ in range(3):
            rnd.randint(20, 250)
    cx = SIZE // 2 + rnd.randint(-30, 30)
    head_w, head_h = rnd.randint(110, 150), rnd.randint(140, 180)
    head_top = rnd.randint(70, 110)
    skin, _hair = rnd.choice(SKIN), rnd.choice(HAIR)
    for _ in range(3):
        rnd.randint(10, 240)
    long_hair = rnd.random() < 0.5
    left, right = rnd.randint(0, 40), rnd.randint(0, 40)
    hair_drop = rnd.randint(25, 70)
    mask = Image.new("L", (SIZE, SIZE), 0)
    draw = ImageDraw.Draw(mask)
    cheek = (cx, round(head_top + head_h * 0.62))
    if image is not None and max(abs(a - b) for a, b in zip(image.getpixel(cheek), skin, strict=True)) > 25:
        draw.ellipse((SIZE // 2 - 85, 55, SIZE // 2 + 85, 300), fill=255)
        draw.ellipse((SIZE // 2 - 190, 290, SIZE // 2 + 190, 600), fill=255)
        return mask.filter(ImageFilter.GaussianBlur(2))
    if long_hair:
        draw.rectangle([cx - head_w // 2 - 18, head_top + 20, cx + head_w // 2 + 18, head_top + head_h + 50], fill=255)
    draw.ellipse([cx - 150 - left, 300, cx + 150 + right, 560], fill=255)
    draw.rectangle([cx - 28, head_top + head_h - 20, cx + 28, 320], fill=255)
    draw.ellipse([cx - head_w // 2, head_top, cx + head_w // 2, head_top + head_h], fill=255)
    draw.chord(
        [cx - head_w // 2 - 8, head_top - 15, cx + head_w // 2 + 8, head_top + hair_drop * 2], 180, 360, fill=255
    )
    return mask.filter(ImageFilter.GaussianBlur(1.2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sheet", help="write a contact sheet of each part's real avatars (PATH gets -<part>.png)")
    args = parser.parse_args()
    for part in PARTS:
        c = capacity(part)
        per_source = {name: len(_tiles(name)) for name in SOURCES[part]}
        print(f"{part}: {c['crops'] + c['faces']} distinct real avatars ({c['crops']} crops of {c['sources']} photos, "
              f"{c['faces']} LFW faces), {c['backdrops']} backdrop squares for composites; tiles per photo "
              f"{per_source}")  # fmt: skip
        if args.sheet:
            avatars = real_avatar_entries(part, c["crops"] + c["faces"] + 20, 7, mixed_share=0)
            cols = 16
            sheet = Image.new("RGB", (cols * 100, -(-len(avatars) // cols) * 100), "white")
            for i, a in enumerate(avatars):
                sheet.paste(a.image.resize((100, 100)), ((i % cols) * 100, (i // cols) * 100))
            sheet.save(args.sheet.replace(".png", f"-{part}.png"))


if __name__ == "__main__":
    main()
