"""Hashes: imagehash's definitions, edited copies come within reach, placeholders known, the index is exact."""

from __future__ import annotations

import io

import imagehash
import numpy as np
import pytest
from image_edits import captioned, colour_cast, cropped_at, default_avatar, grayscale, padded, placed, rotated, sepia
from PIL import Image, ImageDraw, ImageFilter

from watcher.demo.portraits import circle_masked, district_logo, jpeg, mirrored, png, portrait, recompressed, tinted
from watcher.errors import ImageError
from watcher.matching import images
from watcher.matching.images import (
    HashIndex,
    hash_image,
    hash_index,
    hashing,
    is_placeholder,
    load_image,
    query_views,
    reference_views,
    views,
)
from watcher.matching.images.hashing import distance, view_distance
from watcher.matching.images.views import query_geometry, view_transform
from watcher.models import ImageHashes

PIXELS = 16_000_000
PEOPLE = (101, 102, 104)


OTHERS = tuple(range(300, 312))


@pytest.fixture(scope="module")
def photo_index() -> HashIndex:
    seeds = PEOPLE + OTHERS
    return HashIndex.of(
        [(seed, name, h) for seed in seeds for name, h in reference_views(jpeg(portrait(seed)), PIXELS)]
    )


PHOTO_EDITS = {
    "recompress": lambda im: recompressed(im, 160, 45),
    "mirror": mirrored,
    "crop10": lambda im: cropped_at(im, 0.10),
    "crop20": lambda im: cropped_at(im, 0.20),
    "crop10-off": lambda im: cropped_at(im, 0.10, (0.0, 1.0)),
    "crop15-off": lambda im: cropped_at(im, 0.15, (0.8, 0.3)),
    "circle-white": circle_masked,
    "circle-colour": lambda im: circle_masked(im, (40, 120, 200)),
    "border10": lambda im: padded(im, 0.10, (0, 0, 0)),
    "border20": lambda im: padded(im, 0.20, (255, 255, 255)),
    "border15-off": lambda im: padded(im, 0.15, (200, 30, 30), (0.1, 0.9)),
    "grayscale": grayscale,
    "tint": tinted,
    "colour-cast": lambda im: colour_cast(im, (255, 180, 0)),
    "caption": captioned,
    "rotate+3": lambda im: rotated(im, 3),
    "rotate-6": lambda im: rotated(im, -6, (0, 0, 0)),
    "rotate6-crop": lambda im: rotated(im, 6, None),
    "mirror+crop+small": lambda im: recompressed(mirrored(cropped_at(im, 0.1, (0.3, 0.6))), 128, 60),
    "grey+circle": lambda im: circle_masked(grayscale(im)),
    "caption+border": lambda im: padded(captioned(im, "Go Hawks"), 0.1, (255, 255, 255)),
    "rotate12": lambda im: rotated(im, 12, (255, 255, 255)),
    "rotate-12-crop": lambda im: rotated(im, -12, None),
    "crop30-off": lambda im: cropped_at(im, 0.30, (0.9, 0.1)),
    "crop30-quarter": lambda im: cropped_at(im, 0.30, (0.25, 0.0)),
    "mirror+crop20-quarter": lambda im: mirrored(cropped_at(im, 0.20, (0.75, 0.25))),
    "sepia": sepia,
    "sepia+crop+border": lambda im: padded(sepia(cropped_at(im, 0.2, (0.9, 0.3))), 0.1, (40, 120, 200)),
}


# Edits that stack two changes, turn far or crop much: hashes only nominate them, verification decides.
HARD_EDITS = {"grey+circle", "rotate6-crop", "mirror+crop+small", "crop15-off", "rotate12", "rotate-12-crop",
              "crop30-off", "crop30-quarter", "mirror+crop20-quarter", "sepia+crop+border"}  # fmt: skip


@pytest.mark.parametrize("edit", PHOTO_EDITS)
def test_edited_copies_of_a_photo_come_within_reach(photo_index, edit):
    """Close enough for the name + photo rule, or (the hard edits) to be nominated for verification."""
    threshold = images.PHOTO_CANDIDATE if edit in HARD_EDITS else images.PHOTO_LOOSE
    for seed in PEOPLE:
        matches = photo_index.nearest(query_views(jpeg(PHOTO_EDITS[edit](portrait(seed)), 80), PIXELS), 999)
        best = matches[0]
        assert best.owner == seed, (seed, best)
        assert best.distance <= threshold, (seed, best)


