"""Calibrate photo matching on one part of the development corpus; report it on the other.

    PYTHONPATH=. .venv/bin/python bench/calibrate_images.py                  # calibration, then test
    PYTHONPATH=. .venv/bin/python bench/calibrate_images.py --part test      # only the held-out part
    PYTHONPATH=. .venv/bin/python bench/calibrate_images.py --people 40 --strangers 80   # quicker

Enrolled people are synthetic portraits (which resemble each other, as real avatars do) and real
photographs (``bench/real_photos.py``); the calibration and test parts share no photo. Each enrolled
photo is copied with every edit of ``bench/photo_edits.py`` (true pairs); enrolled people's and
strangers' pictures, lightly edited, are compared with every *other* enrolled person (different-people
pairs). Both go through the product's own code: ``reference_views``/``query_views`` and the hash
index for candidates, ``photo_check`` for verification, and the rules of ``decision.py``:

- photo alone: hash distance ≤ PHOTO_CANDIDATE and verified;
- with a matching name: distance ≤ PHOTO_LOOSE, or verified.

Thresholds in ``watcher/matching/images/`` (``hash_index.py``, ``photo_check.py``) are chosen on the calibration
part only (the sweep printed for it); the test part is reported, never fitted. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))

from photo_edits import PHOTO_EDITS, apply
from real_photos import real_avatar_entries

from watcher.demo.portraits import jpeg, portrait
from watcher.matching.images import (
    PHOTO_CANDIDATE,
    PHOTO_LOOSE,
    HashIndex,
    Verification,
    photo_check,
    photo_print,
    picture,
    query_views,
    reference_views,
    verify,
)

PIXELS = 50_000_000
STRANGER_EDITS = ("crop10", "mirror", "grey", "circle_white", "jpeg_mid", "tint")
SEEDS = {"calibration": 1_000_000, "test": 2_000_000}
T = TypeVar("T")
DISTRICT_STAFF = 75_000  # for the expected false findings of a weekly pass
WEEKLY_PROFILES = 100_000


@dataclass
class Pair:
    edit: str
    distance: int | None  # None: not within PHOTO_CANDIDATE
    check: Verification | None
    origins: str = ""  # where the two pictures came from (synthetic, real_crop, real_face, …)


Face = tuple[Image.Image, str]  # a picture and its origin


def faces(part: str, people: int, strangers: int) -> tuple[list[Face], list[Face]]:
    """Enrolled people and strangers: half synthetic portraits, half real photographs (and composites),
    all distinct (the real ones come from one pool, which never hands out the same photo twice)."""
    real = [(a.image.convert("RGB").resize((400, 400)), a.origin)
            for a in real_avatar_entries(part, people // 2 + strangers // 2, seed=1)]  # fmt: skip
    synthetic = [(portrait(SEEDS[part] + k), "synthetic") for k in range(people + strangers)]
    enrolled = synthetic[: people - people // 2] + real[: people // 2]
    others = synthetic[people : people + strangers - strangers // 2] + real[people // 2 :]
    return enrolled, others


def run(part: str, people: int, strangers: int) -> tuple[list[Pair], list[Pair], int]:
    photo_check.COMPARE_ALL = True  # every check measured, so that the sweep can try other thresholds
    rnd = random.Random(f"calibrate:{part}")
    enrolled, others = faces(part, people, strangers)
    photos = [jpeg(face, 90) for face, _ in enrolled]
    start = time.perf_counter()
    refs = [reference_views(data, PIXELS) for data in photos]
    views_ms = (time.perf_counter() - start) / len(enrolled) * 1000
    start = time.perf_counter()
    prints = [photo_print(data, PIXELS) for data in photos]
    print_ms = (time.perf_counter() - start) / len(enrolled) * 1000
    index = HashIndex.of([(i, name, h) for i, views in enumerate(refs) for name, h in views])
    print(f"\n== {part}: {people} enrolled ({len(index):,} views), {strangers} strangers; enrolment "
          f"{views_ms + print_ms:.0f} ms per photo (views {views_ms:.0f} + print {print_ms:.0f})")  # fmt: skip

    true_pairs: list[Pair] = []
    clock = {"picture": 0.0, "verify": 0.0}
    for i, (face, origin) in enumerate(enrolled):
        for edit in PHOTO_EDITS:
            data = jpeg(apply(edit, face, rnd), 90)
            hits = {m.owner: m for m in index.nearest(query_views(data, PIXELS), PHOTO_CANDIDATE)}
            hit = hits.get(i)
            views = (hit.reference_view, hit.query_view) if hit else None  # where the product verifies it
            shown = _timed(clock, "picture", picture, data, PIXELS)
            check = _timed(clock, "verify", verify, prints[i], shown, views)
            true_pairs.append(Pair(edit, hit.distance if hit else None, check, origin))
    each = {key: seconds / len(true_pairs) * 1000 for key, seconds in clock.items()}
    print(f"{len(true_pairs)} true copies; per avatar {each['picture']:.1f} ms to prepare it for verification, "
          f"{each['verify']:.1f} ms per enrolled photo verified")  # fmt: skip

    false_pairs: list[Pair] = []
    compared = 0
    queries = [(i, face) for i, face in enumerate(enrolled)] + [(None, face) for face in others]
    for owner, (face, origin) in queries:
        for edit in STRANGER_EDITS:
            data = jpeg(apply(edit, face, rnd), 90)
            hits = index.nearest(query_views(data, PIXELS), PHOTO_CANDIDATE)
            compared += len(enrolled) - (owner is not None)
            shown = None
            for hit in hits:
                if hit.owner == owner:
                    continue
                shown = shown or picture(data, PIXELS)
                pair = f"{origin} ~ {enrolled[hit.owner][1]}"
                views = (hit.reference_view, hit.query_view)
                check = _timed(clock, "verify_other", verify, prints[hit.owner], shown, views)
                false_pairs.append(Pair(edit, hit.distance, check, pair))
    if false_pairs:
        print(f"{len(false_pairs):,} candidates of different people verified, "
              f"{clock['verify_other'] / len(false_pairs) * 1000:.1f} ms each")  # fmt: skip
    return true_pairs, false_pairs, compared


def _timed(clock: dict[str, float], key: str, function: Callable[..., T], *args: object) -> T:
    start = time.perf_counter()
    result = function(*args)
    clock[key] = clock.get(key, 0.0) + time.perf_counter() - start
    return result


def photo_only(pair: Pair) -> bool:
    return pair.distance is not None and pair.check is not None and pair.check.verified


def left_for_keypoints(pair: Pair) -> bool:
    """Verified past its placement (or not placed at all): its keypoints were matched."""
    return pair.check is not None and (pair.check.placed is None or pair.check.placed.plausible)


def with_name(pair: Pair) -> bool:
    return pair.distance is not None and (pair.distance <= PHOTO_LOOSE or photo_only(pair))


def report(part: str, true_pairs: list[Pair], false_pairs: list[Pair], compared: int) -> None:
    by_edit: dict[str, list[Pair]] = defaultdict(list)
    for pair in true_pairs:
        by_edit[pair.edit].append(pair)
    print(f"\nrecall per edit ({part}): candidate (distance ≤ {PHOTO_CANDIDATE}), photo alone (verified), with a name")
    for edit, pairs in by_edit.items():
        n = len(pairs)
        cand = sum(p.distance is not None for p in pairs)
        alone, named = sum(map(photo_only, pairs)) / n, sum(map(with_name, pairs)) / n
        print(f"  {edit:<22} {cand / n:5.2f}  {alone:5.2f}  {named:5.2f}")
    n = len(true_pairs)
    print(f"  {'ALL':<22} {sum(p.distance is not None for p in true_pairs) / n:5.2f}  "
          f"{sum(map(photo_only, true_pairs)) / n:5.3f}  {sum(map(with_name, true_pairs)) / n:5.3f}")  # fmt: skip
    fp_alone = sum(map(photo_only, false_pairs))
    fp_name = sum(map(with_name, false_pairs))
    print(f"\ndifferent-people pairs ({part}): {compared:,}; within the candidate distance: {len(false_pairs):,}")
    for label, fp in (("photo alone", fp_alone), ("with a name", fp_name)):
        rate, upper = fp / compared, upper95(fp, compared)
        print(f"  {label:<12} false matches {fp} → {rate:.2e} per pair (95% upper bound {upper:.2e}); "
              f"at {DISTRICT_STAFF:,} staff × {WEEKLY_PROFILES:,} profiles: "
              f"{upper * DISTRICT_STAFF * WEEKLY_PROFILES:,.0f} expected per weekly pass (bound)")  # fmt: skip
    for label, pairs in (("copies", [p for p in true_pairs if p.distance is not None]), ("strangers", false_pairs)):
        kept = sum(map(left_for_keypoints, pairs))
        print(f"  before keypoints, where the matched views place the avatar: {label} kept {kept}/{len(pairs)}")
    worst = sorted((p.check for p in false_pairs if p.check), key=lambda c: -c.agreement)[:5]
    if worst:
        closest = [(round(c.agreement, 3), c.inliers, round(c.patches, 2), c.chroma_agreement, c.colour_fit)
                   for c in worst]  # fmt: skip
        print("  closest different-people verifications (agreement, inliers, patches, chroma, colour fit):", closest)


def sweep(true_pairs: list[Pair], false_pairs: list[Pair], compared: int) -> None:
    """Photo-alone recall and false matches over the verification thresholds (calibration part only)."""
    names = ("MIN_INLIERS", "PATCH_AGREEMENT", "LUMA_AGREEMENT", "ONE_HUE_AGREEMENT", "CHROMA_AGREEMENT")
    print(f"\nsweep (calibration part): {', '.join(names)}, hash distance → recall, false per pair")
    saved = [getattr(photo_check, name) for name in names]
    grid = itertools.product((8, 10, 12), (0.6, 0.7, 0.8), (0.84, 0.86, 0.88), (0.9, 0.92, 0.94), (0.85, 0.88, 0.9),
                             (46, PHOTO_CANDIDATE))  # fmt: skip
    for *setting, cap in grid:
        for name, value in zip(names, setting, strict=True):
            setattr(photo_check, name, value)
        recall = sum(photo_only(p) and p.distance <= cap for p in true_pairs) / len(true_pairs)
        fp = sum(photo_only(p) and p.distance <= cap for p in false_pairs)
        print(f"  {(*setting, cap)} → {recall:.3f}  {fp} ({fp / compared:.1e})")
    for name, value in zip(names, saved, strict=True):
        setattr(photo_check, name, value)
    saved_fit = photo_check.COLOUR_FIT
    print("\nsweep (calibration part): COLOUR_FIT at the other thresholds as they are → recall, false per pair")
    for fit in (0.0, 0.6, 0.65, 0.7, 0.72, 0.75, 0.8, 0.85):
        photo_check.COLOUR_FIT = fit
        recall = sum(map(photo_only, true_pairs)) / len(true_pairs)
        fp = sum(map(photo_only, false_pairs))
        print(f"  {fit:.2f} → {recall:.3f}  {fp} ({fp / compared:.1e})")
    photo_check.COLOUR_FIT = saved_fit
    print("\nsweep (calibration part): PLAUSIBLE_AGREEMENT, PLAUSIBLE_FIT → recall, false per pair, "
          "share of strangers' candidates left for keypoints")  # fmt: skip
    saved_place = photo_check.PLAUSIBLE_AGREEMENT, photo_check.PLAUSIBLE_FIT
    for agreement, fit in itertools.product((0.0, 0.3, 0.4, 0.5, 0.6), (0.0, 0.2, 0.3, 0.4, 0.5)):
        photo_check.PLAUSIBLE_AGREEMENT, photo_check.PLAUSIBLE_FIT = agreement, fit
        recall = sum(map(photo_only, true_pairs)) / len(true_pairs)
        fp = sum(map(photo_only, false_pairs))
        left = sum(map(left_for_keypoints, false_pairs))
        print(
            f"  ({agreement}, {fit}) → {recall:.3f}  {fp} ({fp / compared:.1e})  {left / max(len(false_pairs), 1):.2f}"
        )
    photo_check.PLAUSIBLE_AGREEMENT, photo_check.PLAUSIBLE_FIT = saved_place


def upper95(k: int, n: int) -> float:
    """One-sided 95% upper bound on a rate seen k times in n (exact for k = 0, Wilson otherwise)."""
    if n == 0:
        return 1.0
    if k == 0:
        return 1 - 0.05 ** (1 / n)
    z, p = 1.645, k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre + spread) / (1 + z * z / n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("calibration", "test", "both"), default="both")
    parser.add_argument("--people", type=int, default=120)
    parser.add_argument("--strangers", type=int, default=240)
    parser.add_argument("--sweep", action="store_true", help="print the threshold sweep (calibration part)")
    parser.add_argument("--colour-residual", type=float, help="try another COLOUR_RESIDUAL (levels)")
    args = parser.parse_args()
    if args.colour_residual is not None:
        photo_check.COLOUR_RESIDUAL = args.colour_residual
    parts = ("calibration", "test") if args.part == "both" else (args.part,)
    for part in parts:
        true_pairs, false_pairs, compared = run(part, args.people, args.strangers)
        report(part, true_pairs, false_pairs, compared)
        if args.sweep and part == "calibration":
            sweep(true_pairs, false_pairs, compared)
        wrong = [p for p in false_pairs if photo_only(p)]
        print("hash distances of the false photo-alone matches:", sorted(p.distance for p in wrong))
        if wrong:
            print("false photo-alone matches by edit:", dict(Counter(p.edit for p in wrong)))
            print("  and by origins (query ~ enrolled):", dict(Counter(p.origins for p in wrong)))
        missed = Counter(p.origins for p in true_pairs if not photo_only(p))
        print(
            "copies missed (photo alone) by origin:", dict(missed), "of", dict(Counter(p.origins for p in true_pairs))
        )


if __name__ == "__main__":
    main()
