"""Calibrate photo and logo matching on a generated development corpus; print recall, distances and speed.

    PYTHONPATH=. .venv/bin/python bench/calibrate_images.py            # the full run
    PYTHONPATH=. .venv/bin/python bench/calibrate_images.py --quick    # fewer people, no 75,000-people timing

The corpus: synthetic portraits that resemble each other (same pose), each copied with the edits
impostors make; strangers' portraits (edited too) for the different-people pairs; the district seal
whole, recoloured, grey and placed large, against other institutions' seals on the same template.
Nothing here asserts: the thresholds in ``watcher/matching/images.py`` are chosen from this output.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from collections.abc import Callable

import numpy as np
from PIL import Image

from watcher.demo.portraits import (
    captioned,
    circle_masked,
    colour_cast,
    cropped_at,
    default_avatar,
    district_logo,
    grayscale,
    hue_shifted,
    jpeg,
    mirrored,
    padded,
    placed,
    png,
    portrait,
    recompressed,
    rotated,
    tinted,
)
from watcher.matching import images
from watcher.matching.images import HashIndex, ImageHashes, is_placeholder, query_views, reference_views

PIXELS = 50_000_000
Edit = Callable[[Image.Image, random.Random], Image.Image]


def _colour(rnd: random.Random) -> tuple[int, int, int]:
    return (rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(0, 255))


def _fill(rnd: random.Random) -> tuple[int, int, int]:
    return rnd.choice([(255, 255, 255), (0, 0, 0), _colour(rnd)])


def _anchor(rnd: random.Random) -> tuple[float, float]:
    return (rnd.random(), rnd.random())


def _crop(fraction: float, centred: bool) -> Edit:
    return lambda im, rnd: cropped_at(im, fraction, (0.5, 0.5) if centred else _anchor(rnd))


def _turn(degrees: float, crop: bool = False) -> Edit:
    return lambda im, rnd: rotated(im, degrees * rnd.choice([-1, 1]), None if crop else _fill(rnd))


PHOTO_EDITS: dict[str, Edit] = {
    "as-is": lambda im, rnd: im,
    "recompress": lambda im, rnd: recompressed(im, rnd.choice([96, 160, 256, 320]), rnd.randint(35, 70)),
    "mirror": lambda im, rnd: mirrored(im),
    **{f"crop{round(f * 100):02d}": _crop(f, True) for f in (0.05, 0.10, 0.15, 0.20, 0.25)},
    **{f"crop{round(f * 100):02d}-off": _crop(f, False) for f in (0.05, 0.10, 0.15, 0.20, 0.25)},
    "circle-white": lambda im, rnd: circle_masked(im),
    "circle-colour": lambda im, rnd: circle_masked(im, _colour(rnd)),
    "border10": lambda im, rnd: padded(im, 0.10, _fill(rnd)),
    "border20": lambda im, rnd: padded(im, 0.20, _fill(rnd)),
    "border15-off": lambda im, rnd: padded(im, 0.15, _fill(rnd), _anchor(rnd)),
    "grayscale": lambda im, rnd: grayscale(im),
    "tint": lambda im, rnd: tinted(im, rnd.uniform(0.8, 1.3)),
    "colour-cast": lambda im, rnd: colour_cast(im, _colour(rnd), rnd.uniform(0.15, 0.3)),
    "caption": lambda im, rnd: captioned(
        im, rnd.choice(["Back to school!", "Go Hawks", "Ms. G"]), rnd.uniform(0.12, 0.2)
    ),
    "rotate3": _turn(3),
    "rotate6": _turn(6),
    "rotate3-crop": _turn(3, crop=True),
    "rotate6-crop": _turn(6, crop=True),
    "mirror+crop15-off": lambda im, rnd: mirrored(cropped_at(im, 0.15, _anchor(rnd))),
    "circle+rotate3": lambda im, rnd: circle_masked(rotated(im, rnd.choice([-3, 3]), None), _fill(rnd)),
    "grayscale+crop10": lambda im, rnd: grayscale(cropped_at(im, 0.10, _anchor(rnd))),
    "cast+border10": lambda im, rnd: padded(colour_cast(im, _colour(rnd), 0.2), 0.1, _fill(rnd)),
    "caption+mirror": lambda im, rnd: captioned(mirrored(im), "Welcome", 0.15),
    "small+circle+crop10": lambda im, rnd: circle_masked(cropped_at(im, 0.1).resize((96, 96))),
}
STRANGER_EDITS = ["as-is", "recompress", "mirror", "crop10", "crop20-off", "circle-white", "border10", "grayscale",
                  "caption", "rotate3", "tint"]  # fmt: skip

DISTRICT = {"ring": (20, 45, 110), "star": (235, 180, 30), "seed": 7}


def _on_background(rnd: random.Random, k: int) -> Image.Image:
    if rnd.random() < 0.5:
        return portrait(90_000 + k)
    return Image.new("RGB", (400, 400), _colour(rnd))


def _place(share_range: tuple[float, float], round_mask: bool | None = None) -> Edit:
    def edit(im: Image.Image, rnd: random.Random) -> Image.Image:
        share = rnd.uniform(*share_range)
        mask = rnd.random() < 0.5 if round_mask is None else round_mask
        return placed(im, _on_background(rnd, rnd.randrange(10_000)), share, _anchor(rnd), mask)

    return edit


LOGO_EDITS: dict[str, Edit] = {
    "whole": lambda im, rnd: im,
    "recompress": lambda im, rnd: recompressed(im, rnd.choice([96, 150, 256]), rnd.randint(40, 70)),
    "hue+30": lambda im, rnd: hue_shifted(im, rnd.choice([-30, 30])),
    "hue+90": lambda im, rnd: hue_shifted(im, rnd.choice([-90, 90])),
    "hue180": lambda im, rnd: hue_shifted(im, 180),
    "channel-swap": lambda im, rnd: Image.merge("RGB", [im.split()[i] for i in rnd.choice([(2, 0, 1), (1, 2, 0)])]),
    "grayscale": lambda im, rnd: grayscale(im),
    "tint": lambda im, rnd: colour_cast(im, _colour(rnd), 0.2),
    "circle": lambda im, rnd: circle_masked(im, _fill(rnd)),
    "placed50-70": _place((0.5, 0.7)),
    "placed70-90": _place((0.7, 0.9)),
    "placed+grey": lambda im, rnd: grayscale(_place((0.55, 0.9))(im, rnd)),
    "placed+hue": lambda im, rnd: _place((0.55, 0.9))(hue_shifted(im, rnd.uniform(-180, 180)), rnd),
    "mirror": lambda im, rnd: mirrored(im),
}
SEAL_EDITS = ["whole", "recompress", "grayscale", "placed50-70", "placed70-90"]


def other_seal(rnd: random.Random) -> Image.Image:
    """Another institution's seal on the district's template: its own colours and lettering."""
    kind = rnd.random()
    ring, star = _colour(rnd), _colour(rnd)
    if kind < 0.25:
        ring = DISTRICT["ring"]  # same ring colour, another star
    elif kind < 0.4:
        star = DISTRICT["star"]  # same star, another ring
    return district_logo(ring=ring, star=star, seed=rnd.randrange(8, 10_000))


# -------------------------------------------------------------------------------------------------


def photo_corpus(people: int, strangers: int, seed: int):
    rnd = random.Random(seed)
    references, queries = {}, []  # queries: (true owner or None, edit kind, views)
    for person in range(people):
        face = portrait(10_000 + person)
        references[person] = reference_views(jpeg(face, 90), PIXELS)
        for kind, edit in PHOTO_EDITS.items():
            queries.append((person, kind, query_views(jpeg(edit(face, rnd), rnd.randint(60, 90)), PIXELS)))
    for k in range(strangers):
        kind = STRANGER_EDITS[k % len(STRANGER_EDITS)]
        face = portrait(20_000 + k)
        queries.append((None, kind, query_views(jpeg(PHOTO_EDITS[kind](face, rnd), 85), PIXELS)))
    return references, queries


def percentiles(values: list[int]) -> str:
    if not values:
        return "n=0"
    a = np.array(values)
    return (
        f"n={len(a):>7,}  min {a.min():3d}  p1 {np.percentile(a, 1):5.1f}  p5 {np.percentile(a, 5):5.1f}  "
        f"median {np.median(a):5.1f}  max {a.max():3d}"
    )


def _luminance(match) -> int:
    colour = match.color_distance
    return match.distance - (images.GREY_CHARGE if colour is None else images.COLOR_WEIGHT * colour)


def evaluate_photos(people: int, strangers: int, seed: int) -> None:
    started = time.perf_counter()
    references, queries = photo_corpus(people, strangers, seed)
    print(f"photo corpus: {people} people x {len(PHOTO_EDITS)} edits, {strangers} strangers' edited portraits "
          f"({time.perf_counter() - started:.0f} s to build)")  # fmt: skip
    index = HashIndex([(owner, name, h) for owner, views in references.items() for name, h in views])
    print(f"reference views per person: {len(next(iter(references.values())))}; "
          f"query views per avatar: {np.mean([len(q[2]) for q in queries]):.1f}")  # fmt: skip
    true_by_kind: dict[str, list[int]] = defaultdict(list)
    true_lum, true_colour, diff_lum, diff_colour, different = [], [], [], [], []
    winners: dict[str, int] = defaultdict(int)
    close_pairs = []
    for owner, kind, views in queries:
        seen = set()
        for match in index.nearest(views, images.MAX_DISTANCE):
            seen.add(match.owner)
            if match.owner == owner:
                true_by_kind[kind].append(match.distance)
                winners[match.reference_view.split("@")[0]] += 1
                if kind != "as-is":
                    true_lum.append(_luminance(match))
                    if match.color_distance is not None:
                        true_colour.append(match.color_distance)
            else:
                different.append(match.distance)
                diff_lum.append(_luminance(match))
                if match.color_distance is not None:
                    diff_colour.append(match.color_distance)
                close_pairs.append((match.distance, kind, match.query_view, match.reference_view))
        if owner is not None and owner not in seen:
            true_by_kind[kind].append(images.MAX_DISTANCE + 1)
    pairs = len(different)
    strong, loose = images.PHOTO_STRONG, images.PHOTO_LOOSE
    print(f"\nrecall per edit at PHOTO_STRONG={strong} / PHOTO_LOOSE={loose}, and the true pair's distance")
    all_true: list[int] = []
    for kind in PHOTO_EDITS:
        d = true_by_kind[kind]
        all_true += d if kind != "as-is" else []
        print(f"  {kind:22s} {np.mean([x <= strong for x in d]):5.2f} {np.mean([x <= loose for x in d]):5.2f}   "
              f"median {np.median(d):5.1f}  max {max(d):3d}")  # fmt: skip
    print(f"  {'ALL EDITS':22s} {np.mean([x <= strong for x in all_true]):5.3f} "
          f"{np.mean([x <= loose for x in all_true]):5.3f}")  # fmt: skip
    print(
        f"\ndistance (luminance + {images.COLOR_WEIGHT} x colour, or + {images.GREY_CHARGE} when grey), closest pair:"
    )
    print(f"  true pairs (all edits)         {percentiles(all_true)}")
    print(f"  different people               {percentiles(different)}")
    print("  its parts: luminance bits (0-128)")
    print(f"    true pairs                   {percentiles(true_lum)}")
    print(f"    different people             {percentiles(diff_lum)}")
    print("  colour bits (0-48), both pictures in colour")
    print(f"    true pairs                   {percentiles(true_colour)}")
    print(f"    different people             {percentiles(diff_colour)}")
    print(f"\nfalse matches among {pairs:,} different-people pairs (each avatar against each enrolled person):")
    for threshold in range(strong - 12, loose + 9, 2):
        false = sum(1 for d in different if d <= threshold)
        rec = np.mean([x <= threshold for x in all_true])
        mark = " <- PHOTO_STRONG" if threshold == strong else " <- PHOTO_LOOSE" if threshold == loose else ""
        print(f"  {threshold:3d}: recall {rec:.3f}   false {false:5d} = {false / pairs:.1e} per pair{mark}")
    print("  closest different-people pairs:", sorted(close_pairs)[:5])
    print("  reference views that matched true pairs:", dict(sorted(winners.items(), key=lambda kv: -kv[1])))


def evaluate_logos(seed: int, copies: int, seals: int) -> None:
    rnd = random.Random(seed + 1)
    logo = district_logo()
    index = HashIndex([(1, name, h) for name, h in reference_views(png(logo), PIXELS)])
    print(
        f"\nlogo: {len(index)} reference views; {copies} copies per edit; {seals} other seals x {len(SEAL_EDITS)} edits"
    )
    print(f"recall per edit at LOGO_MATCH={images.LOGO_MATCH}, LOGO_COLOR_MAX={images.LOGO_COLOR_MAX}:")
    found_all = []
    for kind, edit in LOGO_EDITS.items():
        found, dists, colours = [], [], []
        for _ in range(copies):
            views = query_views(jpeg(edit(logo, rnd), rnd.randint(60, 90)), PIXELS)
            best = _logo_hit(index, views)
            found.append(best is not None and _is_logo(best))
            if best is not None:
                dists.append(best.distance)
                colours.append(best.color_distance)
        found_all += found
        print(f"  {kind:14s} {np.mean(found):5.2f}   distances {sorted(dists)[:3]}..{max(dists, default=None)}  "
              f"colour {[c for c in colours[:6]]}")  # fmt: skip
    print(f"  {'ALL':14s} {np.mean(found_all):5.3f}")
    print(f"other institutions' seals (same template, own colours and lettering), {seals} per edit:")
    for kind in SEAL_EDITS:
        false, dists, colours = 0, [], []
        for _ in range(seals):
            views = query_views(jpeg(LOGO_EDITS[kind](other_seal(rnd), rnd), 85), PIXELS)
            best = _logo_hit(index, views)
            if best is not None:
                dists.append(best.distance)
                colours.append(best.color_distance)
                false += _is_logo(best)
        grey = [d for d, c in zip(dists, colours, strict=True) if c is None]
        coloured = sorted((c, d) for d, c in zip(dists, colours, strict=True) if c is not None)
        print(f"  {kind:14s} matched {false:3d} of {seals}   distance {percentiles(dists)}")
        print(f"  {'':14s} (colour, distance) closest in colour: {coloured[:6]}  grey distances: {sorted(grey)[:6]}")
    portraits_hit = sum(
        bool(index.nearest(query_views(jpeg(portrait(30_000 + k)), PIXELS), images.LOGO_MATCH)) for k in range(200)
    )
    print(f"portraits within LOGO_MATCH of the logo: {portraits_hit} of 200")


def _logo_hit(index: HashIndex, views: list[tuple[str, ImageHashes]]):
    hits = index.nearest(views, images.HASH_BITS)
    return hits[0] if hits else None


def _is_logo(match) -> bool:
    colour_ok = match.color_distance is None or match.color_distance <= images.LOGO_COLOR_MAX
    return match.distance <= images.LOGO_MATCH and colour_ok


def evaluate_placeholders(seed: int) -> None:
    rnd = random.Random(seed)
    defaults = [default_avatar(kind, _colour(rnd), seed=k) for k in range(10) for kind in
                ("silhouette", "egg", "flat", "initial", "identicon")]  # fmt: skip
    flagged = sum(is_placeholder(png(im), PIXELS) for im in defaults)
    photos = sum(is_placeholder(jpeg(portrait(40_000 + k)), PIXELS) for k in range(200))
    logos = sum(is_placeholder(png(im), PIXELS) for im in [district_logo(), *(other_seal(rnd) for _ in range(30))])
    print(f"\nplaceholders: {flagged} of {len(defaults)} default avatars; portraits flagged {photos} of 200; "
          f"seals flagged {logos} of 31")  # fmt: skip


def evaluate_speed(people: int) -> None:
    data = [jpeg(recompressed(portrait(50_000 + k), 400, 85)) for k in range(40)]
    started = time.perf_counter()
    views = [query_views(d, PIXELS) for d in data]
    per_query = (time.perf_counter() - started) / len(data) * 1000
    started = time.perf_counter()
    for k in range(10):
        reference_views(data[k], PIXELS)
    per_reference = (time.perf_counter() - started) / 10 * 1000
    print(f"\nspeed: query_views {per_query:.1f} ms per avatar (400x400 JPEG); reference_views {per_reference:.1f} ms")
    # A district-sized index: real reference views of 500 portraits, each copied with a few bits flipped.
    rng = np.random.default_rng(0)
    base = [reference_views(jpeg(portrait(60_000 + k)), PIXELS) for k in range(500)]
    per_person = min(len(views) for views in base)  # a few portraits also have circle-framed views
    base = [views[:per_person] for views in base]
    phash = np.array([[h.phash for _, h in v] for v in base], dtype=np.uint64)
    dhash = np.array([[h.dhash for _, h in v] for v in base], dtype=np.uint64)
    pick = rng.integers(0, len(base), people)
    flips = lambda: np.bitwise_or.reduce(  # noqa: E731
        np.uint64(1) << rng.integers(0, 64, (people, per_person, 6)).astype(np.uint64), axis=2
    )
    color = np.array([[h.color for _, h in v] for v in base], dtype=np.uint64)
    ph, dh, ch = phash[pick] ^ flips(), dhash[pick] ^ flips(), color[pick]
    names = [name for name, _ in base[0]]
    started = time.perf_counter()
    entries = [
        (owner, names[v], ImageHashes(int(ph[owner, v]), int(dh[owner, v]), int(ch[owner, v])))
        for owner in range(people)
        for v in range(per_person)
    ]
    index = HashIndex(entries)
    built = time.perf_counter() - started
    started = time.perf_counter()
    hits = [len(index.nearest(v, images.PHOTO_LOOSE)) for v in views]
    per_search = (time.perf_counter() - started) / len(views) * 1000
    print(f"HashIndex over {people:,} people x {per_person} views = {len(index):,} rows (built in {built:.1f} s): "
          f"nearest() {per_search:.1f} ms per avatar ({np.mean([len(v) for v in views]):.1f} views), "
          f"{np.mean(hits):.1f} owners returned")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--strangers", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["photos", "logos", "placeholders", "speed"])
    args = parser.parse_args()
    people, strangers = (30, 60) if args.quick else (args.people, args.strangers)
    if args.only in (None, "photos"):
        evaluate_photos(people, strangers, args.seed)
    if args.only in (None, "logos"):
        evaluate_logos(args.seed, 8 if args.quick else 20, 20 if args.quick else 60)
    if args.only in (None, "placeholders"):
        evaluate_placeholders(args.seed)
    if args.only in (None, "speed"):
        evaluate_speed(2_000 if args.quick else 75_000)


if __name__ == "__main__":
    main()