@pytest.mark.parametrize("kind", ["silhouette", "egg", "flat", "initial", "identicon"])
@pytest.mark.parametrize("colour", [(0, 112, 255), (217, 225, 232), (120, 30, 160)])
def test_platform_default_avatars_are_placeholders(kind, colour):
    assert is_placeholder(png(default_avatar(kind, colour, seed=sum(colour))), PIXELS)
    assert is_placeholder(jpeg(default_avatar(kind, colour, seed=1)), PIXELS)


def test_photos_and_logos_are_not_placeholders():
    for seed in range(700, 720):
        assert not is_placeholder(jpeg(portrait(seed)), PIXELS)
    assert not is_placeholder(png(district_logo()), PIXELS)
    assert not is_placeholder(jpeg(grayscale(district_logo())), PIXELS)
    assert not is_placeholder(jpeg(placed(district_logo(), portrait(1), 0.6)), PIXELS)


def two_toned_photo(seed: int) -> Image.Image:
    """Coins on a table: two colours and few edges, like a default avatar, but grain everywhere."""
    rng = np.random.default_rng(seed)
    table = Image.new("L", (400, 400), 170)
    draw = ImageDraw.Draw(table)
    for _ in range(5):
        x, y = (int(v) for v in rng.integers(60, 340, 2))
        r = int(rng.integers(40, 70))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=90)
    grain = np.clip(np.asarray(table, dtype=np.float64) + rng.normal(0, 4, (400, 400)), 0, 255).astype(np.uint8)
    return Image.fromarray(grain).filter(ImageFilter.GaussianBlur(0.7)).convert("RGB")


def test_photos_of_two_toned_things_are_not_placeholders():
    """A photo of coins or of a printed page is no platform default: it is matched like any photo."""
    for seed in range(4):
        assert not is_placeholder(jpeg(two_toned_photo(seed)), PIXELS)


def _random_hashes(rng: np.random.Generator, base: list[ImageHashes]) -> ImageHashes:
    """Near one of a few base hashes (so that many rows fall within reach), colour sometimes unknown."""
    b = base[int(rng.integers(len(base)))]
    flips = [int(np.bitwise_or.reduce(np.uint64(1) << rng.integers(0, 64, int(rng.integers(0, 20))).astype(np.uint64),
                                      initial=np.uint64(0))) for _ in range(3)]  # fmt: skip
    colour = 0 if rng.random() < 0.2 else (b.color ^ flips[2]) or 1
    return ImageHashes(b.phash ^ flips[0], b.dhash ^ flips[1], colour)


def _quarter_near(a: ImageHashes, b: ImageHashes) -> bool:
    """The index's rule: the phashes or the dhashes agree within one bit on one of their 16-bit quarters."""
    return any(bin(((x ^ y) >> (16 * k)) & 0xFFFF).count("1") <= 1 for x, y in ((a.phash, b.phash), (a.dhash, b.dhash))
               for k in range(4))  # fmt: skip


@pytest.mark.parametrize("buckets", [False, True], ids=["scanned", "bucketed"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hash_index_equals_brute_force(seed, buckets, monkeypatch):
    """Scanned (a small index) or read by buckets (a large one), the index finds exactly the pairs the
    rule admits, and the closest of them per owner."""
    if buckets:
        monkeypatch.setattr(hash_index, "SCAN_BELOW", 0)
    rng = np.random.default_rng(seed)
    base = [ImageHashes(*(int(x) for x in rng.integers(0, 2**63, 3, dtype=np.uint64) * 2 + 1)) for _ in range(4)]
    names = ["original", "mirror-crop80", "circle", "turn+8"]
    entries = [(int(rng.integers(0, 40)), names[int(rng.integers(len(names)))], _random_hashes(rng, base))
               for _ in range(600)]  # fmt: skip
    queries = [(f"view-{k}", _random_hashes(rng, base)) for k in range(6)]
    limit = int(rng.integers(40, 90))
    expected: dict[int, int] = {}
    for owner, _, h in entries:
        for _, q in queries:
            d = view_distance(q, h)
            if d <= limit and _quarter_near(q, h) and d < expected.get(owner, 10**9):
                expected[owner] = d
    index = HashIndex.of(entries)
    assert (index._buckets is not None) == buckets
    found = index.nearest(queries, limit)
    assert {m.owner: m.distance for m in found} == expected
    assert len(expected) >= 5  # the rule leaves something to find
    assert [m.distance for m in found] == sorted(m.distance for m in found)
    by_name = {}
    for owner, name, h in entries:
        by_name.setdefault((owner, name), []).append(h)
    for m in found:  # the reported views really are that close
        q = dict(queries)[m.query_view]
        assert any(view_distance(q, h) == m.distance for h in by_name[(m.owner, m.reference_view)])


def _views(count: int) -> np.ndarray:
    """Rendered views to hash: portraits, a logo, a flat and noisy pictures. (A picture whose DCT has two
    coefficients tied at the median, such as a perfect ramp, has no defined phash: float noise decides.)"""
    rng = np.random.default_rng(3)
    pictures = [portrait(seed) for seed in range(count)] + [district_logo(), Image.new("RGB", (64, 64), (90, 90, 90))]
    stack = [np.asarray(p.convert("RGB").resize((views.RENDER, views.RENDER))) for p in pictures]
    stack += [rng.integers(0, 256, (views.RENDER, views.RENDER, 3), dtype=np.uint8) for _ in range(count)]
    return np.stack(stack)


def test_phash_and_dhash_are_imagehash_bit_for_bit():
    """The vectorised hashes equal imagehash's phash and dhash of each view's 32×32 grey picture."""
    stack = _views(40)
    phash, dhash, _ = hashing.hash_stack(stack)
    for view, p, d in zip(stack, phash.tolist(), dhash.tolist(), strict=True):
        grey = hashing.grey_view(view)
        assert p == int(str(imagehash.phash(grey)), 16)
        assert d == int(str(imagehash.dhash(grey)), 16)


def test_the_dhash_resize_is_pillows_lanczos_to_the_bit():
    """Noise overshoots (Lanczos lobes are negative): Pillow's rounding and clipping are reproduced."""
    rng = np.random.default_rng(7)
    greys = np.concatenate([rng.integers(0, 256, (100, 32, 32)), rng.integers(0, 2, (100, 32, 32)) * 255])
    greys = greys.astype(np.uint8)
    ours = hashing._lanczos_9x8(greys)
    for grey, mine in zip(greys, ours, strict=True):
        assert np.array_equal(mine, np.asarray(Image.fromarray(grey).resize((9, 8), Image.Resampling.LANCZOS)))


def test_empty_index_and_empty_queries():
    assert HashIndex.of([]).nearest([("as-is", ImageHashes(1, 2, 3))], 50) == []
    assert HashIndex.of([(1, "original", ImageHashes(1, 2, 3))]).nearest([], 50) == []


def test_views_of_odd_pictures():
    """Tiny, tall, transparent and palette pictures all give views (and a grey one has no colour)."""
    tall = Image.new("RGB", (40, 300), (10, 200, 30))
    clear = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    palette = portrait(5).convert("P")
    for image in (Image.new("RGB", (1, 1)), tall, clear, palette, grayscale(portrait(6))):
        out = io.BytesIO()
        image.save(out, "PNG")
        assert query_views(out.getvalue(), PIXELS) and reference_views(out.getvalue(), PIXELS)
    assert hash_image(jpeg(grayscale(portrait(6))), PIXELS).color == 0


def test_a_one_hue_avatar_is_also_hashed_without_its_colour():
    """Sepia's colour is a filter's: it must cost no more than an unknown colour, whatever the border."""
    plain = dict(query_views(jpeg(portrait(11)), PIXELS))
    assert not any(name.endswith("-as-grey") for name in plain)
    toned = dict(query_views(jpeg(padded(sepia(portrait(11)), 0.1, (40, 120, 200))), PIXELS))
    assert toned["as-is"].color and toned["as-is-as-grey"] == ImageHashes(toned["as-is"].phash, toned["as-is"].dhash)


@pytest.mark.parametrize("seed", [10, 13, 38])
@pytest.mark.parametrize("fill", [(255, 255, 255), (0, 0, 0)])
def test_a_border_is_trimmed_but_not_a_plain_picture_inside_it(seed, fill):
    """Only lines of the border's own colour go: a low-contrast (sepia) picture has nearly uniform rows too."""
    inner = sepia(cropped_at(portrait(seed), 0.2, (0.9, 0.3))).resize((384, 384))
    pixels = np.asarray(load_image(jpeg(padded(inner, 0.1, fill)), PIXELS), dtype=np.int16)
    top, bottom, left, right = views._trim(pixels, 0.95)
    margins = (top, left, pixels.shape[0] - bottom, pixels.shape[1] - right)
    assert all(abs(margin - 0.05 * pixels.shape[0]) <= 2 for margin in margins), margins


def test_unreadable_and_oversized_images_are_refused():
    with pytest.raises(ImageError):
        load_image(b"not an image", PIXELS)
    with pytest.raises(ImageError):
        load_image(png(Image.new("RGB", (2000, 2000))), 1_000_000)


def test_hash_image_is_the_as_is_view_and_distance_counts_bits():
    data = jpeg(portrait(9))
    assert hash_image(data, PIXELS) == dict(query_views(data, PIXELS))["as-is"]
    assert distance(0b1011, 0b0001) == 2


def test_grey_copies_of_photos_are_rarely_placeholders():
    """A grey photo is all blends of black and white; it must keep counting as a photo."""
    flagged = sum(is_placeholder(jpeg(grayscale(portrait(seed))), PIXELS) for seed in range(800, 900))
    assert flagged <= 3


# Where a copy was cut from: a photo point, its expected place in the copy (unit squares).
CUTS = {
    "crop20-off": (lambda im: cropped_at(im, 0.2, (0.9, 0.2)), lambda x, y: ((x - 0.18) / 0.8, (y - 0.04) / 0.8)),
    "mirror": (mirrored, lambda x, y: (1 - x, y)),
    "mirror-crop10": (
        lambda im: mirrored(cropped_at(im, 0.1, (0.5, 0.5))),
        lambda x, y: (1 - (x - 0.05) / 0.9, (y - 0.05) / 0.9),
    ),
    "border": (lambda im: padded(im, 0.1, (255, 255, 255)), lambda x, y: ((x + 0.1) / 1.2, (y + 0.1) / 1.2)),
    "turned": (lambda im: rotated(im, 8, None), None),  # turned about its centre: the centre stays put
}


@pytest.mark.parametrize("cut", CUTS)
def test_the_views_that_matched_say_where_the_copy_was_cut_from(photo_index, cut):
    """The closest pair of views places the copy within about half a gallery step (a few hundredths of
    the picture): what ``photo_check.place`` compares layouts and colours at, before any keypoint."""
    edit, expected = CUTS[cut]
    for seed in PEOPLE:
        data = jpeg(edit(portrait(seed)), 85)
        best = photo_index.nearest(query_views(data, PIXELS), 999)[0]
        assert best.owner == seed
        unit = view_transform(best.reference_view, best.query_view, query_geometry(data, PIXELS))
        assert unit is not None, best
        for x, y in ((0.5, 0.5), (0.35, 0.4), (0.65, 0.6), (0.4, 0.65)):
            got = unit @ (x, y, 1.0)
            want = expected(x, y) if expected else (0.5, 0.5) if (x, y) == (0.5, 0.5) else None
            if want is not None:
                assert np.hypot(got[0] - want[0], got[1] - want[1]) <= 0.05, (seed, best, (x, y), got, want)


def test_a_view_not_known_has_no_place(photo_index):
    data = jpeg(portrait(101))
    assert view_transform("original", "as-is", query_geometry(data, PIXELS)) is not None
    assert np.array_equal(  # as the roster names them: which of a person's photos, then the view
        view_transform("photo1:crop80@lq", "as-is", query_geometry(data, PIXELS)),
        view_transform("crop80@lq", "as-is", query_geometry(data, PIXELS)),
    )
    assert view_transform("no-such-view", "as-is", query_geometry(data, PIXELS)) is None
    assert view_transform("original", "no-such-view", query_geometry(data, PIXELS)) is None
    grey = query_geometry(jpeg(sepia(portrait(101))), PIXELS)  # a one-hue avatar's views without colour
    assert np.array_equal(grey["as-is-as-grey"], grey["as-is"])
